// Fused dense RNN recurrence (forward and backpropagation through time) on plain typed arrays.
//
// Every O(N²) product here has the form C += A·Bᵀ with A and B row-major, so one routine (gemmABt) serves
// the forward (Z = h Wᵀ), the carried gradient (Wᵀ da, via a transposed copy of W) and dW (Σ_t da_t h_{t−1}ᵀ,
// a rank-B update per step). It runs as WebAssembly SIMD (./wasm) where the engine has it, like the KRU's
// factor loops, so the two models' kernels are built alike; its JS fallback and the SIMD wrapper live in ./gemm.ts, shared with the LSTM.

import type { RnnActivation as RnnActivationName } from '../../core/vocabulary';
import { scratch, simdLoops } from './wasm';
import { gemmABt } from './gemm';
import { outputArray } from './output-pool';

export interface RnnDims {
  B: number;
  T: number;
  D: number;
  N: number;
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
  const H = outputArray(B * T * N, false);
  const A = outputArray(B * T * N, false);
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
      for (let i = 0; i < N; i++) {
        let a = z[bb * N + i] + bias[i];
        for (let d = 0; d < D; d++) a += U[i * D + d] * x[xo + d];
        z[bb * N + i] = a;
      }
    }
    // σ over the whole step at once: tanh as WebAssembly SIMD (Math.tanh per element was ~40% of the step).
    if (code === TANH && simd) simd.exports.tanhs(z.byteOffset, B * N);
    else if (code === TANH) for (let k = 0; k < B * N; k++) z[k] = Math.tanh(z[k]);
    else if (code === RELU) for (let k = 0; k < B * N; k++) z[k] = z[k] > 0 ? z[k] : 0;
    for (let bb = 0; bb < B; bb++) {
      const o = (bb * T + t) * N;
      for (let i = 0; i < N; i++) {
        const s = z[bb * N + i];
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
  const dProbe = outputArray(B * T * N, false);
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
