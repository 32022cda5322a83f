// The training worker: owns TensorFlow.js and one Experiment, and exposes a small typed API over comlink.
// Training runs here so the page's main thread never blocks; the page receives at most ~30 updates a second,
// with their typed arrays transferred, not copied.
import * as Comlink from 'comlink';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { selectBackend } from '../src/engine/backend';
import { parseExperimentConfig } from '../src/engine/config';
import { Experiment } from '../src/engine/experiment';
import type { RunnerInit } from '../src/engine/model-runner';
import { trainingPlacement, type TrainingThreads } from '../src/engine/placement';
import { remoteRunner } from './remote-runner';
import type { ExperimentConfig, Snapshot } from '../src/engine/types';
import { DIGITS_FILE, parseDigits, type DigitsData } from '../src/tasks/digits';
import type { BackendPreference, RunState, UpdateListener, WorkerStatus } from './protocol';

/** Minimum gap between snapshots: caps the page at ~30 updates per second. */
const SNAPSHOT_INTERVAL_MS = 33;
const RATE_WINDOW_MS = 2000;

let experiment: Experiment | null = null;
/** JSON of the config the current experiment was built from (init is idempotent on it). */
let experimentKey = '';
let runId = 0;
let state: RunState = 'starting';
let lastError: string | null = null;
let playing = false;
let loopRunId = -1;
let stepsPerTick = 1;
let stepCount = 0;
const rateSamples: Array<{ t: number; steps: number }> = [];
let listener: Comlink.Remote<UpdateListener> | null = null;
let backend: { name: string; reason: string } | null = null;
let backendPromise: Promise<{ name: string; reason: string }> | null = null;
/** The link's `?threads=` choice (undefined: decide from the number of cores). */
let threadsPref: TrainingThreads | undefined;
let placement = '';
let digitsPromise: Promise<DigitsData> | null = null;
/** An update posted but not yet acknowledged by the page: snapshots wait (rows accumulate in the engine). */
let inFlight: Promise<void> | null = null;
let lastPost = 0;
/** λ and lr as last set, so a change that arrives while an experiment is being built is not lost. */
const live = { lambda: 0, lr: 0 };

// Every use of the experiment goes through this chain, so a reset never disposes a model mid-step.
let chain: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
  const p = chain.then(fn);
  chain = p.catch(() => undefined);
  return p;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function stepsPerSec(): number {
  if (!playing || rateSamples.length < 2) return 0;
  const a = rateSamples[0];
  const b = rateSamples[rateSamples.length - 1];
  return b.t > a.t ? ((b.steps - a.steps) * 1000) / (b.t - a.t) : 0;
}

function status(): WorkerStatus {
  return {
    runId,
    state,
    backend: backend?.name ?? '',
    backendReason: backend?.reason ?? '',
    placement,
    stepCount,
    stepsPerSec: stepsPerSec(),
    // The engine's mean over its last steps; none while a new run is being built.
    msPerStep: state === 'starting' || !experiment ? NaN : experiment.msPerStep,
    stepsPerTick,
    error: lastError,
  };
}

/**
 * The distinct buffers of a snapshot's per-step rows (listing a buffer twice would make postMessage throw).
 * Details are not transferred: the engine caches them between snapshots, and detaching them would break it.
 */
