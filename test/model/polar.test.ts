// The strictly unitary KRU's projection: the polar factor Q of X is the unique unitary matrix with QᴴX
// Hermitian positive semi-definite. Both computations (device Newton–Schulz, host float64 Newton) are checked
// against that characterisation, and against each other; then a strict KRU stays unitary while it trains.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Experiment } from '../../src/engine/experiment';
import { registerFusedKernels } from '../../src/kernels/register';
import { polarFactor64, polarFactors, polarFactorsHost } from '../../src/model/polar';
import { defaultModel } from '../../src/settings';
import { Rng } from '../../src/util/rng';
import { useBackend } from '../support/backend';
import { smallRun } from '../support/run';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

/** (AᴴB) for complex p×p matrices in float64. */
function hermMul(
  ar: ArrayLike<number>,
  ai: ArrayLike<number>,
  br: ArrayLike<number>,
  bi: ArrayLike<number>,
  p: number,
) {
  const re = new Float64Array(p * p);
  const im = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++)
      for (let k = 0; k < p; k++) {
        // conj(A[k][i]) · B[k][j]
        re[i * p + j] += ar[k * p + i] * br[k * p + j] + ai[k * p + i] * bi[k * p + j];
        im[i * p + j] += ar[k * p + i] * bi[k * p + j] - ai[k * p + i] * br[k * p + j];
      }
  return { re, im };
}

/** Checks that Q is unitary and QᴴX is Hermitian with a positive diagonal, to tolerance tol. */
function expectPolar(
  qr: ArrayLike<number>,
  qi: ArrayLike<number>,
  xr: ArrayLike<number>,
  xi: ArrayLike<number>,
  p: number,
  tol: number,
) {
  const g = hermMul(qr, qi, qr, qi, p);
  const h = hermMul(qr, qi, xr, xi, p);
  for (let i = 0; i < p; i++) {
    expect(h.re[i * p + i]).toBeGreaterThan(0);
    for (let j = 0; j < p; j++) {
      expect(Math.abs(g.re[i * p + j] - (i === j ? 1 : 0))).toBeLessThan(tol);
      expect(Math.abs(g.im[i * p + j])).toBeLessThan(tol);
      expect(Math.abs(h.re[i * p + j] - h.re[j * p + i])).toBeLessThan(tol * 10);
      expect(Math.abs(h.im[i * p + j] + h.im[j * p + i])).toBeLessThan(tol * 10);
    }
  }
}

describe('polar factor', () => {
  it('float64 Newton gives the polar factor of matrices far from unitary', () => {
    const rng = new Rng(3);
    for (const p of [1, 2, 3, 5]) {
      const xr = Array.from({ length: p * p }, () => rng.normal());
      const xi = Array.from({ length: p * p }, () => rng.normal());
      const q = polarFactor64(xr, xi, p);
      expectPolar(q.re, q.im, xr, xi, p, 1e-12);
    }
  });

  it('device Newton–Schulz matches it after an optimiser-sized step from unitary, for mixed factor sizes', async () => {
    const rng = new Rng(5);
    const sizes = [2, 3, 2];
    const start = polarFactorsHost(
      sizes,
      Float32Array.from({ length: 2 * (4 + 9 + 4) }, () => rng.normal()),
    );
    const perturbed = start.map((v) => v + 0.02 * rng.normal());
    const before = tf.memory().numTensors;
    const x = tf.tensor1d(perturbed);
    const out = polarFactors(sizes, x);
    const got = await out.data();
    tf.dispose([x, out]);
    expect(tf.memory().numTensors).toBe(before);
    const want = polarFactorsHost(sizes, perturbed);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
    let off = 0;
    for (const p of sizes) {
      const sl = (a: ArrayLike<number>, o: number) => Array.prototype.slice.call(a, o, o + p * p) as number[];
      expectPolar(
        sl(got, off),
        sl(got, off + p * p),
        sl(perturbed, off),
        sl(perturbed, off + p * p),
        p,
        1e-5,
      );
      off += 2 * p * p;
    }
  });

  it('a strict KRU stays unitary to float precision while it trains, even from a gaussian start', async () => {
    const strict = {
      ...defaultModel('kru', 8),
      id: 'strict',
      lr: 1e-2,
      lambda: 0,
      strict: true,
      init: { kind: 'gaussian' as const, scale: 0.7 },
    };
    const free = { ...strict, id: 'free', strict: false, init: { kind: 'unitary' as const, scale: 0.5 } };
    const e = await Experiment.create(smallRun({ models: [strict, free] }));
    await e.step(30);
    const s = await e.snapshot();
    const dev = s.series.strict.fullDeviation;
    for (const v of dev) expect(v).toBeLessThan(1e-4);
    expect(s.series.free.fullDeviation[29]).toBeGreaterThan(100 * Math.max(...dev));
    e.dispose();
  });
});
