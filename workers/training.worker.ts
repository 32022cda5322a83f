// The training worker: owns TensorFlow.js and one Session (src/engine/session.ts), and exposes it over comlink.
// Training runs here so the page's main thread never blocks; the page receives at most ~30 updates a second,
// with their typed arrays transferred, not copied.
import * as Comlink from 'comlink';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { createStore, get, set, type UseStore } from 'idb-keyval';
import { gpuDevice, measureOn, onDeviceLost, probeWebGPU, startDecision } from '../src/engine/backend';
import { chooseBackend, type ChoiceStore, type Decision } from '../src/engine/backend-choice';
import { Experiment } from '../src/engine/experiment';
import { inSecondWorker, trainingPlacement, type TrainingThreads } from '../src/engine/placement';
import type {
  BackendPreference,
  DebugOptions,
  FaultKind,
  TrainingApi,
  UpdateListener,
  WorkerUpdate,
} from '../src/engine/protocol';
import type { RunCheckpoint } from '../src/engine/checkpoint';
import type { LiveChange } from '../src/engine/schedule';
import { Session } from '../src/engine/session';
import type { WarmUpCopy } from '../src/engine/warm-up';
import { runFromModelFile } from '../src/engine/model-import';
import type { RunConfig } from '../src/engine/types';
import { snapshotBuffers } from '../src/engine/transfer';
import { DIGITS_FILE, parseDigits, type DigitsData } from '../src/tasks/digits';
import { modelWorker } from './remote-runner';

let listener: Comlink.Remote<UpdateListener> | null = null;
/** The backend in use, why, and its measured figures ('' while it is being chosen). */
let backend: { name: string; reason: string; measure: Decision['measure']; fused?: boolean } | null = null;
/** The link's `?backend=` (the first init's or restore's): it wins over measuring. */
let prefer: BackendPreference | undefined;
let debug: DebugOptions = {};
let adapterPromise: ReturnType<typeof probeWebGPU> | null = null;
let deviceWatched = false;
let threads: TrainingThreads | undefined;
let digitsPromise: Promise<DigitsData> | null = null;

const WASM_PATHS = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
};

