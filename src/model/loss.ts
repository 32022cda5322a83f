// Task losses over the positions that have a target. A batch's targets are [B·T] with NaN where there is no
// loss. Positions are selected by 0/1 weights rather than by gather: gather's gradient (UnsortedSegmentSum)
// costs one op per segment on the cpu backend, which made a tiny training step take ~100 ms.
import * as tf from '@tensorflow/tfjs-core';
import type { LossKind } from '../tasks/types';

export interface TargetPositions {
  /** [B·T] (or [B] when lastStepOnly): 1 where the position carries a target, else 0. */
  weights: Float32Array;
  /** Same length: the target (class index or real value), 0 where there is none. */
  values: Float32Array;
  /** Number of positions with a target. */
  count: number;
  /**
   * Every sequence has a target at its last step and nowhere else (adding, digits): then only h_T is read
   * out, which saves a [B·T, 2N] read-out and its gradient.
   */
  lastStepOnly: boolean;
}

export function targetPositions(targets: ArrayLike<number>, B: number, T: number): TargetPositions {
  if (targets.length !== B * T) throw new Error(`targets: expected ${B}×${T} values, got ${targets.length}`);
  let lastStepOnly = true;
  for (let i = 0; i < targets.length && lastStepOnly; i++) {
    const isLast = i % T === T - 1;
    if (Number.isNaN(targets[i]) === isLast) lastStepOnly = false;
  }
  if (lastStepOnly) {
    const values = Float32Array.from({ length: B }, (_, b) => targets[b * T + T - 1]);
    return { weights: new Float32Array(B).fill(1), values, count: B, lastStepOnly };
  }
  const weights = new Float32Array(targets.length);
  const values = new Float32Array(targets.length);
  let count = 0;
  for (let i = 0; i < targets.length; i++) {
    const v = targets[i];
    if (!Number.isNaN(v)) {
      weights[i] = 1;
      values[i] = v;
      count++;
    }
  }
  return { weights, values, count, lastStepOnly };
}

/** Mean loss of the predictions Y [rows, K] over the rows with weight 1. */
export function taskLoss(
  Y: tf.Tensor2D,
  values: tf.Tensor1D,
  weights: tf.Tensor1D,
  count: number,
  kind: LossKind,
): tf.Scalar {
  return tf.tidy(() => {
    const perRow =
      kind === 'mse'
        ? tf.square(tf.sub(tf.reshape(Y, [-1]), values))
        : tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(values, 'int32'), Y.shape[1]), tf.logSoftmax(Y)), 1));
    return tf.div(tf.sum(tf.mul(perRow, weights)), Math.max(count, 1)) as tf.Scalar;
  });
}

/** Fraction of the weighted positions whose argmax equals the class target. */
export function accuracy(
  Y: tf.Tensor2D,
  values: tf.Tensor1D,
  weights: tf.Tensor1D,
  count: number,
): tf.Scalar {
  return tf.tidy(() => {
    const hit = tf.cast(tf.equal(tf.argMax(Y, 1), tf.cast(values, 'int32')), 'float32');
    return tf.div(tf.sum(tf.mul(hit, weights)), Math.max(count, 1)) as tf.Scalar;
  });
}
