// Fused KRU recurrence (forward and backpropagation through time) on plain typed arrays. The tfjs cpu
// kernels in ./index.ts wrap these; keeping the numerics free of tfjs makes them easy to benchmark.
//
// Two implementations of the same contract (docs/model.md, "Fused kernels"):
// - WebAssembly SIMD, float32 (kruForwardSimd, kruBackwardSimd), whenever the engine has it and N is a
//   multiple of 4: every loop is in ./wasm/loops.wat, four batch lanes per instruction; JS only moves rows of
//   H, A, P and dH in and out of the module's memory and calls the loops in order.
// - float64 JS loops (kruForwardJs, kruBackwardJs) otherwise, with the per-factor loops in ./kru-factor.ts.
// The kernel tests run both against the float64 oracle.

import { factorLayout, type FactorLayout } from '../../core/factor-layout';
import { MODRELU_EPS, type KruActivation as KruActivationName } from '../../core/vocabulary';
import { simdLoops, type SimdLoops } from './wasm';
import { factorApply, factorBackward, splitFactors } from './kru-factor';
import { outputArray, outputCopy } from './output-pool';

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

/** The SIMD loops in use for a KRU of hidden size N, or null when the float64 JS loops run it. */
export function kruSimd(N: number): SimdLoops | null {
  return N % 4 === 0 ? simdLoops() : null;
}

/** H and A [B, T, 2N] (docs/model.md, KRU). */
export function kruForward(
  dims: KruDims,
  activation: KruActivationName,
  inp: KruForwardInputs,
): { H: Float32Array; A: Float32Array } {
  const simd = kruSimd(dims.N);
  if (simd) return kruForwardSimd(dims, activation, inp, simd);
  return kruForwardJs(dims, activation, inp);
}

function kruForwardJs(
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
  const H = outputArray(B * T * 2 * N, false);
  const A = outputArray(B * T * 2 * N, false);
  // Scratch, once per call: the state and two ping-pong buffers for the factor chain.
  const [hr, hi, pr, pi, qr, qi] = Array.from({ length: 6 }, () => new Float64Array(NB));
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
        factorApply(fs[f], sr, si, dr, di);
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
  const simd = kruSimd(dims.N);
  if (simd) return kruBackwardSimd(dims, activation, inp, simd);
  return kruBackwardJs(dims, activation, inp);
}

function kruBackwardJs(dims: KruDims, activation: KruActivationName, inp: KruBackwardInputs): KruGrads {
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
  const dx = outputArray(B * T * D, true);
  const dProbe = outputArray(B * T * N2, true);
  // Per-call scratch: the carry Wᴴ da_{t+1}, da, two ping-pong buffers for the adjoint chain, and the
  // chain v^0 = h_{t−1}, v^{f+1} = W_f v^f (f < F−1).
  const [cr, ci, dar, dai, ur, ui, wr, wi, ...chain] = Array.from(
    { length: 8 + 2 * F },
    () => new Float64Array(NB),
  );
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
    for (let f = 0; f < F - 1; f++) factorApply(fs[f], vr[f], vi[f], vr[f + 1], vi[f + 1]);
    // Adjoint chain from da down to Wᴴ da, accumulating the factor gradients.
    let sr = dar,
      si = dai;
    for (let f = F - 1; f >= 0; f--) {
      const tr = f === 0 ? cr : (F - 1 - f) % 2 === 0 ? ur : wr;
      const ti = f === 0 ? ci : (F - 1 - f) % 2 === 0 ? ui : wi;
      factorBackward(fs[f], vr[f], vi[f], sr, si, tr, ti, gFactors);
      sr = tr;
      si = ti;
    }
  }
  return {
    dx,
    dFactors: outputCopy(gFactors),
    dU: outputCopy(gU),
    db: outputCopy(gb),
    dBeta: outputCopy(gBeta),
    dProbe,
  };
}

// ---- WebAssembly SIMD, float32 ----

const asF32 = (a: ArrayLike<number>): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));

/** One factor for the SIMD loops: geometry for the padded batch, its weights and where they live. */
interface SimdFactor {
  p: number;
  L: number;
  RB: number;
  /** the packed factors' index of Re W_f[0, 0] and Im W_f[0, 0] */
  reOff: number;
  imOff: number;
}

function simdFactors(layout: FactorLayout, Bp: number): SimdFactor[] {
  return layout.sizes.map((p, f) => ({
    p,
    L: layout.pre[f],
    RB: layout.post[f] * Bp,
    reOff: layout.offsets[f],
    imOff: layout.imOffsets[f],
  }));
}

