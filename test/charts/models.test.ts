import { describe, expect, it } from 'vitest';
import { History } from '../../src/history/history';
import type { ModelInfo, ModelSeries, Snapshot } from '../../src/engine/types';
import { modelColors, modelStyleAt, modelStyles, okabeIto } from '../../src/charts/palette';
import {
  anyPositive,
  changeLabel,
  changeText,
  deviationLegend,
  gradProfileLegend,
  lossLegend,
  penalisedKrus,
  singularValuesLegend,
  spectrumLegend,
  styleOf,
  stylesOf,
} from '../../src/charts/lib/models';

const MODELS: ModelInfo[] = [
  { id: 'kru', label: 'KRU', kind: 'kru' },
  { id: 'kru-l0', label: 'KRU λ=0', kind: 'kru' },
  { id: 'rnn', label: 'RNN', kind: 'rnn' },
];

function series(k: number, lambda: number, lr = 0.01): ModelSeries {
  const f = (w: number, v: number) => new Float32Array(k * w).fill(v);
  return {
    loss: f(1, 0.7),
    lambda: f(1, lambda),
    lr: f(1, lr),
    accuracy: f(1, NaN),
    reg: f(1, 2),
    lambdaReg: f(1, 2 * lambda),
    factorDeviation: f(2, 4),
    fullDeviation: f(1, 5),
    spectralNorm: f(1, 1),
    factorSingularValues: f(4, 1),
    gradNormsOverTime: f(3, 1),
    gradNorm: f(1, 1),
  };
}

function snap(steps: number[], lambda: number, rnnLr = 0.01): Snapshot {
  const k = steps.length;
  return {
    steps: Int32Array.from(steps),
    models: MODELS,
    series: { kru: series(k, lambda), 'kru-l0': series(k, 0), rnn: series(k, 0, rnnLr) },
    detail: {},
    stepCount: steps.at(-1) ?? 0,
    baseline: 0.69,
    seqLength: 3,
    msPerStep: 1,
    backend: 'cpu',
  };
}

/** Two KRUs (one with λ > 0, one at λ = 0) and an RNN; λ of the first KRU and lr of the RNN change once. */
function threeModels(): History {
  const h = new History();
  h.append(snap([1, 2], 0.01));
  h.append(snap([3], 1, 0.001));
  return h;
}

describe('model styles', () => {
  it('keeps the default run (KRU then RNN) blue and vermillion, solid', () => {
    const s = modelStyles([
      { id: 'kru', label: 'KRU', kind: 'kru' },
      { id: 'rnn', label: 'RNN', kind: 'rnn' },
    ]);
    expect(s.map((m) => [m.id, m.label, m.color, m.dash])).toEqual([
      ['kru', 'KRU', okabeIto.blue, ''],
      ['rnn', 'RNN', okabeIto.vermillion, ''],
    ]);
  });

  it('styles follow position, not kind: two RNNs get two colours', () => {
    const s = modelStyles([
      { id: 'a', label: 'RNN a', kind: 'rnn' },
      { id: 'b', label: 'RNN b', kind: 'rnn' },
    ]);
    expect(s[0].color).not.toBe(s[1].color);
  });

  it('tells up to 12 models apart by colour and dash', () => {
    const keys = Array.from({ length: 12 }, (_, i) => {
      const { color, dash } = modelStyleAt(i);
      return `${color}|${dash}`;
    });
    expect(new Set(keys).size).toBe(12);
    // the first modelColors.length models are told apart by colour alone, and are solid
    const first = Array.from({ length: modelColors.length }, (_, i) => modelStyleAt(i));
    expect(new Set(first.map((s) => s.color)).size).toBe(modelColors.length);
    expect(first.every((s) => s.dash === '')).toBe(true);
  });
});

