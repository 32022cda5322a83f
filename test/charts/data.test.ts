import { describe, expect, it } from 'vitest';
import {
  ema,
  finiteExtent,
  linearDomain,
  linePath,
  linePathAffine,
  logDomain,
  minMaxDownsample,
  nearestIndex,
  pow10Ticks,
} from '../../src/charts/lib/data';
import { formatPow10, formatValue } from '../../src/core/format';
import { Decimator, IncrementalEma, LineCache } from '../../src/charts/lib/decimate';
import { affine } from '../../src/charts/lib/series';

describe('minMaxDownsample', () => {
  it('passes short series through', () => {
    const d = minMaxDownsample([3, 1, 2], 3, 10);
    expect(Array.from(d.idx.subarray(0, d.length))).toEqual([0, 1, 2]);
    expect(Array.from(d.y.subarray(0, d.length))).toEqual([3, 1, 2]);
  });
  it('keeps each bucket min and max in row order, ≤ 2 points per bucket', () => {
    const src = Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    src[500] = 50; // a spike must survive
    const d = minMaxDownsample(src, src.length, 20);
    expect(d.length).toBeLessThanOrEqual(40);
    const ys = Array.from(d.y.subarray(0, d.length));
    expect(Math.max(...ys)).toBe(50);
    const idx = Array.from(d.idx.subarray(0, d.length));
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
  });
  it('reads a strided column and maps values; non-finite become gaps', () => {
    // 2 columns: [a0 b0 a1 b1 ...]
    const src = [1, -1, 2, -2, 3, -3];
    const d = minMaxDownsample(src, 3, 10, 2, 1, (v) => (v > -2.5 ? v : NaN));
    expect(Array.from(d.y.subarray(0, d.length))).toEqual([-1, -2, NaN]);
  });
  it('a bucket with no finite value yields one NaN point', () => {
    const src = new Float32Array(100).fill(NaN);
    const d = minMaxDownsample(src, 100, 10);
    expect(d.length).toBe(10);
    expect(Array.from(d.y.subarray(0, d.length)).every(Number.isNaN)).toBe(true);
  });
});

describe('Decimator', () => {
  it('matches a full min/max and stays within its bucket budget as rows arrive', () => {
    const src = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i / 7) + (i === 3333 ? 9 : 0));
    const dec = new Decimator(64);
    for (let r = 0; r <= 5000; r += 37) dec.update(src, Math.min(r, 5000));
    dec.update(src, 5000);
    const p = dec.points();
    expect(dec.m).toBeLessThanOrEqual(64);
    expect(p.length).toBeLessThanOrEqual(128);
    const ys = Array.from(p.y.subarray(0, p.length));
    expect(Math.max(...ys)).toBeCloseTo(Math.fround(Math.sin(3333 / 7) + 9), 5);
    const idx = Array.from(p.idx.subarray(0, p.length));
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
    expect(dec.extent()).toEqual(finiteExtent(src, 5000));
  });
  it('refuses a shrinking series', () => {
    const dec = new Decimator(8);
    dec.update([1, 2, 3], 3);
    expect(dec.update([1], 1)).toBe(false);
  });
  it('LineCache rebuilds when the source changes', () => {
    const cache = new LineCache();
    const a = { epoch: 0 };
    const b = { epoch: 0 };
    expect(cache.points('k', a, [1, 2, 3], 3, 10).dec.rows).toBe(3);
    const r = cache.points('k', b, [5], 1, 10);
    expect(Array.from(r.points.y.subarray(0, r.points.length))).toEqual([5]);
  });
  it('LineCache starts over when its source’s rows were rewritten (its epoch), even at the same row count', () => {
    const cache = new LineCache();
    const col = { epoch: 0 };
    cache.points('k', col, [1, 2, 3, 4], 4, 10, { smoothing: 0.5 });
    col.epoch++; // e.g. the History folded rows into min/max buckets: as many rows, other values
    const r = cache.points('k', col, [9, 9, 9, 9], 4, 10, { smoothing: 0.5 });
    expect(Array.from(r.points.y.subarray(0, r.points.length))).toEqual([9, 9, 9, 9]);
  });
});

