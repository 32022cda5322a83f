// Every gradient of the full training loss (read-out, task loss, λ·R) and every g_t = ‖∂L/∂h_t‖, for every
// model kind and both implementations, against central finite differences of the float64 oracle.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import {
  centralDiff,
  kruForward64,
  kruLstmForward64,
  lstmForward64,
  readout64,
  rnnForward64,
  taskLoss64,
  unitaryPenalty64,
  type KruParams64,
  type RnnParams64,
} from '../support/float64';
import type { NetSpec } from '../../src/model/config';
import {
  initKruArrays,
  initKruLstmArrays,
  initLowRankArrays,
  initLstmArrays,
  initRnnArrays,
  type ParamArrays,
} from '../../src/model/models';
import { Trainer, disposeDeviceBatch, disposeLossAndGrads, toDeviceBatch } from '../../src/engine/trainer';
import { registerFusedKernels } from '../../src/kernels/register';
import { hasFusedKernels, hasFusedLstmKernels } from '../../src/kernels/ops';
import { isGated } from '../../src/core/vocabulary';
import { Rng } from '../../src/util/rng';
import type { LossKind } from '../../src/tasks/types';

interface Case {
  name: string;
  spec: NetSpec;
  loss: LossKind;
  B: number;
  T: number;
  lambda: number;
  /** every position has a target, or only the last */
  targetsAt: 'all' | 'last';
}

const cases: Case[] = [
  {
    name: 'kru [2,2] crelu xent',
    spec: { kind: 'kru', hidden: 4, inputSize: 3, outputSize: 3, factors: [2, 2], activation: 'crelu' },
    loss: 'xent',
    B: 2,
    T: 4,
    lambda: 0.3,
    targetsAt: 'all',
  },
  {
    name: 'kru [2,3] modrelu mse',
    spec: { kind: 'kru', hidden: 6, inputSize: 2, outputSize: 1, factors: [2, 3], activation: 'modrelu' },
    loss: 'mse',
    B: 3,
    T: 3,
    lambda: 0.1,
    targetsAt: 'last',
  },
  {
    name: 'kru [3,1,2] tanh xent',
    spec: { kind: 'kru', hidden: 6, inputSize: 2, outputSize: 2, factors: [3, 1, 2], activation: 'tanh' },
    loss: 'xent',
    B: 2,
    T: 3,
    lambda: 1,
    targetsAt: 'last',
  },
  {
    name: 'kru [4] linear mse',
    spec: { kind: 'kru', hidden: 4, inputSize: 1, outputSize: 1, factors: [4], activation: 'linear' },
    loss: 'mse',
    B: 2,
    T: 3,
    lambda: 0.05,
    targetsAt: 'all',
  },
  {
    name: 'rnn tanh xent',
    spec: { kind: 'rnn', hidden: 5, inputSize: 3, outputSize: 3, activation: 'tanh' },
    loss: 'xent',
    B: 2,
    T: 4,
    lambda: 0,
    targetsAt: 'all',
  },
  {
    name: 'rnn relu mse',
    spec: { kind: 'rnn', hidden: 4, inputSize: 2, outputSize: 1, activation: 'relu' },
    loss: 'mse',
    B: 3,
    T: 3,
    lambda: 0,
    targetsAt: 'last',
  },
  {
    name: 'rnn linear mse',
    spec: { kind: 'rnn', hidden: 3, inputSize: 2, outputSize: 1, activation: 'linear' },
    loss: 'mse',
    B: 2,
    T: 3,
    lambda: 0,
    targetsAt: 'all',
  },
  {
    name: 'lowrank r=2 tanh xent',
    spec: { kind: 'lowrank', hidden: 5, inputSize: 3, outputSize: 3, rank: 2, activation: 'tanh' },
    loss: 'xent',
    B: 2,
    T: 4,
    lambda: 0,
    targetsAt: 'all',
  },
  {
    name: 'lowrank r=1 relu mse',
    spec: { kind: 'lowrank', hidden: 4, inputSize: 2, outputSize: 1, rank: 1, activation: 'relu' },
    loss: 'mse',
    B: 3,
    T: 3,
    lambda: 0,
    targetsAt: 'last',
  },
  {
    name: 'lstm xent',
    spec: { kind: 'lstm', hidden: 4, inputSize: 3, outputSize: 3 },
    loss: 'xent',
    B: 2,
    T: 4,
    lambda: 0,
    targetsAt: 'all',
  },
  {
    name: 'lstm mse last',
    spec: { kind: 'lstm', hidden: 3, inputSize: 2, outputSize: 1 },
    loss: 'mse',
    B: 3,
    T: 3,
    lambda: 0,
    targetsAt: 'last',
  },
  {
    name: 'kru-lstm [2,2] xent',
    spec: { kind: 'kru-lstm', hidden: 4, inputSize: 3, outputSize: 3, factors: [2, 2] },
    loss: 'xent',
    B: 2,
    T: 4,
    lambda: 0.3,
    targetsAt: 'all',
  },
  {
    name: 'kru-lstm [3,2] mse last',
    spec: { kind: 'kru-lstm', hidden: 6, inputSize: 2, outputSize: 1, factors: [3, 2] },
    loss: 'mse',
    B: 2,
    T: 3,
    lambda: 1,
    targetsAt: 'last',
  },
];

