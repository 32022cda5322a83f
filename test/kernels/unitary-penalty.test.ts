// The fused unitary penalty (src/kernels/cpu/unitary-penalty.ts) and its gradient against the float64 oracle
// (test/support/float64.ts: R from the definition, its gradient by central differences), one row per model;
// and the model's penalty with impl 'fused' against the op-by-op one it replaces.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { centralDiff, unitaryPenalty64 } from '../support/float64';
import { registerFusedKernels } from '../../src/kernels/register';
import { hasUnitaryPenaltyKernels, UNITARY_PENALTY, unitaryPenaltyFused } from '../../src/kernels/ops';
import { unitaryPenalty } from '../../src/model/models';
import { packedLength } from '../../src/core/factor-layout';
import type { KruSpec } from '../../src/model/config';
import { makeRng, uniform } from './helpers';

const backend = await useBackend();
registerFusedKernels();

describe(`the fused unitary penalty on ${backend}`, () => {
  it('is registered on cpu only', () => {
    expect(tf.getKernel(UNITARY_PENALTY, 'cpu')).toBeDefined();
    expect(hasUnitaryPenaltyKernels()).toBe(backend === 'cpu');
  });

  if (backend !== 'cpu') return;

  for (const sizes of [[2], [2, 2, 2], [2, 3, 4], [8, 8]])
    it(`matches R and ∂R/∂factors of the float64 definition for factors [${sizes}], 3 models`, async () => {
      const M = 3;
      const L = packedLength(sizes);
      const rng = makeRng(sizes.reduce((a, b) => 31 * a + b, 7));
      // Near-unitary and far from it: one row scaled up.
      const x = uniform(rng, M * L, -0.8, 0.8);
      for (let i = 0; i < L; i++) x[2 * L + i] *= 2.5;
      const dy = Float64Array.of(1, -0.5, 2);
      const xt = tf.tensor2d(Float32Array.from(x), [M, L]);
      const x32 = Float64Array.from(Float32Array.from(x)); // the oracle sees the same float32 inputs
      const before = tf.memory().numTensors;
      const R = unitaryPenaltyFused(xt, sizes);
      const { value, grads } = tf.valueAndGrads((f: tf.Tensor) =>
        tf.sum(tf.mul(unitaryPenaltyFused(f as tf.Tensor2D, sizes), tf.tensor1d(Float32Array.from(dy)))),
      )([xt]);
      const [r, g] = [await R.data(), await grads[0].data()];
      tf.dispose([R, value, grads[0]]);
      expect(tf.memory().numTensors).toBe(before);
      xt.dispose();
      for (let m = 0; m < M; m++) {
        const row = x32.subarray(m * L, (m + 1) * L);
        const want = unitaryPenalty64(sizes, row);
        expect(Math.abs(r[m] - want)).toBeLessThanOrEqual(1e-6 * want + 1e-7);
        const fd = centralDiff(row, () => dy[m] * unitaryPenalty64(sizes, row));
        const norm = Math.hypot(...fd);
        for (let i = 0; i < L; i++)
          expect(Math.abs(g[m * L + i] - fd[i])).toBeLessThanOrEqual(1e-5 * norm + 1e-6);
      }
    });

  it("gives the model's penalty with impl 'fused' within float32 rounding of the op-by-op one", async () => {
    const spec = { kind: 'kru', factors: [2, 2, 2, 2, 2, 2] } as KruSpec;
    const rng = makeRng(11);
    const f = tf.tensor1d(Float32Array.from(uniform(rng, packedLength(spec.factors), -1, 1)));
    const [a, b] = [unitaryPenalty(spec, f, 'fused'), unitaryPenalty(spec, f, 'reference')];
    const [ga, gb] = [
      tf.grad((x: tf.Tensor) => unitaryPenalty(spec, x as tf.Tensor1D, 'fused'))(f),
      tf.grad((x: tf.Tensor) => unitaryPenalty(spec, x as tf.Tensor1D, 'reference'))(f),
    ];
    expect(a.shape).toEqual([]);
    const [va, vb, da, db] = [await a.data(), await b.data(), await ga.data(), await gb.data()];
    expect(Math.abs(va[0] - vb[0])).toBeLessThanOrEqual(1e-5 * vb[0]);
    const norm = Math.hypot(...db);
    for (let i = 0; i < da.length; i++) expect(Math.abs(da[i] - db[i])).toBeLessThanOrEqual(1e-5 * norm);
    tf.dispose([f, a, b, ga, gb]);
  });

  it('refuses factors of the wrong length and a dy of the wrong size', () => {
    const x = tf.zeros([2, 7]) as tf.Tensor2D;
    expect(() => unitaryPenaltyFused(x, [2])).toThrow(/factors must be \[M, 8\]/);
    const y = tf.zeros([2, 8]) as tf.Tensor2D;
    expect(() =>
      tf.engine().runKernel('UnitaryPenaltyGrad', { factors: y, dy: tf.zeros([3]) }, { sizes: [2] }),
    ).toThrow(/dy must be \[2\]/);
    tf.dispose([x, y]);
  });
});