/** y = W_f x (state form, byte offsets in the module's memory); w holds the packed factors as float32. */
function applySimd(
  ex: SimdLoops['exports'],
  f: SimdFactor,
  w: Float32Array,
  xr: Float32Array,
  xi: Float32Array,
  yr: Float32Array,
  yi: Float32Array,
): void {
  if (f.p === 2) {
    const r = f.reOff,
      i = f.imOff;
    ex.kapply2(
      xr.byteOffset,
      xi.byteOffset,
      yr.byteOffset,
      yi.byteOffset,
      f.L,
      f.RB,
      w[r],
      w[i],
      w[r + 1],
      w[i + 1],
      w[r + 2],
      w[i + 2],
      w[r + 3],
      w[i + 3],
    );
  } else {
    const at = (k: number) => w.byteOffset + 4 * k;
    ex.kapplyp(
      xr.byteOffset,
      xi.byteOffset,
      yr.byteOffset,
      yi.byteOffset,
      f.L,
      f.p,
      f.RB,
      at(f.reOff),
      at(f.imOff),
    );
  }
}

/** dx = W_fᴴ dy and g += Σ dy xᴴ (g: the packed factors' float64 gradient). */
function backwardSimd(
  ex: SimdLoops['exports'],
  f: SimdFactor,
  w: Float32Array,
  g: Float64Array,
  xr: Float32Array,
  xi: Float32Array,
  dyr: Float32Array,
  dyi: Float32Array,
  dxr: Float32Array,
  dxi: Float32Array,
): void {
  const gr = g.byteOffset + 8 * f.reOff,
    gi = g.byteOffset + 8 * f.imOff;
  if (f.p === 2) {
    const r = f.reOff,
      i = f.imOff;
    ex.kbackward2(
      xr.byteOffset,
      xi.byteOffset,
      dyr.byteOffset,
      dyi.byteOffset,
      dxr.byteOffset,
      dxi.byteOffset,
      f.L,
      f.RB,
      w[r],
      w[i],
      w[r + 1],
      w[i + 1],
      w[r + 2],
      w[i + 2],
      w[r + 3],
      w[i + 3],
      gr,
      gi,
    );
  } else {
    const at = (k: number) => w.byteOffset + 4 * k;
    ex.kbackwardp(
      xr.byteOffset,
      xi.byteOffset,
      dyr.byteOffset,
      dyi.byteOffset,
      dxr.byteOffset,
      dxi.byteOffset,
      f.L,
      f.p,
      f.RB,
      at(f.reOff),
      at(f.imOff),
      gr,
      gi,
    );
  }
}

/** What both directions copy into the module once per call: x [Bp][T][D], Uᵀ [2][D][N], b, β per n, factors. */
/** Zeroes a[from …] (the padding lanes' rows of a [Bp][…] array). */
function zeroFrom(a: Float32Array, from: number): void {
  a.fill(0, from);
}

function loadCommon(
  dims: KruDims,
  inp: { x: ArrayLike<number>; U: ArrayLike<number>; beta: ArrayLike<number>; factors: ArrayLike<number> },
  xw: Float32Array,
  Ut: Float32Array,
  betaN: Float32Array,
  fw: Float32Array,
): void {
  const { N, D } = dims;
  xw.set(asF32(inp.x));
  zeroFrom(xw, inp.x.length);
  const U = inp.U;
  for (let c = 0; c < 2; c++)
    for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) Ut[(c * D + d) * N + n] = U[(c * N + n) * D + d];
  if (inp.beta.length === 1) betaN.fill(inp.beta[0]);
  else betaN.set(asF32(inp.beta));
  fw.set(asF32(inp.factors));
}

/** Bytes for the workspace's length lists: the batch padded to a multiple of 4 lanes. */
const padBatch = (B: number) => (B + 3) & ~3;

/**
 * Steps per block of the row buffers: the [Bp][τ][2N] rows of H, A (and dH) that the element-wise loops work
 * on live in the module's memory a block of τ steps at a time, ~512 KB, and are copied to and from the tfjs
 * arrays one sequence at a time (τ·2N contiguous numbers each). Whole sequences at small N; at N = 1024 two
 * steps (a full-size copy of each array would double the memory traffic and hold ~100 MB of the module).
 */
function stepsPerBlock(Bp: number, T: number, N2: number): number {
  return Math.max(1, Math.min(T, Math.floor((512 * 1024) / (Bp * N2 * 4))));
}

/** Rows [t0, t0 + n) of every sequence b < B of src [B][T][w] → dst [Bp][τ][w] at rows [r0, r0 + n). */
function rowsIn(
  src: Float32Array,
  dst: Float32Array,
  B: number,
  T: number,
  w: number,
  tau: number,
  t0: number,
  n: number,
  r0: number,
): void {
  for (let b = 0; b < B; b++) {
    const o = (b * T + t0) * w;
    dst.set(src.subarray(o, o + n * w), (b * tau + r0) * w);
  }
}

