import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng';
import {
  DIGITS_COUNT,
  DIGITS_PERMUTATION,
  createDigitsTask,
  encodeDigits,
  parseDigits,
  type DigitsData,
} from '../../src/tasks/digits';
import { digitsPathNode, loadDigitsNode } from '../../src/tasks/digits-node';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const csvPath = process.env.KRU_DIGITS_CSV ?? resolve(root, '../shared/data/digits.csv.gz');
const SHA256 = '68aea062d35a127749050fa0e52dca09d6569ac08092c925610e0954e172dde2';

let data: DigitsData;
beforeAll(async () => {
  data = await loadDigitsNode();
});

describe('digits data', () => {
  it('the shipped file is found from the repo root and is the pinned 1797×65 bytes', () => {
    const path = digitsPathNode();
    expect(path).toBe(resolve(root, 'public/data/digits.u8'));
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(1797 * 65);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(SHA256);
    expect(data.count).toBe(DIGITS_COUNT);
    expect(data.pixels.length).toBe(1797 * 64);
    expect(data.labels.length).toBe(1797);
  });

  it.skipIf(!existsSync(csvPath))('parses to exactly the values of digits.csv.gz', () => {
    const lines = gunzipSync(readFileSync(csvPath)).toString('utf8').trim().split('\n');
    expect(lines.length).toBe(1797);
    lines.forEach((line, i) => {
      const f = line.split(',').map(Number);
      expect(f.length).toBe(65);
      const pixels = Array.from(data.pixels.subarray(i * 64, (i + 1) * 64));
      if (pixels.join() !== f.slice(0, 64).join() || data.labels[i] !== f[64]) {
        throw new Error(`record ${i} differs from csv line ${i + 1}`);
      }
    });
  });

  it('round-trips through encodeDigits and copies its input', () => {
    const bytes = encodeDigits(data);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(SHA256);
    const again = parseDigits(bytes);
    expect(again.pixels).toEqual(data.pixels);
    expect(again.labels).toEqual(data.labels);
    bytes[0] = 16;
    expect(again.pixels[0]).toBe(data.pixels[0]);
  });

  it('rejects bad bytes with a clear error', () => {
    expect(() => parseDigits(new Uint8Array(0))).toThrow(/multiple of 65 bytes.*got 0 bytes/);
    expect(() => parseDigits(new Uint8Array(64))).toThrow(/multiple of 65/);
    expect(() => parseDigits(new Uint8Array(1797 * 65 + 1))).toThrow(/multiple of 65/);
    const badPixel = new Uint8Array(130);
    badPixel[65 + 3] = 17;
    expect(() => parseDigits(badPixel)).toThrow(/record 1, pixel 3 is 17, outside 0…16/);
    const badLabel = new Uint8Array(130);
    badLabel[64] = 10;
    expect(() => parseDigits(badLabel)).toThrow(/record 0 has label 10/);
    const gz = new Uint8Array(130);
    gz[0] = 0x1f;
    gz[1] = 0x8b;
    expect(() => parseDigits(gz)).toThrow(/gzip/);
    const html = new TextEncoder().encode('<!doctype html>'.padEnd(65, ' '));
    expect(() => parseDigits(html)).toThrow(/outside 0…16/);
  });
});

