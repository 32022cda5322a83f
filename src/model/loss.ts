// Task losses over the positions that have a target. A batch's targets are [B·T] with NaN where there is no
// loss. Positions are selected by 0/1 weights rather than by gather: gather's gradient (UnsortedSegmentSum)
// costs one op per segment on the cpu backend, which made a tiny training step take ~100 ms.
import * as tf from '@tensorflow/tfjs-core';
import type { LossKind } from '../tasks/types';

export interface TargetPositions {
  /** [B·T]: 1 where the position carries a target, else 0. */
  weights: Float32Array;
  /** [B·T]: the target (class index or real value), 0 where there is none. */
  values: Float32Array;
  /** Number of positions with a target. */
  count: number;
}

export function targetPositions(targets: ArrayLike<number>): TargetPositions {
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
  return { weights, values, count };
}

/** Mean loss of the predictions Y [B·T, K] over the positions with weight 1. */
export function taskLoss(Y: tf.Tensor2D, values: tf.Tensor1D, weights: tf.Tensor1D, count: number, kind: LossKind): tf.Scalar {
  return tf.tidy(() => {
    const perRow =
      kind === 'mse'
        ? tf.square(tf.sub(tf.reshape(Y, [-1]), values))
        : tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(values, 'int32'), Y.shape[1]), tf.logSoftmax(Y)), 1));
    return tf.div(tf.sum(tf.mul(perRow, weights)), Math.max(count, 1)) as tf.Scalar;
  });
}

/** Fraction of the weighted positions whose argmax equals the class target. */
export function accuracy(Y: tf.Tensor2D, values: tf.Tensor1D, weights: tf.Tensor1D, count: number): tf.Scalar {
  return tf.tidy(() => {
    const hit = tf.cast(tf.equal(tf.argMax(Y, 1), tf.cast(values, 'int32')), 'float32');
    return tf.div(tf.sum(tf.mul(hit, weights)), Math.max(count, 1)) as tf.Scalar;
  });
}