function rowBuffers(s: Snapshot | undefined): Transferable[] {
  if (!s) return [];
  const seen = new Set<ArrayBufferLike>([s.steps.buffer, s.lambda.buffer, s.lr.buffer]);
  for (const series of Object.values(s.series)) for (const col of Object.values(series)) seen.add(col.buffer);
  // SharedArrayBuffers cannot be transferred (and are not expected here).
  return [...seen].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

/** The detail object last posted: an unchanged (cached) detail is not sent again. */
let lastDetail: Snapshot['detail'] | null = null;

function send(snapshot?: Snapshot): Promise<void> {
  const l = listener;
  if (!l) return Promise.resolve();
  if (snapshot) {
    if (snapshot.detail === lastDetail) snapshot = { ...snapshot, detail: {} };
    else lastDetail = snapshot.detail;
  }
  const update = { status: status(), snapshot };
  lastPost = performance.now();
  const p = l(Comlink.transfer(update, rowBuffers(snapshot))).catch(() => undefined);
  if (snapshot) {
    const mine = p.then(() => {
      if (inFlight === mine) inFlight = null;
    });
    inFlight = mine;
  }
  return p;
}

/** Takes a snapshot of the current run (if it is still current) and posts it. */
async function postSnapshot(forRun: number): Promise<void> {
  let snapshot: Snapshot | undefined;
  try {
    snapshot = await exclusive(() => (forRun === runId && experiment ? experiment.snapshot() : undefined));
  } catch (e) {
    lastError = `snapshot failed: ${message(e)}`;
  }
  if (forRun !== runId) return;
  await send(snapshot);
}

/** Waits for the page to take the previous snapshot, then posts one (used when a run pauses or steps). */
async function flush(forRun: number): Promise<void> {
  if (inFlight) await inFlight;
  await postSnapshot(forRun);
}

// A macrotask that is not clamped like nested setTimeout(0): lets queued messages (setLambda, pause…) run.
const yieldChannel = new MessageChannel();
const yieldWaiters: Array<() => void> = [];
yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    yieldWaiters.push(resolve);
    yieldChannel.port2.postMessage(0);
  });
}

async function trainSteps(forRun: number, k: number): Promise<boolean> {
  try {
    const ran = await exclusive(async () => {
      if (forRun !== runId || !experiment) return false;
      await experiment.step(k);
      return true;
    });
    if (!ran) return false;
  } catch (e) {
    if (forRun !== runId) return false;
    playing = false;
    state = 'error';
    lastError = `training step failed: ${message(e)}`;
    await send();
    return false;
  }
  const t1 = performance.now();
  stepCount += k;
  rateSamples.push({ t: t1, steps: stepCount });
  while (rateSamples.length > 2 && t1 - rateSamples[0].t > RATE_WINDOW_MS) rateSamples.shift();
  return true;
}

async function loop(forRun: number): Promise<void> {
  if (loopRunId === forRun) return; // already looping for this run
  loopRunId = forRun;
  rateSamples.length = 0;
  try {
    while (playing && forRun === runId) {
      if (!(await trainSteps(forRun, stepsPerTick))) break;
      if (!inFlight && performance.now() - lastPost >= SNAPSHOT_INTERVAL_MS) await postSnapshot(forRun);
      await yieldToEvents();
    }
  } finally {
    if (loopRunId === forRun) loopRunId = -1;
  }
  if (forRun === runId) {
    if (state === 'running') state = 'ready';
    await flush(forRun);
  }
}

