// Fused KRU-LSTM recurrence (forward and backpropagation through time) on plain typed arrays: the LSTM cell of
// ./lstm-cell.ts with each gate's recurrent matrix W_k = R_{k,0} ⊗ … ⊗ R_{k,F−1}, real factors applied one
// tensor axis at a time (docs/model.md, "KRU-LSTM"), never formed.
//
// Layout: as in the KRU (./kru-factor.ts), a batch of hidden vectors is one Float64Array of length N·B with
// index n·B + b (batch innermost), so factor f is a p×p matrix applied to [L, p, R·B] blocks whose inner loop
// runs over R·B contiguous numbers. z and dz hold the four gates' blocks one after another (gate k at k·N·B).
// As in the KRU's backward, the chain R_{k,f}…R_{k,0} h_{t−1} is recomputed per step from the stored H.

import { factorLayout } from '../../core/factor-layout';
import { outputCopy } from './output-pool';
import { scratch, simdLoops } from './wasm';
import { lstmCellBackward, lstmCellForward, lstmCellGrads, lstmOutputs, type LstmDims } from './lstm-cell';
import type { LstmOutputs } from './lstm-cell';

export interface KruLstmDims extends LstmDims {
  sizes: number[];
}

/** One real factor: its geometry, a float64 copy of its entries and where they sit in the packed factors. */
interface RealFactor {
  p: number;
  L: number; // ∏ of the sizes before f
  RB: number; // (∏ of the sizes after f) · B
  w: Float64Array; // p×p row-major
  off: number;
}

/** Σ_f p_f²: one gate's share of the packed factors (gate k's block starts at k times this). */
export function gateFactorLength(sizes: readonly number[]): number {
  return sizes.reduce((s, p) => s + p * p, 0);
}

/** The factors of each gate k ∈ {i, f, g, o}, [gate][factor], for batch size B. */
function splitRealFactors(sizes: number[], B: number, factors: ArrayLike<number>): RealFactor[][] {
  const layout = factorLayout(sizes);
  const S = gateFactorLength(sizes);
  return [0, 1, 2, 3].map((k) => {
    let off = k * S;
    return sizes.map((p, f) => {
      const w = Float64Array.from({ length: p * p }, (_, i) => factors[off + i]);
      const fac = { p, L: layout.pre[f], RB: layout.post[f] * B, w, off };
      off += p * p;
      return fac;
    });
  });
}

/** y = R x along the factor's axis (batched layout). x and y must not alias. */
function realApply(f: RealFactor, x: Float64Array, y: Float64Array): void {
  const { p, L, RB, w } = f;
  if (p === 2) {
    const a = w[0],
      b = w[1],
      c = w[2],
      d = w[3];
    for (let l = 0; l < L; l++) {
      const o0 = 2 * l * RB,
        o1 = o0 + RB;
      for (let q = 0; q < RB; q++) {
        const h0 = x[o0 + q],
          h1 = x[o1 + q];
        y[o0 + q] = a * h0 + b * h1;
        y[o1 + q] = c * h0 + d * h1;
      }
    }
    return;
  }
  for (let l = 0; l < L; l++)
    for (let i = 0; i < p; i++) {
      const o = (l * p + i) * RB;
      y.fill(0, o, o + RB);
      for (let j = 0; j < p; j++) {
        const wij = w[i * p + j];
        const s = (l * p + j) * RB;
        for (let q = 0; q < RB; q++) y[o + q] += wij * x[s + q];
      }
    }
}

/**
 * Backward of y = R x along the factor's axis: dx = Rᵀ dy and g[off + i·p + j] += Σ dy_i x_j over the L and
 * R·B positions. dx must alias neither x nor dy.
 */
function realBackward(
  f: RealFactor,
  x: Float64Array,
  dy: Float64Array,
  dx: Float64Array,
  g: Float64Array,
): void {
  const { p, L, RB, w, off } = f;
  if (p === 2) {
    const a = w[0],
      b = w[1],
      c = w[2],
      d = w[3];
    let g00 = 0,
      g01 = 0,
      g10 = 0,
      g11 = 0;
    for (let l = 0; l < L; l++) {
      const o0 = 2 * l * RB,
        o1 = o0 + RB;
      for (let q = 0; q < RB; q++) {
        const x0 = x[o0 + q],
          x1 = x[o1 + q],
          d0 = dy[o0 + q],
          d1 = dy[o1 + q];
        g00 += d0 * x0;
        g01 += d0 * x1;
        g10 += d1 * x0;
        g11 += d1 * x1;
        dx[o0 + q] = a * d0 + c * d1;
        dx[o1 + q] = b * d0 + d * d1;
      }
    }
    g[off] += g00;
    g[off + 1] += g01;
    g[off + 2] += g10;
    g[off + 3] += g11;
    return;
  }
  for (let l = 0; l < L; l++) {
    dx.fill(0, l * p * RB, (l + 1) * p * RB);
    for (let i = 0; i < p; i++) {
      const si = (l * p + i) * RB;
      for (let j = 0; j < p; j++) {
        const sj = (l * p + j) * RB;
        const wij = w[i * p + j];
        let s = 0;
        for (let q = 0; q < RB; q++) {
          const dv = dy[si + q];
          s += dv * x[sj + q];
          dx[sj + q] += wij * dv;
        }
        g[off + i * p + j] += s;
      }
    }
  }
}

