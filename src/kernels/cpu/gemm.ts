// C += A·Bᵀ with A and B row-major: the one product of the dense kernels (the RNN's and the LSTM's forward,
// carried gradient and weight gradient all take this form). WebAssembly SIMD (./wasm) where the engine has it,
// register-blocked JS loops otherwise and for the edges.
import { outputArray } from './output-pool';
import type { SimdLoops } from './wasm';

const KC = 256; // k-chunk: keeps the rows being dotted in L1/L2 when K is long (the dW product)

/**
 * C[i·J + j] += Σ_k A[i·K + k] · Bm[j·K + k] for i < I, j < J. Register blocking (4×2, then 2×2): several
 * dot products share each load.
 */
export function matMulABt(
  C: Float64Array,
  A: Float64Array,
  Bm: Float64Array,
  I: number,
  J: number,
  K: number,
): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const k1 = Math.min(K, k0 + KC);
    let j = 0;
    for (; j + 1 < J; j += 2) {
      const b0 = j * K,
        b1 = b0 + K;
      let i = 0;
      // 4×2 blocks first: six loads feed eight products (~28% faster than 2×2 at B=32, N=64).
      for (; i + 3 < I; i += 4) {
        const a0 = i * K,
          a1 = a0 + K,
          a2 = a1 + K,
          a3 = a2 + K;
        let s00 = 0,
          s01 = 0,
          s10 = 0,
          s11 = 0,
          s20 = 0,
          s21 = 0,
          s30 = 0,
          s31 = 0;
        for (let k = k0; k < k1; k++) {
          const y0 = Bm[b0 + k],
            y1 = Bm[b1 + k];
          const x0 = A[a0 + k],
            x1 = A[a1 + k],
            x2 = A[a2 + k],
            x3 = A[a3 + k];
          s00 += x0 * y0;
          s01 += x0 * y1;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s20 += x2 * y0;
          s21 += x2 * y1;
          s30 += x3 * y0;
          s31 += x3 * y1;
        }
        C[i * J + j] += s00;
        C[i * J + j + 1] += s01;
        C[(i + 1) * J + j] += s10;
        C[(i + 1) * J + j + 1] += s11;
        C[(i + 2) * J + j] += s20;
        C[(i + 2) * J + j + 1] += s21;
        C[(i + 3) * J + j] += s30;
        C[(i + 3) * J + j + 1] += s31;
      }
      for (; i + 1 < I; i += 2) {
        const a0 = i * K,
          a1 = a0 + K;
        let s00 = 0,
          s01 = 0,
          s10 = 0,
          s11 = 0;
        for (let k = k0; k < k1; k++) {
          const x0 = A[a0 + k],
            x1 = A[a1 + k],
            y0 = Bm[b0 + k],
            y1 = Bm[b1 + k];
          s00 += x0 * y0;
          s01 += x0 * y1;
          s10 += x1 * y0;
          s11 += x1 * y1;
        }
        C[i * J + j] += s00;
        C[i * J + j + 1] += s01;
        C[(i + 1) * J + j] += s10;
        C[(i + 1) * J + j + 1] += s11;
      }
      if (i < I) {
        const a0 = i * K;
        let s0 = 0,
          s1 = 0;
        for (let k = k0; k < k1; k++) {
          const x0 = A[a0 + k];
          s0 += x0 * Bm[b0 + k];
          s1 += x0 * Bm[b1 + k];
        }
        C[i * J + j] += s0;
        C[i * J + j + 1] += s1;
      }
    }
    if (j < J) {
      const b0 = j * K;
      for (let i = 0; i < I; i++) {
        const a0 = i * K;
        let s = 0;
        for (let k = k0; k < k1; k++) s += A[a0 + k] * Bm[b0 + k];
        C[i * J + j] += s;
      }
    }
  }
}

