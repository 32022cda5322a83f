// What the training engine takes in and gives out. Everything here is plain data (numbers, strings,
// typed arrays), so it crosses the worker boundary with structured clone / transfer and round-trips to JSON.
import type { ModelKind } from '../core/vocabulary';
import type { Divergence } from './divergence';
import type { LiveChange } from './schedule';

export type { RunConfig, ModelSpec } from '../settings/table';
export type { TaskConfig } from '../tasks/types';

/** What the page needs to know of each model of a run to draw it (legend, colour). */
export interface ModelInfo {
  id: string;
  label: string;
  kind: ModelKind;
}

/**
 * Metrics of one model for a run of consecutive steps, column by column. For k steps:
 * scalars are length k; per-factor arrays are k×F (row = step); per-time arrays k×T'
 * (T' = the task's sequence length); singular values k×Σp_f (factors concatenated, each descending).
 */
export interface ModelSeries {
  loss: Float32Array;
  /** λ in force at each step (0 for models without a penalty). */
  lambda: Float32Array;
  /** Learning rate in force at each step. */
  lr: Float32Array;
  /** NaN where the task has no accuracy. */
  accuracy: Float32Array;
  /** R (KRU) — for the RNN, 0. */
  reg: Float32Array;
  /** λ·R. */
  lambdaReg: Float32Array;
  /** ‖W_fᴴW_f − I‖_F² per factor, k×F (RNN: F = 1, its W). */
  factorDeviation: Float32Array;
  /** ‖WᴴW − I‖_F² of the full recurrent matrix, from the factors' singular values. */
  fullDeviation: Float32Array;
  /** ‖W‖₂. */
  spectralNorm: Float32Array;
  /** k×Σp_f: each factor's singular values, descending (RNN: empty). */
  factorSingularValues: Float32Array;
  /** k×T': ‖∂L_task/∂h_t‖ for t = 1..T'. */
  gradNormsOverTime: Float32Array;
  /** Global ‖∂L/∂θ‖ (before clipping). */
  gradNorm: Float32Array;
}

/** Expensive per-model quantities, computed only when a snapshot is taken (not every step). */
export interface ModelDetail {
  kind: ModelKind;
  /** All N singular values of the full W, descending. */
  singularValues: Float32Array;
  /** Eigenvalues of W (length N each). */
  eigenRe: Float32Array;
  eigenIm: Float32Array;
  /** Norm of the gradient of each parameter group at the latest step. */
  groupGradNorms: Record<string, number>;
  paramCounts: { recurrent: number; total: number };
  /** KRU factor sizes; RNN: [N]. */
  factorSizes: number[];
  /** Held-out accuracy / loss where the task has a test set (digits), else null. */
  testAccuracy: number | null;
}

/** What the engine hands out after some steps: the new rows since the last snapshot plus current detail. */
export interface Snapshot {
  /** Step index (1-based, after the step) of each new row. */
  steps: Int32Array;
  /** The run's models, in config order. */
  models: ModelInfo[];
  /** New rows per model id. */
  series: Record<string, ModelSeries>;
  /** Latest details per model id (empty when unchanged since the last snapshot). */
  detail: Record<string, ModelDetail>;
  /** Total steps done. */
  stepCount: number;
  /** The task's memoryless / constant-prediction baseline loss for the current config. */
  baseline: number;
  /** Sequence length T' of the task (rows of gradNormsOverTime). */
  seqLength: number;
  /** Mean milliseconds per training step (all models) over the last rows. */
  msPerStep: number;
  backend: string;
  /**
   * The models that have diverged so far in this run, by id (when and why): each stopped training and sends
   * blank (NaN) rows. The engine always fills it (empty when none); it is optional only so that hand-written
   * snapshots (tests) may leave it out, which means none.
   */
  diverged?: Record<string, Divergence>;
  /** The live changes applied since the previous snapshot (each at the first step that used it). */
  changes?: LiveChange[];
}
