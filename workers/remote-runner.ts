// ModelRunners whose models train in a second worker (workers/model.worker.ts). Browser only. One worker holds
// every remote model of a run; it is terminated when the last of them is disposed.
import * as Comlink from 'comlink';
import { paramShapes } from '../src/model/models';
import type { ModelRunner, RunnerInit } from '../src/engine/model-runner';
import type { ModelWorkerApi } from './model.worker';

export interface ModelWorkerHandle {
  runner(key: number, init: RunnerInit): Promise<ModelRunner>;
}

export function modelWorker(backend: 'cpu'): ModelWorkerHandle {
  const worker = new Worker(new URL('./model.worker.ts', import.meta.url), {
    type: 'module',
    name: 'models',
  });
  const api = Comlink.wrap<ModelWorkerApi>(worker);
  // A worker that dies (a failed import, out of memory) fails every pending and later call, instead of
  // leaving the training worker waiting for ever.
  let failure: Error | null = null;
  const failed = new Promise<never>((_, reject) => {
    worker.onerror = (e) => {
      failure = new Error(`the second training worker failed: ${e.message || 'unknown error'}`);
      reject(failure);
    };
  });
  failed.catch(() => undefined);
  const call = <T>(p: Promise<T>): Promise<T> =>
    failure ? Promise.reject(failure) : Promise.race([p, failed]);
  const live = new Set<number>();
  const release = (key: number) => {
    live.delete(key);
    if (live.size === 0) worker.terminate();
    else void api.remove(key);
  };
  return {
    async runner(key, init) {
      live.add(key);
      try {
        await call(api.add(key, backend, init));
      } catch (e) {
        release(key);
        throw e;
      }
      return {
        spec: init.spec,
        names: Object.keys(paramShapes(init.spec)), // Trainer's order
        remote: true,
        step: (batch, lambda) => call(api.step(key, batch, lambda)),
        evaluate: (batch) => call(api.evaluate(key, batch)),
        params: () => call(api.params(key)),
        state: () => call(api.state(key)),
        setLearningRate: (lr) => void api.setLearningRate(key, lr),
        dispose: () => release(key),
      };
    },
  };
}