/** The inverse of rowsIn for rows [0, n) of the block. */
function rowsOut(
  src: Float32Array,
  dst: Float32Array,
  B: number,
  T: number,
  w: number,
  tau: number,
  t0: number,
  n: number,
): void {
  for (let b = 0; b < B; b++) {
    const o = b * tau * w;
    dst.set(src.subarray(o, o + n * w), (b * T + t0) * w);
  }
}

function kruForwardSimd(
  dims: KruDims,
  activation: KruActivationName,
  inp: KruForwardInputs,
  simd: SimdLoops,
): { H: Float32Array; A: Float32Array } {
  const { B, T, D, N } = dims;
  const N2 = 2 * N;
  const Bp = padBatch(B);
  const NB = N * Bp;
  const tau = stepsPerBlock(Bp, T, N2);
  const RW = Bp * tau * N2;
  const layout = factorLayout(dims.sizes);
  const fs = simdFactors(layout, Bp);
  const F = fs.length;
  // A block of A's and H's rows, the state and two ping-pong buffers for the factor chain; not zeroed: every
  // array is written before it is read, but for what is cleared below.
  const ws = simd.typedWorkspace(
    [RW, RW, NB, NB, NB, NB, NB, NB, Bp * T * D, 2 * D * N, N2, N, layout.packedLength],
    [],
    true,
  ).f32;
  const [As, Hs, hr, hi, pr, pi, qr, qi, xw, Ut, bias, betaN, fw] = ws;
  loadCommon(dims, inp, xw, Ut, betaN, fw);
  bias.set(asF32(inp.b));
  const probe = asF32(inp.probe);
  const H = outputArray(B * T * N2, false);
  const A = outputArray(B * T * N2, false);
  const ex = simd.exports;
  const act = actCode(activation);
  const rs = tau * N2 * 4; // bytes from one sequence's rows to the next
  for (let t0 = 0; t0 < T; t0 += tau) {
    const n = Math.min(tau, T - t0);
    rowsIn(probe, Hs, B, T, N2, tau, t0, n, 0); // h_t = σ(a_t) + P_t is added in place
    zeroFrom(Hs, B * tau * N2); // the padding lanes' P
    for (let t = t0; t < t0 + n; t++) {
      const At = As.byteOffset + (t - t0) * N2 * 4,
        Ht = Hs.byteOffset + (t - t0) * N2 * 4;
      // z = W h_{t−1} into A's rows (h_0 = 0).
      if (t > 0) {
        let sr = hr,
          si = hi;
        for (let f = 0; f < F; f++) {
          const dr = f % 2 === 0 ? pr : qr,
            di = f % 2 === 0 ? pi : qi;
          applySimd(ex, fs[f], fw, sr, si, dr, di);
          sr = dr;
          si = di;
        }
        ex.ktoRows(sr.byteOffset, si.byteOffset, At, rs, N, Bp, 0);
      } else for (let b = 0; b < Bp; b++) As.fill(0, b * tau * N2, b * tau * N2 + N2);
      ex.kforwardElem(
        At,
        Ht,
        rs,
        xw.byteOffset,
        t,
        T,
        D,
        Ut.byteOffset,
        bias.byteOffset,
        betaN.byteOffset,
        N,
        Bp,
        act,
      );
      // The state is H itself (float32, probe included): the backward recomputes the chain from H.
      ex.ktoState(Ht, rs, hr.byteOffset, hi.byteOffset, N, Bp);
    }
    rowsOut(As, A, B, T, N2, tau, t0, n);
    rowsOut(Hs, H, B, T, N2, tau, t0, n);
  }
  return { H, A };
}

