import { describe, expect, it } from 'vitest';
import { History, MERGE_STEPS } from '../../src/history/history';
import type { ModelSeries, Snapshot } from '../../src/engine/types';

function series(k: number, T: number, F: number, lambda: number): ModelSeries {
  const f = (w: number, v: number) => new Float32Array(k * w).fill(v);
  return {
    loss: f(1, 1),
    lambda: f(1, lambda),
    lr: f(1, 0.01),
    accuracy: f(1, NaN),
    reg: f(1, 2),
    lambdaReg: f(1, 3),
    factorDeviation: f(F, 4),
    fullDeviation: f(1, 5),
    spectralNorm: f(1, 6),
    factorSingularValues: f(2 * F, 7),
    gradNormsOverTime: f(T, 8),
    gradNorm: f(1, 9),
  };
}

function snap(steps: number[], lambda: number, T = 3): Snapshot {
  const k = steps.length;
  return {
    steps: Int32Array.from(steps),
    models: [{ id: 'kru', label: 'KRU', kind: 'kru' }],
    series: { kru: series(k, T, 2, lambda) },
    detail: {},
    stepCount: steps.at(-1) ?? 0,
    baseline: 0.5,
    seqLength: T,
    msPerStep: 1,
    backend: 'cpu',
  };
}

