// Model shapes: what the model code needs to know of a network (sizes, factors, activation). The option names
// live in src/core/vocabulary.ts (re-exported here for the model and kernel code).

export {
  IMPLS,
  KRU_ACTIVATIONS,
  KRU_INITS,
  OPTIMIZERS,
  RNN_ACTIVATIONS,
  RNN_INITS,
  TASK_NAMES,
  type Impl,
  type KruActivation,
  type KruInit,
  type OptimizerName,
  type RnnActivation,
  type RnnInit,
  type TaskName,
} from '../core/vocabulary';
import type { KruActivation, RnnActivation } from '../core/vocabulary';

/** ε inside modReLU's |z| = sqrt(Re² + Im² + ε): one value for the reference, both kernels and the docs. */
export const MODRELU_EPS = 1e-6;

/**
 * Shape of a KRU: W = W_0 ⊗ … ⊗ W_{F-1}, each W_f complex p_f×p_f, ∏ p_f = hidden. Specs are built from an
 * already validated ExperimentConfig (src/engine/config.ts) or model file (src/model/model-file.ts).
 */
export interface KruSpec {
  kind: 'kru';
  hidden: number;
  inputSize: number;
  outputSize: number;
  factors: number[];
  activation: KruActivation;
}

export interface RnnSpec {
  kind: 'rnn';
  hidden: number;
  inputSize: number;
  outputSize: number;
  activation: RnnActivation;
}

/** What the model code needs of a network (not to be confused with a run's ModelSpec in src/settings). */
export type NetSpec = KruSpec | RnnSpec;

/** Factor sizes 2×2×…×2 when hidden is a power of two, else one hidden×hidden factor. */
export function defaultFactors(hidden: number): number[] {
  const f: number[] = [];
  let n = hidden;
  while (n > 1 && n % 2 === 0) {
    f.push(2);
    n /= 2;
  }
  if (n > 1) f.push(n);
  return f.length ? f : [1];
}

/** Parses "2,2,4" into [2, 2, 4]; throws with a readable message. */
export function parseFactors(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const sizes = parts.map((p) => Number(p));
  if (!parts.length || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`factors must be positive integers separated by commas, got "${text}"`);
  }
  return sizes;
}
