// stepNorms (the per-step gradient norms g_t) against a float64 sum, on each backend: the fused cpu kernel
// where it is registered, tfjs ops elsewhere.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { STEP_NORMS, stepNorms } from '../../src/kernels/ops';
import { Rng } from '../../src/util/rng';

const backend = await useBackend();
registerFusedKernels();

describe(`stepNorms on ${backend}`, () => {
  it('uses the fused kernel on cpu', () => {
    expect(tf.getKernel(STEP_NORMS, 'cpu')).toBeDefined();
  });

  for (const [B, T, W] of [
    [1, 1, 1],
    [3, 5, 7],
    [32, 50, 128],
  ])
    it(`matches a float64 sum over batch and width for [${B}, ${T}, ${W}]`, async () => {
      const rng = new Rng(B * 1000 + T * 10 + W);
      const x = Float32Array.from({ length: B * T * W }, () => 2 * rng.next() - 1);
      const want = Array.from({ length: T }, (_, t) => {
        let s = 0;
        for (let b = 0; b < B; b++) for (let w = 0; w < W; w++) s += x[(b * T + t) * W + w] ** 2;
        return Math.sqrt(s);
      });
      const before = tf.memory().numTensors;
      const xt = tf.tensor3d(x, [B, T, W]);
      const g = stepNorms(xt);
      expect(g.shape).toEqual([T]);
      const got = await g.data();
      tf.dispose([xt, g]);
      expect(tf.memory().numTensors).toBe(before);
      for (let t = 0; t < T; t++)
        expect(Math.abs(got[t] - want[t])).toBeLessThanOrEqual(1e-5 * want[t] + 1e-7);
    });

  it('rejects a tensor that is not [B, T, W]', () => {
    const x = tf.zeros([2, 3]);
    expect(() => stepNorms(x as unknown as tf.Tensor3D)).toThrow();
    x.dispose();
  });
});