/** Σ_{k,f} ‖R_{k,f}ᵀR_{k,f} − I‖_F², straight from docs/model.md ("KRU-LSTM"). */
function orthogonalPenalty64(sizes: number[], factors: Float64Array): number {
  let sum = 0;
  let off = 0;
  for (let k = 0; k < 4; k++)
    for (const p of sizes) {
      for (let i = 0; i < p; i++)
        for (let j = 0; j < p; j++) {
          let g = i === j ? -1 : 0;
          for (let r = 0; r < p; r++) g += factors[off + r * p + i] * factors[off + r * p + j];
          sum += g * g;
        }
      off += p * p;
    }
  return sum;
}

/** A·B of row-major A [N, r] and B [r, N]. */
function lowRankW64(A: Float64Array, B: Float64Array, N: number, r: number): Float64Array {
  const W = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) for (let k = 0; k < r; k++) W[i * N + j] += A[i * r + k] * B[k * N + j];
  return W;
}

function makeData(c: Case, rng: Rng) {
  const D = c.spec.inputSize;
  const x = Float64Array.from({ length: c.B * c.T * D }, () => rng.normal());
  const targets = new Float32Array(c.B * c.T).fill(NaN);
  for (let b = 0; b < c.B; b++)
    for (let t = 0; t < c.T; t++) {
      if (c.targetsAt === 'last' && t !== c.T - 1) continue;
      targets[b * c.T + t] = c.loss === 'mse' ? rng.normal() : rng.int(c.spec.outputSize);
    }
  return { x, targets };
}

function params(spec: NetSpec, rng: Rng): ParamArrays {
  // Gaussian KRU factors (not unitary) so that λ·R has a non-trivial gradient; biases non-zero so that
  // every parameter is exercised; modReLU β mildly positive.
  const p =
    spec.kind === 'kru'
      ? initKruArrays(spec, { kind: 'gaussian', scale: 0.6 }, rng)
      : spec.kind === 'rnn'
        ? initRnnArrays(spec, { kind: 'gaussian', gain: 1.2 }, rng)
        : spec.kind === 'lowrank'
          ? initLowRankArrays(spec, 1.2, rng)
          : spec.kind === 'lstm'
            ? initLstmArrays(spec, rng)
            : initKruLstmArrays(spec, rng);
  // KRU-LSTM factors off the orthogonal group, so that λ·R has a non-trivial gradient.
  if (spec.kind === 'kru-lstm') p.factors = p.factors.map((v) => v + 0.3 * rng.normal());
  for (const k of ['b', 'c', 'beta']) if (p[k]) p[k] = p[k].map(() => 0.3 * rng.normal());
  if (p.beta) p.beta = p.beta.map((v) => Math.abs(v) * 0.5);
  return p;
}

