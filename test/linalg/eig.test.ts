import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { complexEigenvalues, realEigenvalues, sortEigenvalues } from '../../src/linalg/eig';
import { complexKronMatrix, identity, matmul, transpose } from '../../src/linalg/dense';
import { kronComplexProducts } from '../../src/linalg/kron';
import { haarOrthogonal, haarUnitary } from '../../src/linalg/random';
import { Rng } from '../../src/util/rng';
import { gaussian, multisetDistance, unitarySimilarity } from './helpers';

/**
 * Random upper-triangular complex T (non-normal): its eigenvalues are its diagonal. The strictly upper part
 * is scaled by offScale: with O(1) entries the eigenvalue condition numbers of a random triangular matrix
 * grow exponentially in n (numpy/LAPACK misses them by ~0.3 at n = 128), which would test the matrix, not us.
 */
function upperTriangular(rng: Rng, n: number, offScale = 1): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const s = i === j ? 1 : offScale;
      re[i * n + j] = rng.normal() * s;
      im[i * n + j] = rng.normal() * s;
    }
  return { re, im };
}

function diagonalOf(m: { re: Float64Array; im: Float64Array }, n: number): { re: number[]; im: number[] } {
  return {
    re: Array.from({ length: n }, (_, i) => m.re[i * n + i]),
    im: Array.from({ length: n }, (_, i) => m.im[i * n + i]),
  };
}

function checkSorted(e: { re: Float64Array; im: Float64Array }): void {
  const mod = Array.from(e.re, (r, i) => Math.hypot(r, e.im[i]));
  for (let i = 1; i < mod.length; i++) expect(mod[i]).toBeLessThanOrEqual(mod[i - 1] + 1e-9 * mod[0]);
}

