// The vocabulary shared by the model, the engine, the CLI and the page: option names and model shapes.
// Validation lives with the inputs that need it (src/engine/config.ts, src/model/model-file.ts).

export const KRU_ACTIVATIONS = ['crelu', 'modrelu', 'tanh', 'linear'] as const;
export const RNN_ACTIVATIONS = ['tanh', 'relu', 'linear'] as const;
export const KRU_INITS = ['unitary', 'gaussian'] as const;
export const RNN_INITS = ['gaussian', 'orthogonal', 'identity'] as const;
export const OPTIMIZERS = ['rmsprop', 'adam', 'sgd'] as const;
export const TASK_NAMES = ['copy', 'adding', 'digits'] as const;
export const IMPLS = ['fused', 'reference'] as const;

export type KruActivation = (typeof KRU_ACTIVATIONS)[number];
export type RnnActivation = (typeof RNN_ACTIVATIONS)[number];
export type TaskName = (typeof TASK_NAMES)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];
export type Impl = (typeof IMPLS)[number];

/** How a model's recurrent weights start (docs/model.md, "Initialisation"). */
export interface KruInit {
  kind: (typeof KRU_INITS)[number];
  /** gaussian: the std of every real and imaginary entry (unitary factors ignore it) */
  scale: number;
}
export interface RnnInit {
  kind: (typeof RNN_INITS)[number];
  /** gaussian: W ~ N(0, gain²/N) (orthogonal and identity ignore it) */
  gain: number;
}

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

export type ModelSpec = KruSpec | RnnSpec;

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
