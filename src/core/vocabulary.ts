// The vocabulary every layer shares: model kinds, activations, initialisations, optimisers, task names and
// implementations. A leaf module: it imports nothing of the project, so anything may import it.

export const MODEL_KINDS = ['kru', 'rnn', 'lstm', 'kru-lstm', 'lowrank'] as const;
export const KRU_ACTIVATIONS = ['crelu', 'modrelu', 'tanh', 'linear'] as const;
export const RNN_ACTIVATIONS = ['tanh', 'relu', 'linear'] as const;
export const KRU_INITS = ['unitary', 'gaussian'] as const;
export const RNN_INITS = ['gaussian', 'orthogonal', 'identity'] as const;
export const OPTIMIZERS = ['rmsprop', 'adam', 'sgd'] as const;
export const TASK_NAMES = ['copy', 'adding', 'digits'] as const;
export const IMPLS = ['fused', 'reference'] as const;

export type ModelKind = (typeof MODEL_KINDS)[number];
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

/** Display name of a model kind. */
export const KIND_LABEL: Record<ModelKind, string> = {
  kru: 'KRU',
  rnn: 'RNN',
  lstm: 'LSTM',
  'kru-lstm': 'KRU-LSTM',
  lowrank: 'Low-rank RNN',
};

/** Kinds whose recurrent matrices are Kronecker products of small factors: they have factor sizes and λ. */
export type FactoredKind = 'kru' | 'kru-lstm';
export function isFactored(kind: ModelKind): kind is FactoredKind {
  return kind === 'kru' || kind === 'kru-lstm';
}

/** Kinds with the LSTM's gates (and its cell state). */
export function isGated(kind: ModelKind): boolean {
  return kind === 'lstm' || kind === 'kru-lstm';
}

/** ε inside modReLU's |z| = sqrt(Re² + Im² + ε): one value for the reference, both kernels and the docs. */
export const MODRELU_EPS = 1e-6;

/** What the views call each kind's shown recurrent matrix (src/model/recurrent-matrix.ts computes it). */
export const SHOWN_MATRIX: Record<ModelKind, string> = {
  kru: 'W',
  rnn: 'W',
  lowrank: 'W = A·B',
  lstm: 'W_f (forget gate)',
  'kru-lstm': 'W_f (forget gate)',
};