describe('History', () => {
  it('appends chunks into columns and records λ changes', () => {
    const h = new History();
    h.append(snap([], 0.1)); // an empty first chunk must not fix the column widths at 0
    h.append(snap([1, 2], 0.1));
    h.append(snap([3], 1));
    const kru = h.series.kru;
    expect(kru.loss.rows).toBe(3);
    expect(kru.gradNormsOverTime.width).toBe(3);
    expect(kru.gradNormsOverTime.rows).toBe(3);
    expect(kru.factorDeviation.row(2)).toEqual(new Float32Array([4, 4]));
    expect(h.changes).toEqual([
      { step: 3, model: 'kru', setting: 'lambda', from: expect.closeTo(0.1, 6), to: 1 },
    ]);
    expect(Array.from(h.steps.view())).toEqual([1, 2, 3]);
  });

  it('grows past its initial capacity', () => {
    const h = new History();
    for (let i = 0; i < 50; i++) h.append(snap([2 * i + 1, 2 * i + 2], 0.1, 40));
    expect(h.series.kru.gradNormsOverTime.rows).toBe(100);
    expect(h.steps.view()[99]).toBe(100);
  });

  it('records one change for a slider drag (changes within MERGE_STEPS merge), and none when dragged back', () => {
    const h = new History();
    h.append(snap([1, 2], 0.01));
    // A drag: a new λ at each of steps 3…7, ending at 1.
    for (const [step, lambda] of [
      [3, 0.02],
      [4, 0.05],
      [5, 0.2],
      [6, 0.6],
      [7, 1],
    ])
      h.append(snap([step], lambda));
    expect(h.changes).toEqual([
      { step: 3, model: 'kru', setting: 'lambda', from: expect.closeTo(0.01, 6), to: 1 },
    ]);
    // Much later, a second change is its own mark.
    h.append(snap([7 + MERGE_STEPS + 1], 2));
    expect(h.changes.map((c) => c.to)).toEqual([1, 2]);
    // Dragged back to where it started within the window: the mark goes away.
    h.append(snap([7 + MERGE_STEPS + 2], 1));
    expect(h.changes.map((c) => c.to)).toEqual([1]);
  });

  it('a long drag on a fast run is still one change: each value counts from the one before it', () => {
    const h = new History();
    h.append(snap([1, 2], 0.01));
    // A new λ every 15 steps from step 3 to step 48: 45 steps in all, over twice MERGE_STEPS.
    for (const [step, lambda] of [
      [3, 0.05],
      [18, 0.3],
      [33, 1],
      [48, 2],
    ])
      h.append(snap([step], lambda));
    expect(h.changes).toEqual([
      { step: 3, model: 'kru', setting: 'lambda', from: expect.closeTo(0.01, 6), to: 2 },
    ]);
    // A pause longer than MERGE_STEPS after the drag's last value: a new mark.
    h.append(snap([48 + MERGE_STEPS + 1], 3));
    expect(h.changes.map((c) => c.to)).toEqual([2, 3]);
  });

  it("continues through a reset: the new run's steps follow the last one after a reset mark", () => {
    const h = new History();
    h.append(snap([1, 2, 3], 0.1));
    h.continueRun('seed 1→2');
    expect(h.runStart).toBe(3);
    expect(h.runStarts).toEqual([3]);
    // The new run counts its own steps from 1, at another λ: shifted, and the λ is no change mark.
    const next = snap([1, 2], 1);
    expect(h.accepts(next)).toBe(true);
    h.append(next);
    expect(Array.from(h.steps.view())).toEqual([1, 2, 3, 4, 5]);
    expect(h.changes).toEqual([
      { step: 4, model: '', setting: 'reset', from: NaN, to: NaN, note: 'seed 1→2' },
    ]);
    expect(h.series.kru.loss.rows).toBe(5);
    // A λ change right after the reset is its own mark (it does not merge into a change before the reset).
    h.append(snap([3], 2));
    expect(h.changes.map((c) => [c.setting, c.step])).toEqual([
      ['reset', 4],
      ['lambda', 6],
    ]);
  });

  it('records one diverged mark per model per run, at the step that showed it, with the reason', () => {
    const h = new History();
    h.append(snap([1, 2], 0.1));
    expect(h.changes).toEqual([]);
    const first = snap([3, 4], 0.1);
    first.diverged = { kru: { step: 3, reason: 'the loss is NaN' } };
    h.append(first);
    const mark = { step: 3, model: 'kru', setting: 'diverged', from: NaN, to: NaN, note: 'the loss is NaN' };
    expect(h.changes).toEqual([mark]);
    // Every later snapshot still reports it: no second mark.
    for (const step of [5, 6, 7]) {
      const again = snap([step], 0.1);
      again.diverged = { kru: { step: 3, reason: 'the loss is NaN' } };
      h.append(again);
    }
    expect(h.changes).toEqual([mark]);
    // A λ drag across it still merges into one change: the mark is not a setting.
    const a = snap([8], 0.2);
    const b = snap([9], 0.5);
    a.diverged = b.diverged = first.diverged;
    h.append(a);
    h.append(b);
    expect(h.changes.map((c) => [c.setting, c.step, c.to])).toEqual([
      ['diverged', 3, NaN],
      ['lambda', 8, 0.5],
    ]);
    // A run continued after a reset may diverge again: a new mark, at its step on the shared timeline.
    h.continueRun('lr 10→0.001');
    h.append(snap([1], 0.5));
    const later = snap([2], 0.5);
    later.diverged = { kru: { step: 2, reason: 'the gradient norm is infinite' } };
    h.append(later);
    expect(h.changes.filter((c) => c.setting === 'diverged')).toEqual([
      mark,
      { ...mark, step: 11, note: 'the gradient norm is infinite' },
    ]);
  });

  it('accepts only snapshots of the same models with the same column widths', () => {
    const h = new History();
    h.append(snap([1], 0.1, 3));
    expect(h.accepts(snap([1], 0.1, 3))).toBe(true);
    expect(h.accepts(snap([1], 0.1, 4))).toBe(false); // another sequence length
    const other = snap([1], 0.1, 3);
    other.models = [{ id: 'rnn', label: 'RNN', kind: 'rnn' }];
    other.series = { rnn: other.series.kru };
    expect(h.accepts(other)).toBe(false); // other models
    const wider = snap([1], 0.1, 3);
    wider.series.kru.factorDeviation = new Float32Array(3); // three factors instead of two
    expect(h.accepts(wider)).toBe(false);
    expect(new History().accepts(other)).toBe(true); // an empty History takes anything
  });
});
