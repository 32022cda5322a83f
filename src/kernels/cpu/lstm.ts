// Fused dense LSTM recurrence (forward and backpropagation through time) on plain typed arrays; the gate math
// is in ./lstm-cell.ts, shared with the KRU-LSTM. As in the RNN (./rnn.ts), every O(N²) product has the form
// C += A·Bᵀ and runs through one routine, WebAssembly SIMD where the engine has it. The input term rides in
// the same products, W augmented to [W U b] [4N, N+D+1] and h_{t−1} to [h_{t−1} x_t 1]: the forward's
// z = [h x 1]·[W U b]ᵀ ([B, 4N]), the backward's [dW dU db] += dzᵀ [h x 1] (rank B per step) and
// [carry dx] = dz [W U] (via a transposed copy). This leaves the cell no loop over D.

import { augmentWeights, augmentWeightsTransposed, gemmABt, splitAugmented } from './gemm';
import { scratch, simdLoops } from './wasm';
import {
  lstmCellBackward,
  lstmCellForward,
  lstmCellGrads,
  lstmOutputs,
  type LstmDims,
  type LstmOutputs,
} from './lstm-cell';

export interface LstmForwardInputs {
  x: ArrayLike<number>; // [B, T, D]
  W: ArrayLike<number>; // [4N, N]
  U: ArrayLike<number>; // [4N, D]
  b: ArrayLike<number>; // [4N]
  probe: ArrayLike<number>; // [B, T, N]
}

/** H, C [B, T, N] and G [B, T, 4N] (docs/model.md, "LSTM"). */
export function lstmForward(dims: LstmDims, inp: LstmForwardInputs): LstmOutputs {
  const { B, T, D, N } = dims;
  const { x, W, U, b } = inp;
  const N4 = 4 * N,
    K = N + D + 1;
  const simd = simdLoops();
  // The rows [h_{t−1}, x_t, 1] [B, K] and z = [h x 1]·[W U b]ᵀ [B, 4N] (batch-major), [W U b] [4N, K] in
  // float64, and the cell's tanh c_t.
  const [hx, z, Wa, tc] = scratch(simd, [B * K, B * N4, N4 * K, B * N]).arrays;
  augmentWeights(Wa, W, U, b, N4, N, D);
  for (let bb = 0; bb < B; bb++) hx[bb * K + N + D] = 1;
  const out = lstmOutputs(dims);
  for (let t = 0; t < T; t++) {
    for (let bb = 0; bb < B; bb++) for (let d = 0; d < D; d++) hx[bb * K + N + d] = x[(bb * T + t) * D + d];
    z.fill(0);
    gemmABt(z, hx, Wa, B, N4, K, simd);
    lstmCellForward(dims, t, z, { batch: N4, row: 1 }, hx, { batch: K, row: 1 }, inp, false, out, {
      simd,
      tc,
    });
  }
  return out;
}

export interface LstmBackwardInputs {
  dH: ArrayLike<number>; // [B, T, N]
  x: ArrayLike<number>;
  W: ArrayLike<number>;
  U: ArrayLike<number>;
  b: ArrayLike<number>;
  H: ArrayLike<number>;
  C: ArrayLike<number>;
  G: ArrayLike<number>;
}

export interface LstmGrads {
  dx: Float32Array;
  dW: Float32Array;
  dU: Float32Array;
  db: Float32Array;
  dProbe: Float32Array;
}

/**
 * BPTT, t = T−1 … 0: the cell's backward gives dz_t; [dW dU db] += dz_tᵀ [h_{t−1} x_t 1] and
 * [carry dx_t] = dz_t [W U] (= Wᵀ dz_t and Uᵀ dz_t per row), both products over the batch.
 */
export function lstmBackward(dims: LstmDims, inp: LstmBackwardInputs): LstmGrads {
  const { B, T, D, N } = dims;
  const { x, W, U, H } = inp;
  const N4 = 4 * N,
    K = N + D + 1,
    ND = N + D;
  const simd = simdLoops();
  // [W U]ᵀ [N+D, 4N]; [carry dx_t] [B, N+D] and dz [B, 4N] (batch-major); dz and [h_{t−1} x_t 1] transposed
  // ([4N, B], [K, B]) for the parameters' update [4N, K]; the cell's tanh c_t.
  const [WaT, carry, dz, dzT, hxT, gWa, tc] = scratch(simd, [
    ND * N4,
    B * ND,
    B * N4,
    N4 * B,
    K * B,
    N4 * K,
    B * N,
  ]).arrays;
  augmentWeightsTransposed(WaT, W, U, N4, N, D);
  hxT.fill(1, (K - 1) * B);
  const acc = lstmCellGrads(dims);
  for (let t = T - 1; t >= 0; t--) {
    lstmCellBackward(dims, t, carry, { batch: ND, row: 1 }, dz, { batch: N4, row: 1 }, inp, false, acc, {
      simd,
      tc,
    });
    for (let bb = 0; bb < B; bb++) {
      for (let r = 0; r < N4; r++) dzT[r * B + bb] = dz[bb * N4 + r];
      const o = (bb * T + t - 1) * N; // h_0 = 0
      for (let n = 0; n < N; n++) hxT[n * B + bb] = t > 0 ? H[o + n] : 0;
      for (let d = 0; d < D; d++) hxT[(N + d) * B + bb] = x[(bb * T + t) * D + d];
    }
    gemmABt(gWa, dzT, hxT, N4, K, B, simd);
    carry.fill(0);
    gemmABt(carry, dz, WaT, B, ND, N4, simd);
    for (let bb = 0; bb < B; bb++)
      for (let d = 0; d < D; d++) acc.dx[(bb * T + t) * D + d] = carry[bb * ND + N + d];
  }
  const { dW, dU, db } = splitAugmented(gWa, N4, N, D);
  return { dx: acc.dx, dW, dU, db, dProbe: acc.dProbe };
}
