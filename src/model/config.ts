// Model shapes: what the model code needs to know of a network (sizes, factors, activation). The option names
// live in src/core/vocabulary.ts, the factor layout in src/core/factor-layout.ts.

export { MODRELU_EPS } from '../core/vocabulary';
export { defaultFactors } from '../core/factor-layout';
import type { KruActivation, RnnActivation } from '../core/vocabulary';

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

/** The RNN with W = A·B of rank r (docs/model.md, "Low-rank RNN"). */
export interface LowRankSpec {
  kind: 'lowrank';
  hidden: number;
  inputSize: number;
  outputSize: number;
  rank: number;
  activation: RnnActivation;
}

/** The LSTM (docs/model.md, "LSTM"): gates i, f, g, o; real. */
export interface LstmSpec {
  kind: 'lstm';
  hidden: number;
  inputSize: number;
  outputSize: number;
}

/** The LSTM whose four recurrent matrices are Kronecker products of real factors (docs/model.md, "KRU-LSTM"). */
export interface KruLstmSpec {
  kind: 'kru-lstm';
  hidden: number;
  inputSize: number;
  outputSize: number;
  factors: number[];
}

/** What the model code needs of a network (not to be confused with a run's ModelSpec in src/settings). */
export type NetSpec = KruSpec | RnnSpec | LowRankSpec | LstmSpec | KruLstmSpec;

/** Parses "2,2,4" into [2, 2, 4]; throws with a readable message. */
export function parseFactors(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const sizes = parts.map((p) => Number(p));
  if (!parts.length || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`factors must be positive integers separated by commas, got "${text}"`);
  }
  return sizes;
}