describe('pixel-by-pixel digits task', () => {
  it('has 64 steps, D = 1, K = 10, xent, accuracy, baseline = train label entropy ≈ ln 10', () => {
    const task = createDigitsTask(data);
    expect(task.name).toBe('digits');
    expect(task.seqLength).toBe(64);
    expect(task.inputSize).toBe(1);
    expect(task.outputSize).toBe(10);
    expect(task.loss).toBe('xent');
    expect(task.hasAccuracy).toBe(true);
    const counts = new Array(10).fill(0);
    for (const i of task.trainIndices) counts[data.labels[i]]++;
    const h = -counts.reduce((s: number, c: number) => s + (c / 1497) * Math.log(c / 1497), 0);
    expect(task.baseline).toBeCloseTo(h, 12);
    expect(task.baseline).toBeLessThanOrEqual(Math.log(10));
    expect(task.baseline).toBeGreaterThan(Math.log(10) - 0.01);
  });

  it('splits 1497 / 300 with a fixed, disjoint, complete split', () => {
    const task = createDigitsTask(data);
    expect(task.trainIndices.length).toBe(1497);
    expect(task.testIndices.length).toBe(300);
    const all = new Set([...task.trainIndices, ...task.testIndices]);
    expect(all.size).toBe(1797);
    expect(Math.min(...all)).toBe(0);
    expect(Math.max(...all)).toBe(1796);
    const again = createDigitsTask(data, { permuted: true });
    expect(again.trainIndices).toEqual(task.trainIndices);
    expect(again.testIndices).toEqual(task.testIndices);
    // shuffled, not the first 1497 lines
    expect(Array.from(task.testIndices).some((i) => i < 1497)).toBe(true);
  });

  it('batches: pixel / 16 in reading order, target only at the last step', () => {
    const task = createDigitsTask(data);
    const batch = task.trainBatch(new Rng(3), 32);
    expect([batch.B, batch.T, batch.D]).toEqual([32, 64, 1]);
    expect(batch.x.length).toBe(32 * 64);
    const train = new Set(task.trainIndices);
    for (let b = 0; b < 32; b++) {
      for (let t = 0; t < 63; t++) expect(Number.isNaN(batch.targets[b * 64 + t])).toBe(true);
      const label = batch.targets[b * 64 + 63];
      const row = Array.from(batch.x.subarray(b * 64, (b + 1) * 64));
      // find the training record this row came from
      const match = [...train].filter(
        (i) => data.labels[i] === label && row.every((v, t) => v === data.pixels[i * 64 + t] / 16),
      );
      expect(match.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('the permuted variant reads a fixed permutation of the 64 positions', () => {
    const perm = Array.from(DIGITS_PERMUTATION);
    expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(perm.filter((p, i) => p === i).length).toBeLessThan(8); // far from the identity
    const plain = createDigitsTask(data);
    const permuted = createDigitsTask(data, { permuted: true });
    expect(permuted.name).toBe('digits-permuted');
    expect(Array.from(permuted.order)).toEqual(perm);
    expect(Array.from(createDigitsTask(data, { permuted: true }).order)).toEqual(perm);
    const a = plain.trainBatch(new Rng(11), 20);
    const p = permuted.trainBatch(new Rng(11), 20);
    expect(p.targets).toEqual(a.targets);
    for (let b = 0; b < 20; b++)
      for (let t = 0; t < 64; t++) expect(p.x[b * 64 + t]).toBe(a.x[b * 64 + perm[t]]);
    const ta = plain.testSet();
    const tp = permuted.testSet();
    for (let b = 0; b < 300; b++)
      for (let t = 0; t < 64; t++) expect(tp.x[b * 64 + t]).toBe(ta.x[b * 64 + perm[t]]);
  });

  it('testSet() is the whole test split as one batch, the same every call', () => {
    const task = createDigitsTask(data);
    const test = task.testSet();
    expect([test.B, test.T, test.D]).toEqual([300, 64, 1]);
    for (let b = 0; b < 300; b++) {
      const i = task.testIndices[b];
      expect(test.targets[b * 64 + 63]).toBe(data.labels[i]);
      for (let t = 0; t < 64; t++) expect(test.x[b * 64 + t]).toBe(data.pixels[i * 64 + t] / 16);
      for (let t = 0; t < 63; t++) expect(Number.isNaN(test.targets[b * 64 + t])).toBe(true);
    }
    const again = task.testSet();
    expect(again.x).toEqual(test.x);
    expect(again.x).not.toBe(test.x); // fresh arrays: safe to transfer
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const task = createDigitsTask(data);
    const a = task.trainBatch(new Rng(42), 64);
    const b = task.trainBatch(new Rng(42), 64);
    const c = task.trainBatch(new Rng(43), 64);
    expect(b.x).toEqual(a.x);
    expect(b.targets).toEqual(a.targets);
    expect(c.x).not.toEqual(a.x);
  });

  it('rejects bad options', () => {
    expect(() => createDigitsTask(data, { testSize: 1797 })).toThrow(/test size/);
    expect(() => createDigitsTask(data, { testSize: 0 })).toThrow(/test size/);
    expect(() =>
      createDigitsTask({ count: 2, pixels: new Uint8Array(64), labels: new Uint8Array(2) }),
    ).toThrow(/inconsistent/);
  });
});
