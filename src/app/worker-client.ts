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
  const remote = Comlink.wrap<TrainingApi>(worker);
  // The link's debug switches reach every worker (a replacement too) before its first run is built.
  const debug = new URLSearchParams(location.search).getAll('debug').flatMap((v) => v.split(','));
  if (debug.includes('measure-software-gpu')) void remote.setDebug({ measureSoftwareGpu: true });
  return { worker, remote, generation: mine };
}

/** Where the store hears of a dead worker (set once, at start). */
export function setOnWorkerDeath(fn: (why: string) => void): void {
  onDeath = fn;
}

export function trainingWorker(): Comlink.Remote<TrainingApi> {
  current ??= spawn();
  return current.remote;
}

/** Terminates the worker behind the page's back, as the browser may (e2e tests of recovery, ?debug=faults). */
export function terminateWorkerForTest(): void {
  current?.worker.terminate();
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

let lastAnswers: number[] = [];

/** The watch's latest answer times in ms (e2e tests of recovery, ?debug=faults). */
export function recentAnswerTimes(): number[] {
  return lastAnswers;
}

/** Answers the watch remembers: the slowest of them sets how long the next may take. */
const RECENT_ANSWERS = 8;

/**
 * Pings the worker every PING_MS and declares it dead (once per worker) when an answer is overdue: later than
 * SILENCE_MS, or three times the slowest of the last few answers (a worker busy with a long tick or a slow
 * first step answers late but does answer), or `atLeast()` (the store's allowance while a run is built).
 */
export function watchWorker(atLeast: () => number): void {
  clearInterval(watchTimer);
  let pending: { generation: number; since: number } | null = null;
  let declared = -1;
  let recent: number[] = [];
  let recentFor = -1;
  watchTimer = setInterval(() => {
    const c = current;
    if (!c || declared === c.generation) return;
    if (recentFor !== c.generation) [recent, recentFor] = [[], c.generation];
    const now = performance.now();
    if (pending && pending.generation === c.generation) {
      const allowed = Math.max(SILENCE_MS, 3 * Math.max(0, ...recent), atLeast());
      if (now - pending.since > allowed) {
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
        if (pending !== ping) return;
        pending = null;
        recent.push(performance.now() - ping.since);
        if (recent.length > RECENT_ANSWERS) recent.shift();
        lastAnswers = [...recent];
      },
      () => undefined, // a failed call is a closed port: the silence decides
    );
  }, PING_MS);
}