function loadDigits(): Promise<DigitsData> {
  digitsPromise ??= (async () => {
    // Public files sit one folder above the bundled worker (<base>/assets/x.js → <base>/data/…; in dev,
    // /workers/x.ts → /data/…), so the app works from any path it is served under.
    const url = new URL(`../${DIGITS_FILE}`, self.location.href);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not load the digits data from ${url.pathname} (HTTP ${res.status})`);
    return parseDigits(new Uint8Array(await res.arrayBuffer()));
  })();
  digitsPromise.catch(() => (digitsPromise = null)); // let a later reset retry
  return digitsPromise;
}

/** The measured backend choices, in IndexedDB (a database of their own, so the saved runs' is untouched). */
let choiceDb: UseStore | null = null;
const choices: ChoiceStore = {
  get: async (key) => get(key, (choiceDb ??= createStore('kru-explorer-backend', 'choices'))),
  set: async (key, value) => set(key, value, (choiceDb ??= createStore('kru-explorer-backend', 'choices'))),
};

/**
 * Starts the backend for this run (engine/backend-choice.ts decides): the link's; cpu without a hardware WebGPU
 * adapter; else the faster of cpu and webgpu for the run's configuration class on this device, as stored or as
 * measured now on a throwaway copy of the run (the run itself is built afterwards, untouched by it).
 */
async function startBackendFor(config: RunConfig, digits: DigitsData | undefined): Promise<void> {
  const decision = await chooseBackend({
    config,
    prefer,
    adapter: prefer ? null : await (adapterPromise ??= probeWebGPU()),
    measureSoftware: debug.measureSoftwareGpu,
    store: choices,
    now: () => Date.now(),
    onMeasuring: (what) => {
      backend = { name: '', reason: what, measure: null };
      void session.announce();
    },
    measure: (b) =>
      measureOn(b, () => throwawayCopy(config, digits), { now: () => performance.now(), yieldToEvents }),
  });
  backend = await startDecision(decision, { requested: prefer !== undefined, wasmPaths: WASM_PATHS });
  if (backend.name === 'webgpu' && !deviceWatched) {
    deviceWatched = true;
    // Only while webgpu trains the run: a device lost after the run moved to cpu changes nothing.
    onDeviceLost((why) => {
      if (backend?.name === 'webgpu') session.deviceLost(why);
    });
  }
}

/** A copy of the run on its own models, data and random numbers, stepped to time the backends or warm the JIT. */
async function throwawayCopy(config: RunConfig, digits: DigitsData | undefined): Promise<WarmUpCopy> {
  const e = await Experiment.create(config, { digits });
  return { step: () => e.step(1), dispose: () => e.dispose() };
}

async function create(config: RunConfig, checkpoint?: RunCheckpoint, schedule?: LiveChange[]) {
  const digits = config.task.name === 'digits' ? await loadDigits() : undefined;
  await startBackendFor(config, digits);
  const where = trainingPlacement({
    models: config.models.length,
    backend: backend?.name ?? '',
    cores: navigator.hardwareConcurrency,
    threads,
  });
  const second = where.parallel ? modelWorker('cpu') : null;
  const experiment = await Experiment.create(config, {
    digits,
    place: (i, init) => (second && inSecondWorker(where, i) ? second.runner(i, init) : undefined),
    checkpoint,
    schedule,
  });
  return { experiment, placement: where.note };
}

/**
 * The JIT warm-up (engine/warm-up.ts). Only on the fused cpu kernels, whose JavaScript is what V8 compiles in the
 * first second; on webgpu and wasm the step's work is compiled elsewhere.
 */
const warmUp = {
  applies: () => backend?.name === 'cpu',
  copy: warmUpCopy,
};
async function warmUpCopy(config: RunConfig): Promise<WarmUpCopy> {
  return throwawayCopy(config, config.task.name === 'digits' ? await loadDigits() : undefined);
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

const session = new Session({
  create,
  send: (u: WorkerUpdate) =>
    listener ? listener(Comlink.transfer(u, snapshotBuffers(u.snapshot))) : Promise.resolve(),
  yieldToEvents,
  backend: () => backend,
  now: () => performance.now(),
  warmUp,
});

const api: TrainingApi = {
  /** Registers the page's listener (a comlink.proxy); replaces any previous one. */
  subscribe(l: UpdateListener) {
    // The page passes comlink.proxy(fn); here it arrives as a remote function whose calls return promises.
    listener = l as unknown as Comlink.Remote<UpdateListener>;
    return session.status();
  },
  /** Picks the backend and placement (from the link), then builds the run unless it is already built. */
  async init(config, opts = {}) {
    threads = opts.threads;
    prefer ??= opts.prefer; // the backend is chosen (or measured) as the run is built
    return session.init(config, opts.schedule);
  },
  reset: (config: RunConfig) => session.reset(config),
  async restore(checkpoint, opts = {}) {
    threads = opts.threads;
    prefer ??= opts.prefer;
    return session.restore(checkpoint, { lr: opts.lr, runIdAbove: opts.runIdAbove, schedule: opts.schedule });
  },
  modelRun: (json: unknown, base: RunConfig) => runFromModelFile(json, base),
  injectFault(kind: FaultKind) {
    if (kind === 'throw-in-step') session.failNextStep();
    else if (kind === 'exit')
      self.close(); // as if killed: no more messages, no error event
    else gpuDevice()?.destroy();
  },
  setDebug(opts: DebugOptions) {
    debug = { ...opts };
  },
  play: () => session.play(),
  pause: () => session.pause(),
  step: () => session.step(),
  setLambda: (id: string, lambda: number) => session.setLambda(id, lambda),
  setLearningRate: (id: string, lr: number) => session.setLearningRate(id, lr),
  setStepsPerTick: (k: number) => session.setStepsPerTick(k),
  exportModel: (id: string) => session.exportModel(id),
  status: () => session.status(),
};

Comlink.expose(api);
