// The LSTM cell's gate math, forward and backward, shared by the dense LSTM (./lstm.ts) and the KRU-LSTM
// (./kru-lstm.ts): the two kinds differ only in the recurrent product W h_{t−1} (and its gradient), which the
// callers compute into z before a forward step and from dz after a backward step (docs/model.md, "LSTM").
//
// The recurrent scratch arrays (z and dz with 4N rows, the state h and the carried gradient with N rows) are
// laid out as each caller's product wants them, given by their strides: batch-major for the dense products,
// batch-innermost (row r of batch b at r·B + b) for the factor-by-factor ones. The tfjs arrays H, C [B, T, N]
// and G [B, T, 4N] (gates i, f, g, o after s/tanh, blocks as in W) are batch-outer.
//
// The input term U x_t + b and its gradients are the cell's unless the caller folds them into its product
// (the dense LSTM does: [h x 1]·[W U b]ᵀ). The sigmoids and tanhs (five per element forward, one backward)
// run in place over whole gate blocks, as WebAssembly SIMD (./wasm, ~3× Math.exp's speed) when given.

import type { SimdLoops } from './wasm';
import { outputArray } from './output-pool';

export interface LstmDims {
  B: number;
  T: number;
  D: number;
  N: number;
}

/**
 * Row r of batch b of a recurrent scratch array sits at b·batch + r·row. For z and dz either row = 1 or
 * (batch = 1, row = B): each gate block of a batch, or of all, is then one contiguous run.
 */
export interface Strides {
  batch: number;
  row: number;
}

/** The logistic sigmoid without overflow: exp is only taken of a non-positive number. */
export function sigmoid(z: number): number {
  const e = Math.exp(-Math.abs(z));
  const r = 1 / (1 + e);
  return z >= 0 ? r : e * r;
}

/** sigmoid (or tanh when `tanh`) in place over a[start, start + n). */
function activate(a: Float64Array, start: number, n: number, tanh: boolean, simd: SimdLoops | null): void {
  if (simd) {
    const p = a.byteOffset + 8 * start;
    if (tanh) simd.exports.tanhs(p, n);
    else simd.exports.sigmoids(p, n);
    return;
  }
  const end = start + n;
  if (tanh) for (let i = start; i < end; i++) a[i] = Math.tanh(a[i]);
  else for (let i = start; i < end; i++) a[i] = sigmoid(a[i]);
}

/**
 * A step's scratch. simd, when given, must hold z (forward) and tc in its memory (take them from one
 * `scratch(simd, …)` call); tc [B·N] batch-major holds tanh c_t.
 */
export interface CellScratch {
  simd: SimdLoops | null;
  tc: Float64Array;
}

export interface LstmCellInputs {
  x: ArrayLike<number>; // [B, T, D]
  U: ArrayLike<number>; // [4N, D]
  b: ArrayLike<number>; // [4N]
  probe: ArrayLike<number>; // [B, T, N]
}

export interface LstmOutputs {
  H: Float32Array; // [B, T, N]
  C: Float32Array; // [B, T, N]
  G: Float32Array; // [B, T, 4N]
}

export function lstmOutputs(dims: LstmDims): LstmOutputs {
  const { B, T, N } = dims;
  return {
    H: outputArray(B * T * N, false),
    C: outputArray(B * T * N, false),
    G: outputArray(B * T * 4 * N, false),
  };
}

/**
 * Forward step t: z (W h_{t−1}, plus U x_t + b when the caller folded it in, else the cell adds it) becomes
 * the gate values in place; writes the gates, c_t and h_t (probe added) at t of out, and h_t into the state h
 * for the next product. The cell state is read back from the float32 C, and h from H, so that the backward,
 * which reads them, sees the same numbers.
 */
export function lstmCellForward(
  dims: LstmDims,
  t: number,
  z: Float64Array,
  zs: Strides,
  h: Float64Array,
  hs: Strides,
  inp: LstmCellInputs,
  addInput: boolean,
  out: LstmOutputs,
  s: CellScratch,
): void {
  const { B, T, D, N } = dims;
  const { x, U, b: bias, probe } = inp;
  const { H, C, G } = out;
  const { tc } = s;
  const N4 = 4 * N;
  const zb = zs.batch,
    zr = zs.row,
    hb = hs.batch,
    hr = hs.row;
  const gs = N * zr; // from one gate block to the next
  if (addInput)
    for (let bb = 0; bb < B; bb++) {
      const xo = (bb * T + t) * D;
      for (let r = 0; r < N4; r++) {
        let a = bias[r];
        for (let d = 0; d < D; d++) a += U[r * D + d] * x[xo + d];
        z[bb * zb + r * zr] += a;
      }
    }
  // i, f, o = s(·) and g = tanh(·), over runs of whole gate blocks.
  const runs = zr === 1 ? B : 1;
  for (let k = 0; k < runs; k++) {
    const o = k * zb;
    activate(z, o, 2 * gs, false, s.simd);
    activate(z, o + 2 * gs, gs, true, s.simd);
    activate(z, o + 3 * gs, gs, false, s.simd);
  }
  // G, and c_t = f ⊙ c_{t−1} + i ⊙ g.
  for (let bb = 0; bb < B; bb++) {
    const o = (bb * T + t) * N;
    const go = 4 * o;
    for (let n = 0; n < N; n++) {
      const zo = bb * zb + n * zr;
      const gi = z[zo],
        gf = z[zo + gs],
        gg = z[zo + 2 * gs];
      G[go + n] = gi;
      G[go + N + n] = gf;
      G[go + 2 * N + n] = gg;
      G[go + 3 * N + n] = z[zo + 3 * gs];
      C[o + n] = gf * (t > 0 ? C[o - N + n] : 0) + gi * gg;
      tc[bb * N + n] = C[o + n];
    }
  }
  activate(tc, 0, B * N, true, s.simd);
  // h_t = o ⊙ tanh c_t + P_t.
  for (let bb = 0; bb < B; bb++) {
    const o = (bb * T + t) * N;
    for (let n = 0; n < N; n++) {
      H[o + n] = z[bb * zb + n * zr + 3 * gs] * tc[bb * N + n] + probe[o + n];
      h[bb * hb + n * hr] = H[o + n];
    }
  }
}

