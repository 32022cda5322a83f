// The op-by-op recurrences: the readable reference that the fused kernels (src/kernels) are tested against,
// and the path used on backends without fused kernels. Same signatures as the fused ops.
import * as tf from '@tensorflow/tfjs-core';
import type { KruActivation, RnnActivation } from './config';

export interface KruAttrs {
  sizes: number[];
  activation: KruActivation;
}
export interface RnnAttrs {
  activation: RnnActivation;
}

export const MODRELU_EPS = 1e-6;

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

/** The real 2p×2p embedding [[Re, −Im], [Im, Re]] of each complex factor. */
export function factorBlocks(factors: tf.Tensor1D, sizes: number[]): tf.Tensor2D[] {
  const blocks: tf.Tensor2D[] = [];
  let off = 0;
  for (const p of sizes) {
    const re = tf.reshape(tf.slice(factors, off, p * p), [p, p]);
    const im = tf.reshape(tf.slice(factors, off + p * p, p * p), [p, p]);
    off += 2 * p * p;
    blocks.push(tf.concat([tf.concat([re, tf.neg(im)], 1), tf.concat([im, re], 1)], 0) as tf.Tensor2D);
  }
  return blocks;
}

/**
 * W·h for every row of h [B, 2N] ([Re | Im]) without forming W: view h as [B, 2, p_0, …, p_{F−1}] and
 * contract the (complex part, axis f) pair with factor f's real embedding, one factor at a time.
 */
export function kronMatvec(h: tf.Tensor2D, blocks: tf.Tensor2D[], sizes: number[]): tf.Tensor2D {
  const B = h.shape[0];
  const F = sizes.length;
  let v: tf.Tensor = tf.reshape(h, [B, 2, ...sizes]);
  const rank = F + 2;
  for (let f = 0; f < F; f++) {
    const axis = 2 + f;
    // Bring (complex part, axis f) to the front, multiply, and put the axes back.
    const rest = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 1 && i !== axis);
    const perm = [1, axis, ...rest];
    const moved = tf.transpose(v, perm);
    const shape = moved.shape;
    const y = tf.matMul(blocks[f], tf.reshape(moved, [2 * sizes[f], -1]));
    const inverse = perm.map((_, i) => perm.indexOf(i));
    v = tf.transpose(tf.reshape(y, shape), inverse);
  }
  return tf.reshape(v, [B, 2 * product(sizes)]);
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
      tf.add(tf.matMul(tf.reshape(x, [B * T, D]), tf.reshape(U, [2 * N, D]), false, true), tf.reshape(b, [1, 2 * N])),
      [B, T, 2 * N],
    );
    let h: tf.Tensor2D = tf.zeros([B, 2 * N]);
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const a = tf.add(kronMatvec(h, blocks, attrs.sizes), tf.reshape(tf.slice(ux, [0, t, 0], [B, 1, 2 * N]), [B, 2 * N]));
      h = tf.add(kruActivation(a as tf.Tensor2D, attrs.activation, beta, N), tf.reshape(tf.slice(probe, [0, t, 0], [B, 1, 2 * N]), [B, 2 * N]));
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
      const a = tf.add(tf.matMul(h, W, false, true), tf.reshape(tf.slice(ux, [0, t, 0], [B, 1, N]), [B, N])) as tf.Tensor2D;
      h = tf.add(act(a), tf.reshape(tf.slice(probe, [0, t, 0], [B, 1, N]), [B, N]));
      hs.push(h);
    }
    return tf.stack(hs, 1) as tf.Tensor3D;
  });
}
