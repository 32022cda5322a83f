// The typed, validated description of a model and of a training run. One schema serves the engine, the CLI,
// the worker, the store's URL/JSON round trip and the model file, so "invalid config" has one meaning.
import { z } from 'zod';

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

const positiveInt = z.number().int().positive();

/** Shape of a KRU: W = W_0 ⊗ … ⊗ W_{F-1}, each W_f complex p_f×p_f, ∏ p_f = hidden. */
export const KruSpecSchema = z
  .object({
    kind: z.literal('kru'),
    hidden: positiveInt.max(4096),
    inputSize: positiveInt.max(4096),
    outputSize: positiveInt.max(4096),
    factors: z.array(positiveInt.max(1024)).min(1).max(16),
    activation: z.enum(KRU_ACTIVATIONS),
  })
  .refine((s) => s.factors.reduce((a, b) => a * b, 1) === s.hidden, {
    message: 'the product of the factor sizes must equal hidden',
    path: ['factors'],
  });

export const RnnSpecSchema = z.object({
  kind: z.literal('rnn'),
  hidden: positiveInt.max(4096),
  inputSize: positiveInt.max(4096),
  outputSize: positiveInt.max(4096),
  activation: z.enum(RNN_ACTIVATIONS),
});

export type KruSpec = z.infer<typeof KruSpecSchema>;
export type RnnSpec = z.infer<typeof RnnSpecSchema>;
export type ModelSpec = KruSpec | RnnSpec;

export const KruInitSchema = z.object({
  kind: z.enum(KRU_INITS),
  /** Standard deviation of each real and imaginary entry when kind = 'gaussian'. */
  scale: z.number().positive().max(100),
});
export const RnnInitSchema = z.object({
  kind: z.enum(RNN_INITS),
  /** Gain g of the Gaussian init, W_ij ~ N(0, g²/N). */
  gain: z.number().positive().max(100),
});

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
