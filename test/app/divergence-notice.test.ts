// A diverged model as the reader sees it: its mark on the charts (label, readout, legend, dash) and the page's
// banner (when, why, the likely cause; the others go on, or the run pauses when none is left).
import { describe, expect, it } from 'vitest';
import { divergenceAdvice, divergenceNotice } from '../../src/app/divergence-notice';
import { CHANGE_DASH, changeLabel, changeLegend, changeText } from '../../src/charts/lib/models';
import type { ModelSeries, Snapshot } from '../../src/engine/types';
import { History } from '../../src/history/history';
import { defaultModel } from '../../src/settings';

function rows(steps: number, lr: number, lambda: number, loss = 0.5): ModelSeries {
  const f = (v: number, w = 1) => new Float32Array(steps * w).fill(v);
  return {
    loss: f(loss),
    lambda: f(lambda),
    lr: f(lr),
    accuracy: f(NaN),
    reg: f(0),
    lambdaReg: f(0),
    factorDeviation: f(0),
    fullDeviation: f(0),
    spectralNorm: f(1),
    factorSingularValues: f(1, 2),
    gradNormsOverTime: f(1, 3),
    gradNorm: f(1),
  };
}

/** Steps `from`…`to` of the default KRU (at `kruLr`) beside the RNN, with these divergences. */
function snap(from: number, to: number, kruLr: number, diverged: Snapshot['diverged'] = {}): Snapshot {
  const k = to - from + 1;
  return {
    steps: Int32Array.from({ length: k }, (_, i) => from + i),
    models: [
      { id: 'kru', label: 'KRU', kind: 'kru' },
      { id: 'rnn', label: 'RNN', kind: 'rnn' },
    ],
    series: { kru: rows(k, kruLr, 0.01), rnn: rows(k, 0.003, 0) },
    detail: {},
    stepCount: to,
    baseline: 0.167,
    seqLength: 3,
    msPerStep: 1,
    backend: 'cpu',
    diverged,
  };
}

const models = [defaultModel('kru'), { ...defaultModel('rnn'), lr: 0.003 }];
const nan = { step: 337, reason: 'the loss is NaN' };

describe('the diverged mark on the charts', () => {
  it('is labelled with the model, solid, and its readout says when and why', () => {
    const h = new History();
    h.append(snap(1, 336, 0.001));
    expect(changeLegend(h).map((i) => i.label)).not.toContain('model diverged (stopped)');
    h.append(snap(337, 340, 10, { kru: nan }));
    const [mark] = h.changes.filter((c) => c.setting === 'diverged');
    expect(changeLabel(mark, 'KRU')).toBe('KRU diverged');
    expect(changeText(mark, 'KRU')).toBe('KRU diverged at step 337: the loss is NaN');
    expect(CHANGE_DASH[mark.setting]).toBe('');
    expect(changeLegend(h).map((i) => i.label)).toContain('model diverged (stopped)');
  });
});

describe('the banner', () => {
  it('names the model, the step, the reason and the likely cause; the others go on', () => {
    const h = new History();
    const s = snap(330, 340, 10, { kru: nan });
    h.append(s);
    expect(divergenceNotice(s, h, models, new Set())).toEqual({
      ids: ['kru'],
      all: false,
      text:
        'KRU diverged at step 337: the loss is NaN. Likely cause: a learning rate of 10 is large for this ' +
        'model (try 0.001–0.003).',
    });
    // What to do next points at the go-back button when a checkpoint from before is kept, else at Reset.
    expect(divergenceAdvice(1, false, true)).toBe(
      'It stopped training; the other models go on. Its weights are no longer numbers: the button below ' +
        'repeats the run from a checkpoint taken before the divergence, on the same batches, with a tenth of ' +
        'the learning rate; or fix the likely cause and press Reset.',
    );
    expect(divergenceAdvice(1, false, false)).toBe(
      'It stopped training; the other models go on. Its weights are no longer numbers: fix the likely cause ' +
        'and press Reset to train again (the charts keep this run before the reset mark).',
    );
    // Announced already: nothing new to say.
    expect(divergenceNotice(s, h, models, new Set(['kru']))).toBeNull();
    expect(divergenceNotice(snap(341, 342, 10), h, models, new Set())).toBeNull();
  });

  it('reads λ and lr at the step that showed it as they were set (not float32 noise)', () => {
    const h = new History();
    const s = snap(1, 5, 0.003, { kru: { step: 2, reason: 'the gradient norm is infinite' } });
    h.append(s);
    expect(divergenceNotice(s, h, models, new Set())!.text).toContain(
      'Likely cause: lower the learning rate (now 0.003).',
    );
  });

  it('when the last model diverges, says the run is paused', () => {
    const h = new History();
    const s = snap(1, 9, 10, { kru: { step: 2, reason: 'the loss is NaN' }, rnn: nan });
    h.append(s);
    const n = divergenceNotice(s, h, models, new Set(['kru']))!;
    expect(n.ids).toEqual(['rnn']);
    expect(n.all).toBe(true);
    expect(n.text).toMatch(
      /^RNN diverged at step 337: the loss is NaN\. Likely cause: lower the learning rate/,
    );
    expect(divergenceAdvice(1, n.all, false)).toContain(
      'It stopped training, and no model is left training: the run is paused.',
    );
    // Both at once: one banner for the two.
    const both = divergenceNotice(s, h, models, new Set())!;
    expect(both.ids).toEqual(['kru', 'rnn']);
    expect(both.all).toBe(true);
    expect(divergenceAdvice(both.ids.length, both.all, true)).toMatch(
      /^They stopped training, and no model is left training: the run is paused\. Their weights/,
    );
  });

  it('gives the step on the charts’ axis in a run continued after a reset', () => {
    const h = new History();
    h.append(snap(1, 100, 0.001));
    h.continueRun('lr 0.001→10');
    const s = snap(1, 5, 10, { kru: { step: 3, reason: 'the loss is NaN' } });
    h.append(s);
    expect(divergenceNotice(s, h, models, new Set())!.text).toMatch(/^KRU diverged at step 103:/);
    expect(h.changes.find((c) => c.setting === 'diverged')!.step).toBe(103);
  });
});
