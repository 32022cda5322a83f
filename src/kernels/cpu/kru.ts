// Fused KRU recurrence (forward and backpropagation through time) on plain typed arrays. The tfjs cpu
// kernels in ./index.ts wrap these; keeping the numerics free of tfjs makes them easy to benchmark.
//
// Layout inside the loops: a batch of complex hidden vectors is held as two Float64Arrays (Re, Im) of
// length N·B with index n·B + b (batch innermost). Viewing h as a p_0×…×p_{F−1} tensor, factor f acts on
// index n = (l·p + i)·R + r with L = ∏_{g<f} p_g, R = ∏_{g>f} p_g, so in the batched layout it is a p×p
// matrix applied to [L, p, R·B] blocks: the inner loop runs over R·B contiguous numbers for every factor,
// which keeps loop overhead low even for the last factor (R = 1).
//
// For 2×2 factors (the default factorisation) the two loops that dominate, factorApply and factorBackward,
// run as WebAssembly SIMD (./wasm): two batch lanes per instruction, ~3× the JS loops' speed. Their scratch
// then lives in the module's memory. The JS loops below stay for other factor sizes, odd R·B, and engines
// without WebAssembly SIMD; the kernel tests run both.

import { MODRELU_EPS, type KruActivation as KruActivationName } from '../../model/config';
import { scratch, simdLoops, type SimdLoops } from './wasm';

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

/** Per-factor geometry and weights as float64 copies (the factors are tiny). */
interface Factor {
  p: number;
  L: number; // ∏ of the sizes before f
  RB: number; // (∏ of the sizes after f) · B
  re: Float64Array;
  im: Float64Array;
}

function splitFactors(sizes: number[], B: number, factors: ArrayLike<number>): Factor[] {
  const out: Factor[] = [];
  let off = 0;
  let L = 1;
  const N = sizes.reduce((a, c) => a * c, 1);
  for (const p of sizes) {
    const R = N / (L * p);
    const re = new Float64Array(p * p);
    const im = new Float64Array(p * p);
    for (let k = 0; k < p * p; k++) {
      re[k] = factors[off + k];
      im[k] = factors[off + p * p + k];
    }
    out.push({ p, L, RB: R * B, re, im });
    off += 2 * p * p;
    L *= p;
  }
  return out;
}

/** y = W_f x along factor f's axis (batched layout). x and y must not alias. */
function factorApply(
  f: Factor,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
  simd: SimdLoops | null,
): void {
  const { p, L, RB, re, im } = f;
  if (p === 2) {
    // The common 2×2 case: one pass, weights in registers.
    const a = re[0],
      ai = im[0],
      b = re[1],
      bi = im[1],
      c = re[2],
      ci = im[2],
      d = re[3],
      di = im[3];
    if (simd && RB % 2 === 0) {
      simd.exports.apply2(
        xr.byteOffset,
        xi.byteOffset,
        yr.byteOffset,
        yi.byteOffset,
        L,
        RB,
        a,
        ai,
        b,
        bi,
        c,
        ci,
        d,
        di,
      );
      return;
    }
    for (let l = 0; l < L; l++) {
      const o0 = 2 * l * RB;
      const o1 = o0 + RB;
      for (let q = 0; q < RB; q++) {
        const h0r = xr[o0 + q],
          h0i = xi[o0 + q],
          h1r = xr[o1 + q],
          h1i = xi[o1 + q];
        yr[o0 + q] = a * h0r - ai * h0i + b * h1r - bi * h1i;
        yi[o0 + q] = a * h0i + ai * h0r + b * h1i + bi * h1r;
        yr[o1 + q] = c * h0r - ci * h0i + d * h1r - di * h1i;
        yi[o1 + q] = c * h0i + ci * h0r + d * h1i + di * h1r;
      }
    }
    return;
  }
  for (let l = 0; l < L; l++) {
    for (let i = 0; i < p; i++) {
      const o = (l * p + i) * RB;
      yr.fill(0, o, o + RB);
      yi.fill(0, o, o + RB);
      for (let j = 0; j < p; j++) {
        const wr = re[i * p + j],
          wi = im[i * p + j];
        const s = (l * p + j) * RB;
        for (let q = 0; q < RB; q++) {
          const hr = xr[s + q],
            hi = xi[s + q];
          yr[o + q] += wr * hr - wi * hi;
          yi[o + q] += wr * hi + wi * hr;
        }
      }
    }
  }
}

/**
 * Backward of y = W_f x along factor f: dx = W_fᴴ dy (along the axis) and gW += Σ dy xᴴ over the L and R·B
 * positions. dx must alias neither x nor dy.
 */