describe('ema', () => {
  it('smoothing 0 is the identity and debiasing starts at the first value', () => {
    expect(Array.from(ema([1, 2, 3], 3, 0))).toEqual([1, 2, 3]);
    const s = ema([4, 4, 4], 3, 0.9);
    for (const v of s) expect(v).toBeCloseTo(4, 12);
  });
  it('skips non-finite values without disturbing the average', () => {
    const s = ema([1, NaN, 1], 3, 0.5);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[2]).toBeCloseTo(1, 12);
  });
  it('incremental EMA equals the batch one', () => {
    const src = Array.from({ length: 300 }, (_, i) => Math.cos(i) * i);
    const inc = new IncrementalEma(0.8);
    for (let r = 0; r <= 300; r += 17) inc.update(src, Math.min(300, r));
    inc.update(src, 300);
    const batch = ema(src, 300, 0.8);
    for (let i = 0; i < 300; i++) expect(inc.values[i]).toBeCloseTo(batch[i], 9);
  });
  it('incremental EMA starts afresh at a restart row (a run continued after a reset)', () => {
    const src = [...Array<number>(50).fill(10), ...Array<number>(50).fill(1)];
    const inc = new IncrementalEma(0.9);
    inc.update(src, 30, [50]);
    inc.update(src, 100, [50]);
    expect(inc.values[50]).toBe(1); // not pulled towards the earlier run's 10
    expect(inc.values[99]).toBe(1);
    const plain = new IncrementalEma(0.9);
    plain.update(src, 100);
    expect(plain.values[50]).toBeGreaterThan(9);
  });
});

describe('domains and log-safe transforms', () => {
  it('linearDomain pads, includes extra values and handles empty/degenerate input', () => {
    expect(linearDomain(Infinity, -Infinity)).toEqual([0, 1]);
    const [a, b] = linearDomain(2, 2);
    expect(a).toBeLessThan(2);
    expect(b).toBeGreaterThan(2);
    const d = linearDomain(0.5, 0.8, [1]);
    expect(d[1]).toBeGreaterThan(1);
  });
  it('logDomain ignores non-positive values, respects the floor and spans ≥ minDecades', () => {
    const [a, b] = logDomain(0, 10, [-3, NaN], 1e-6);
    expect(a).toBe(1e-6);
    expect(b).toBeGreaterThan(10);
    const [c, d] = logDomain(1, 1);
    expect(Math.log10(d) - Math.log10(c)).toBeCloseTo(1, 9);
    expect(logDomain(Infinity, -Infinity)).toEqual([0.1, 10]);
  });
  it('finiteExtent skips non-finite and, when asked, non-positive values', () => {
    expect(finiteExtent([NaN, -1, 0, 2, Infinity], 5)).toEqual([-1, 2]);
    expect(finiteExtent([NaN, -1, 0, 2, 5], 5, true)).toEqual([2, 5]);
  });
  it('pow10Ticks and formatPow10', () => {
    expect(pow10Ticks(1e-5, 20, 8)).toEqual([-5, -4, -3, -2, -1, 0, 1]);
    expect(pow10Ticks(1e-5, 20)).toEqual([-5, -3, -1, 1]); // thinned to ≤ 6
    expect(pow10Ticks(1e-12, 1, 4)).toEqual([-12, -8, -4, 0]);
    expect(pow10Ticks(2, 3)).toEqual([]);
    expect(formatPow10(-2)).toBe('0.01');
    expect(formatPow10(3)).toBe('1000');
    expect(formatPow10(-6)).toBe('10⁻⁶');
  });
  it('formatValue', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(0.12345)).toBe('0.123');
    expect(formatValue(1.5e-7)).toBe('1.5e−7');
    expect(formatValue(-2)).toBe('−2');
    expect(formatValue(Infinity)).toBe('∞');
    expect(formatValue(NaN)).toBe('NaN');
  });
  it('nearestIndex', () => {
    const s = [1, 2, 3, 10];
    expect(nearestIndex(s, 4, 0)).toBe(0);
    expect(nearestIndex(s, 4, 2.4)).toBe(1);
    expect(nearestIndex(s, 4, 7)).toBe(3);
    expect(nearestIndex(s, 0, 7)).toBe(-1);
  });
});

describe('path building', () => {
  it('breaks on gaps and shows lone points', () => {
    const ds = { length: 4, idx: Int32Array.from([0, 1, 2, 3]), y: Float64Array.from([1, NaN, 2, 3]) };
    expect(
      linePath(
        ds,
        (i) => i,
        (v) => v,
      ),
    ).toBe('M0,1h0M2,2L3,3');
  });
  it('the affine fast path equals the generic one (linear and log)', () => {
    const ds = { length: 3, idx: Int32Array.from([0, 1, 2]), y: Float64Array.from([1, 10, 0]) };
    const xs = [5, 6, 7];
    const [ax, bx] = affine([5, 7], [0, 100]);
    const [ay, by] = affine([0, 1], [50, 0]); // log10 domain [1, 10]
    expect(linePathAffine(ds, xs, ax, bx, ay, by, true, 1)).toBe(
      linePath(
        ds,
        (i) => ax * xs[i] + bx,
        (v) => ay * Math.log10(Math.max(v, 1)) + by,
      ),
    );
  });
});
