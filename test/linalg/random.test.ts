import { describe, expect, it } from 'vitest';
import { haarOrthogonal, haarUnitary } from '../../src/linalg/random';
import {
  complexMatmul,
  conjTranspose,
  gramDeviation,
  matmul,
  realGramDeviation,
  transpose,
} from '../../src/linalg/dense';
import { Rng } from '../../src/util/rng';

function maxOffIdentity(re: Float64Array, im: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) m = Math.max(m, Math.hypot(re[i * n + j] - (i === j ? 1 : 0), im[i * n + j]));
  return m;
}

describe('haarUnitary', () => {
  it('is unitary to rounding on both sides, p = 1…64', () => {
    const rng = new Rng(81);
    for (const p of [1, 2, 3, 4, 8, 16, 64]) {
      const q = haarUnitary(rng, p);
      const qh = conjTranspose(q.re, q.im, p, p);
      const qhq = complexMatmul(qh.re, qh.im, q.re, q.im, p, p, p);
      const qqh = complexMatmul(q.re, q.im, qh.re, qh.im, p, p, p);
      expect(maxOffIdentity(qhq.re, qhq.im, p)).toBeLessThan(1e-13);
      expect(maxOffIdentity(qqh.re, qqh.im, p)).toBeLessThan(1e-13);
      expect(gramDeviation(q.re, q.im, p)).toBeLessThan(1e-24);
    }
  });

  it('is deterministic for a seed', () => {
    const a = haarUnitary(new Rng(5), 3);
    const b = haarUnitary(new Rng(5), 3);
    expect(Array.from(a.re)).toEqual(Array.from(b.re));
    expect(Array.from(a.im)).toEqual(Array.from(b.im));
  });

  it('has Haar moments: E|Q₀₀|² = 1/p, E[Q₀₀] = 0, uniform det phase', () => {
    const rng = new Rng(82);
    const p = 3;
    const runs = 4000;
    let m2 = 0;
    let mRe = 0;
    let mIm = 0;
    let detCos = 0;
    for (let r = 0; r < runs; r++) {
      const q = haarUnitary(rng, p);
      m2 += q.re[0] ** 2 + q.im[0] ** 2;
      mRe += q.re[0];
      mIm += q.im[0];
      // det of 3×3 complex by cofactor expansion along row 0.
      const c = (i: number, j: number): [number, number] => [q.re[i * 3 + j], q.im[i * 3 + j]];
      const mul = (x: [number, number], y: [number, number]): [number, number] => [
        x[0] * y[0] - x[1] * y[1],
        x[0] * y[1] + x[1] * y[0],
      ];
      const sub = (x: [number, number], y: [number, number]): [number, number] => [x[0] - y[0], x[1] - y[1]];
      const minor = (a: number, b: number) => sub(mul(c(1, a), c(2, b)), mul(c(1, b), c(2, a)));
      const d0 = mul(c(0, 0), minor(1, 2));
      const d1 = mul(c(0, 1), minor(0, 2));
      const d2 = mul(c(0, 2), minor(0, 1));
      const det = [d0[0] - d1[0] + d2[0], d0[1] - d1[1] + d2[1]];
      detCos += det[0];
    }
    expect(Math.abs(m2 / runs - 1 / p)).toBeLessThan(0.02);
    expect(Math.abs(mRe / runs)).toBeLessThan(0.03);
    expect(Math.abs(mIm / runs)).toBeLessThan(0.03);
    // Without the phase fix the determinant's phase is biased; Haar makes E[Re det] = 0.
    expect(Math.abs(detCos / runs)).toBeLessThan(0.05);
  });
});

describe('haarOrthogonal', () => {
  it('is orthogonal to rounding, n = 1…128', () => {
    const rng = new Rng(91);
    for (const n of [1, 2, 5, 32, 128]) {
      const q = haarOrthogonal(rng, n);
      const qtq = matmul(transpose(q, n, n), q, n, n, n);
      expect(maxOffIdentity(qtq, new Float64Array(n * n), n)).toBeLessThan(1e-13);
      expect(realGramDeviation(q, n)).toBeLessThan(1e-24);
    }
  });

  it('has both determinant signs equally often and E[Q₀₀] = 0', () => {
    const rng = new Rng(92);
    let pos = 0;
    let m = 0;
    const runs = 4000;
    for (let r = 0; r < runs; r++) {
      const q = haarOrthogonal(rng, 2);
      if (q[0] * q[3] - q[1] * q[2] > 0) pos++;
      m += q[0];
    }
    expect(Math.abs(pos / runs - 0.5)).toBeLessThan(0.04);
    expect(Math.abs(m / runs)).toBeLessThan(0.04);
  });
});
