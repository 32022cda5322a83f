import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng';
import { ADDING_BASELINE, createAddingTask } from '../../src/tasks/adding';

describe('adding problem', () => {
  it('has length T, D = 2, K = 1, mse, baseline exactly 1/6', () => {
    const task = createAddingTask(50);
    expect(task.seqLength).toBe(50);
    expect(task.inputSize).toBe(2);
    expect(task.outputSize).toBe(1);
    expect(task.loss).toBe('mse');
    expect(task.hasAccuracy).toBe(false);
    expect(task.baseline).toBe(1 / 6);
    expect(ADDING_BASELINE).toBe(1 / 6);
    const b = task.trainBatch(new Rng(1), 5);
    expect([b.B, b.T, b.D]).toEqual([5, 50, 2]);
    expect(b.x.length).toBe(5 * 50 * 2);
    expect(b.targets.length).toBe(5 * 50);
  });

  it('has NaN targets except at the last step, one mask 1 per half, and target = sum of the marked numbers', () => {
    for (const T of [2, 3, 10, 101]) {
      const task = createAddingTask(T);
      const B = 64;
      const batch = task.trainBatch(new Rng(T * 7), B);
      const half = Math.floor(T / 2);
      for (let b = 0; b < B; b++) {
        const marks: number[] = [];
        let sum = 0;
        for (let t = 0; t < T; t++) {
          const v = batch.x[(b * T + t) * 2];
          const m = batch.x[(b * T + t) * 2 + 1];
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(1);
          expect(m === 0 || m === 1).toBe(true);
          if (m === 1) {
            marks.push(t);
            sum += v;
          }
          const target = batch.targets[b * T + t];
          if (t < T - 1) expect(Number.isNaN(target)).toBe(true);
        }
        expect(marks.length).toBe(2);
        expect(marks[0]).toBeLessThan(half);
        expect(marks[1]).toBeGreaterThanOrEqual(half);
        expect(batch.targets[b * T + T - 1]).toBe(Math.fround(sum));
      }
    }
  });

  it('the constant prediction 1 has MSE ≈ 1/6 over 20k samples', () => {
    const T = 20;
    const B = 20000;
    const batch = createAddingTask(T).trainBatch(new Rng(2024), B);
    let se = 0;
    let mean = 0;
    for (let b = 0; b < B; b++) {
      const y = batch.targets[b * T + T - 1];
      se += (y - 1) ** 2;
      mean += y;
    }
    mean /= B;
    // sd of (y − 1)² is ≈ 0.17, so the standard error over 20k is ≈ 0.0012
    expect(Math.abs(se / B - 1 / 6)).toBeLessThan(0.006);
    expect(Math.abs(mean - 1)).toBeLessThan(0.015);
  });

  it('markers are spread over each half', () => {
    const T = 10;
    const B = 10000;
    const batch = createAddingTask(T).trainBatch(new Rng(5), B);
    const counts = new Array(T).fill(0);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) counts[t] += batch.x[(b * T + t) * 2 + 1];
    for (let t = 0; t < T; t++) expect(Math.abs(counts[t] / B - 1 / 5)).toBeLessThan(0.02);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const task = createAddingTask(30);
    const a = task.trainBatch(new Rng(42), 16);
    const b = task.trainBatch(new Rng(42), 16);
    const c = task.trainBatch(new Rng(43), 16);
    expect(b.x).toEqual(a.x);
    expect(b.targets).toEqual(a.targets);
    expect(c.x).not.toEqual(a.x);
  });

  it('rejects a bad length or batch size', () => {
    expect(() => createAddingTask(1)).toThrow(/integer ≥ 2/);
    expect(() => createAddingTask(Number.NaN)).toThrow(/integer ≥ 2/);
    expect(() => createAddingTask(10).trainBatch(new Rng(1), -3)).toThrow(/batch size/);
  });
});
