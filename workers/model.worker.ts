// A worker that trains some of the run's models for the training worker (workers/training.worker.ts): on the
// cpu backend, with cores to spare, the models at odd positions step here on a second core while the others
// step in the training worker. A thin comlink facade over LocalRunners, one per model; the Experiment in the
// training worker keeps every model in lockstep on identical batches.
import * as Comlink from 'comlink';
import { selectBackend } from '../src/engine/backend';
import { LocalRunner, type RunnerInit } from '../src/engine/model-runner';
import type { Batch } from '../src/tasks/types';

const runners = new Map<number, LocalRunner>();
let backendReady: Promise<unknown> | null = null;

function runner(key: number): LocalRunner {
  const r = runners.get(key);
  if (!r) throw new Error(`model worker: no model ${key} (add() it first)`);
  return r;
}

const api = {
  /** Starts the named backend (the training worker's) once, and builds a model from its initial parameters. */
  async add(key: number, backend: 'cpu', init: RunnerInit): Promise<void> {
    backendReady ??= selectBackend({ prefer: backend });
    await backendReady;
    runners.get(key)?.dispose();
    runners.set(key, await LocalRunner.create(init));
  },
  async step(key: number, batch: Batch, lambda: number): Promise<Float32Array> {
    const v = await runner(key).step(batch, lambda);
    return Comlink.transfer(v, [v.buffer]);
  },
  evaluate(key: number, batch: Batch): Promise<Float32Array> {
    return runner(key).evaluate(batch);
  },
  params(key: number) {
    return runner(key).params();
  },
  state(key: number) {
    return runner(key).state();
  },
  setLearningRate(key: number, lr: number): void {
    runner(key).setLearningRate(lr);
  },
  remove(key: number): void {
    runners.get(key)?.dispose();
    runners.delete(key);
  },
};

export type ModelWorkerApi = typeof api;

Comlink.expose(api);
