import { describe, expect, it } from 'vitest';
import { History } from '../../src/history/history';
import { METRICS_FILE_KIND, metricsCsv, metricsJson } from '../../src/history/export';
import type { ModelSeries, Snapshot } from '../../src/engine/types';
import { range, snapshot } from './fixtures';

function series(k: number, T: number, lossAt: (i: number) => number): ModelSeries {
  const f = (w: number, v: number) => new Float32Array(k * w).fill(v);
  return {
    loss: Float32Array.from({ length: k }, (_, i) => lossAt(i)),
    lambda: f(1, 0.01),
    lr: f(1, 0.001),
    accuracy: f(1, NaN),
    reg: f(1, 2),
    lambdaReg: f(1, 0.02),
    factorDeviation: f(2, 4),
    fullDeviation: f(1, 5),
    spectralNorm: f(1, 6),
    factorSingularValues: f(4, 1),
    gradNormsOverTime: Float32Array.from({ length: k * T }, (_, j) => j + 1),
    gradNorm: f(1, 9),
  };
}

function run(): History {
  const h = new History();
  const snap: Snapshot = {
    steps: Int32Array.from([1, 2]),
    models: [
      { id: 'kru', label: 'KRU', kind: 'kru' },
      { id: 'rnn', label: 'RNN', kind: 'rnn' },
    ],
    series: { kru: series(2, 3, (i) => 0.1 + i), rnn: series(2, 3, (i) => 0.3 + i) },
    detail: {},
    stepCount: 2,
    baseline: 0.167,
    seqLength: 3,
    msPerStep: 1,
    backend: 'cpu',
  };
  h.append(snap);
  return h;
}

describe('metrics export', () => {
  it('CSV: long format, one row per step, model, metric and value; vector metrics indexed; NaN empty', () => {
    const lines = metricsCsv(run()).trimEnd().split('\n');
    expect(lines[0]).toBe('step,model,metric,value');
    // Per model and step: 9 scalar metrics + 2 factor deviations + 4 singular values + 3 gradient norms = 18.
    expect(lines).toHaveLength(1 + 2 * 2 * 18);
    expect(lines).toContain('1,kru,loss,0.100000001'); // the float32 value, read back exactly
    expect(lines).toContain('2,rnn,loss,1.29999995');
    expect(lines).toContain('1,kru,accuracy,');
    expect(lines).toContain('2,kru,gradNormsOverTime[2],6');
    expect(lines).toContain('1,rnn,factorDeviation[1],4');
    for (const l of lines.slice(1)) expect(Number(l.split(',')[3] || 0)).not.toBeNaN();
    expect(Math.fround(Number('0.100000001'))).toBe(Math.fround(0.1));
  });

  it('JSON: one object with steps, models, changes and every column per model; NaN as null', () => {
    const j = JSON.parse(metricsJson(run()));
    expect(j.kind).toBe(METRICS_FILE_KIND);
    expect(j.steps).toEqual([1, 2]);
    expect(j.models.map((m: { id: string }) => m.id)).toEqual(['kru', 'rnn']);
    expect(j.series.kru.loss).toEqual([0.100000001, 1.10000002]);
    expect(j.series.rnn.accuracy).toEqual([null, null]);
    expect(j.series.kru.gradNormsOverTime).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(j.baseline).toBe(0.167);
    expect(j.envelope).toBeNull();
  });

  it('names the min and max rows of a long run’s compacted steps', () => {
    const h = new History();
    for (let s = 1; s <= 7_000; s += 100) h.append(snapshot(range(s, s + 99)));
    expect(h.fullFrom).toBe(2049); // 1,024 buckets of 2 steps
    const lines = metricsCsv(h).split('\n');
    const kru = (step: number, metric: string) => lines.filter((l) => l.startsWith(`${step},kru,${metric},`));
    expect(kru(1, 'loss')).toHaveLength(1); // the first row, exact
    expect(kru(2, 'loss.min')).toHaveLength(1); // steps 2–3: min at 2, max at 3
    expect(kru(3, 'loss.max')).toHaveLength(1);
    expect(kru(3, 'gradNormsOverTime[99].max')).toHaveLength(1);
    expect(kru(2050, 'loss')).toHaveLength(1); // full resolution again
    expect(JSON.parse(metricsJson(h)).envelope.rows).toEqual([1, 2049]);
  });
});
