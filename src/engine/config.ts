// Validation and defaults for an ExperimentConfig: the one place that says what a valid run is.
import { z } from 'zod';
import { IMPLS, KRU_ACTIVATIONS, KRU_INITS, OPTIMIZERS, RNN_ACTIVATIONS, RNN_INITS, TASK_NAMES } from '../model/config';
import type { ExperimentConfig } from './types';

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

export const ExperimentConfigSchema = z
  .object({
    task: z.object({
      name: z.enum(TASK_NAMES),
      T: z.number().int().min(2).max(2000),
      permuted: z.boolean(),
    }),
    hidden: z.number().int().min(1).max(4096),
    kru: z.object({
      factors: z.array(z.number().int().min(1).max(1024)).min(1).max(16),
      activation: z.enum(KRU_ACTIVATIONS),
      init: z.object({ kind: z.enum(KRU_INITS), scale: z.number().positive().max(100) }),
    }),
    rnn: z.object({
      activation: z.enum(RNN_ACTIVATIONS),
      init: z.object({ kind: z.enum(RNN_INITS), gain: z.number().positive().max(100) }),
    }),
    batch: z.number().int().min(1).max(1024),
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    optimizer: z.enum(OPTIMIZERS),
    lr: z.number().positive().max(10),
    lambda: z.number().min(0).max(1000),
    clip: z.number().positive().max(1e6).nullable(),
    impl: z.enum(IMPLS),
    models: z.array(z.enum(['kru', 'rnn'])).min(1).max(2),
  })
  .strict()
  .refine((c) => product(c.kru.factors) === c.hidden, {
    message: 'the product of the KRU factor sizes must equal the hidden size',
    path: ['kru', 'factors'],
  });

export function defaultExperimentConfig(): ExperimentConfig {
  return {
    task: { name: 'adding', T: 50, permuted: false },
    hidden: 64,
    kru: { factors: [2, 2, 2, 2, 2, 2], activation: 'crelu', init: { kind: 'unitary', scale: 0.5 } },
    rnn: { activation: 'tanh', init: { kind: 'gaussian', gain: 1 } },
    batch: 32,
    seed: 1,
    optimizer: 'rmsprop',
    lr: 1e-3,
    lambda: 1e-2,
    clip: null,
    impl: 'fused',
    models: ['kru', 'rnn'],
  };
}

/** Formats zod issues as one readable line: "kru.factors: the product … ; lr: Too big …". */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'config'}: ${i.message}`).join('; ');
}

export function parseExperimentConfig(
  value: unknown,
): { ok: true; value: ExperimentConfig } | { ok: false; error: string } {
  const r = ExperimentConfigSchema.safeParse(value);
  return r.success ? { ok: true, value: r.data as ExperimentConfig } : { ok: false, error: formatIssues(r.error) };
}
