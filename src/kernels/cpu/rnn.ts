// Fused dense RNN recurrence (forward and backpropagation through time) on plain typed arrays.
//
// Every O(N²) product here has the form C += A·Bᵀ with A and B row-major, so one routine (gemmABt) serves
// the forward (Z = h Wᵀ), the carried gradient (Wᵀ da, via a transposed copy of W) and dW (Σ_t da_t h_{t−1}ᵀ,
// a rank-B update per step). It runs as WebAssembly SIMD (./wasm) where the engine has it, like the KRU's
// factor loops, so the two models' kernels are built alike; matMulABt is the JS fallback.

import type { RnnActivation as RnnActivationName } from '../../core/vocabulary';
import { scratch, simdLoops, type SimdLoops } from './wasm';

export interface RnnDims {
  B: number;
  T: number;
  D: number;
  N: number;
}

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
function gemmABt(
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

export interface RnnForwardInputs {
  x: ArrayLike<number>; // [B, T, D]
  W: Float32Array; // [N, N]
  U: ArrayLike<number>; // [N, D]
  b: ArrayLike<number>; // [N]
  probe: ArrayLike<number>; // [B, T, N]
}

// Small-integer activation codes: the per-element branch compares ints, not strings.
const TANH = 0,
  RELU = 1,
  LINEAR = 2;
function actCode(a: RnnActivationName): number {
  return a === 'tanh' ? TANH : a === 'relu' ? RELU : LINEAR;
}

/**
 * H and S [B, T, N] (docs/model.md, RNN). S = σ(a_t), without the probe: the saved tensor the backward reads
 * (the kernel's second output, named A like the KRU's). σ' comes from it directly (1 − s² for tanh, s > 0 for
 * relu), so the backward computes no tanh: ~26 ns each here, B·T·N of them per step.
 */
export function rnnForward(
  dims: RnnDims,
  activation: RnnActivationName,
  inp: RnnForwardInputs,
): { H: Float32Array; A: Float32Array } {
  const { B, T, D, N } = dims;
  const { x, W, U, b: bias, probe } = inp;
  const H = new Float32Array(B * T * N);
  const A = new Float32Array(B * T * N);
  const simd = simdLoops();
  // h_{t−1} (batch-major), z = h Wᵀ, and a float64 copy of W.
  const [h, z, W64] = scratch(simd, [B * N, B * N, N * N]).arrays;
  W64.set(W);
  const code = actCode(activation);
  for (let t = 0; t < T; t++) {
    z.fill(0);
    if (t > 0) gemmABt(z, h, W64, B, N, N, simd);
    for (let bb = 0; bb < B; bb++) {
      const xo = (bb * T + t) * D;
      const o = (bb * T + t) * N;
      for (let i = 0; i < N; i++) {
        let a = z[bb * N + i] + bias[i];
        for (let d = 0; d < D; d++) a += U[i * D + d] * x[xo + d];
        const s = code === TANH ? Math.tanh(a) : code === RELU ? (a > 0 ? a : 0) : a;
        A[o + i] = s;
        H[o + i] = s + probe[o + i];
        h[bb * N + i] = H[o + i];
      }
    }
  }
  return { H, A };
}

export interface RnnBackwardInputs {
  dH: ArrayLike<number>;
  x: ArrayLike<number>;
  W: Float32Array;
  U: ArrayLike<number>;
  b: ArrayLike<number>;
  H: Float32Array;
  A: ArrayLike<number>; // S = σ(a_t) from rnnForward
}

export interface RnnGrads {
  dx: Float32Array;
  dW: Float32Array;
  dU: Float32Array;
  db: Float32Array;
  dProbe: Float32Array;
}

/** BPTT: dh_t = dH_t + Wᵀ da_{t+1}, dP_t = dh_t, da_t = σ'(a_t) dh_t; dW = Σ_t da_t h_{t−1}ᵀ. */
export function rnnBackward(dims: RnnDims, activation: RnnActivationName, inp: RnnBackwardInputs): RnnGrads {
  const { B, T, D, N } = dims;
  const { dH, x, W, U, H, A } = inp;
  const simd = simdLoops();
  // Wᵀ; the carry Wᵀ da_{t+1} and da (batch-major); da_t and h_{t−1} transposed to [N, B] for dW's update.
  const [WT, carry, da, daT, hT, gW] = scratch(simd, [N * N, B * N, B * N, N * B, N * B, N * N]).arrays;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) WT[j * N + i] = W[i * N + j];
  const code = actCode(activation);
  const gU = new Float64Array(N * D);
  const gb = new Float64Array(N);
  const dx = new Float32Array(B * T * D);
  const dProbe = new Float32Array(B * T * N);
  for (let t = T - 1; t >= 0; t--) {
    for (let bb = 0; bb < B; bb++) {
      const o = (bb * T + t) * N;
      const xo = (bb * T + t) * D;
      for (let i = 0; i < N; i++) {
        const dh = dH[o + i] + carry[bb * N + i];
        dProbe[o + i] = dh;
        const s = A[o + i]; // σ(a_t)
        const g = code === TANH ? dh * (1 - s * s) : code === RELU ? (s > 0 ? dh : 0) : dh;
        da[bb * N + i] = g;
        gb[i] += g;
        for (let d = 0; d < D; d++) {
          gU[i * D + d] += g * x[xo + d];
          dx[xo + d] += U[i * D + d] * g;
        }
      }
    }
    if (t === 0) break;
    for (let bb = 0; bb < B; bb++) {
      const o = (bb * T + t - 1) * N;
      for (let i = 0; i < N; i++) {
        daT[i * B + bb] = da[bb * N + i];
        hT[i * B + bb] = H[o + i];
      }
    }
    gemmABt(gW, daT, hT, N, N, B, simd); // dW += da_t h_{t−1}ᵀ
    carry.fill(0);
    gemmABt(carry, da, WT, B, N, N, simd);
  }
  return { dx, dW: Float32Array.from(gW), dU: Float32Array.from(gU), db: Float32Array.from(gb), dProbe };
}
