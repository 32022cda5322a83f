// Fused KRU recurrence (forward and backpropagation through time) on plain typed arrays. The tfjs cpu
// kernels in ./index.ts wrap these; keeping the numerics free of tfjs makes them easy to benchmark. The
// per-factor loops and the batched state layout they share are in ./kru-factor.ts.

import { MODRELU_EPS, type KruActivation as KruActivationName } from '../../core/vocabulary';
import { scratch, simdLoops } from './wasm';
import { factorApply, factorBackward, splitFactors } from './kru-factor';

// Small-integer activation codes: the per-element switch then compares ints, not strings.
const CRELU = 0,
  TANH = 1,
  LINEAR = 2,
  MODRELU = 3;
function actCode(a: KruActivationName): number {
  return a === 'crelu' ? CRELU : a === 'tanh' ? TANH : a === 'linear' ? LINEAR : MODRELU;
}

export interface KruDims {
  B: number;
  T: number;
  D: number;
  N: number;
  sizes: number[];
}

export interface KruForwardInputs {
  x: ArrayLike<number>; // [B, T, D]
  factors: ArrayLike<number>;
  U: ArrayLike<number>; // [2, N, D]
  b: ArrayLike<number>; // [2, N]
  beta: ArrayLike<number>; // [N] or [1]
  probe: ArrayLike<number>; // [B, T, 2N]
}

/** H and A [B, T, 2N] (docs/model.md, KRU). */
export function kruForward(
  dims: KruDims,
  activation: KruActivationName,
  inp: KruForwardInputs,
): { H: Float32Array; A: Float32Array } {
  const { B, T, D, N } = dims;
  const NB = N * B;
  const fs = splitFactors(dims.sizes, B, inp.factors);
  const F = fs.length;
  const { x, U, b: bias, beta, probe } = inp;
  const betaScalar = beta.length === 1;
  const H = new Float32Array(B * T * 2 * N);
  const A = new Float32Array(B * T * 2 * N);
  // Scratch, once per call: the state and two ping-pong buffers for the factor chain.
  const simd = simdLoops();
  const [hr, hi, pr, pi, qr, qi] = scratch(simd, Array(6).fill(NB)).arrays;
  const ND = N * D;
  const act = actCode(activation);
  for (let t = 0; t < T; t++) {
    // z = W h_{t−1} (h_0 = 0, so z = 0 at t = 0).
    let zr = pr,
      zi = pi;
    if (t === 0) {
      pr.fill(0);
      pi.fill(0);
    } else {
      let sr = hr,
        si = hi;
      for (let f = 0; f < F; f++) {
        const dr = f % 2 === 0 ? pr : qr,
          di = f % 2 === 0 ? pi : qi;
        factorApply(fs[f], sr, si, dr, di, simd);
        sr = dr;
        si = di;
      }
      zr = sr;
      zi = si;
    }
    // Batch outer, n inner: contiguous in the [B, T, 2N] arrays (a batch-inner walk has a stride of
    // 2N·T floats, which maps every row to the same few cache sets); the state is small and stays cached.
    for (let bb = 0; bb < B; bb++) {
      const xo = (bb * T + t) * D;
      const o0 = (bb * T + t) * 2 * N;
      for (let n = 0; n < N; n++) {
        const si0 = n * B + bb;
        let ar = zr[si0] + bias[n],
          ai = zi[si0] + bias[N + n];
        for (let d = 0; d < D; d++) {
          const xv = x[xo + d];
          ar += U[n * D + d] * xv;
          ai += U[ND + n * D + d] * xv;
        }
        let sr: number, si: number;
        switch (act) {
          case CRELU:
            sr = ar > 0 ? ar : 0;
            si = ai > 0 ? ai : 0;
            break;
          case TANH:
            sr = Math.tanh(ar);
            si = Math.tanh(ai);
            break;
          case LINEAR:
            sr = ar;
            si = ai;
            break;
          default: {
            const m = Math.sqrt(ar * ar + ai * ai + MODRELU_EPS);
            const s = m + beta[betaScalar ? 0 : n];
            const k = s > 0 ? s / m : 0;
            sr = k * ar;
            si = k * ai;
          }
        }
        const o = o0 + n;
        A[o] = ar;
        A[o + N] = ai;
        // Store first, then read back the float32 value: the backward recomputes the chain from H.
        H[o] = sr + probe[o];
        H[o + N] = si + probe[o + N];
        hr[si0] = H[o];
        hi[si0] = H[o + N];
      }
    }
  }
  return { H, A };
}

export interface KruBackwardInputs {
  dH: ArrayLike<number>; // [B, T, 2N]
  x: ArrayLike<number>;
  factors: ArrayLike<number>;
  U: ArrayLike<number>;
  b: ArrayLike<number>;
  beta: ArrayLike<number>;
  H: ArrayLike<number>;
  A: ArrayLike<number>;
}

export interface KruGrads {
  dx: Float32Array;
  dFactors: Float32Array;
  dU: Float32Array;
  db: Float32Array;
  dBeta: Float32Array;
  dProbe: Float32Array;
}

/**
 * Backpropagation through time in one pass, t = T−1 … 0: dh_t = dH_t + Wᴴ da_{t+1}, dP_t = dh_t,
 * da_t = J_σ(a_t)ᵀ dh_t. The factor chain's intermediate vectors W_f…W_0 h_{t−1} are recomputed per step
 * from the stored H rather than kept for every step (F+1 vectors of scratch instead of T·(F+1)).
 */
