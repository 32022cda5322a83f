// A ModelRunner whose model trains in a worker of its own (workers/model.worker.ts). Browser only.
import * as Comlink from 'comlink';
import { paramShapes } from '../src/model/models';
import type { ModelRunner, RunnerInit } from '../src/engine/model-runner';
import type { ModelWorkerApi } from './model.worker';

export async function remoteRunner(init: RunnerInit, backend: 'cpu'): Promise<ModelRunner> {
  const worker = new Worker(new URL('./model.worker.ts', import.meta.url), { type: 'module', name: `model-${init.spec.kind}` });
  const api = Comlink.wrap<ModelWorkerApi>(worker);
  // A worker that dies (a failed import, out of memory) fails every pending and later call, instead of
  // leaving the training worker waiting for ever.
  let failure: Error | null = null;
  const failed = new Promise<never>((_, reject) => {
    worker.onerror = (e) => {
      failure = new Error(`the ${init.spec.kind.toUpperCase()} worker failed: ${e.message || 'unknown error'}`);
      reject(failure);
    };
  });
  failed.catch(() => undefined);
  const call = <T>(p: Promise<T>): Promise<T> => (failure ? Promise.reject(failure) : Promise.race([p, failed]));
  try {
    await call(api.init(backend, init));
  } catch (e) {
    worker.terminate();
    throw e;
  }
  return {
    spec: init.spec,
    names: Object.keys(paramShapes(init.spec)), // Trainer's order
    remote: true,
    step: (batch, lambda) => call(api.step(batch, lambda)),
    evaluate: (batch) => call(api.evaluate(batch)),
    params: () => call(api.params()),
    setLearningRate: (lr) => void api.setLearningRate(lr),
    dispose: () => worker.terminate(),
  };
}