function factorBackward(
  f: Factor,
  xr: Float64Array,
  xi: Float64Array,
  dyr: Float64Array,
  dyi: Float64Array,
  dxr: Float64Array,
  dxi: Float64Array,
  g: Float64Array,
  goff: number, // Re W_f's entries start here in g
  goffIm: number, // and Im W_f's here
  simd: SimdLoops | null,
  sums: Float64Array | null, // where simd's backward2 leaves its sums
): void {
  const { p, L, RB, re, im } = f;
  if (p === 2) {
    const a = re[0],
      ai = im[0],
      b = re[1],
      bi = im[1],
      c = re[2],
      ci = im[2],
      d = re[3],
      di = im[3];
    if (simd && sums && RB % 2 === 0) {
      simd.exports.backward2(
        xr.byteOffset,
        xi.byteOffset,
        dyr.byteOffset,
        dyi.byteOffset,
        dxr.byteOffset,
        dxi.byteOffset,
        L,
        RB,
        a,
        ai,
        b,
        bi,
        c,
        ci,
        d,
        di,
        sums.byteOffset,
      );
      for (let k = 0; k < 4; k++) {
        g[goff + k] += sums[k];
        g[goffIm + k] += sums[4 + k];
      }
      return;
    }
    let g00r = 0,
      g00i = 0,
      g01r = 0,
      g01i = 0,
      g10r = 0,
      g10i = 0,
      g11r = 0,
      g11i = 0;
    for (let l = 0; l < L; l++) {
      const o0 = 2 * l * RB;
      const o1 = o0 + RB;
      for (let q = 0; q < RB; q++) {
        const x0r = xr[o0 + q],
          x0i = xi[o0 + q],
          x1r = xr[o1 + q],
          x1i = xi[o1 + q];
        const d0r = dyr[o0 + q],
          d0i = dyi[o0 + q],
          d1r = dyr[o1 + q],
          d1i = dyi[o1 + q];
        // gW_ij += dy_i · conj(x_j)
        g00r += d0r * x0r + d0i * x0i;
        g00i += d0i * x0r - d0r * x0i;
        g01r += d0r * x1r + d0i * x1i;
        g01i += d0i * x1r - d0r * x1i;
        g10r += d1r * x0r + d1i * x0i;
        g10i += d1i * x0r - d1r * x0i;
        g11r += d1r * x1r + d1i * x1i;
        g11i += d1i * x1r - d1r * x1i;
        // dx_j = Σ_i conj(W_ij) dy_i
        dxr[o0 + q] = a * d0r + ai * d0i + c * d1r + ci * d1i;
        dxi[o0 + q] = a * d0i - ai * d0r + c * d1i - ci * d1r;
        dxr[o1 + q] = b * d0r + bi * d0i + d * d1r + di * d1i;
        dxi[o1 + q] = b * d0i - bi * d0r + d * d1i - di * d1r;
      }
    }
    g[goff] += g00r;
    g[goff + 1] += g01r;
    g[goff + 2] += g10r;
    g[goff + 3] += g11r;
    g[goffIm] += g00i;
    g[goffIm + 1] += g01i;
    g[goffIm + 2] += g10i;
    g[goffIm + 3] += g11i;
    return;
  }
  for (let l = 0; l < L; l++) {
    for (let j = 0; j < p; j++) {
      const o = (l * p + j) * RB;
      dxr.fill(0, o, o + RB);
      dxi.fill(0, o, o + RB);
    }
    for (let i = 0; i < p; i++) {
      const si = (l * p + i) * RB;
      for (let j = 0; j < p; j++) {
        const sj = (l * p + j) * RB;
        const wr = re[i * p + j],
          wi = im[i * p + j];
        let accr = 0,
          acci = 0;
        for (let q = 0; q < RB; q++) {
          const dr = dyr[si + q],
            di = dyi[si + q],
            vr = xr[sj + q],
            vi = xi[sj + q];
          accr += dr * vr + di * vi;
          acci += di * vr - dr * vi;
          dxr[sj + q] += wr * dr + wi * di;
          dxi[sj + q] += wr * di - wi * dr;
        }
        g[goff + i * p + j] += accr;
        g[goffIm + i * p + j] += acci;
      }
    }
  }
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
  const fOff: number[] = [];
  {
    let off = 0;
    for (const f of fs) {
      fOff.push(off);
      off += 2 * f.p * f.p;
    }
  }
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
      const pp = fs[f].p * fs[f].p;
      factorBackward(fs[f], vr[f], vi[f], sr, si, tr, ti, gFactors, fOff[f], fOff[f] + pp, simd, sums);
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