export interface KruLstmForwardInputs {
  x: ArrayLike<number>; // [B, T, D]
  factors: ArrayLike<number>; // [4·Σ p_f²], gate-major
  U: ArrayLike<number>; // [4N, D]
  b: ArrayLike<number>; // [4N]
  probe: ArrayLike<number>; // [B, T, N]
}

/** H, C [B, T, N] and G [B, T, 4N], as the LSTM's. */
export function kruLstmForward(dims: KruLstmDims, inp: KruLstmForwardInputs): LstmOutputs {
  const { B, T, N } = dims;
  const NB = N * B;
  const gates = splitRealFactors(dims.sizes, B, inp.factors);
  const F = dims.sizes.length;
  // The state h_{t−1}, z (four gate blocks), two ping-pong buffers for the factor chain, the cell's tanh c_t.
  const simd = simdLoops();
  const [h, z, p, q, tc] = scratch(simd, [NB, 4 * NB, NB, NB, NB]).arrays;
  const inner = { batch: 1, row: B }; // every recurrent array batch-innermost
  const out = lstmOutputs(dims);
  for (let t = 0; t < T; t++) {
    if (t > 0)
      for (let k = 0; k < 4; k++) {
        const zk = z.subarray(k * NB, (k + 1) * NB);
        let src = h;
        for (let f = 0; f < F; f++) {
          const dst = f === F - 1 ? zk : f % 2 === 0 ? p : q;
          realApply(gates[k][f], src, dst);
          src = dst;
        }
      }
    else z.fill(0);
    lstmCellForward(dims, t, z, inner, h, inner, inp, true, out, { simd, tc });
  }
  return out;
}

export interface KruLstmBackwardInputs {
  dH: ArrayLike<number>; // [B, T, N]
  x: ArrayLike<number>;
  factors: ArrayLike<number>;
  U: ArrayLike<number>;
  b: ArrayLike<number>;
  H: ArrayLike<number>;
  C: ArrayLike<number>;
  G: ArrayLike<number>;
}

export interface KruLstmGrads {
  dx: Float32Array;
  dFactors: Float32Array;
  dU: Float32Array;
  db: Float32Array;
  dProbe: Float32Array;
}

/**
 * BPTT, t = T−1 … 0: the cell's backward gives dz_t; per gate k the chain v^0 = h_{t−1}, v^{f+1} = R_{k,f} v^f
 * is recomputed, and the adjoint chain from dz_k accumulates dR_{k,f} and ends in W_kᵀ dz_k; the carry to
 * t − 1 is Σ_k W_kᵀ dz_k.
 */
export function kruLstmBackward(dims: KruLstmDims, inp: KruLstmBackwardInputs): KruLstmGrads {
  const { B, T, N } = dims;
  const NB = N * B;
  const gates = splitRealFactors(dims.sizes, B, inp.factors);
  const F = dims.sizes.length;
  const { H } = inp;
  const gFactors = new Float64Array(inp.factors.length);
  // The carry Σ_k W_kᵀ dz_k, dz, one gate's W_kᵀ dz_k, two ping-pong buffers for the adjoint chain, the cell's
  // tanh c_t, and the chain v^0 = h_{t−1}, v^{f+1} = R_{k,f} v^f (f < F − 1).
  const simd = simdLoops();
  const [carry, dz, back, u, w, tc, ...v] = scratch(simd, [
    NB,
    4 * NB,
    NB,
    NB,
    NB,
    B * N,
    ...Array(F).fill(NB),
  ]).arrays;
  const inner = { batch: 1, row: B };
  const acc = lstmCellGrads(dims);
  for (let t = T - 1; t >= 0; t--) {
    lstmCellBackward(dims, t, carry, inner, dz, inner, inp, true, acc, { simd, tc });
    if (t === 0) break; // h_0 = 0: no factor gradient and nothing earlier to carry to.
    const v0 = v[0];
    for (let bb = 0; bb < B; bb++) {
      const o = (bb * T + t - 1) * N;
      for (let n = 0; n < N; n++) v0[n * B + bb] = H[o + n];
    }
    carry.fill(0);
    for (let k = 0; k < 4; k++) {
      const fs = gates[k];
      for (let f = 0; f < F - 1; f++) realApply(fs[f], v[f], v[f + 1]);
      let s = dz.subarray(k * NB, (k + 1) * NB);
      for (let f = F - 1; f >= 0; f--) {
        const dst = f === 0 ? back : (F - 1 - f) % 2 === 0 ? u : w;
        realBackward(fs[f], v[f], s, dst, gFactors);
        s = dst;
      }
      for (let i = 0; i < NB; i++) carry[i] += back[i];
    }
  }
  return {
    dx: acc.dx,
    dFactors: outputCopy(gFactors),
    dU: outputCopy(acc.gU),
    db: outputCopy(acc.gb),
    dProbe: acc.dProbe,
  };
}
