// Fused dense RNN recurrence (forward and backpropagation through time) on plain typed arrays.
//
// Every O(N²) product here has the form C += A·Bᵀ with A and B row-major, so one routine (gemmABt) serves
// the forward (Z = h Wᵀ), the carried gradient (Wᵀ da, via a transposed copy of W) and dW (Σ_t da_t h_{t−1}ᵀ,
// a rank-B update per step). As in the LSTM (./lstm.ts), the input term rides in the same products: W
// augmented to [W U b] [N, N+D+1] and h_{t−1} to [h_{t−1} x_t 1], so no JS loop runs over D. It runs as
// WebAssembly SIMD (./wasm) where the engine has it, like the KRU's factor loops; its JS fallback and the SIMD
// wrapper live in ./gemm.ts, shared with the LSTM.

import type { RnnActivation as RnnActivationName } from '../../core/vocabulary';
import { scratch, simdLoops, type SimdLoops } from './wasm';
import { augmentWeights, augmentWeightsTransposed, gemmABt, splitAugmented } from './gemm';
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

/** One forward step's state: the kernel's inputs, outputs and scratch. */
interface ForwardStep {
  dims: RnnDims;
  x: ArrayLike<number>;
  probe: ArrayLike<number>;
  H: Float32Array;
  A: Float32Array;
  hx: Float64Array;
  z: Float64Array;
  Wa: Float64Array;
  code: number;
  simd: SimdLoops | null;
}

/**
 * Step t of the forward, a function of its own: called T times per kernel call, V8 optimises it once as a
 * function. Written inside the loop over t, the kernel (called a few dozen times a second) re-entered its inner
 * loops through on-stack replacement at every call, and Chromium recompiled it again and again (~150–250 ms of
 * compile each, on the page's core; docs/performance.md, "2026-12-02").
 */
function rnnForwardStep(s: ForwardStep, t: number): void {
  const { B, T, D, N } = s.dims;
  const { x, probe, H, A, hx, z, Wa, code, simd } = s;
  const K = N + D + 1;
  for (let bb = 0; bb < B; bb++) for (let d = 0; d < D; d++) hx[bb * K + N + d] = x[(bb * T + t) * D + d];
  z.fill(0);
  gemmABt(z, hx, Wa, B, N, K, simd);
  // σ over the whole step at once: tanh as WebAssembly SIMD (Math.tanh per element was ~40% of the step).
  if (code === TANH && simd) simd.exports.tanhs(z.byteOffset, B * N);
  else if (code === TANH) for (let k = 0; k < B * N; k++) z[k] = Math.tanh(z[k]);
  else if (code === RELU) for (let k = 0; k < B * N; k++) z[k] = z[k] > 0 ? z[k] : 0;
  for (let bb = 0; bb < B; bb++) {
    const o = (bb * T + t) * N;
    for (let i = 0; i < N; i++) {
      const v = z[bb * N + i];
      A[o + i] = v;
      H[o + i] = v + probe[o + i];
      hx[bb * K + i] = H[o + i];
    }
  }
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
  const K = N + D + 1;
  const H = outputArray(B * T * N, false);
  const A = outputArray(B * T * N, false);
  const simd = simdLoops();
  // The rows [h_{t−1} x_t 1] [B, K] (h_0 = 0), z = [h x 1]·[W U b]ᵀ [B, N], and [W U b] [N, K] in float64.
  const [hx, z, Wa] = scratch(simd, [B * K, B * N, N * K]).arrays;
  augmentWeights(Wa, W, U, bias, N, N, D);
  for (let bb = 0; bb < B; bb++) hx[bb * K + N + D] = 1;
  const step: ForwardStep = { dims, x, probe, H, A, hx, z, Wa, code: actCode(activation), simd };
  for (let t = 0; t < T; t++) rnnForwardStep(step, t);
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

/** One backward step's state. */
interface BackwardStep {
  dims: RnnDims;
  dH: ArrayLike<number>;
  x: ArrayLike<number>;
  H: Float32Array;
  A: ArrayLike<number>;
  WaT: Float64Array;
  carry: Float64Array;
  da: Float64Array;
  daT: Float64Array;
  hxT: Float64Array;
  gWa: Float64Array;
  dx: Float32Array;
  dProbe: Float32Array;
  code: number;
  simd: SimdLoops | null;
}

/** Step t of the backward, a function of its own for V8 (see rnnForwardStep). */
function rnnBackwardStep(s: BackwardStep, t: number): void {
  const { B, T, D, N } = s.dims;
  const { dH, x, H, A, WaT, carry, da, daT, hxT, gWa, dx, dProbe, code, simd } = s;
  const K = N + D + 1,
    ND = N + D;
  for (let bb = 0; bb < B; bb++) {
    const o = (bb * T + t) * N;
    for (let i = 0; i < N; i++) {
      const dh = dH[o + i] + carry[bb * ND + i];
      dProbe[o + i] = dh;
      const v = A[o + i]; // σ(a_t)
      const g = code === TANH ? dh * (1 - v * v) : code === RELU ? (v > 0 ? dh : 0) : dh;
      da[bb * N + i] = g;
      daT[i * B + bb] = g;
    }
    const ho = (bb * T + t - 1) * N; // h_0 = 0
    for (let n = 0; n < N; n++) hxT[n * B + bb] = t > 0 ? H[ho + n] : 0;
    for (let d = 0; d < D; d++) hxT[(N + d) * B + bb] = x[(bb * T + t) * D + d];
  }
  gemmABt(gWa, daT, hxT, N, K, B, simd);
  carry.fill(0);
  gemmABt(carry, da, WaT, B, ND, N, simd);
  for (let bb = 0; bb < B; bb++)
    for (let d = 0; d < D; d++) dx[(bb * T + t) * D + d] = carry[bb * ND + N + d];
}

/**
 * BPTT: dh_t = dH_t + Wᵀ da_{t+1}, dP_t = dh_t, da_t = σ'(a_t) dh_t; [dW dU db] += da_tᵀ [h_{t−1} x_t 1] and
 * [carry dx_t] = da_t [W U], both products over the batch.
 */
export function rnnBackward(dims: RnnDims, activation: RnnActivationName, inp: RnnBackwardInputs): RnnGrads {
  const { B, T, D, N } = dims;
  const { dH, x, W, U, H, A } = inp;
  const K = N + D + 1,
    ND = N + D;
  const simd = simdLoops();
  // [W U]ᵀ [N+D, N]; [carry dx_t] [B, N+D] and da [B, N] (batch-major); da_t and [h_{t−1} x_t 1] transposed
  // ([N, B], [K, B]) for the parameters' update [N, K].
  const [WaT, carry, da, daT, hxT, gWa] = scratch(simd, [ND * N, B * ND, B * N, N * B, K * B, N * K]).arrays;
  augmentWeightsTransposed(WaT, W, U, N, N, D);
  hxT.fill(1, (K - 1) * B);
  const dx = outputArray(B * T * D, true);
  const dProbe = outputArray(B * T * N, false);
  const step: BackwardStep = {
    dims,
    dH,
    x,
    H,
    A,
    WaT,
    carry,
    da,
    daT,
    hxT,
    gWa,
    dx,
    dProbe,
    code: actCode(activation),
    simd,
  };
  for (let t = T - 1; t >= 0; t--) rnnBackwardStep(step, t);
  const { dW, dU, db } = splitAugmented(gWa, N, N, D);
  return { dx, dW, dU, db, dProbe };
}
