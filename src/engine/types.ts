// What the training engine takes in and gives out. Everything here is plain data (numbers, strings,
// typed arrays), so it crosses the worker boundary with structured clone / transfer and round-trips to JSON.
import type {
  Impl,
  KruActivation,
  KruInit,
  OptimizerName,
  RnnActivation,
  RnnInit,
  TaskName,
} from '../model/config';

export interface TaskConfig {
  name: TaskName;
  /** Sequence length parameter: copy = delay T (sequence length T + 20), adding = length T; digits = 64 fixed. */
  T: number;
  /** digits only: read the 64 pixels in a fixed random order (permuted variant). */
  permuted: boolean;
}

export interface ExperimentConfig {
  task: TaskConfig;
  /** Hidden size N shared by both models (the KRU has N complex units, the RNN N real units). */
  hidden: number;
  kru: {
    factors: number[];
    activation: KruActivation;
    init: KruInit;
  };
  rnn: {
    activation: RnnActivation;
    init: RnnInit;
  };
  batch: number;
  seed: number;
  optimizer: OptimizerName;
  /** Live: may change between any two steps. */
  lr: number;
  /** Live: strength of the soft unitary penalty on the KRU. */
  lambda: number;
  /** Global gradient-norm clipping threshold; null = off. */
  clip: number | null;
  /** Fused kernels (default) or the op-by-op reference. */
  impl: Impl;
  /** Which models train (both, side by side, by default). */
  models: Array<'kru' | 'rnn'>;
}

/**
 * Metrics of one model for a run of consecutive steps, column by column. For k steps:
 * scalars are length k; per-factor arrays are k×F (row = step); per-time arrays k×T'
 * (T' = the task's sequence length); singular values k×Σp_f (factors concatenated, each descending).
 */
export interface ModelSeries {
  loss: Float32Array;
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
  kind: 'kru' | 'rnn';
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
  /** λ in force at each new row. */
  lambda: Float32Array;
  /** Learning rate at each new row. */
  lr: Float32Array;
  series: Partial<Record<'kru' | 'rnn', ModelSeries>>;
  detail: Partial<Record<'kru' | 'rnn', ModelDetail>>;
  /** Total steps done. */
  stepCount: number;
  /** The task's memoryless / constant-prediction baseline loss for the current config. */
  baseline: number;
  /** Sequence length T' of the task (rows of gradNormsOverTime). */
  seqLength: number;
  /** Mean milliseconds per training step (both models) over the last rows. */
  msPerStep: number;
  backend: string;
}
