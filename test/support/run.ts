// Small run configs for engine tests: fast on every backend.
import { defaultModel, defaultRunConfig, type ModelSpec, type RunConfig } from '../../src/settings';

/** A KRU (N = 8, factors 2,2,2) beside an RNN (N = 8) on a short adding problem, batch 4. */
export function smallRun(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    ...defaultRunConfig(),
    task: { name: 'adding', T: 6, permuted: false },
    batch: 4,
    models: [defaultModel('kru', 8), defaultModel('rnn', 8)],
    ...overrides,
  };
}

/** The run's model with this id, changed. */
export function withModel(c: RunConfig, id: string, patch: Partial<ModelSpec>): RunConfig {
  return { ...c, models: c.models.map((m) => (m.id === id ? ({ ...m, ...patch } as ModelSpec) : m)) };
}
