// The training engine: no tensor leaks, determinism, live settings, metrics against direct computation.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { kronExplicit } from '../support/float64';
import { Experiment } from '../../src/engine/experiment';
import { factorSpectra, kronDeviation } from '../../src/engine/spectra';
import { snapshotBuffers } from '../../src/engine/transfer';
import { defaultModel } from '../../src/settings';
import { registerFusedKernels } from '../../src/kernels/register';
import { Rng } from '../../src/util/rng';
import { complexSingularValues } from '../../src/linalg';
import { smallRun as small, withModel } from '../support/run';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

describe('Experiment', () => {
  it('leaks no tensors: the same count after 1 and after 200 steps', async () => {
    const e = await Experiment.create(small({ task: { name: 'copy', T: 3, permuted: false } }));
    await e.step(1);
    await e.snapshot({ forceDetail: true });
    const after1 = tf.memory().numTensors;
    await e.step(199);
    await e.snapshot({ forceDetail: true });
    expect(tf.memory().numTensors).toBe(after1);
    e.dispose();
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const run = async (seed: number) => {
      const e = await Experiment.create(small({ seed }));
      await e.step(3);
      const s = await e.snapshot();
      e.dispose();
      return [Array.from(s.series.kru.loss), Array.from(s.series.rnn.loss)];
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });

  it('takes λ and the learning rate live per model, without resetting', async () => {
    const e = await Experiment.create(withModel(small(), 'kru', { lambda: 0 }));
    await e.step(2);
    e.setLambda('kru', 3);
    e.setLearningRate('rnn', 0.01);
    await e.step(2);
    const s = await e.snapshot();
    expect(Array.from(s.steps)).toEqual([1, 2, 3, 4]);
    expect(Array.from(s.series.kru.lambda)).toEqual([0, 0, 3, 3]);
    expect(s.series.rnn.lr[3]).toBeCloseTo(0.01, 6);
    expect(s.series.kru.lr[3]).toBeCloseTo(1e-3, 6);
    const kru = s.series.kru;
    expect(kru.lambdaReg[3]).toBeCloseTo(3 * kru.reg[3], 4);
    expect(kru.lambdaReg[0]).toBe(0);
    expect(() => e.setLambda('kru', -1)).toThrow(/λ/);
    expect(() => e.setLambda('rnn', 1)).toThrow(/no λ/);
    expect(() => e.setLearningRate('lstm', 1)).toThrow(/no model "lstm"/);
    e.dispose();
  });

  it('rejects an invalid config with a readable message', async () => {
    await expect(Experiment.create(withModel(small(), 'kru', { hidden: 9 }))).rejects.toThrow(
      /kru\.factors: the product of the factor sizes \(2×2×2 = 8\) must equal N = 9/,
    );
    await expect(Experiment.create(withModel(small(), 'rnn', { lr: -1 }))).rejects.toThrow(/rnn\.lr/);
  });

  it('trains k models of any kinds in lockstep; same-shaped models start from the same weights', async () => {
    const c = small({
      models: [
        { ...defaultModel('kru', 8), lambda: 0.01 },
        { ...defaultModel('kru', 8), id: 'kru-l0', label: 'KRU λ=0', lambda: 0 },
        { ...defaultModel('rnn', 4), id: 'rnn4', label: 'RNN N=4' },
      ],
    });
    const e = await Experiment.create(c);
    expect(e.models.map((m) => m.id)).toEqual(['kru', 'kru-l0', 'rnn4']);
    const before = [await e.exportParams('kru'), await e.exportParams('kru-l0')];
    expect(Array.from(before[1].factors)).toEqual(Array.from(before[0].factors));
    await e.step(3);
    const s = await e.snapshot({ forceDetail: true });
    for (const id of ['kru', 'kru-l0', 'rnn4']) expect(s.series[id].loss).toHaveLength(3);
    // λ = 0 and λ = 0.01 differ only through the penalty: the same first loss, different later ones.
    expect(s.series['kru-l0'].loss[0]).toBe(s.series.kru.loss[0]);
    expect(s.series['kru-l0'].loss[2]).not.toBe(s.series.kru.loss[2]);
    expect(s.detail.rnn4.paramCounts.recurrent).toBe(16);
    // Adding a model changes no other model's numbers (the data stream and each init depend on the seed alone).
    const alone = await Experiment.create({ ...c, models: [c.models[0]] });
    await alone.step(3);
    expect(Array.from((await alone.snapshot()).series.kru.loss)).toEqual(Array.from(s.series.kru.loss));
    alone.dispose();
    e.dispose();
  });

  it('trains the remedies beside a KRU: LSTM, KRU-LSTM and low-rank RNN, every metric and detail, no leaks', async () => {
    const c = small({
      models: [
        defaultModel('kru', 8),
        defaultModel('lstm', 8),
        { ...defaultModel('kru-lstm', 8), lambda: 0.1 },
        { ...defaultModel('lowrank', 8), rank: 2 },
      ],
    });
    const e = await Experiment.create(c);
    await e.step(1);
    await e.snapshot({ forceDetail: true });
    const tensors = tf.memory().numTensors;
    await e.step(29);
    const s = await e.snapshot({ forceDetail: true });
    expect(tf.memory().numTensors).toBe(tensors);
    const T = s.seqLength;
    for (const id of ['kru', 'lstm', 'kru-lstm', 'lowrank']) {
      const cols = s.series[id];
      expect(cols.loss).toHaveLength(29);
      expect(Array.from(cols.loss).every(Number.isFinite), id).toBe(true);
      expect(cols.gradNormsOverTime).toHaveLength(29 * T);
      expect(
        Array.from(cols.spectralNorm).every((v) => v > 0),
        id,
      ).toBe(true);
      expect(s.detail[id].singularValues, id).toHaveLength(8);
    }
    // Recurrent parameter counts (docs/model.md): 4N², 4·Σp², 2·N·r.
    expect(s.detail.lstm.paramCounts.recurrent).toBe(4 * 64);
    expect(s.detail['kru-lstm'].paramCounts.recurrent).toBe(4 * 3 * 4);
    expect(s.detail.lowrank.paramCounts.recurrent).toBe(2 * 8 * 2);
    // W = A·B has rank 2: six of its eight singular values are zero (to float precision).
    const sv = Array.from(s.detail.lowrank.singularValues);
    expect(sv.slice(2).every((v) => v < 1e-5 * sv[0])).toBe(true);
    expect(sv[1]).toBeGreaterThan(1e-3 * sv[0]);
    // The KRU-LSTM's penalty is live and reaches its row; the LSTM and the low-rank RNN have none.
    expect(s.series['kru-lstm'].lambdaReg[28]).toBeCloseTo(0.1 * s.series['kru-lstm'].reg[28], 5);
    expect(s.series['kru-lstm'].factorDeviation).toHaveLength(29 * 3);
    expect(Array.from(s.series.lstm.reg).every((v) => v === 0)).toBe(true);
    expect(() => e.setLambda('lstm', 1)).toThrow(/LSTM: it has no λ/);
    e.setLambda('kru-lstm', 2);
    e.dispose();
  });

  it('reports per-step metrics consistent with the factors and gradient norms per time step', async () => {
    const e = await Experiment.create(withModel(small(), 'kru', { init: { kind: 'gaussian', scale: 0.7 } }));
    await e.step(1);
    const s = await e.snapshot({ forceDetail: true });
    const kru = s.series.kru;
    const rnn = s.series.rnn;
    expect(kru.gradNormsOverTime).toHaveLength(s.seqLength);
    expect(rnn.gradNormsOverTime).toHaveLength(s.seqLength);
    expect(kru.factorDeviation).toHaveLength(3);
    expect(kru.factorSingularValues).toHaveLength(6);
    // R is the sum of the per-factor deviations (computed two independent ways: tfjs and SVD).
    const sum = kru.factorDeviation.reduce((a, b) => a + b, 0);
    expect(kru.reg[0]).toBeCloseTo(sum, 3);
    // The full W's spectrum (products of the factors' singular values) against the SVD of the explicit W.
    const d = s.detail.kru;
    const { re, im, n } = kronExplicit([2, 2, 2], await e.exportParams('kru').then((p) => p.factors));
    const direct = complexSingularValues(re, im, n);
    expect(d.singularValues).toHaveLength(8);
    d.singularValues.forEach((v, i) => expect(v).toBeCloseTo(direct[i], 4));
    expect(d.paramCounts.recurrent).toBe(3 * 2 * 4);
    expect(s.detail.rnn.paramCounts.recurrent).toBe(64);
    expect(s.detail.rnn.singularValues).toHaveLength(8);
    // the RNN's power-iteration spectral norm against its exact largest singular value
    expect(rnn.spectralNorm[0]).toBeCloseTo(s.detail.rnn.singularValues[0], 1);
    e.dispose();
  });
});

describe('spectral identities', () => {
  it('‖WᴴW − I‖² from the factors equals the explicit product', () => {
    const rng = new Rng(11);
    for (const sizes of [[2, 2], [2, 3], [3, 2, 2], [4]]) {
      const total = sizes.reduce((s, p) => s + 2 * p * p, 0);
      const factors = Float64Array.from({ length: total }, () => 0.6 * rng.normal());
      const { re, im, n } = kronExplicit(sizes, factors);
      let direct = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let sr = i === j ? -1 : 0;
          let si = 0;
          for (let k = 0; k < n; k++) {
            sr += re[k * n + i] * re[k * n + j] + im[k * n + i] * im[k * n + j];
            si += re[k * n + i] * im[k * n + j] - im[k * n + i] * re[k * n + j];
          }
          direct += sr * sr + si * si;
        }
      expect(kronDeviation(factorSpectra(sizes, factors))).toBeCloseTo(direct, 6);
    }
  });
});

