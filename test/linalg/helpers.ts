// Shared builders and comparisons for the linalg tests. They use only dense.ts helpers and the Haar
// initialisers (themselves checked for unitarity in random.test.ts), never the decompositions under test.
import { complexMatmul, conjTranspose, matmul, transpose, type ComplexMatrix } from '../../src/linalg/dense';
import { haarOrthogonal, haarUnitary } from '../../src/linalg/random';
import type { Rng } from '../../src/util/rng';

/** U·diag(s)·Vᴴ with Haar U, V: a complex p×p matrix with known singular values s. */
export function complexWithSingularValues(rng: Rng, s: ArrayLike<number>): ComplexMatrix {
  const p = s.length;
  const u = haarUnitary(rng, p);
  const v = haarUnitary(rng, p);
  const usRe = new Float64Array(p * p);
  const usIm = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      usRe[i * p + j] = u.re[i * p + j] * s[j];
      usIm[i * p + j] = u.im[i * p + j] * s[j];
    }
  const vh = conjTranspose(v.re, v.im, p, p);
  return complexMatmul(usRe, usIm, vh.re, vh.im, p, p, p);
}

/** U·diag(s)·Vᵀ with Haar orthogonal U, V. */
export function realWithSingularValues(rng: Rng, s: ArrayLike<number>): Float64Array {
  const n = s.length;
  const u = haarOrthogonal(rng, n);
  const v = haarOrthogonal(rng, n);
  const us = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) us[i * n + j] = u[i * n + j] * s[j];
  return matmul(us, transpose(v, n, n), n, n, n);
}

/** Q·T·Qᴴ: unitary similarity of T, so its eigenvalues are T's (diagonal of T when T is triangular). */
export function unitarySimilarity(rng: Rng, t: ComplexMatrix, n: number): ComplexMatrix {
  const q = haarUnitary(rng, n);
  const qt = complexMatmul(q.re, q.im, t.re, t.im, n, n, n);
  const qh = conjTranspose(q.re, q.im, n, n);
  return complexMatmul(qt.re, qt.im, qh.re, qh.im, n, n, n);
}

export function descending(values: ArrayLike<number>): number[] {
  return Array.from(values).sort((a, b) => b - a);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Largest distance when each expected complex value is matched greedily to its nearest unused computed one
 * (a multiset comparison that does not depend on output order).
 */
export function multisetDistance(
  gotRe: ArrayLike<number>,
  gotIm: ArrayLike<number>,
  wantRe: ArrayLike<number>,
  wantIm: ArrayLike<number>,
): number {
  if (gotRe.length !== wantRe.length) return Infinity;
  const used = new Array<boolean>(gotRe.length).fill(false);
  let worst = 0;
  for (let i = 0; i < wantRe.length; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < gotRe.length; j++) {
      if (used[j]) continue;
      const d = Math.hypot(gotRe[j] - wantRe[i], gotIm[j] - wantIm[i]);
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    used[best] = true;
    worst = Math.max(worst, bestD);
  }
  return worst;
}

export function gaussian(rng: Rng, len: number, scale = 1): Float64Array {
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) out[i] = rng.normal() * scale;
  return out;
}