export function kruBackward(dims: KruDims, activation: KruActivationName, inp: KruBackwardInputs): KruGrads {
  const { B, T, D, N } = dims;
  const NB = N * B;
  const ND = N * D;
  const N2 = 2 * N;
  const fs = splitFactors(dims.sizes, B, inp.factors);
  const F = fs.length;
  const { dH, x, U, beta, H, A } = inp;
  const betaScalar = beta.length === 1;
  // Accumulators in float64; converted to float32 at the end.
  const gFactors = new Float64Array(inp.factors.length);
  const gU = new Float64Array(2 * ND);
  const gb = new Float64Array(N2);
  const gBeta = new Float64Array(beta.length);
  const dx = new Float32Array(B * T * D);
  const dProbe = new Float32Array(B * T * N2);
  // Per-call scratch: the carry Wᴴ da_{t+1}, da, two ping-pong buffers for the adjoint chain, and the
  // chain v^0 = h_{t−1}, v^{f+1} = W_f v^f (f < F−1).
  const simd = simdLoops();
  const { arrays, sums } = scratch(simd, Array(8 + 2 * F).fill(NB));
  const [cr, ci, dar, dai, ur, ui, wr, wi, ...chain] = arrays;
  const vr = chain.slice(0, F),
    vi = chain.slice(F);
  const dxAcc = new Float64Array(D);
  const act = actCode(activation);
  for (let t = T - 1; t >= 0; t--) {
    // Batch outer, n inner (see kruForward).
    for (let bb = 0; bb < B; bb++) {
      const xo = (bb * T + t) * D;
      const o0 = (bb * T + t) * N2;
      dxAcc.fill(0);
      for (let n = 0; n < N; n++) {
        const si0 = n * B + bb;
        const o = o0 + n;
        const dhr = dH[o] + cr[si0];
        const dhi = dH[o + N] + ci[si0];
        dProbe[o] = dhr;
        dProbe[o + N] = dhi;
        const ar = A[o],
          ai = A[o + N];
        let gr: number, gi: number;
        switch (act) {
          case CRELU:
            gr = ar > 0 ? dhr : 0;
            gi = ai > 0 ? dhi : 0;
            break;
          case TANH: {
            const sr = Math.tanh(ar),
              si = Math.tanh(ai);
            gr = dhr * (1 - sr * sr);
            gi = dhi * (1 - si * si);
            break;
          }
          case LINEAR:
            gr = dhr;
            gi = dhi;
            break;
          default: {
            const bi = betaScalar ? 0 : n;
            const bt = beta[bi];
            const m = Math.sqrt(ar * ar + ai * ai + MODRELU_EPS);
            if (m + bt > 0) {
              const im = 1 / m;
              const k3 = bt * im * im * im;
              const diag = 1 + bt * im;
              const off = -k3 * ar * ai;
              gr = dhr * (diag - k3 * ar * ar) + dhi * off;
              gi = dhr * off + dhi * (diag - k3 * ai * ai);
              gBeta[bi] += (dhr * ar + dhi * ai) * im;
            } else {
              gr = 0;
              gi = 0;
            }
          }
        }
        dar[si0] = gr;
        dai[si0] = gi;
        gb[n] += gr;
        gb[N + n] += gi;
        // dU += da xᵀ, dx += Uᵀ da.
        for (let d = 0; d < D; d++) {
          const xv = x[xo + d];
          gU[n * D + d] += gr * xv;
          gU[ND + n * D + d] += gi * xv;
          dxAcc[d] += U[n * D + d] * gr + U[ND + n * D + d] * gi;
        }
      }
      for (let d = 0; d < D; d++) dx[xo + d] = dxAcc[d];
    }
    if (t === 0) break; // h_0 = 0: no factor gradient and nothing earlier to carry to.
    // Recompute v^0 = h_{t−1} (from H) and v^1 … v^{F−1}.
    const v0r = vr[0],
      v0i = vi[0];
    for (let bb = 0; bb < B; bb++) {
      const o = (bb * T + t - 1) * N2;
      for (let n = 0; n < N; n++) {
        v0r[n * B + bb] = H[o + n];
        v0i[n * B + bb] = H[o + N + n];
      }
    }
    for (let f = 0; f < F - 1; f++) factorApply(fs[f], vr[f], vi[f], vr[f + 1], vi[f + 1], simd);
    // Adjoint chain from da down to Wᴴ da, accumulating the factor gradients.
    let sr = dar,
      si = dai;
    for (let f = F - 1; f >= 0; f--) {
      const tr = f === 0 ? cr : (F - 1 - f) % 2 === 0 ? ur : wr;
      const ti = f === 0 ? ci : (F - 1 - f) % 2 === 0 ? ui : wi;
      factorBackward(fs[f], vr[f], vi[f], sr, si, tr, ti, gFactors, simd, sums);
      sr = tr;
      si = ti;
    }
  }
  return {
    dx,
    dFactors: Float32Array.from(gFactors),
    dU: Float32Array.from(gU),
    db: Float32Array.from(gb),
    dBeta: Float32Array.from(gBeta),
    dProbe,
  };
}