export interface LstmCellBackwardInputs {
  dH: ArrayLike<number>; // [B, T, N]
  x: ArrayLike<number>;
  U: ArrayLike<number>;
  C: ArrayLike<number>;
  G: ArrayLike<number>;
}

/** The cell's gradient accumulators: float64 sums for the parameters, float32 outputs per (b, t). */
export interface LstmCellGrads {
  gU: Float64Array; // [4N, D]
  gb: Float64Array; // [4N]
  dx: Float32Array; // [B, T, D]
  dProbe: Float32Array; // [B, T, N]
  /** ∂L/∂c_t carried to step t − 1 (the forget path), [B, N] batch-major; starts at zero. */
  dc: Float64Array;
  dxAcc: Float64Array; // [D] scratch
}

export function lstmCellGrads(dims: LstmDims): LstmCellGrads {
  const { B, T, D, N } = dims;
  return {
    gU: new Float64Array(4 * N * D),
    gb: new Float64Array(4 * N),
    dx: outputArray(B * T * D, true),
    dProbe: outputArray(B * T * N, false),
    dc: new Float64Array(B * N),
    dxAcc: new Float64Array(D),
  };
}

/**
 * Backward step t: dh_t = dH_t + carry (carry = Wᵀ dz_{t+1}, N rows; zero at t = T − 1), dP_t = dh_t;
 * dc_t = dh_t ⊙ o ⊙ (1 − tanh² c_t) + f_{t+1} ⊙ dc_{t+1}; writes dz_t = ∂L/∂z_t (4N rows) for the caller's
 * recurrent gradient, and accumulates dU, db and dx unless the caller takes them from dz (inputGrads false).
 */
export function lstmCellBackward(
  dims: LstmDims,
  t: number,
  carry: Float64Array,
  cs: Strides,
  dz: Float64Array,
  zs: Strides,
  inp: LstmCellBackwardInputs,
  inputGrads: boolean,
  acc: LstmCellGrads,
  s: CellScratch,
): void {
  const { B, T, D, N } = dims;
  const { dH, x, U, C, G } = inp;
  const { gU, gb, dx, dProbe, dc, dxAcc } = acc;
  const { tc } = s;
  const zb = zs.batch,
    zr = zs.row,
    cb = cs.batch,
    cr = cs.row;
  const gs = N * zr;
  for (let bb = 0; bb < B; bb++) {
    const o = (bb * T + t) * N;
    for (let n = 0; n < N; n++) tc[bb * N + n] = C[o + n];
  }
  activate(tc, 0, B * N, true, s.simd);
  for (let bb = 0; bb < B; bb++) {
    const o = (bb * T + t) * N;
    const go = 4 * o;
    for (let n = 0; n < N; n++) {
      const dh = dH[o + n] + carry[bb * cb + n * cr];
      dProbe[o + n] = dh;
      const gi = G[go + n],
        gf = G[go + N + n],
        gg = G[go + 2 * N + n],
        gO = G[go + 3 * N + n];
      const k = bb * N + n;
      const th = tc[k];
      const dcn = dc[k] + dh * gO * (1 - th * th);
      dc[k] = dcn * gf;
      const zo = bb * zb + n * zr;
      dz[zo] = dcn * gg * gi * (1 - gi);
      dz[zo + gs] = t > 0 ? dcn * C[o - N + n] * gf * (1 - gf) : 0;
      dz[zo + 2 * gs] = dcn * gi * (1 - gg * gg);
      dz[zo + 3 * gs] = dh * th * gO * (1 - gO);
    }
  }
  if (!inputGrads) return;
  // db += dz, dU += dz xᵀ, dx = Uᵀ dz.
  for (let bb = 0; bb < B; bb++) {
    const xo = (bb * T + t) * D;
    dxAcc.fill(0);
    for (let r = 0; r < 4 * N; r++) {
      const g = dz[bb * zb + r * zr];
      gb[r] += g;
      for (let d = 0; d < D; d++) {
        gU[r * D + d] += g * x[xo + d];
        dxAcc[d] += U[r * D + d] * g;
      }
    }
    for (let d = 0; d < D; d++) dx[xo + d] = dxAcc[d];
  }
}
