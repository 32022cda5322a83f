import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng';
import { COPY_BLANK, COPY_DELIMITER, copyBaseline, createCopyTask } from '../../src/tasks/copy';

describe('copy memory task', () => {
  it('has the paper shape: length T + 20, D = 10, K = 9, xent, baseline 10 ln 8 / (T + 20)', () => {
    const task = createCopyTask(30);
    expect(task.seqLength).toBe(50);
    expect(task.inputSize).toBe(10);
    expect(task.outputSize).toBe(9);
    expect(task.loss).toBe('xent');
    expect(task.hasAccuracy).toBe(true);
    expect(task.delimiterPosition).toBe(39);
    expect(task.baseline).toBeCloseTo((10 * Math.log(8)) / 50, 12);
    const b = task.trainBatch(new Rng(1), 7);
    expect([b.B, b.T, b.D]).toEqual([7, 50, 10]);
    expect(b.x.length).toBe(7 * 50 * 10);
    expect(b.targets.length).toBe(7 * 50);
    expect(b.targets.some(Number.isNaN)).toBe(false); // every position has a target
  });

  it('is one-hot with symbols, T − 1 blanks, the delimiter at T + 9, then blanks; targets recall the symbols', () => {
    for (const T of [1, 2, 10, 57]) {
      const task = createCopyTask(T);
      const L = T + 20;
      const D = 10;
      const batch = task.trainBatch(new Rng(T), 16);
      for (let b = 0; b < 16; b++) {
        const symbols: number[] = [];
        for (let t = 0; t < L; t++) {
          const row = Array.from(batch.x.subarray((b * L + t) * D, (b * L + t + 1) * D));
          expect(row.reduce((s, v) => s + v, 0)).toBe(1);
          const hot = row.indexOf(1);
          if (t < 10) {
            expect(hot).toBeGreaterThanOrEqual(1);
            expect(hot).toBeLessThanOrEqual(8);
            symbols.push(hot);
          } else if (t === T + 9) {
            expect(hot).toBe(COPY_DELIMITER);
          } else {
            expect(hot).toBe(COPY_BLANK);
          }
        }
        const targets = Array.from(batch.targets.subarray(b * L, (b + 1) * L));
        expect(targets.slice(0, T + 10)).toEqual(new Array(T + 10).fill(0));
        expect(targets.slice(T + 10)).toEqual(symbols);
      }
    }
  });

  it('baseline equals the loss of the best position-wise constant predictor, from counts', () => {
    const T = 20;
    const L = T + 20;
    const B = 20000;
    const task = createCopyTask(T);
    const batch = task.trainBatch(new Rng(123), B);
    let total = 0;
    for (let t = 0; t < L; t++) {
      const counts = new Float64Array(9);
      for (let b = 0; b < B; b++) counts[batch.targets[b * L + t]]++;
      // the best constant predictor at position t is the empirical distribution; its loss is its entropy
      for (const c of counts) if (c > 0) total -= (c / B) * Math.log(c / B);
    }
    const empirical = total / L;
    expect(Math.abs(empirical - copyBaseline(T))).toBeLessThan(2e-3);
    expect(empirical).toBeLessThanOrEqual(copyBaseline(T) + 1e-12); // plug-in entropy is biased low
  });

  it('symbols are uniform over the 8 symbols', () => {
    const batch = createCopyTask(5).trainBatch(new Rng(9), 8000);
    const counts = new Array(9).fill(0);
    for (let b = 0; b < 8000; b++) for (let i = 0; i < 10; i++) counts[batch.targets[b * 25 + 15 + i]]++;
    expect(counts[0]).toBe(0);
    for (let s = 1; s <= 8; s++) expect(Math.abs(counts[s] / 80000 - 1 / 8)).toBeLessThan(0.006);
  });

  it('is deterministic for a seed, differs across seeds, and advances the rng', () => {
    const task = createCopyTask(12);
    const a = task.trainBatch(new Rng(42), 32);
    const b = task.trainBatch(new Rng(42), 32);
    const c = task.trainBatch(new Rng(43), 32);
    expect(b.x).toEqual(a.x);
    expect(b.targets).toEqual(a.targets);
    expect(c.targets).not.toEqual(a.targets);
    const rng = new Rng(42);
    const first = task.trainBatch(rng, 32);
    const second = task.trainBatch(rng, 32);
    expect(second.targets).not.toEqual(first.targets);
  });

  it('rejects a bad delay or batch size', () => {
    expect(() => createCopyTask(0)).toThrow(/integer ≥ 1/);
    expect(() => createCopyTask(2.5)).toThrow(/integer ≥ 1/);
    expect(() => createCopyTask(10).trainBatch(new Rng(1), 0)).toThrow(/batch size/);
  });
});
