// Fused ops vs the op-by-op reference (src/model/recurrence-reference.ts): same H and same gradients for
// every input, on whichever backend this project runs.
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { hasFusedKernels, kruRecurrenceFused, rnnRecurrenceFused } from '../../src/kernels/ops';
import { kruRecurrenceReference, rnnRecurrenceReference } from '../../src/model/recurrence-reference';
import {
  expectClose,
  kruProblem,
  kruTensors,
  rnnProblem,
  rnnTensors,
  type KruAct,
  type RnnAct,
} from './helpers';

const backend = await useBackend();
registerFusedKernels();
const ready = hasFusedKernels(backend);

type KruOp = typeof kruRecurrenceFused;
type RnnOp = typeof rnnRecurrenceFused;

async function kruRun(op: KruOp, sizes: number[], act: KruAct, seed: number): Promise<Float32Array[]> {
  const t = kruTensors(kruProblem(sizes, act, 2, 3, 2, seed));
  const attrs = { sizes, activation: act };
  const f = (x: tf.Tensor, fa: tf.Tensor, U: tf.Tensor, b: tf.Tensor, beta: tf.Tensor, probe: tf.Tensor) =>
    op(
      x as tf.Tensor3D,
      fa as tf.Tensor1D,
      U as tf.Tensor3D,
      b as tf.Tensor2D,
      beta as tf.Tensor1D,
      probe as tf.Tensor3D,
      attrs,
    );
  const H = f(t.x, t.factors, t.U, t.b, t.beta, t.probe);
  // The reference does not touch beta unless the activation is modReLU (tf.grads refuses unused inputs).
  const withBeta = act === 'modrelu';
  const args = withBeta ? [t.x, t.factors, t.U, t.b, t.beta, t.probe] : [t.x, t.factors, t.U, t.b, t.probe];
  const grads = tf.grads((...a: tf.Tensor[]) =>
    tf.sum(
      tf.mul(withBeta ? f(a[0], a[1], a[2], a[3], a[4], a[5]) : f(a[0], a[1], a[2], a[3], t.beta, a[4]), t.G),
    ),
  )(args);
  const out = await Promise.all([H, ...grads].map((g) => g.data() as Promise<Float32Array>));
  tf.dispose([H, ...grads, ...Object.values(t)]);
  return out;
}

async function rnnRun(op: RnnOp, N: number, act: RnnAct, seed: number): Promise<Float32Array[]> {
  const t = rnnTensors(rnnProblem(N, act, 2, 3, 2, seed));
  const f = (x: tf.Tensor, W: tf.Tensor, U: tf.Tensor, b: tf.Tensor, probe: tf.Tensor) =>
    op(x as tf.Tensor3D, W as tf.Tensor2D, U as tf.Tensor2D, b as tf.Tensor1D, probe as tf.Tensor3D, {
      activation: act,
    });
  const H = f(t.x, t.W, t.U, t.b, t.probe);
  const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(a[0], a[1], a[2], a[3], a[4]), t.G)))([
    t.x,
    t.W,
    t.U,
    t.b,
    t.probe,
  ]);
  const out = await Promise.all([H, ...grads].map((g) => g.data() as Promise<Float32Array>));
  tf.dispose([H, ...grads, ...Object.values(t)]);
  return out;
}

const KRU_NAMES = ['H', 'dx', 'dFactors', 'dU', 'db', 'dBeta', 'dProbe'];
const RNN_NAMES = ['H', 'dx', 'dW', 'dU', 'db', 'dProbe'];

describe.skipIf(!ready)(`fused vs reference on ${backend}`, () => {
  const kruCases: [number[], KruAct][] = [
    [[2, 2], 'crelu'],
    [[2, 3], 'modrelu'],
    [[3, 2, 2], 'tanh'],
    [[4], 'linear'],
    [[1, 2], 'modrelu'],
  ];
  for (const [sizes, act] of kruCases)
    it(`KRU [${sizes}] ${act}: H and every gradient`, async () => {
      const seed = 50 + sizes.length;
      const fused = await kruRun(kruRecurrenceFused, sizes, act, seed);
      const ref = await kruRun(kruRecurrenceReference, sizes, act, seed);
      expect(fused.length).toBe(ref.length);
      const names = act === 'modrelu' ? KRU_NAMES : KRU_NAMES.filter((n) => n !== 'dBeta');
      fused.forEach((v, i) => expectClose(v, ref[i], names[i], 1e-4));
    });

  for (const act of ['tanh', 'relu', 'linear'] as RnnAct[])
    it(`RNN ${act}: H and every gradient`, async () => {
      const fused = await rnnRun(rnnRecurrenceFused, 5, act, 77);
      const ref = await rnnRun(rnnRecurrenceReference, 5, act, 77);
      fused.forEach((v, i) => expectClose(v, ref[i], RNN_NAMES[i], 1e-4));
    });
});
