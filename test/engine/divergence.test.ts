// When a model counts as diverged, the blank rows it records afterwards, and the likely cause in words.
import { describe, expect, it } from 'vitest';
import { blankRow, divergenceHint, divergenceOf } from '../../src/engine/divergence';
import type { StepRow } from '../../src/engine/series';
import { defaultModel } from '../../src/settings';

function row(patch: Partial<StepRow> = {}): StepRow {
  return {
    loss: 0.5,
    lambda: 0.01,
    lr: 1e-3,
    accuracy: 0.9,
    reg: 2,
    lambdaReg: 0.02,
    factorDeviation: [0.1, 0.2, 0.3],
    fullDeviation: 0.6,
    spectralNorm: 1.1,
    factorSingularValues: [1, 0.9, 1.2, 0.8, 1, 1],
    gradNormsOverTime: Float32Array.from([0.1, 0.2, 0.3, 0.4]),
    gradNorm: 1.5,
    ...patch,
  };
}

describe('divergenceOf', () => {
  it('passes a healthy row, and a huge but finite one (an exploding RNN goes on showing it)', () => {
    expect(divergenceOf(row())).toBeNull();
    expect(divergenceOf(row({ loss: 2.03e12, gradNorm: 1e20 }))).toBeNull();
  });

  it('a NaN or infinite loss', () => {
    expect(divergenceOf(row({ loss: NaN }))).toBe('the loss is NaN');
    expect(divergenceOf(row({ loss: Infinity }))).toBe('the loss is infinite');
    expect(divergenceOf(row({ loss: -Infinity }))).toBe('the loss is infinite');
  });

  it('a NaN or infinite gradient norm (the loss is checked first)', () => {
    expect(divergenceOf(row({ gradNorm: NaN }))).toBe('the gradient norm is NaN');
    expect(divergenceOf(row({ gradNorm: Infinity }))).toBe('the gradient norm is infinite');
    expect(divergenceOf(row({ loss: NaN, gradNorm: NaN }))).toBe('the loss is NaN');
  });
});

describe('blankRow', () => {
  it('is NaN everywhere but λ and lr, with the widths of the row it stands for', () => {
    const like = row();
    const b = blankRow(like, 0.5, 10);
    expect(b.lambda).toBe(0.5);
    expect(b.lr).toBe(10);
    for (const key of [
      'loss',
      'accuracy',
      'reg',
      'lambdaReg',
      'fullDeviation',
      'spectralNorm',
      'gradNorm',
    ] as const)
      expect(b[key], key).toBeNaN();
    expect(b.factorDeviation).toHaveLength(3);
    expect(b.factorSingularValues).toHaveLength(6);
    expect(b.gradNormsOverTime).toBeInstanceOf(Float32Array);
    expect(b.gradNormsOverTime).toHaveLength(4);
    for (const v of [...b.factorDeviation, ...b.factorSingularValues, ...b.gradNormsOverTime])
      expect(v).toBeNaN();
    // The row it was shaped on is untouched.
    expect(like.factorDeviation).toEqual([0.1, 0.2, 0.3]);
    expect(Array.from(like.gradNormsOverTime)).toEqual([0.1, 0.2, 0.3, 0.4].map(Math.fround));
  });

  it('keeps empty widths empty (an RNN has no factor singular values)', () => {
    const b = blankRow(row({ factorSingularValues: [], factorDeviation: [0.2] }), 0, 1e-3);
    expect(b.factorSingularValues).toEqual([]);
    expect(b.factorDeviation).toHaveLength(1);
  });
});

describe('divergenceHint', () => {
  const kru = defaultModel('kru', 8);
  const rnn = defaultModel('rnn', 8);

  it('names a large learning rate', () => {
    expect(divergenceHint(kru, 10, 0)).toBe(
      'a learning rate of 10 is large for this model (try 0.001–0.003)',
    );
    expect(divergenceHint(rnn, 0.05, 0)).toMatch(/^a learning rate of 0\.05 is large/);
  });

  it("names a large λ·lr for a KRU (the penalty's step overshoots), beside the lr when both", () => {
    expect(divergenceHint(kru, 0.01, 100)).toBe(
      "λ·lr = 1: the penalty's own step overshoots (lower λ or lr)",
    );
    const both = divergenceHint(kru, 1, 10);
    expect(both).toContain('a learning rate of 1 is large');
    expect(both).toContain('; λ·lr = 10');
    // An RNN has no λ: the same numbers say nothing of it.
    expect(divergenceHint(rnn, 0.01, 100)).not.toContain('λ·lr');
  });

  it('names an RNN initialised with gain > 1 and no clipping, and not once clipping is on', () => {
    const wild = { ...rnn, init: { kind: 'gaussian' as const, gain: 1.5 } };
    expect(divergenceHint(wild, 1e-3, 0)).toBe(
      'init gain 1.5 > 1 without clipping lets gradients explode (turn clipping on)',
    );
    expect(divergenceHint({ ...wild, clip: 1 }, 1e-3, 0)).toBe('lower the learning rate (now 0.001)');
  });

  it('falls back to lowering the learning rate', () => {
    expect(divergenceHint(kru, 0.003, 0.01)).toBe('lower the learning rate (now 0.003)');
    expect(divergenceHint(rnn, 0.003, 0)).toBe('lower the learning rate (now 0.003)');
  });
});
