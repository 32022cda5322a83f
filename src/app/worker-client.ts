// The one training worker of the page, created lazily and wrapped with comlink. The worker's API type lives in
// src/engine/protocol.ts, so the main bundle never contains TensorFlow.js.
import * as Comlink from 'comlink';
import type { TrainingApi } from '../engine/protocol';

let remote: Comlink.Remote<TrainingApi> | null = null;

export function trainingWorker(onFatal: (message: string) => void): Comlink.Remote<TrainingApi> {
  if (!remote) {
    const worker = new Worker(new URL('../../workers/training.worker.ts', import.meta.url), {
      type: 'module',
      name: 'training',
    });
    // Fires when the worker script itself fails (load or uncaught error outside a call).
    worker.addEventListener('error', (e) =>
      onFatal(`the training worker failed: ${e.message || 'could not load it'}`),
    );
    remote = Comlink.wrap<TrainingApi>(worker);
  }
  return remote;
}
