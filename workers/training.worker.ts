// The training worker: owns TensorFlow.js and one Session (src/engine/session.ts), and exposes it over comlink.
// Training runs here so the page's main thread never blocks; the page receives at most ~30 updates a second,
// with their typed arrays transferred, not copied.
import * as Comlink from 'comlink';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { gpuDevice, onDeviceLost, selectBackend } from '../src/engine/backend';
import { Experiment } from '../src/engine/experiment';
import { inSecondWorker, trainingPlacement, type TrainingThreads } from '../src/engine/placement';
import type {
  BackendPreference,
  FaultKind,
  TrainingApi,
  UpdateListener,
  WorkerUpdate,
} from '../src/engine/protocol';
import type { RunCheckpoint } from '../src/engine/checkpoint';
import type { LiveChange } from '../src/engine/schedule';
import { Session } from '../src/engine/session';
import { runFromModelFile } from '../src/engine/model-import';
import type { RunConfig } from '../src/engine/types';
import { snapshotBuffers } from '../src/engine/transfer';
import { DIGITS_FILE, parseDigits, type DigitsData } from '../src/tasks/digits';
import { modelWorker } from './remote-runner';

let listener: Comlink.Remote<UpdateListener> | null = null;
let backend: { name: string; reason: string } | null = null;
let backendPromise: Promise<{ name: string; reason: string }> | null = null;
let threads: TrainingThreads | undefined;
let digitsPromise: Promise<DigitsData> | null = null;

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

function ensureBackend(prefer?: BackendPreference): Promise<{ name: string; reason: string }> {
  backendPromise ??= selectBackend({
    prefer,
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    },
  }).then((b) => {
    backend = b;
    if (b.name === 'webgpu') onDeviceLost((why) => session.deviceLost(why));
    return b;
  });
  return backendPromise;
}

async function create(config: RunConfig, checkpoint?: RunCheckpoint, schedule?: LiveChange[]) {
  await ensureBackend();
  const digits = config.task.name === 'digits' ? await loadDigits() : undefined;
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

// A macrotask that is not clamped like nested setTimeout(0): lets queued messages (setLambda, pause…) run.
const yieldChannel = new MessageChannel();
const yieldWaiters: Array<() => void> = [];
yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();

const session = new Session({
  create,
  send: (u: WorkerUpdate) =>
    listener ? listener(Comlink.transfer(u, snapshotBuffers(u.snapshot))) : Promise.resolve(),
  yieldToEvents: () =>
    new Promise((resolve) => {
      yieldWaiters.push(resolve);
      yieldChannel.port2.postMessage(0);
    }),
  backend: () => backend,
  now: () => performance.now(),
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
    await ensureBackend(opts.prefer).catch(() => undefined); // a failure is reported by the build
    return session.init(config, opts.schedule);
  },
  reset: (config: RunConfig) => session.reset(config),
  async restore(checkpoint, opts = {}) {
    threads = opts.threads;
    await ensureBackend(opts.prefer).catch(() => undefined); // a failure is reported by the build
    return session.restore(checkpoint, { lr: opts.lr, runIdAbove: opts.runIdAbove, schedule: opts.schedule });
  },
  modelRun: (json: unknown, base: RunConfig) => runFromModelFile(json, base),
  injectFault(kind: FaultKind) {
    if (kind === 'throw-in-step') session.failNextStep();
    else if (kind === 'exit')
      self.close(); // as if killed: no more messages, no error event
    else gpuDevice()?.destroy();
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
