// The op-by-op gated recurrences (docs/model.md, "LSTM" and "KRU-LSTM"): the readable reference the fused
// kernels (src/kernels) are tested against, and the path on backends without fused kernels. Same signatures
// as the fused ops; differentiable by tfjs's autodiff.
import * as tf from '@tensorflow/tfjs-core';
import { factorLayout } from '../core/factor-layout';

export interface KruLstmAttrs {
  sizes: number[];
}

/**
 * W·h for every row of h [B, N] with W = R_0 ⊗ … ⊗ R_{F−1} (real p_f×p_f factors, numpy-kron order), without
 * forming W: for factor f, view h as [B, L, p_f, R] (L = ∏ sizes before f, R = ∏ sizes after f) and contract
 * the p_f axis with R_f.
 */
export function realKronMatvec(h: tf.Tensor2D, factorMatrices: tf.Tensor2D[], sizes: number[]): tf.Tensor2D {
  const B = h.shape[0];
  const { N, F, pre, post } = factorLayout(sizes);
  let v: tf.Tensor = h;
  for (let f = 0; f < F; f++) {
    const p = sizes[f];
    const L = pre[f];
    const R = post[f];
    const moved = tf.transpose(tf.reshape(v, [B, L, p, R]), [2, 0, 1, 3]); // [p, B, L, R]
    const y = tf.matMul(factorMatrices[f], tf.reshape(moved, [p, B * L * R]));
    v = tf.transpose(tf.reshape(y, [p, B, L, R]), [1, 2, 0, 3]); // back to [B, L, p, R]
  }
  return tf.reshape(v, [B, N]);
}

/** Gate k's factors R_{k,0} … R_{k,F−1} from the gate-major packed factors [4·Σ p_f²]. */
export function kruLstmGateFactors(factors: tf.Tensor1D, sizes: number[], k: number): tf.Tensor2D[] {
  const S = sizes.reduce((s, p) => s + p * p, 0);
  let off = k * S;
  return sizes.map((p) => {
    const m = tf.reshape(tf.slice(factors, off, p * p), [p, p]) as tf.Tensor2D;
    off += p * p;
    return m;
  });
}

/**
 * The LSTM cell over t = 1…T given the recurrent product: z_t = recurrent(h_{t−1}) + U x_t + b, gates i, f, g, o
 * (blocks of N), c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t) + P_t. Returns H [B, T, N].
 */
function lstmCells(
  x: tf.Tensor3D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  probe: tf.Tensor3D,
  N: number,
  recurrent: (h: tf.Tensor2D) => tf.Tensor2D,
): tf.Tensor3D {
  const [B, T, D] = x.shape;
  // Input term for all steps at once: [B·T, D] × [D, 4N] + b.
  const ux: tf.Tensor3D = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, D]), U, false, true), b), [
    B,
    T,
    4 * N,
  ]);
  // Per-step views by unstack, whose gradient is one stack (a slice per step would pad its gradient to the
  // whole [B, T, ·] tensor at every step: O(T²) on backward). tfjs's unstack gradient fails for T = 1.
  const steps = (a: tf.Tensor3D) =>
    (T === 1 ? [tf.reshape(a, [B, a.shape[2]])] : tf.unstack(a, 1)) as tf.Tensor2D[];
  const uxs = steps(ux);
  const probes = steps(probe);
  let h: tf.Tensor2D = tf.zeros([B, N]);
  let c: tf.Tensor2D = tf.zeros([B, N]);
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    // recurrent(h_0 = 0) is zero, but it keeps W connected to H at T = 1 (a zero gradient, not an error).
    const z = tf.add(recurrent(h), uxs[t]);
    const [zi, zf, zg, zo] = tf.split(z, 4, 1);
    const i = tf.sigmoid(zi),
      f = tf.sigmoid(zf),
      g = tf.tanh(zg),
      o = tf.sigmoid(zo);
    c = tf.add(tf.mul(f, c), tf.mul(i, g));
    h = tf.add(tf.mul(o, tf.tanh(c)), probes[t]);
    hs.push(h);
  }
  return tf.stack(hs, 1) as tf.Tensor3D;
}

/** LSTM hidden states H [B, T, N] for W [4N, N], U [4N, D], b [4N] (docs/model.md, "LSTM"). */
export function lstmRecurrenceReference(
  x: tf.Tensor3D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  probe: tf.Tensor3D,
): tf.Tensor3D {
  const N = W.shape[1];
  return tf.tidy(() => lstmCells(x, U, b, probe, N, (h) => tf.matMul(h, W, false, true)));
}

/**
 * KRU-LSTM hidden states H [B, T, N]: the LSTM with W_k = R_{k,0} ⊗ … ⊗ R_{k,F−1} for each gate k, applied
 * factor by factor (docs/model.md, "KRU-LSTM").
 */
export function kruLstmRecurrenceReference(
  x: tf.Tensor3D,
  factors: tf.Tensor1D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  probe: tf.Tensor3D,
  attrs: KruLstmAttrs,
): tf.Tensor3D {
  const { sizes } = attrs;
  const N = factorLayout(sizes).N;
  return tf.tidy(() => {
    const gates = [0, 1, 2, 3].map((k) => kruLstmGateFactors(factors, sizes, k));
    return lstmCells(x, U, b, probe, N, (h) =>
      tf.concat(
        gates.map((rs) => realKronMatvec(h, rs, sizes)),
        1,
      ),
    );
  });
}
