// The one interface every task (copy memory, adding problem, pixel-by-pixel digits) implements.
import type { TaskName } from '../core/vocabulary';
import type { Rng } from '../util/rng';

export interface TaskConfig {
  name: TaskName;
  /** Sequence length parameter: copy = delay T (sequence length T + 20), adding = length T; digits = 64 fixed. */
  T: number;
  /** digits only: read the 64 pixels in a fixed random order (permuted variant). */
  permuted: boolean;
}

export type LossKind = 'xent' | 'mse';

/** A batch of B sequences of length T with D input channels. */
export interface Batch {
  B: number;
  T: number;
  D: number;
  /** [B, T, D] row-major. */
  x: Float32Array;
  /** [B, T]: class index (xent) or real value (mse); NaN where the position has no loss. */
  targets: Float32Array;
}

export interface Task {
  readonly name: string;
  /** D */
  readonly inputSize: number;
  /** K (number of classes for xent, 1 for mse) */
  readonly outputSize: number;
  readonly loss: LossKind;
  /** Sequence length T' fed to the models. */
  readonly seqLength: number;
  /** Loss of the best input-independent predictor (memoryless baseline), shown beside the loss. */
  readonly baseline: number;
  /** Whether accuracy (argmax = target over positions with a target) is meaningful. */
  readonly hasAccuracy: boolean;
  /** Draws one training batch; the same rng state gives the same batch. */
  trainBatch(rng: Rng, B: number): Batch;
  /** Fixed held-out set, where the task has one (digits). */
  testSet?(): Batch;
}