describe('a run of three models (two KRUs, one RNN)', () => {
  it('yields three styles with distinct colours and the models’ labels, in config order', () => {
    const h = threeModels();
    const s = stylesOf(h);
    expect(s.map((m) => m.id)).toEqual(['kru', 'kru-l0', 'rnn']);
    expect(s.map((m) => m.label)).toEqual(['KRU', 'KRU λ=0', 'RNN']);
    expect(s.map((m) => m.kind)).toEqual(['kru', 'kru', 'rnn']);
    expect(new Set(s.map((m) => m.color)).size).toBe(3);
  });

  it('gives every per-model legend three entries with distinct colours and the labels', () => {
    const h = threeModels();
    for (const items of [spectrumLegend(h), gradProfileLegend(h)]) {
      const perModel = items.slice(0, 3);
      expect(perModel.map((it) => it.label.split(',')[0])).toEqual(['KRU', 'KRU λ=0', 'RNN']);
      expect(new Set(perModel.map((it) => it.color)).size).toBe(3);
    }
  });

  it('the loss legend has a task loss per model and λ·R only for the KRU with λ > 0', () => {
    const h = threeModels();
    const labels = lossLegend(h).map((it) => it.label);
    expect(labels.filter((l) => l.endsWith('task loss'))).toEqual([
      'KRU task loss',
      'KRU λ=0 task loss',
      'RNN task loss',
    ]);
    expect(labels.filter((l) => l.endsWith('λ·R'))).toEqual(['KRU λ·R']);
    expect(labels).toContain('λ changed');
    expect(labels).toContain('lr changed');
    expect(penalisedKrus(h).map((m) => m.id)).toEqual(['kru']);
  });

  it('deviation and singular-value legends cover every model, factors only for KRUs', () => {
    const h = threeModels();
    const dev = deviationLegend(h, '5 3').map((it) => it.label);
    expect(dev.slice(0, 3)).toEqual(['KRU full W', 'KRU λ=0 full W', 'RNN W (‖WᵀW − I‖²_F)']);
    const sv = singularValuesLegend(h).map((it) => it.label);
    expect(sv.filter((l) => l.includes('factor σ₁'))).toEqual([
      'KRU factor σ₁ (largest)',
      'KRU λ=0 factor σ₁ (largest)',
    ]);
    expect(sv.filter((l) => l.endsWith('‖W‖₂'))).toEqual(['KRU ‖W‖₂', 'KRU λ=0 ‖W‖₂', 'RNN ‖W‖₂']);
  });

  it('labels λ and lr changes with the changed model', () => {
    const h = threeModels();
    const s = stylesOf(h);
    expect(h.changes.map((c) => `${c.model}:${c.setting}`)).toEqual(['kru:lambda', 'rnn:lr']);
    const [lam, lr] = h.changes;
    expect(changeLabel(lam, styleOf(s, lam.model).label)).toBe('KRU λ=1');
    expect(changeText(lam, 'KRU')).toMatch(/^KRU λ 0\.01\d* → 1 at step 3$/);
    expect(changeLabel(lr, styleOf(s, lr.model).label)).toMatch(/^RNN lr=0\.001/);
    expect(styleOf(s, 'gone').label).toBe('gone');
  });
});

describe('a run without a KRU', () => {
  it('has no factor legend entries, only ‖W‖₂', () => {
    const h = new History();
    const only: Snapshot = {
      ...snap([1], 0),
      models: [{ id: 'rnn', label: 'RNN', kind: 'rnn' }],
      series: { rnn: series(1, 0) },
    };
    h.append(only);
    expect(singularValuesLegend(h).map((it) => it.label)).toEqual(['RNN ‖W‖₂']);
    expect(lossLegend(h).some((it) => it.label.endsWith('λ·R'))).toBe(false);
  });
});

describe('anyPositive', () => {
  it('scans only new rows and remembers a positive value', () => {
    const h = new History();
    h.append(snap([1], 0));
    const col = h.series.kru.lambda;
    expect(anyPositive(col)).toBe(false);
    h.append(snap([2], 0.5));
    expect(anyPositive(col)).toBe(true);
    h.append(snap([3], 0));
    expect(anyPositive(col)).toBe(true);
    expect(anyPositive(undefined)).toBe(false);
    // Restored to before the positive value: no longer (a truncation rewrites the column: its epoch).
    h.truncateAfter(1);
    expect(anyPositive(col)).toBe(false);
    h.append(snap([2, 3], 0));
    expect(anyPositive(col)).toBe(false);
  });
});

describe('restore marks', () => {
  it('are labelled with their note, in the legend, and read out with their step', () => {
    const h = new History();
    h.append(snap([1, 2, 3], 0.01));
    h.truncateAfter(2, { note: 'restored step 2 · lr ÷10' });
    h.append(snap([3, 4], 0.01));
    const [c] = h.changes;
    expect(c).toMatchObject({ setting: 'restore', step: 3, model: '' });
    expect(changeLabel(c, '')).toBe('restored step 2 · lr ÷10');
    expect(changeText(c, '')).toBe('restored step 2 · lr ÷10, from step 3');
    expect(lossLegend(h).map((i) => i.label)).toContain('restored from a checkpoint');
  });
});
