// Small dense helpers on row-major typed arrays. Complex matrices are a pair of real arrays (re, im) of the
// same shape, matching the model's "Re block then Im block" storage.

export interface ComplexMatrix {
  re: Float64Array;
  im: Float64Array;
}

export function assertLength(what: string, arr: ArrayLike<number>, expected: number): void {
  if (arr.length !== expected) {
    throw new Error(`${what}: expected ${expected} entries, got ${arr.length}`);
  }
}

export function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** Real (m×k)·(k×n). */
export function matmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): Float64Array {
  assertLength('matmul a', a, m * k);
  assertLength('matmul b', b, k * n);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    for (let l = 0; l < k; l++) {
      const ail = a[i * k + l];
      if (ail === 0) continue;
      const ol = l * n;
      for (let j = 0; j < n; j++) out[oi + j] += ail * b[ol + j];
    }
  }
  return out;
}

/** Real m×n → n×m. */
export function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  assertLength('transpose', a, m * n);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

/** Complex (m×k)·(k×n). */
export function complexMatmul(
  aRe: ArrayLike<number>,
  aIm: ArrayLike<number>,
  bRe: ArrayLike<number>,
  bIm: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): ComplexMatrix {
  assertLength('complexMatmul aRe', aRe, m * k);
  assertLength('complexMatmul aIm', aIm, m * k);
  assertLength('complexMatmul bRe', bRe, k * n);
  assertLength('complexMatmul bIm', bIm, k * n);
  const re = new Float64Array(m * n);
  const im = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    for (let l = 0; l < k; l++) {
      const xr = aRe[i * k + l];
      const xi = aIm[i * k + l];
      if (xr === 0 && xi === 0) continue;
      const ol = l * n;
      for (let j = 0; j < n; j++) {
        const yr = bRe[ol + j];
        const yi = bIm[ol + j];
        re[oi + j] += xr * yr - xi * yi;
        im[oi + j] += xr * yi + xi * yr;
      }
    }
  }
  return { re, im };
}

/** Conjugate transpose of a complex m×n matrix (result n×m). */
export function conjTranspose(
  re: ArrayLike<number>,
  im: ArrayLike<number>,
  m: number,
  n: number,
): ComplexMatrix {
  assertLength('conjTranspose re', re, m * n);
  assertLength('conjTranspose im', im, m * n);
  const oRe = new Float64Array(m * n);
  const oIm = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      oRe[j * m + i] = re[i * n + j];
      oIm[j * m + i] = -im[i * n + j];
    }
  }
  return { re: oRe, im: oIm };
}

/** Explicit numpy-style kron of real A (pa×pa) and B (pb×pb): (A⊗B)[i·pb+k, j·pb+l] = A[i,j]·B[k,l]. */
export function kronMatrix(a: ArrayLike<number>, pa: number, b: ArrayLike<number>, pb: number): Float64Array {
  assertLength('kronMatrix a', a, pa * pa);
  assertLength('kronMatrix b', b, pb * pb);
  const n = pa * pb;
  const out = new Float64Array(n * n);
  for (let i = 0; i < pa; i++)
    for (let j = 0; j < pa; j++) {
      const aij = a[i * pa + j];
      for (let k = 0; k < pb; k++)
        for (let l = 0; l < pb; l++) out[(i * pb + k) * n + j * pb + l] = aij * b[k * pb + l];
    }
  return out;
}

/** Explicit kron of complex square matrices, same index convention as kronMatrix. */
export function complexKronMatrix(
  aRe: ArrayLike<number>,
  aIm: ArrayLike<number>,
  pa: number,
  bRe: ArrayLike<number>,
  bIm: ArrayLike<number>,
  pb: number,
): ComplexMatrix {
  assertLength('complexKronMatrix aRe', aRe, pa * pa);
  assertLength('complexKronMatrix aIm', aIm, pa * pa);
  assertLength('complexKronMatrix bRe', bRe, pb * pb);
  assertLength('complexKronMatrix bIm', bIm, pb * pb);
  const n = pa * pb;
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let i = 0; i < pa; i++)
    for (let j = 0; j < pa; j++) {
      const xr = aRe[i * pa + j];
      const xi = aIm[i * pa + j];
      for (let k = 0; k < pb; k++)
        for (let l = 0; l < pb; l++) {
          const yr = bRe[k * pb + l];
          const yi = bIm[k * pb + l];
          const o = (i * pb + k) * n + j * pb + l;
          re[o] = xr * yr - xi * yi;
          im[o] = xr * yi + xi * yr;
        }
    }
  return { re, im };
}

/**
 * ‖AᴴA − I‖_F² formed directly from the entries of a complex square matrix (O(p³)). The spectral route
 * (factorDeviation of the singular values) is cheaper once the SVD is known; this one is the independent check.
 */
export function gramDeviation(re: ArrayLike<number>, im: ArrayLike<number>, p: number): number {
  assertLength('gramDeviation re', re, p * p);
  assertLength('gramDeviation im', im, p * p);
  let total = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      // (AᴴA)[i,j] = Σ_k conj(A[k,i])·A[k,j]
      let gr = 0;
      let gi = 0;
      for (let k = 0; k < p; k++) {
        const xr = re[k * p + i];
        const xi = im[k * p + i];
        const yr = re[k * p + j];
        const yi = im[k * p + j];
        gr += xr * yr + xi * yi;
        gi += xr * yi - xi * yr;
      }
      if (i === j) gr -= 1;
      total += gr * gr + gi * gi;
    }
  }
  return total;
}

/** ‖AᵀA − I‖_F² for a real square matrix, formed directly. */
export function realGramDeviation(a: ArrayLike<number>, n: number): number {
  return gramDeviation(a, new Float64Array(n * n), n);
}