/** C[i·J + j] += Σ_{k0 ≤ k < k1} A[i·K + k] · Bm[j·K + k] for i0 ≤ i < i1, j0 ≤ j < J (plain loops). */
function dotRange(
  C: Float64Array,
  A: Float64Array,
  Bm: Float64Array,
  J: number,
  K: number,
  i0: number,
  i1: number,
  j0: number,
  k0: number,
  k1: number,
): void {
  for (let i = i0; i < i1; i++)
    for (let j = j0; j < J; j++) {
      let s = 0;
      for (let k = k0; k < k1; k++) s += A[i * K + k] * Bm[j * K + k];
      C[i * J + j] += s;
    }
}

/**
 * C += A·Bᵀ as matMulABt, with the SIMD loop doing the block whose sizes it takes (rows in fours, columns
 * and k in twos; k in chunks of KC) when the arrays live in its memory. The JS loops add the edges.
 */
export function gemmABt(
  C: Float64Array,
  A: Float64Array,
  Bm: Float64Array,
  I: number,
  J: number,
  K: number,
  simd: SimdLoops | null,
): void {
  if (!simd) {
    matMulABt(C, A, Bm, I, J, K);
    return;
  }
  const I4 = I - (I % 4),
    J2 = J - (J % 2),
    K2 = K - (K % 2);
  if (J2 > 0)
    for (let k0 = 0; k0 < K2; k0 += KC) {
      const len = Math.min(KC, K2 - k0);
      simd.exports.gemmABt(C.byteOffset, A.byteOffset + 8 * k0, Bm.byteOffset + 8 * k0, I4, J2, len, K, K, J);
    }
  if (K2 < K)
    for (let i = 0; i < I4; i++) for (let j = 0; j < J2; j++) C[i * J + j] += A[i * K + K2] * Bm[j * K + K2];
  dotRange(C, A, Bm, J, K, 0, I4, J2, 0, K); // the last column when J is odd
  dotRange(C, A, Bm, J, K, I4, I, 0, 0, K); // the last I mod 4 rows
}

// The dense kernels (the RNN's, the LSTM's) carry the input term inside their products: W [R, N], U [R, D] and
// b [R] as one [W U b] [R, K = N + D + 1] against the rows [h x 1].

/** [W U b] into Wa [R, K] (row r: W's row, U's row, b[r]). */
export function augmentWeights(
  Wa: Float64Array,
  W: ArrayLike<number>,
  U: ArrayLike<number>,
  b: ArrayLike<number>,
  R: number,
  N: number,
  D: number,
): void {
  const K = N + D + 1;
  for (let r = 0; r < R; r++) {
    for (let n = 0; n < N; n++) Wa[r * K + n] = W[r * N + n];
    for (let d = 0; d < D; d++) Wa[r * K + N + d] = U[r * D + d];
    Wa[r * K + N + D] = b[r];
  }
}

/** [W U]ᵀ into WaT [N + D, R], for the carried gradient and dx: [carry dx] = dz [W U]. */
export function augmentWeightsTransposed(
  WaT: Float64Array,
  W: ArrayLike<number>,
  U: ArrayLike<number>,
  R: number,
  N: number,
  D: number,
): void {
  for (let r = 0; r < R; r++) {
    for (let n = 0; n < N; n++) WaT[n * R + r] = W[r * N + n];
    for (let d = 0; d < D; d++) WaT[(N + d) * R + r] = U[r * D + d];
  }
}

/** The gradient of [W U b] [R, K] split back into dW [R, N], dU [R, D] and db [R] (float32). */
export function splitAugmented(
  gWa: Float64Array,
  R: number,
  N: number,
  D: number,
): { dW: Float32Array; dU: Float32Array; db: Float32Array } {
  const K = N + D + 1;
  const dW = outputArray(R * N, false),
    dU = outputArray(R * D, false),
    db = outputArray(R, false);
  for (let r = 0; r < R; r++) {
    for (let n = 0; n < N; n++) dW[r * N + n] = gWa[r * K + n];
    for (let d = 0; d < D; d++) dU[r * D + d] = gWa[r * K + N + d];
    db[r] = gWa[r * K + N + D];
  }
  return { dW, dU, db };
}