function loss64(
  c: Case,
  p: Record<string, Float64Array>,
  x: Float64Array,
  targets: Float32Array,
  probe?: Float64Array,
): number {
  const { spec } = c;
  const D = spec.inputSize;
  let H: Float64Array;
  let width: number;
  if (spec.kind === 'kru') {
    const kp: KruParams64 = {
      sizes: spec.factors,
      activation: spec.activation,
      factors: p.factors,
      U: p.U,
      b: p.b,
      beta: p.beta ?? new Float64Array(1),
    };
    H = kruForward64(kp, x, c.B, c.T, D, probe);
    width = 2 * spec.hidden;
  } else if (spec.kind === 'rnn' || spec.kind === 'lowrank') {
    const W = spec.kind === 'rnn' ? p.W : lowRankW64(p.A, p.B, spec.hidden, spec.rank);
    const rp: RnnParams64 = { activation: spec.activation, W, U: p.U, b: p.b };
    H = rnnForward64(rp, x, c.B, c.T, D, probe);
    width = spec.hidden;
  } else if (spec.kind === 'lstm') {
    H = lstmForward64({ W: p.W, U: p.U, b: p.b }, x, c.B, c.T, D, probe);
    width = spec.hidden;
  } else {
    H = kruLstmForward64({ sizes: spec.factors, factors: p.factors, U: p.U, b: p.b }, x, c.B, c.T, D, probe);
    width = spec.hidden;
  }
  const Y = readout64(H, p.V, p.c, c.B * c.T, width);
  const targets64 = Float64Array.from(targets);
  const L = taskLoss64(Y, spec.outputSize, targets64, c.loss);
  if (spec.kind === 'kru') return L + c.lambda * unitaryPenalty64(spec.factors, p.factors);
  if (spec.kind === 'kru-lstm') return L + c.lambda * orthogonalPenalty64(spec.factors, p.factors);
  return L;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-8);
}

let fusedAvailable = false;
let fusedLstmAvailable = false;
beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
  fusedAvailable = hasFusedKernels();
  fusedLstmAvailable = hasFusedLstmKernels();
});

describe.each(['reference', 'fused'] as const)(
  '%s implementation: gradients vs float64 finite differences',
  (impl) => {
    it.each(cases)('$name', async (c) => {
      if (impl === 'fused' && !(isGated(c.spec.kind) ? fusedLstmAvailable : fusedAvailable))
        throw new Error(`fused kernels are not registered for ${tf.getBackend()}`);
      const rng = new Rng(42);
      const arrays = params(c.spec, rng);
      const { x, targets } = makeData(c, rng);
      const trainer = new Trainer(c.spec, arrays, {
        optimizer: 'sgd',
        lr: 0.1,
        clip: null,
        impl,
        strict: false,
      });
      const batch = toDeviceBatch(
        { B: c.B, T: c.T, D: c.spec.inputSize, x, targets },
        c.loss,
        c.loss === 'xent',
      );
      expect(batch.lastStepOnly).toBe(c.targetsAt === 'last');
      const before = tf.memory().numTensors;
      const r = trainer.lossAndGrads(batch, c.lambda);

      // float64 copies of the float32 parameters the model actually holds
      const p64: Record<string, Float64Array> = {};
      for (const [k, v] of Object.entries(arrays)) p64[k] = Float64Array.from(v);
      const x64 = Float64Array.from(Float32Array.from(x));
      const f = () => loss64(c, p64, x64, targets);

      expect(await r.total.data()).toHaveLength(1);
      expect((await r.total.data())[0]).toBeCloseTo(f(), 4);
      for (const name of trainer.names) {
        const fd = centralDiff(p64[name], f);
        const got = await r.grads[name].data();
        expect(relErr(got, fd), `∂L/∂${name}`).toBeLessThan(2e-3);
      }
      // g_t: perturb h_t itself (the probe) in the float64 forward.
      const width = c.spec.kind === 'kru' ? 2 * c.spec.hidden : c.spec.hidden;
      const probe = new Float64Array(c.B * c.T * width);
      const fdProbe = centralDiff(probe, () => loss64({ ...c, lambda: 0 }, p64, x64, targets, probe));
      const gotProbe = await r.probeGrad.data();
      expect(relErr(gotProbe, fdProbe), '∂L/∂h_t').toBeLessThan(2e-3);

      disposeLossAndGrads(r);
      expect(tf.memory().numTensors).toBe(before);
      disposeDeviceBatch(batch);
      trainer.dispose();
    });
  },
);
