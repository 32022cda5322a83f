// Trainer.step's packed metrics: the head [loss, accuracy, R, ‖g‖, g_t…, group norms…] and a dense W's extras
// [‖WᵀW − I‖², ‖W‖₂ estimate], from the StepMetrics and DenseMetrics kernels on cpu and from tfjs ops elsewhere,
// against float64 sums of the same gradients; clipping uses the same ‖g‖; nothing leaks.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { denseMetricsFused, hasStepMetricsKernels, STEP_METRICS } from '../../src/kernels/ops';
import { cpuFusedKernelConfigs } from '../../src/kernels/cpu';
import {
  disposeDeviceBatch,
  disposeLossAndGrads,
  toDeviceBatch,
  Trainer,
  unpackMetrics,
} from '../../src/engine/trainer';
import { runnerInit } from '../../src/engine/model-init';
import { createTask } from '../../src/tasks';
import { defaultModel, defaultRunConfig } from '../../src/settings';
import { Rng } from '../../src/util/rng';
import type { RunConfig } from '../../src/engine/types';

const backend = await useBackend();
registerFusedKernels();

const near = (got: number, want: number, rel = 1e-5) =>
  expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(rel * Math.abs(want) + 1e-7);

/** A trainer of the run's model `i` and one batch of its task. */
function setup(config: RunConfig, i: number) {
  const task = createTask(config.task);
  const init = runnerInit(config, config.models[i], task);
  const make = () => new Trainer(init.spec, init.arrays, init.options);
  const b = task.trainBatch(new Rng(7), config.batch);
  const batch = () => toDeviceBatch(b, task.loss, task.hasAccuracy);
  return { make, batch, T: task.seqLength, spec: init.spec };
}

/** The head as float64 sums of the gradients lossAndGrads gives (the same ones step computes). */
async function expectedHead(
  trainer: Trainer,
  batchOf: () => ReturnType<typeof toDeviceBatch>,
  lambda: number,
) {
  const batch = batchOf();
  const r = trainer.lossAndGrads(batch, lambda);
  const probe = await r.probeGrad.data();
  const [B, T, W] = r.probeGrad.shape;
  const gt = Array.from({ length: T }, (_, t) => {
    let s = 0;
    for (let b = 0; b < B; b++) for (let w = 0; w < W; w++) s += probe[(b * T + t) * W + w] ** 2;
    return Math.sqrt(s);
  });
  const sums: number[] = [];
  for (const n of trainer.names)
    sums.push(Array.from(await r.grads[n].data()).reduce((s, v) => s + v * v, 0));
  const head = {
    loss: (await r.loss.data())[0],
    accuracy: (await r.accuracy.data())[0],
    reg: (await r.reg.data())[0],
    gradNorm: Math.sqrt(sums.reduce((a, b) => a + b, 0)),
    gt,
    groups: sums.map(Math.sqrt),
  };
  disposeLossAndGrads(r);
  disposeDeviceBatch(batch);
  return head;
}

