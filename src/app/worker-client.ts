// The training worker of the page, wrapped with comlink, and a watch on its life: a worker that reports an
// uncaught error, or stops answering (killed, out of memory, closed), is declared dead within about a second, so
// that the store can start a new one and restore the run. The worker's API type lives in src/engine/protocol.ts,
// so the main bundle never contains TensorFlow.js.
import * as Comlink from 'comlink';
import type { TrainingApi } from '../engine/protocol';

/** How often the page asks the worker for its status while watching it. */
export const PING_MS = 250;
/** No answer for this long means dead: a few pings, and more than one tick of training between two answers. */
export const SILENCE_MS = 1000;

interface Current {
  worker: Worker;
  remote: Comlink.Remote<TrainingApi>;
  generation: number;
}

let current: Current | null = null;
let generation = 0;
let onDeath: (why: string) => void = () => undefined;
let watchTimer: ReturnType<typeof setInterval> | undefined;

function spawn(): Current {
  const worker = new Worker(new URL('../../workers/training.worker.ts', import.meta.url), {
    type: 'module',
    name: 'training',
  });
  const mine = ++generation;
  // Fires when the worker script fails to load, or an error escapes it outside a call.
  worker.addEventListener('error', (e) => {
    if (current?.generation === mine) onDeath(e.message || 'it failed to load');
  });
  return { worker, remote: Comlink.wrap<TrainingApi>(worker), generation: mine };
}

/** Where the store hears of a dead worker (set once, at start). */
export function setOnWorkerDeath(fn: (why: string) => void): void {
  onDeath = fn;
}

export function trainingWorker(): Comlink.Remote<TrainingApi> {
  current ??= spawn();
  return current.remote;
}

/** Ends the current worker (whatever state it is in) and starts a fresh one. */
export function replaceTrainingWorker(): Comlink.Remote<TrainingApi> {
  if (current) {
    current.remote[Comlink.releaseProxy]();
    current.worker.terminate();
  }
  current = spawn();
  return current.remote;
}

/**
 * Pings the worker; when an answer is overdue — `silenceMs()` past the ping, which the store lengthens while a
 * run is being built or a tick of training is long — it declares the worker dead (once per worker).
 */
export function watchWorker(silenceMs: () => number): void {
  clearInterval(watchTimer);
  let pending: { generation: number; since: number } | null = null;
  let declared = -1;
  watchTimer = setInterval(() => {
    const c = current;
    if (!c || declared === c.generation) return;
    const now = performance.now();
    if (pending && pending.generation === c.generation) {
      if (now - pending.since > silenceMs()) {
        declared = c.generation;
        pending = null;
        onDeath('it stopped answering');
      }
      return;
    }
    const ping = { generation: c.generation, since: now };
    pending = ping;
    c.remote.status().then(
      () => {
        if (pending === ping) pending = null;
      },
      () => undefined, // a failed call is a closed port: the silence decides
    );
  }, PING_MS);
}
