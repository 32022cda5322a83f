// The op-by-op recurrences: the readable reference that the fused kernels (src/kernels) are tested against,
// and the path used on backends without fused kernels. Same signatures as the fused ops.
import * as tf from '@tensorflow/tfjs-core';
import { MODRELU_EPS, type KruActivation, type RnnActivation } from '../core/vocabulary';
import { factorLayout, product } from '../core/factor-layout';

export interface KruAttrs {
  sizes: number[];
  activation: KruActivation;
}
export interface RnnAttrs {
  activation: RnnActivation;
}

/** The real 2p×2p embedding [[Re, −Im], [Im, Re]] of each complex factor. */
export function factorBlocks(factors: tf.Tensor1D, sizes: number[]): tf.Tensor2D[] {
  const blocks: tf.Tensor2D[] = [];
  const layout = factorLayout(sizes);
  for (let f = 0; f < layout.F; f++) {
    const p = sizes[f];
    const re = tf.reshape(tf.slice(factors, layout.offsets[f], p * p), [p, p]);
    const im = tf.reshape(tf.slice(factors, layout.imOffsets[f], p * p), [p, p]);
    blocks.push(tf.concat([tf.concat([re, tf.neg(im)], 1), tf.concat([im, re], 1)], 0) as tf.Tensor2D);
  }
  return blocks;
}

/**
 * W·h for every row of h [B, 2N] ([Re | Im]) without forming W. For factor f, view h as
 * [B, 2, L, p_f, R] (L = ∏ sizes before f, R = ∏ sizes after f) and contract the (complex part, p_f) pair
 * with the factor's real embedding. Rank-5 views keep every transpose within what all backends support
 * (webgl has no packed transpose above rank 6).
 */
export function kronMatvec(h: tf.Tensor2D, blocks: tf.Tensor2D[], sizes: number[]): tf.Tensor2D {
  const B = h.shape[0];
  const { N, F, pre, post } = factorLayout(sizes);
  let v: tf.Tensor = h;
  for (let f = 0; f < F; f++) {
    const p = sizes[f];
    const L = pre[f];
    const R = post[f];
    const moved = tf.transpose(tf.reshape(v, [B, 2, L, p, R]), [1, 3, 0, 2, 4]); // [2, p, B, L, R]
    const y = tf.matMul(blocks[f], tf.reshape(moved, [2 * p, B * L * R]));
    v = tf.transpose(tf.reshape(y, [2, p, B, L, R]), [2, 0, 3, 1, 4]); // back to [B, 2, L, p, R]
  }
  return tf.reshape(v, [B, 2 * N]);
}

function kruActivation(a: tf.Tensor2D, activation: KruActivation, beta: tf.Tensor1D, N: number): tf.Tensor2D {
  switch (activation) {
    case 'crelu':
      return tf.relu(a);
    case 'tanh':
      return tf.tanh(a);
    case 'linear':
      return a;
    case 'modrelu': {
      const re = tf.slice(a, [0, 0], [-1, N]);
      const im = tf.slice(a, [0, N], [-1, N]);
      const m = tf.sqrt(tf.add(tf.add(tf.square(re), tf.square(im)), MODRELU_EPS));
      const scale = tf.div(tf.relu(tf.add(m, beta)), m);
      return tf.concat([tf.mul(re, scale), tf.mul(im, scale)], 1) as tf.Tensor2D;
    }
  }
}

/** KRU hidden states H [B, T, 2N] (docs/model.md). */
export function kruRecurrenceReference(
  x: tf.Tensor3D,
  factors: tf.Tensor1D,
  U: tf.Tensor3D,
  b: tf.Tensor2D,
  beta: tf.Tensor1D,
  probe: tf.Tensor3D,
  attrs: KruAttrs,
): tf.Tensor3D {
  const [B, T, D] = x.shape;
  const N = product(attrs.sizes);
  return tf.tidy(() => {
    const blocks = factorBlocks(factors, attrs.sizes);
    // Input term for all steps at once: [B·T, D] × [D, 2N] + b.
    const ux = tf.reshape(
      tf.add(
        tf.matMul(tf.reshape(x, [B * T, D]), tf.reshape(U, [2 * N, D]), false, true),
        tf.reshape(b, [1, 2 * N]),
      ),
      [B, T, 2 * N],
    );
    let h: tf.Tensor2D = tf.zeros([B, 2 * N]);
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const a = tf.add(
        kronMatvec(h, blocks, attrs.sizes),
        tf.reshape(tf.slice(ux, [0, t, 0], [B, 1, 2 * N]), [B, 2 * N]),
      );
      h = tf.add(
        kruActivation(a as tf.Tensor2D, attrs.activation, beta, N),
        tf.reshape(tf.slice(probe, [0, t, 0], [B, 1, 2 * N]), [B, 2 * N]),
      );
      hs.push(h);
    }
    return tf.stack(hs, 1) as tf.Tensor3D;
  });
}

/** Dense RNN hidden states H [B, T, N]. */
export function rnnRecurrenceReference(
  x: tf.Tensor3D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  probe: tf.Tensor3D,
  attrs: RnnAttrs,
): tf.Tensor3D {
  const [B, T, D] = x.shape;
  const N = W.shape[0];
  const act = (a: tf.Tensor2D): tf.Tensor2D =>
    attrs.activation === 'tanh' ? tf.tanh(a) : attrs.activation === 'relu' ? tf.relu(a) : a;
  return tf.tidy(() => {
    const ux = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, D]), U, false, true), b), [B, T, N]);
    let h: tf.Tensor2D = tf.zeros([B, N]);
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const a = tf.add(
        tf.matMul(h, W, false, true),
        tf.reshape(tf.slice(ux, [0, t, 0], [B, 1, N]), [B, N]),
      ) as tf.Tensor2D;
      h = tf.add(act(a), tf.reshape(tf.slice(probe, [0, t, 0], [B, 1, N]), [B, N]));
      hs.push(h);
    }
    return tf.stack(hs, 1) as tf.Tensor3D;
  });
}