describe('divergence', () => {
  it('a KRU at lr 10 diverges and stops stepping; the RNN beside it trains on with a finite loss', async () => {
    const e = await Experiment.create(withModel(small(), 'kru', { lr: 10 }));
    await e.step(6);
    const s = await e.snapshot({ forceDetail: true });
    const d = e.divergences();
    expect(Object.keys(d)).toEqual(['kru']);
    expect(s.diverged).toEqual(d);
    const at = d.kru.step;
    expect(at).toBeGreaterThanOrEqual(1);
    expect(at).toBeLessThan(6);
    expect(d.kru.reason).toMatch(/^the (loss|gradient norm) is (NaN|infinite)$|memoryless baseline$/);
    // Its rows after the divergence step are blank (NaN), with the lr in force kept.
    const kru = s.series.kru;
    for (let i = at; i < 6; i++) {
      expect(kru.loss[i]).toBeNaN();
      expect(kru.gradNorm[i]).toBeNaN();
      expect(kru.lr[i]).toBe(10);
    }
    expect(Array.from(s.series.rnn.loss).every(Number.isFinite)).toBe(true);
    // It steps no more: later snapshots keep reporting it, still blank, while the RNN goes on.
    await e.step(2);
    const later = await e.snapshot({ forceDetail: true });
    expect(later.diverged).toEqual(d);
    expect(Array.from(later.series.kru.loss).every(Number.isNaN)).toBe(true);
    expect(Array.from(later.series.rnn.loss).every(Number.isFinite)).toBe(true);
    // Its details are taken from the NaN weights without failing (the spectra are NaN: nothing to draw).
    expect(later.detail.kru.singularValues).toHaveLength(8);
    // The page gets it: posting the snapshot (its row buffers transferred) copies the plain record.
    const posted = structuredClone(later, { transfer: snapshotBuffers(later) });
    expect(posted.diverged).toEqual(d);
    expect(posted.series.kru.loss[0]).toBeNaN();
    e.dispose();
  });

  it('reports no divergence for a sane run', async () => {
    const e = await Experiment.create(small());
    await e.step(3);
    expect((await e.snapshot()).diverged).toEqual({});
    e.dispose();
  });
});