describe('the packed step metrics', () => {
  it('use the kernels exactly on cpu', () => {
    expect(hasStepMetricsKernels()).toBe(backend === 'cpu');
  });

  for (const kind of ['kru', 'rnn'] as const)
    it(`${kind}: the head matches float64 sums of the step's gradients, and nothing leaks`, async () => {
      const config = {
        ...defaultRunConfig(),
        batch: 8,
        task: { name: 'copy', T: 5, permuted: false },
      } as RunConfig;
      config.models = [defaultModel(kind, 16)];
      const { make, batch, T } = setup(config, 0);
      const reference = make();
      const want = await expectedHead(reference, batch, 0.01);
      reference.dispose();
      const trainer = make();
      const device = batch();
      const packed = trainer.step(device, 0.01);
      const m = unpackMetrics((await packed.data()) as Float32Array, T, trainer.names);
      packed.dispose();
      disposeDeviceBatch(device);
      near(m.loss, want.loss);
      near(m.accuracy, want.accuracy);
      near(m.reg, want.reg);
      near(m.gradNorm, want.gradNorm);
      want.gt.forEach((g, t) => near(m.gradNormsOverTime[t], g));
      trainer.names.forEach((n, i) => near(m.groupNorms[n], want.groups[i]));
      // Later steps leak nothing (the first made the optimiser's accumulators and the RNN's power vector).
      const after = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const d = batch();
        const p = trainer.step(d, 0.01);
        await p.data();
        p.dispose();
        disposeDeviceBatch(d);
      }
      expect(tf.memory().numTensors).toBe(after);
      trainer.dispose();
    });

  it.skipIf(backend !== 'cpu')("the StepMetrics kernel gives the tfjs ops' head bit for bit", async () => {
    const config = {
      ...defaultRunConfig(),
      batch: 8,
      task: { name: 'copy', T: 5, permuted: false },
    } as RunConfig;
    config.models = [defaultModel('kru', 16)];
    const { make, batch, T } = setup(config, 0);
    const head = async () => {
      const trainer = make();
      const d = batch();
      const packed = trainer.step(d, 0.01);
      const values = (await packed.data()) as Float32Array;
      packed.dispose();
      disposeDeviceBatch(d);
      trainer.dispose();
      return Array.from(values.slice(0, 4 + T + trainer.names.length));
    };
    const fused = await head();
    tf.unregisterKernel(STEP_METRICS, 'cpu');
    try {
      expect(await head()).toEqual(fused);
    } finally {
      tf.registerKernel(cpuFusedKernelConfigs.find((c) => c.kernelName === STEP_METRICS)!);
    }
    expect(hasStepMetricsKernels()).toBe(true);
  });

  it('clipping scales the update by clip / ‖g‖', async () => {
    const config = {
      ...defaultRunConfig(),
      batch: 8,
      task: { name: 'adding', T: 6, permuted: false },
    } as RunConfig;
    config.models = [{ ...defaultModel('rnn', 8), clip: 1e-3 }];
    config.optimizer = 'sgd';
    const { make, batch, T } = setup(config, 0);
    const trainer = make();
    const w0 = await trainer.arrays();
    const d = batch();
    const r = trainer.lossAndGrads(d, 0);
    const g = (await r.grads.W.data()) as Float32Array;
    disposeLossAndGrads(r);
    const packed = trainer.step(d, 0);
    const m = unpackMetrics((await packed.data()) as Float32Array, T, trainer.names);
    packed.dispose();
    disposeDeviceBatch(d);
    expect(m.gradNorm).toBeGreaterThan(1e-3);
    const w1 = await trainer.arrays();
    const scale = 1e-3 / (m.gradNorm + 1e-12);
    const lr = config.models[0].lr;
    for (let i = 0; i < g.length; i++) near(w0.W[i] - w1.W[i], lr * scale * g[i], 1e-3);
    trainer.dispose();
  });

  it("a dense W's extras: ‖WᵀW − I‖² and the warm-started power iteration match float64", async () => {
    const config = {
      ...defaultRunConfig(),
      batch: 4,
      task: { name: 'adding', T: 4, permuted: false },
    } as RunConfig;
    config.models = [defaultModel('rnn', 12)];
    const { make, batch, T } = setup(config, 0);
    const trainer = make();
    const N = 12;
    const W = Float64Array.from((await trainer.arrays()).W);
    const d = batch();
    const packed = trainer.step(d, 0); // the extras are of W before the update
    const m = unpackMetrics((await packed.data()) as Float32Array, T, trainer.names);
    packed.dispose();
    disposeDeviceBatch(d);
    let dev = 0;
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < N; k++) s += W[k * N + i] * W[k * N + j];
        dev += (s - (i === j ? 1 : 0)) ** 2;
      }
    near(m.extras[0], dev, 1e-5);
    // 30 iterations from ones/√N (the first step's), then ‖W v‖.
    let v = new Float64Array(N).fill(1 / Math.sqrt(N));
    const Wv = (x: Float64Array, t: boolean) =>
      Float64Array.from({ length: N }, (_, i) => {
        let s = 0;
        for (let k = 0; k < N; k++) s += (t ? W[k * N + i] : W[i * N + k]) * x[k];
        return s;
      });
    for (let it = 0; it < 30; it++) {
      const w = Wv(Wv(v, false), true);
      const norm = Math.hypot(...w);
      v = w.map((x) => x / norm);
    }
    near(m.extras[1], Math.hypot(...Wv(v, false)), 1e-5);
    trainer.dispose();
  });

  it.skipIf(backend !== 'cpu')(
    'DenseMetrics refuses a W that is not square, or a v of the wrong shape',
    () => {
      const W = tf.zeros([3, 4]) as tf.Tensor2D;
      const v = tf.zeros([4, 1]) as tf.Tensor2D;
      expect(() => denseMetricsFused(W, v, 1)).toThrow(/square/);
      const W3 = tf.zeros([3, 3]) as tf.Tensor2D;
      expect(() => denseMetricsFused(W3, v, 1)).toThrow(/v must be/);
      tf.dispose([W, v, W3]);
    },
  );
});