describe('complexEigenvalues', () => {
  it('handles 1×1, zero, identity and an exact triangular matrix', () => {
    const one = complexEigenvalues([2], [-1], 1);
    expect([one.re[0], one.im[0]]).toEqual([2, -1]);
    const z = complexEigenvalues(new Float64Array(9), new Float64Array(9), 3);
    expect(Array.from(z.re)).toEqual([0, 0, 0]);
    expect(Array.from(z.im)).toEqual([0, 0, 0]);
    const id = complexEigenvalues(identity(4), new Float64Array(16), 4);
    expect(Array.from(id.re)).toEqual([1, 1, 1, 1]);
    const rng = new Rng(31);
    const t = upperTriangular(rng, 7);
    const e = complexEigenvalues(t.re, t.im, 7);
    const d = diagonalOf(t, 7);
    expect(multisetDistance(e.re, e.im, d.re, d.im)).toBe(0);
    expect(complexEigenvalues([], [], 0).re.length).toBe(0);
  });

  it('recovers the diagonal of T from the non-normal Q·T·Qᴴ, n up to 128', () => {
    const rng = new Rng(32);
    for (const n of [2, 3, 5, 10, 32, 128]) {
      const t = upperTriangular(rng, n, 1 / Math.sqrt(n));
      const a = unitarySimilarity(rng, t, n);
      const e = complexEigenvalues(a.re, a.im, n);
      const d = diagonalOf(t, n);
      // numpy.linalg.eigvals reaches ~2e-14 on such matrices at n = 128.
      expect(multisetDistance(e.re, e.im, d.re, d.im)).toBeLessThan(1e-12);
      checkSorted(e);
    }
    // Strongly non-normal (O(1) upper part) at small n: still within LAPACK-like error.
    for (const n of [5, 10]) {
      const t = upperTriangular(rng, n);
      const a = unitarySimilarity(rng, t, n);
      const e = complexEigenvalues(a.re, a.im, n);
      const d = diagonalOf(t, n);
      expect(multisetDistance(e.re, e.im, d.re, d.im)).toBeLessThan(1e-9);
    }
  });

  it('is accurate for normal matrices Q·diag(λ)·Qᴴ (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
        const rng = new Rng(seed);
        const lr = gaussian(rng, n);
        const li = gaussian(rng, n);
        const d = { re: new Float64Array(n * n), im: new Float64Array(n * n) };
        for (let i = 0; i < n; i++) {
          d.re[i * n + i] = lr[i];
          d.im[i * n + i] = li[i];
        }
        const a = unitarySimilarity(rng, d, n);
        const e = complexEigenvalues(a.re, a.im, n);
        return (
          multisetDistance(e.re, e.im, lr, li) <
          1e-12 * (1 + Math.max(...lr.map(Math.abs), ...li.map(Math.abs)))
        );
      }),
      { seed: 1234, numRuns: 60 },
    );
  });

  it('gives a Kronecker product the products of its factors’ eigenvalues', () => {
    const rng = new Rng(33);
    const a = { re: gaussian(rng, 4), im: gaussian(rng, 4) };
    const b = { re: gaussian(rng, 9), im: gaussian(rng, 9) };
    const c = { re: gaussian(rng, 4), im: gaussian(rng, 4) };
    const ab = complexKronMatrix(a.re, a.im, 2, b.re, b.im, 3);
    const abc = complexKronMatrix(ab.re, ab.im, 6, c.re, c.im, 2);
    const eA = complexEigenvalues(a.re, a.im, 2);
    const eB = complexEigenvalues(b.re, b.im, 3);
    const eC = complexEigenvalues(c.re, c.im, 2);
    const want = kronComplexProducts([eA.re, eB.re, eC.re], [eA.im, eB.im, eC.im]);
    const got = complexEigenvalues(abc.re, abc.im, 12);
    expect(multisetDistance(got.re, got.im, want.re, want.im)).toBeLessThan(1e-10);
  });

  it('orders a unitary matrix’s eigenvalues (all |λ| = 1) by angle in (−π, π]', () => {
    const rng = new Rng(34);
    const q = haarUnitary(rng, 16);
    const e = complexEigenvalues(q.re, q.im, 16);
    const ang = Array.from(e.re, (r, i) => Math.atan2(e.im[i], r));
    for (let i = 0; i < 16; i++) expect(Math.abs(Math.hypot(e.re[i], e.im[i]) - 1)).toBeLessThan(1e-12);
    for (let i = 1; i < 16; i++) expect(ang[i]).toBeGreaterThan(ang[i - 1]);
  });

  it('sortEigenvalues: descending modulus, then angle, deterministic', () => {
    const s = sortEigenvalues([1, 0, -2, 0, 1, -1], [0, 1, 0, -3, 0, 0]);
    expect(Array.from(s.re)).toEqual([0, -2, 1, 1, 0, -1]);
    expect(Array.from(s.im)).toEqual([-3, 0, 0, 0, 1, 0]);
  });

  it('balances badly scaled matrices', () => {
    // D·A·D⁻¹ with D = diag(1, 1e6, 1e-6) has A's eigenvalues but entries spanning 24 orders of magnitude.
    const rng = new Rng(35);
    const t = upperTriangular(rng, 3);
    const a = unitarySimilarity(rng, t, 3);
    const dd = [1, 1e6, 1e-6];
    const re = a.re.map((x, k) => (x * dd[Math.floor(k / 3)]) / dd[k % 3]);
    const im = a.im.map((x, k) => (x * dd[Math.floor(k / 3)]) / dd[k % 3]);
    const e = complexEigenvalues(re, im, 3);
    const d = diagonalOf(t, 3);
    expect(multisetDistance(e.re, e.im, d.re, d.im)).toBeLessThan(1e-12);
  });
});

