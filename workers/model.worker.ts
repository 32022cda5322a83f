// A worker that trains one model for the training worker (workers/training.worker.ts): on the cpu backend the
// app runs the RNN baseline here, so that it steps on the second core while the KRU steps in the training
// worker. A thin comlink facade over LocalRunner; the Experiment in the training worker keeps the two models
// in lockstep on identical batches.
import * as Comlink from 'comlink';
import { selectBackend } from '../src/engine/backend';
import { LocalRunner, type RunnerInit } from '../src/engine/model-runner';
import type { Batch } from '../src/tasks/types';

let runner: LocalRunner | null = null;

function current(): LocalRunner {
  if (!runner) throw new Error('model worker: init() first');
  return runner;
}

const api = {
  /** Starts the named backend (the training worker's) and builds the model from its initial parameters. */
  async init(backend: 'cpu', init: RunnerInit): Promise<void> {
    await selectBackend({ prefer: backend });
    runner?.dispose();
    runner = new LocalRunner(init);
  },
  async step(batch: Batch, lambda: number): Promise<Float32Array> {
    const v = await current().step(batch, lambda);
    return Comlink.transfer(v, [v.buffer]);
  },
  async evaluate(batch: Batch): Promise<Float32Array> {
    return current().evaluate(batch);
  },
  params() {
    return current().params();
  },
  setLearningRate(lr: number): void {
    current().setLearningRate(lr);
  },
  dispose(): void {
    runner?.dispose();
    runner = null;
  },
};

export type ModelWorkerApi = typeof api;

Comlink.expose(api);
