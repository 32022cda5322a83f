// Task losses over the positions that have a target. A batch's targets are [B·T] with NaN where there is no
// loss. Positions are selected by 0/1 weights rather than by gather: gather's gradient (UnsortedSegmentSum)
// costs one op per segment on the cpu backend, which made a tiny training step take ~100 ms.
// readoutLoss is what the trainer calls: the read-out y_t = V h_t + c, the loss and the accuracy in one fused
// kernel where the backend has it (cpu), else as the tfjs ops below, the reference it is tested against.
import * as tf from '@tensorflow/tfjs-core';
import type { LossKind } from '../tasks/types';
import type { Impl } from '../core/vocabulary';
import { hasReadoutLossKernel, readoutLossFused } from '../kernels/ops';
import { readout, type ParamTensors } from './models';

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

/** A batch's targets as the loss sees them (a DeviceBatch has these fields). */
export interface LossTargets {
  /** [B·T], or [B] when lastStepOnly */
  values: tf.Tensor1D;
  weights: tf.Tensor1D;
  count: number;
  lastStepOnly: boolean;
  loss: LossKind;
  hasAccuracy: boolean;
}

/** Whether readoutLoss runs the fused kernel for this impl on the current backend. */
export function usesFusedReadout(impl: Impl): boolean {
  return impl === 'fused' && hasReadoutLossKernel();
}

/**
 * The batch-mean task loss of the read-out y_t = V h_t + c of the hidden states H [B, T, W] (only h_T when
 * lastStepOnly), and the accuracy (NaN without one). With impl 'fused' on a backend that has the kernel (cpu)
 * one kernel computes both and, in the backward pass, dH, dV and dc; otherwise the tfjs ops of readout(),
 * taskLoss and accuracy. The same numbers either way, to float32 rounding.
 */
export function readoutLoss(
  p: ParamTensors,
  H: tf.Tensor3D,
  t: LossTargets,
  impl: Impl,
): { loss: tf.Scalar; accuracy: tf.Scalar } {
  if (usesFusedReadout(impl)) {
    return readoutLossFused(H, p.V as tf.Tensor2D, p.c as tf.Tensor1D, t.values, t.weights, {
      loss: t.loss,
      count: t.count,
      lastStepOnly: t.lastStepOnly,
      accuracy: t.hasAccuracy,
    });
  }
  const [B, T, W] = H.shape;
  const rows = t.lastStepOnly ? tf.slice(H, [0, T - 1, 0], [B, 1, W]) : H;
  const Y = readout(p, tf.reshape(rows, [-1, W]));
  return {
    loss: taskLoss(Y, t.values, t.weights, t.count, t.loss),
    accuracy: t.hasAccuracy ? accuracy(Y, t.values, t.weights, t.count) : tf.scalar(NaN),
  };
}