describe('realEigenvalues', () => {
  it('finds conjugate pairs of a rotation and of a real block-triangular similarity', () => {
    const r = realEigenvalues([0, -1, 1, 0], 2);
    expect(multisetDistance(r.re, r.im, [0, 0], [1, -1])).toBeLessThan(1e-15);
    // B = block upper triangular with blocks [[a, b], [−b, a]] (eigenvalues a ± ib) and 1×1 blocks.
    const rng = new Rng(41);
    const n = 7;
    const b = gaussian(rng, n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) b[i * n + j] = 0;
    const wantRe = [0.3, 0.3, -1.2, -1.2, 2, -0.5, 0.1];
    const wantIm = [0.8, -0.8, 0.4, -0.4, 0, 0, 0];
    for (const [k, a, w] of [
      [0, 0.3, 0.8],
      [2, -1.2, 0.4],
    ]) {
      b[k * n + k] = a;
      b[k * n + k + 1] = w;
      b[(k + 1) * n + k] = -w;
      b[(k + 1) * n + k + 1] = a;
    }
    for (const [k, v] of [
      [4, 2],
      [5, -0.5],
      [6, 0.1],
    ])
      b[k * n + k] = v;
    const q = haarOrthogonal(rng, n);
    const a = matmul(matmul(q, b, n, n, n), transpose(q, n, n), n, n, n);
    const e = realEigenvalues(a, n);
    expect(multisetDistance(e.re, e.im, wantRe, wantIm)).toBeLessThan(1e-12);
    checkSorted(e);
  });

  it('returns exact conjugate pairs and agrees with the complex path (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
        const a = gaussian(new Rng(seed), n * n);
        const e = realEigenvalues(a, n);
        const c = complexEigenvalues(a, new Float64Array(n * n), n);
        // Every eigenvalue's conjugate is in the output bit for bit.
        for (let i = 0; i < n; i++) {
          let found = false;
          for (let j = 0; j < n && !found; j++) found = e.re[j] === e.re[i] && e.im[j] === -e.im[i];
          if (!found) return false;
        }
        return multisetDistance(e.re, e.im, c.re, c.im) < 1e-10 * n;
      }),
      { seed: 4321, numRuns: 60 },
    );
  });

  it('finds the roots of a companion matrix', () => {
    // (x−1)(x−2)(x−3)(x−4)(x−5) = x⁵ − 15x⁴ + 85x³ − 225x² + 274x − 120
    const coeffs = [-15, 85, -225, 274, -120];
    const n = 5;
    const c = new Float64Array(n * n);
    for (let j = 0; j < n; j++) c[j] = -coeffs[j];
    for (let i = 1; i < n; i++) c[i * n + i - 1] = 1;
    const e = realEigenvalues(c, n);
    expect(multisetDistance(e.re, e.im, [5, 4, 3, 2, 1], [0, 0, 0, 0, 0])).toBeLessThan(1e-9);
    expect(Array.from(e.re).map(Math.round)).toEqual([5, 4, 3, 2, 1]);
  });

  it('keeps the trace and handles n = 256 (timing is logged)', () => {
    const rng = new Rng(42);
    const n = 256;
    const a = gaussian(rng, n * n, 1 / Math.sqrt(n));
    const t0 = performance.now();
    const e = realEigenvalues(a, n);
    console.log(`realEigenvalues n=256: ${(performance.now() - t0).toFixed(0)} ms`);
    let trace = 0;
    let sumRe = 0;
    let sumIm = 0;
    for (let i = 0; i < n; i++) {
      trace += a[i * n + i];
      sumRe += e.re[i];
      sumIm += e.im[i];
    }
    expect(Math.abs(trace - sumRe)).toBeLessThan(1e-10);
    expect(Math.abs(sumIm)).toBeLessThan(1e-10);
    // Circular law: the spectral radius of a Gaussian matrix with variance 1/n is about 1.
    expect(Math.hypot(e.re[0], e.im[0])).toBeGreaterThan(0.8);
    expect(Math.hypot(e.re[0], e.im[0])).toBeLessThan(1.2);
  });
});
