// FusedRmsProp (src/engine/rmsprop.ts) against tf.train.rmsprop: the same parameters and optimiser state, bit for
// bit, over several steps, with ordinary gradients and awkward ones (zeros, huge, tiny, NaN), a learning-rate
// change and a parameter without a gradient; no tensor leaks. On cpu the fused kernel runs; on webgpu (no kernel)
// the class falls back to tfjs's ops, and the test checks that too.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { hasRmsPropKernel } from '../../src/kernels/ops';
import { FusedRmsProp } from '../../src/engine/rmsprop';

const backend = await useBackend();
registerFusedKernels();

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

const SHAPES: Record<string, number[]> = { W: [7, 5], b: [5], c: [1] };

async function run(make: () => tf.Optimizer, seed: number): Promise<number[][]> {
  const r = rng(seed);
  const vars = Object.fromEntries(
    Object.entries(SHAPES).map(([n, s]) => [
      n,
      tf.tidy(() => tf.variable(tf.tensor(Array.from({ length: s.reduce((a, b) => a * b, 1) }, r), s))),
    ]),
  );
  const opt = make();
  const awkward = [0, 1e30, -1e-30, 3e-39, NaN];
  for (let step = 0; step < 6; step++) {
    if (step === 3) (opt as unknown as { learningRate: number }).learningRate = 0.25;
    const grads: tf.NamedTensorMap = {};
    for (const [n, s] of Object.entries(SHAPES)) {
      if (n === 'c' && step % 2 === 1) continue; // no gradient for c on odd steps
      const size = s.reduce((a, b) => a * b, 1);
      const g = Array.from({ length: size }, (_, i) => (step === 4 && i < awkward.length ? awkward[i] : r()));
      grads[vars[n].name] = tf.tensor(g, s);
    }
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const weights = await opt.getWeights(); // [iterations (a new scalar), then the optimiser's variables]
  const out = [
    ...(await Promise.all(Object.values(vars).map((v) => v.data()))),
    ...(await Promise.all(weights.map((w) => w.tensor.data()))),
  ].map((a) => Array.from(a));
  weights[0].tensor.dispose();
  opt.dispose();
  tf.dispose(Object.values(vars));
  return out;
}

describe(`FusedRmsProp on ${backend}`, () => {
  it(`updates bit for bit as tf.train.rmsprop (${hasRmsPropKernel() ? 'fused kernel' : "tfjs's ops"})`, async () => {
    const before = tf.memory().numTensors;
    for (const seed of [1, 2, 3]) {
      const ours = await run(() => new FusedRmsProp(0.01, 0.9, 0, 1e-6), seed);
      const theirs = await run(() => tf.train.rmsprop(0.01, 0.9, 0, 1e-6), seed);
      expect(ours.length).toBe(3 + 1 + 2 * 3); // parameters; iterations, then mean squares and moments
      expect(ours).toEqual(theirs);
      const withMomentum = await run(() => new FusedRmsProp(0.05, 0.8, 0.5, 1e-4), seed);
      expect(withMomentum).toEqual(await run(() => tf.train.rmsprop(0.05, 0.8, 0.5, 1e-4), seed));
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
