// The factored product W·h (never forming W) against an explicitly formed Kronecker product, and the
// regulariser against its float64 definition.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { kronExplicit, unitaryPenalty64 } from '../support/float64';
import { factorBlocks, kronMatvec } from '../../src/model/recurrence-reference';
import { unitaryPenalty } from '../../src/model/models';
import { Rng } from '../../src/util/rng';
import { packedLength, product } from '../../src/core/factor-layout';

const factorisations = [[2, 2], [2, 3], [3, 2], [2, 2, 2], [3, 1, 2], [4], [2, 3, 4], [1]];

beforeAll(async () => {
  await useBackend();
});

describe('Kronecker matvec', () => {
  it.each(factorisations.map((s) => [s.join('×'), s] as const))(
    '%s matches the explicit W',
    async (_, sizes) => {
      const rng = new Rng(7);
      const total = packedLength(sizes);
      const factors = Float32Array.from({ length: total }, () => rng.normal());
      const { re, im, n: N } = kronExplicit(sizes, factors);
      const B = 3;
      const h = Float32Array.from({ length: B * 2 * N }, () => rng.normal());
      const before = tf.memory().numTensors;
      const out = tf.tidy(() =>
        kronMatvec(tf.tensor2d(h, [B, 2 * N]), factorBlocks(tf.tensor1d(factors), sizes), sizes),
      );
      const got = await out.data();
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
      for (let b = 0; b < B; b++)
        for (let i = 0; i < N; i++) {
          let sr = 0;
          let si = 0;
          for (let j = 0; j < N; j++) {
            const hr = h[b * 2 * N + j];
            const hi = h[b * 2 * N + N + j];
            sr += re[i * N + j] * hr - im[i * N + j] * hi;
            si += re[i * N + j] * hi + im[i * N + j] * hr;
          }
          expect(got[b * 2 * N + i]).toBeCloseTo(sr, 3);
          expect(got[b * 2 * N + N + i]).toBeCloseTo(si, 3);
        }
    },
  );
});

describe('soft unitary penalty R', () => {
  it.each(factorisations.map((s) => [s.join('×'), s] as const))(
    '%s equals Σ‖W_fᴴW_f − I‖²',
    async (_, sizes) => {
      const rng = new Rng(3);
      const total = packedLength(sizes);
      const factors = Float32Array.from({ length: total }, () => 0.7 * rng.normal());
      const N = product(sizes);
      const R = tf.tidy(() =>
        unitaryPenalty(
          { kind: 'kru', hidden: N, inputSize: 1, outputSize: 1, factors: sizes, activation: 'crelu' },
          tf.tensor1d(factors),
        ),
      );
      const expected = unitaryPenalty64(sizes, factors);
      expect((await R.data())[0]).toBeCloseTo(
        expected,
        Math.max(1, 4 - Math.ceil(Math.log10(Math.abs(expected) + 1))),
      );
      R.dispose();
    },
  );
});
