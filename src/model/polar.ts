// The strictly unitary KRU: after every optimiser step each factor W_f is replaced by its polar factor, the
// unitary matrix nearest to it (Frobenius norm; W_f = U Σ Vᴴ → U Vᴴ). Two computations of the same matrix:
// - on the device, a few Newton–Schulz steps X ← X (3I − XᴴX) / 2 on all factors of one size at once. It
//   converges quadratically when the singular values lie in (0, √3), which holds after one optimiser step
//   from a unitary factor; six steps take a deviation of 1e-2 below float precision.
// - in float64 on the host, Newton's X ← (X + X⁻ᴴ) / 2, which converges from any invertible matrix: used once
//   at initialisation (a gaussian start is far from unitary) and as the tests' reference.
import * as tf from '@tensorflow/tfjs-core';
import { factorCopy, factorLayout } from '../core/factor-layout';

const NEWTON_SCHULZ_STEPS = 6;

/** The polar factors of every factor of a packed factor vector (docs/model.md layout), on the device. */
export function polarFactors(
  sizes: number[],
  factors: tf.Tensor1D,
  steps = NEWTON_SCHULZ_STEPS,
): tf.Tensor1D {
  return tf.tidy(() => {
    const { offsets } = factorLayout(sizes);
    const out: tf.Tensor[] = new Array(sizes.length);
    for (const p of new Set(sizes)) {
      const idx = sizes.flatMap((q, f) => (q === p ? [f] : []));
      const X = tf.stack(idx.map((f) => tf.reshape(tf.slice(factors, [offsets[f]], [2 * p * p]), [2, p, p])));
      let re = tf.squeeze(tf.slice(X, [0, 0, 0, 0], [-1, 1, p, p]), [1]) as tf.Tensor3D;
      let im = tf.squeeze(tf.slice(X, [0, 1, 0, 0], [-1, 1, p, p]), [1]) as tf.Tensor3D;
      const eye3 = tf.mul(tf.eye(p), 1.5);
      for (let s = 0; s < steps; s++) {
        // G = XᴴX = (ReᵀRe + ImᵀIm) + i(ReᵀIm − ImᵀRe); M = (3I − G)/2; X ← X·M.
        const gr = tf.add(tf.matMul(re, re, true, false), tf.matMul(im, im, true, false));
        const gi = tf.sub(tf.matMul(re, im, true, false), tf.matMul(im, re, true, false));
        const mr = tf.sub(eye3, tf.mul(gr, 0.5));
        const mi = tf.mul(gi, -0.5);
        const nre = tf.sub(tf.matMul(re, mr), tf.matMul(im, mi));
        const nim = tf.add(tf.matMul(re, mi), tf.matMul(im, mr));
        re = nre as tf.Tensor3D;
        im = nim as tf.Tensor3D;
      }
      idx.forEach((f, g) => {
        const r = tf.reshape(tf.slice(re, [g, 0, 0], [1, p, p]), [-1]);
        const i = tf.reshape(tf.slice(im, [g, 0, 0], [1, p, p]), [-1]);
        out[f] = tf.concat([r, i]);
      });
    }
    return tf.concat(out) as tf.Tensor1D;
  });
}

/** Inverse of a complex p×p matrix (row-major re, im) by Gauss–Jordan on its real 2p×2p form [[A, −B], [B, A]]. */
function complexInverse(
  re: Float64Array,
  im: Float64Array,
  p: number,
): { re: Float64Array; im: Float64Array } {
  const n = 2 * p;
  const a = new Float64Array(n * 2 * n);
  const w = 2 * n;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      const r = re[i * p + j];
      const m = im[i * p + j];
      a[i * w + j] = r;
      a[i * w + p + j] = -m;
      a[(p + i) * w + j] = m;
      a[(p + i) * w + p + j] = r;
    }
    a[i * w + n + i] = 1;
    a[(p + i) * w + n + p + i] = 1;
  }
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * w + c]) > Math.abs(a[piv * w + c])) piv = r;
    if (a[piv * w + c] === 0) throw new Error('polar factor: the factor is singular');
    if (piv !== c) {
      for (let k = 0; k < w; k++) {
        const t = a[c * w + k];
        a[c * w + k] = a[piv * w + k];
        a[piv * w + k] = t;
      }
    }
    const d = a[c * w + c];
    for (let k = 0; k < w; k++) a[c * w + k] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * w + c];
      if (f !== 0) for (let k = 0; k < w; k++) a[r * w + k] -= f * a[c * w + k];
    }
  }
  const inv = { re: new Float64Array(p * p), im: new Float64Array(p * p) };
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      inv.re[i * p + j] = a[i * w + n + j];
      inv.im[i * p + j] = a[(p + i) * w + n + j];
    }
  }
  return inv;
}

/** The polar factor of one complex p×p matrix in float64 (Newton's iteration; converges from any invertible X). */
export function polarFactor64(
  re: ArrayLike<number>,
  im: ArrayLike<number>,
  p: number,
): { re: Float64Array; im: Float64Array } {
  let xr = Float64Array.from(re);
  let xi = Float64Array.from(im);
  for (let it = 0; it < 100; it++) {
    const inv = complexInverse(xr, xi, p);
    // X⁻ᴴ[i][j] = conj(X⁻¹[j][i])
    const nr = new Float64Array(p * p);
    const ni = new Float64Array(p * p);
    let change = 0;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        nr[i * p + j] = (xr[i * p + j] + inv.re[j * p + i]) / 2;
        ni[i * p + j] = (xi[i * p + j] - inv.im[j * p + i]) / 2;
        change = Math.max(
          change,
          Math.abs(nr[i * p + j] - xr[i * p + j]),
          Math.abs(ni[i * p + j] - xi[i * p + j]),
        );
      }
    }
    xr = nr;
    xi = ni;
    if (change < 1e-15) break;
  }
  return { re: xr, im: xi };
}

/** Every factor of a packed factor array replaced by its polar factor (float64 on the host, rounded to float32). */
export function polarFactorsHost(sizes: number[], factors: ArrayLike<number>): Float32Array {
  const layout = factorLayout(sizes);
  const out = new Float32Array(layout.packedLength);
  sizes.forEach((p, f) => {
    const x = factorCopy(factors, layout, f);
    const q = polarFactor64(x.re, x.im, p);
    out.set(q.re, layout.offsets[f]);
    out.set(q.im, layout.imOffsets[f]);
  });
  return out;
}
