// One Kronecker factor applied along its tensor axis, and its backward, on plain typed arrays: the inner loops
// of the fused KRU recurrence (./kru.ts).
//
// Layout inside the loops: a batch of complex hidden vectors is held as two Float64Arrays (Re, Im) of
// length N·B with index n·B + b (batch innermost). Viewing h as a p_0×…×p_{F−1} tensor, factor f acts on
// index n = (l·p + i)·R + r with L = ∏_{g<f} p_g, R = ∏_{g>f} p_g, so in the batched layout it is a p×p
// matrix applied to [L, p, R·B] blocks: the inner loop runs over R·B contiguous numbers for every factor,
// which keeps loop overhead low even for the last factor (R = 1).
//
// These float64 JS loops are the kernel's fallback: engines without WebAssembly SIMD, and hidden sizes that
// are not a multiple of 4. Otherwise the whole recurrence runs as float32 WebAssembly SIMD (kruForwardSimd in
// ./kru.ts), in the same layout with the batch padded to a multiple of 4; the kernel tests run both.

import { factorCopy, factorLayout } from '../../core/factor-layout';

/** Per-factor geometry and weights as float64 copies (the factors are tiny). */
export interface Factor {
  p: number;
  L: number; // ∏ of the sizes before f
  RB: number; // (∏ of the sizes after f) · B
  re: Float64Array;
  im: Float64Array;
  reOff: number; // where Re W_f starts in the packed factors (and in their gradient, same layout)
  imOff: number; // and Im W_f
}

/** The factors of a packed array (src/core/factor-layout) for batch size B. */
export function splitFactors(sizes: number[], B: number, factors: ArrayLike<number>): Factor[] {
  const layout = factorLayout(sizes);
  return layout.sizes.map((p, f) => ({
    p,
    L: layout.pre[f],
    RB: layout.post[f] * B,
    ...factorCopy(factors, layout, f),
    reOff: layout.offsets[f],
    imOff: layout.imOffsets[f],
  }));
}

/** y = W_f x along factor f's axis (batched layout). x and y must not alias. */
export function factorApply(
  f: Factor,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
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
 * positions, gW being the packed factors' gradient (W_f's entries at f.reOff, f.imOff). dx must alias neither
 * x nor dy.
 */
export function factorBackward(
  f: Factor,
  xr: Float64Array,
  xi: Float64Array,
  dyr: Float64Array,
  dyi: Float64Array,
  dxr: Float64Array,
  dxi: Float64Array,
  g: Float64Array,
): void {
  const { p, L, RB, re, im, reOff: goff, imOff: goffIm } = f;
  if (p === 2) {
    const a = re[0],
      ai = im[0],
      b = re[1],
      bi = im[1],
      c = re[2],
      ci = im[2],
      d = re[3],
      di = im[3];
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