function loadDigits(): Promise<DigitsData> {
  digitsPromise ??= (async () => {
    const url = new URL(import.meta.env.BASE_URL + DIGITS_FILE, self.location.href);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not load the digits data from ${url.pathname} (HTTP ${res.status})`);
    return parseDigits(new Uint8Array(await res.arrayBuffer()));
  })();
  digitsPromise.catch(() => {
    digitsPromise = null; // let a later reset retry
  });
  return digitsPromise;
}

function ensureBackend(prefer?: BackendPreference): Promise<{ name: string; reason: string }> {
  backendPromise ??= selectBackend({
    prefer,
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    },
  }).then((b) => (backend = b));
  return backendPromise;
}

async function reset(config: ExperimentConfig, prefer?: BackendPreference): Promise<WorkerStatus> {
  const parsed = parseExperimentConfig(config);
  if (!parsed.ok) {
    lastError = `invalid settings: ${parsed.error}`;
    await send();
    return status();
  }
  const forRun = ++runId;
  lastDetail = null;
  live.lambda = parsed.value.lambda;
  live.lr = parsed.value.lr;
  const key = JSON.stringify(parsed.value);
  experimentKey = key;
  state = 'starting';
  lastError = null;
  stepCount = 0;
  rateSamples.length = 0;
  await send();
  try {
    await ensureBackend(prefer);
    const digits = parsed.value.task.name === 'digits' ? await loadDigits() : undefined;
    await exclusive(async () => {
      experiment?.dispose();
      experiment = null;
      if (forRun !== runId) return; // a newer reset is queued behind us
      const where = trainingPlacement({
        both: parsed.value.models.includes('kru') && parsed.value.models.includes('rnn'),
        backend: backend?.name ?? '',
        cores: navigator.hardwareConcurrency,
        threads: threadsPref,
      });
      placement = where.note;
      const place = where.parallel
        ? (kind: 'kru' | 'rnn', init: RunnerInit) => (kind === 'rnn' ? remoteRunner(init, 'cpu') : undefined)
        : undefined;
      experiment = await Experiment.create(parsed.value, { digits, place });
      experiment.setLambda(live.lambda);
      experiment.setLearningRate(live.lr);
    });
  } catch (e) {
    if (forRun === runId) {
      experimentKey = '';
      state = 'error';
      playing = false;
      lastError = message(e);
      await send();
    }
    return status();
  }
  if (forRun !== runId) return status();
  state = playing ? 'running' : 'ready';
  await postSnapshot(forRun); // the untrained models' spectra, before any step
  if (playing) void loop(forRun);
  return status();
}

const api = {
  /** Registers the page's listener (a comlink.proxy); replaces any previous one. */
  subscribe(l: UpdateListener): WorkerStatus {
    // The page passes comlink.proxy(fn); here it arrives as a remote function whose calls return promises.
    listener = l as unknown as Comlink.Remote<UpdateListener>;
    return status();
  },
  /** Builds the experiment unless one with the same config exists or is being built (StrictMode-safe). */
  async init(
    config: ExperimentConfig,
    opts: { prefer?: BackendPreference; threads?: TrainingThreads } = {},
  ): Promise<WorkerStatus> {
    threadsPref = opts.threads;
    if (experimentKey && experimentKey === JSON.stringify(config) && state !== 'error') {
      await send();
      return status();
    }
    return reset(config, opts.prefer);
  },
  /** Rebuilds the experiment from config (same config and seed → the same run, step for step). */
  reset(config: ExperimentConfig): Promise<WorkerStatus> {
    return reset(config);
  },
  play(): WorkerStatus {
    if (!playing) {
      playing = true;
      lastError = null;
      if (experiment && state !== 'starting') {
        state = 'running';
        void loop(runId);
      }
    }
    void send();
    return status();
  },
  pause(): WorkerStatus {
    playing = false;
    // A step may still be in flight (the RNN's half runs in its own worker): the loop reports 'ready', with
    // the final step count, once it has stopped.
    if (state === 'running' && loopRunId !== runId) state = 'ready';
    void send();
    return status();
  },
  /** One training step (while paused); posts a snapshot afterwards. */
  async step(): Promise<WorkerStatus> {
    if (playing || !experiment || state === 'starting') return status();
    const forRun = runId;
    if (await trainSteps(forRun, 1)) await flush(forRun);
    return status();
  },
  setLambda(lambda: number): void {
    if (!(Number.isFinite(lambda) && lambda >= 0)) return;
    live.lambda = lambda;
    // Goes through the chain only for ordering with a pending create; the engine applies it at the next step.
    void exclusive(() => experiment?.setLambda(lambda));
  },
  setLearningRate(lr: number): void {
    if (!(Number.isFinite(lr) && lr > 0)) return;
    live.lr = lr;
    void exclusive(() => experiment?.setLearningRate(lr));
  },
  setStepsPerTick(k: number): void {
    if (Number.isFinite(k)) stepsPerTick = Math.min(1000, Math.max(1, Math.round(k)));
    void send();
  },
  /** The trained model as a JSON-able object, or throws if there is none. */
  async exportModel(kind: 'kru' | 'rnn'): Promise<unknown> {
    return exclusive(async () => {
      if (!experiment) throw new Error('there is no model to export yet');
      // The same file the CLI's --save writes (kru-explorer/model@1).
      return experiment.exportModel(kind);
    });
  },
  status(): WorkerStatus {
    return status();
  },
};

export type TrainingApi = typeof api;

Comlink.expose(api);
