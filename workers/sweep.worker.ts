// The sweep worker: runs one sweep at a time (src/engine/sweep.ts) in a worker of its own, so the page stays
// responsive and the training worker's run goes on undisturbed. A thin comlink facade: start, cancel, and a
// listener told of progress (at most ~10 times a second) and of every finished grid point.
import * as Comlink from 'comlink';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendChoice, type BackendName } from '../src/engine/backend';
import {
  runSweep,
  type SweepOutcome,
  type SweepPointResult,
  type SweepProgress,
  type SweepSpec,
} from '../src/engine/sweep';
import { DIGITS_FILE, parseDigits, type DigitsData } from '../src/tasks/digits';

export interface SweepListener {
  progress(p: SweepProgress): void;
  point(r: SweepPointResult): void;
}

/** λ points trained together (stacked) in the app. */
const APP_GROUP_SIZE = 4;
/** Progress is posted at most this often (and always at the end). */
const PROGRESS_MS = 100;

/** The backend started for each preference ('' = the worker's own choice): started once each. */
const backends = new Map<string, Promise<BackendChoice>>();
let digits: Promise<DigitsData> | null = null;
let running: AbortController | null = null;

function loadDigits(): Promise<DigitsData> {
  digits ??= (async () => {
    // Public files sit one folder above the bundled worker (see workers/training.worker.ts).
    const url = new URL(`../${DIGITS_FILE}`, self.location.href);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not load the digits data from ${url.pathname} (HTTP ${res.status})`);
    return parseDigits(new Uint8Array(await res.arrayBuffer()));
  })();
  digits.catch(() => (digits = null));
  return digits;
}

// A macrotask that is not clamped like nested setTimeout(0): lets a queued cancel() run between steps.
const yieldChannel = new MessageChannel();
const yieldWaiters: Array<() => void> = [];
yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();
const yieldToEvents = () =>
  new Promise<void>((resolve) => {
    yieldWaiters.push(resolve);
    yieldChannel.port2.postMessage(0);
  });

const api = {
  /**
   * Runs a sweep to its end or its cancel; the listener (a comlink.proxy) hears progress and finished points.
   * `prefer`: the backend the page's run uses (the link's ?backend=, or the one chosen for the run).
   */
  async start(
    spec: SweepSpec,
    listener: SweepListener,
    prefer?: BackendName,
  ): Promise<SweepOutcome & { backend: string }> {
    if (running) throw new Error('a sweep is already running');
    const control = new AbortController();
    running = control;
    try {
      const key = prefer ?? '';
      let backend = backends.get(key);
      if (!backend) {
        backend = selectBackend({
          prefer,
          wasmPaths: {
            'tfjs-backend-wasm.wasm': wasmPlain,
            'tfjs-backend-wasm-simd.wasm': wasmSimd,
            'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
          },
        });
        backends.set(key, backend);
        backend.catch(() => backends.delete(key));
      }
      const { name } = await backend;
      // Another sweep may have started another backend in this worker since: make this one current again.
      if (tf.getBackend() !== name) await tf.setBackend(name);
      const data = spec.run.task.name === 'digits' ? await loadDigits() : undefined;
      let lastPost = 0;
      // λ points train 4 at a time as one stacked model (src/engine/sweep-stack.ts): most of the saving of
      // stacking (bench/sweep.md), while points still finish, are drawn and survive a cancel group by group.
      const groupSize = spec.groupSize ?? (spec.grid.kind === 'lambda' ? APP_GROUP_SIZE : 1);
      const outcome = await runSweep(
        { ...spec, groupSize },
        {
          digits: data,
          signal: control.signal,
          reportEvery: 5,
          yieldToEvents,
          onProgress: (p) => {
            const now = performance.now();
            if (now - lastPost < PROGRESS_MS && p.stepsDone < p.stepsTotal) return;
            lastPost = now;
            void listener.progress(p);
          },
          onPoint: (r) => void listener.point(r),
        },
      );
      void listener.progress(outcome.progress);
      return { ...outcome, backend: name };
    } finally {
      running = null;
    }
  },
  /** Stops the running sweep between two steps; it resolves with the points that finished. */
  cancel(): void {
    running?.abort();
  },
};

export type SweepWorkerApi = typeof api;

Comlink.expose(api);