function kruBackwardSimd(
  dims: KruDims,
  activation: KruActivationName,
  inp: KruBackwardInputs,
  simd: SimdLoops,
): KruGrads {
  const { B, T, D, N } = dims;
  const N2 = 2 * N;
  const Bp = padBatch(B);
  const NB = N * Bp;
  const tau = stepsPerBlock(Bp, T, N2);
  const RW = Bp * tau * N2;
  const layout = factorLayout(dims.sizes);
  const fs = simdFactors(layout, Bp);
  const F = fs.length;
  const { f32, f64 } = simd.typedWorkspace(
    [
      RW, // a block of dH's rows, which become ∂L/∂P in place as the carry is added
      RW, // A's, which become da
      RW, // H's, one step earlier: H_{t−1} for the block's steps t
      ...Array<number>(8 + 2 * F).fill(NB), // carry, da, adjoint ping-pong, the chain v^0 … v^{F−1}
      Bp * T * D, // x
      Bp * T * D, // dx
      2 * D * N, // Uᵀ
      N, // β per n
      layout.packedLength,
      N2, // float32 sums over the batch, flushed into float64 every step: db, dU, dβ
      2 * D * N,
      N,
      4 * D, // dx accumulators
    ],
    [layout.packedLength, N2, 2 * D * N, N],
    true, // not zeroed: see kruForwardSimd
  );
  const [dHs, As, Hs, cr, ci, dar, dai, ur, ui, wr, wi, ...rest] = f32;
  const vr = rest.slice(0, F),
    vi = rest.slice(F, 2 * F);
  const [xw, dxw, Ut, betaN, fw, gbT, gUT, gBT, dxAcc] = rest.slice(2 * F);
  const [gF, gb, gU, gBeta] = f64;
  loadCommon(dims, inp, xw, Ut, betaN, fw);
  // The padding lanes' rows stay zero: dh = 0 there, so da and every gradient get 0 from them.
  for (const a of [dHs, As, Hs]) zeroFrom(a, B * tau * N2);
  for (const a of [gbT, gUT, gBT, ...f64]) a.fill(0);
  const dH = asF32(inp.dH),
    A = asF32(inp.A),
    H = asF32(inp.H);
  const dProbe = outputArray(B * T * N2, false);
  const ex = simd.exports;
  const act = actCode(activation);
  const rs = tau * N2 * 4;
  const row = (w: Float32Array, r: number) => w.byteOffset + r * N2 * 4;
  for (let t0 = Math.floor((T - 1) / tau) * tau; t0 >= 0; t0 -= tau) {
    const n = Math.min(tau, T - t0);
    rowsIn(dH, dHs, B, T, N2, tau, t0, n, 0);
    rowsIn(A, As, B, T, N2, tau, t0, n, 0);
    // H_{t−1} for t = t0 … t0 + n − 1 at row t − t0 (none before h_1).
    if (t0 > 0) rowsIn(H, Hs, B, T, N2, tau, t0 - 1, n, 0);
    else if (n > 1) rowsIn(H, Hs, B, T, N2, tau, 0, n - 1, 1);
    for (let t = t0 + n - 1; t >= t0; t--) {
      const r = t - t0;
      // dh_t = dH_t + Wᴴ da_{t+1}, the carry from the step after (none into the last).
      if (t < T - 1) ex.ktoRows(cr.byteOffset, ci.byteOffset, row(dHs, r), rs, N, Bp, 1);
      ex.kbackwardElem(
        row(dHs, r),
        row(As, r),
        rs,
        xw.byteOffset,
        t,
        T,
        D,
        Ut.byteOffset,
        betaN.byteOffset,
        dxw.byteOffset,
        gbT.byteOffset,
        gUT.byteOffset,
        gBT.byteOffset,
        dxAcc.byteOffset,
        N,
        Bp,
        act,
      );
      ex.kflush(gbT.byteOffset, gb.byteOffset, N2);
      ex.kflush(gUT.byteOffset, gU.byteOffset, 2 * D * N);
      if (act === MODRELU) ex.kflush(gBT.byteOffset, gBeta.byteOffset, N);
      if (t === 0) break; // h_0 = 0: no factor gradient and nothing earlier to carry to.
      // v^0 = h_{t−1}, v^1 … v^{F−1}; da_t (in A's rows now) into state form.
      ex.ktoState(row(Hs, r), rs, vr[0].byteOffset, vi[0].byteOffset, N, Bp);
      ex.ktoState(row(As, r), rs, dar.byteOffset, dai.byteOffset, N, Bp);
      for (let f = 0; f < F - 1; f++) applySimd(ex, fs[f], fw, vr[f], vi[f], vr[f + 1], vi[f + 1]);
      // Adjoint chain from da down to the carry Wᴴ da, accumulating the factor gradients.
      let sr = dar,
        si = dai;
      for (let f = F - 1; f >= 0; f--) {
        const tr = f === 0 ? cr : (F - 1 - f) % 2 === 0 ? ur : wr;
        const ti = f === 0 ? ci : (F - 1 - f) % 2 === 0 ? ui : wi;
        backwardSimd(ex, fs[f], fw, gF, vr[f], vi[f], sr, si, tr, ti);
        sr = tr;
        si = ti;
      }
    }
    rowsOut(dHs, dProbe, B, T, N2, tau, t0, n);
  }
  // dU back from [2][D][N] to [2][N][D]; a scalar β's gradient is the sum over n.
  const dU = outputArray(2 * N * D, false);
  for (let c = 0; c < 2; c++)
    for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) dU[(c * N + n) * D + d] = gU[(c * D + d) * N + n];
  let dBeta: Float32Array;
  if (inp.beta.length === 1) {
    let s = 0;
    for (let n = 0; n < N; n++) s += gBeta[n];
    dBeta = Float32Array.of(s);
  } else dBeta = outputCopy(gBeta);
  return {
    dx: outputCopy(dxw.subarray(0, B * T * D)),
    dFactors: outputCopy(gF),
    dU,
    db: outputCopy(gb),
    dBeta,
    dProbe,
  };
}
