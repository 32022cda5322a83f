// Types shared by the training worker and the page: the worker's status and its updates. Types only, so the
// page imports this file without pulling in TensorFlow.js.
import type { BackendName } from './backend-names';
import type { TrainingThreads } from './placement';
import type { RunConfig, Snapshot } from './types';
import type { RunCheckpoint } from './checkpoint';
import type { LiveChange } from './schedule';
import type { BackendMeasure } from './backend-choice';

export type { BackendMeasure };

export type BackendPreference = BackendName;

export type RunState = 'starting' | 'ready' | 'running' | 'error';

export type { TrainingThreads };

export interface WorkerStatus {
  /** Generation of the current run; bumped by every reset so the page can drop stale snapshots. */
  runId: number;
  state: RunState;
  /** tfjs backend in use ('' until selected). */
  backend: string;
  /** Why this backend: the link's, the only fast one here, or measured faster (with the figures). */
  backendReason: string;
  /**
   * The ms per step measured on cpu and webgpu when the backend was chosen by measuring (now, or earlier on this
   * device for a run of this class; see engine/backend-choice.ts); null or absent otherwise.
   */
  backendMeasure?: BackendMeasure | null;
  /** Whether the fused recurrence kernels are registered on this backend (else the op-by-op reference runs). */
  fusedKernels?: boolean;
  /** Where the models train and why ('' for one model, or on a backend that trains all in one worker). */
  placement: string;
  stepCount: number;
  /** Training steps per second over the last ~2 s while running; 0 when paused. */
  stepsPerSec: number;
  /** Wall-clock milliseconds per training step (all models). */
  msPerStep: number;
  stepsPerTick: number;
  /** Last error as a readable message, or null. */
  error: string | null;
  /**
   * Set when this worker can no longer train the run (a training step threw; the GPU device was lost): the page
   * replaces the worker and restores the last checkpoint. 'device' means the next one should not use WebGPU.
   */
  fault: { kind: 'step' | 'device'; message: string } | null;
  /**
   * Whether the JIT warm-up for this run's code is done (engine/warm-up.ts), or none is needed here. Until then a
   * Play still trains at once, with the first second's compiling on the machine's other core.
   */
  warmedUp?: boolean;
}

/** The status fields that change with every step: the page may show them less often than they come. */
const COUNTERS: ReadonlySet<keyof WorkerStatus> = new Set([
  'stepCount',
  'stepsPerSec',
  'msPerStep',
  'stepsPerTick',
]);

/**
 * Whether `next` differs from `shown` in the counters alone. Statuses arrive structured-cloned, so object fields
 * (the measurement, a fault) are compared by value; the first timed step (ms/step no longer NaN) counts as news.
 */
export function onlyCountersChanged(shown: WorkerStatus, next: WorkerStatus): boolean {
  const keys = new Set([...Object.keys(shown), ...Object.keys(next)] as (keyof WorkerStatus)[]);
  for (const k of keys) {
    if (COUNTERS.has(k) || shown[k] === next[k]) continue;
    if (typeof next[k] !== 'object' || JSON.stringify(shown[k]) !== JSON.stringify(next[k])) return false;
  }
  return Number.isFinite(shown.msPerStep) === Number.isFinite(next.msPerStep);
}

/**
 * One message from the worker: always the status, plus a snapshot when new data exists, or a checkpoint (every
 * few hundred steps, before a live change, when paused) that the page keeps to restore the run from.
 */
export interface WorkerUpdate {
  status: WorkerStatus;
  snapshot?: Snapshot;
  checkpoint?: RunCheckpoint;
}

/**
 * Faults the page can provoke in the worker (e2e tests of recovery, with `?debug=faults`): a step that throws, a
 * worker that exits as if killed, a lost WebGPU device.
 */
export type FaultKind = 'throw-in-step' | 'exit' | 'lose-device';

/**
 * `?debug=measure-software-gpu`: the backend measurement includes a software WebGPU adapter (SwiftShader, lavapipe),
 * which it otherwise leaves out unmeasured, so that a test without a GPU can see the measurement work.
 */
export interface DebugOptions {
  measureSoftwareGpu?: boolean;
}

export type UpdateListener = (update: WorkerUpdate) => void;

/** What the training worker exposes over comlink (workers/training.worker.ts implements it). */
export interface TrainingApi {
  /** Registers the page's listener (a comlink.proxy); replaces any previous one. */
  subscribe(listener: UpdateListener): WorkerStatus;
  /** Picks the backend and placement (from the link), then builds the run unless it is already built. */
  init(
    config: RunConfig,
    opts?: { prefer?: BackendPreference; threads?: TrainingThreads; schedule?: LiveChange[] },
  ): Promise<WorkerStatus>;
  reset(config: RunConfig): Promise<WorkerStatus>;
  /** Picks the backend and placement, then rebuilds the run from a checkpoint (see Session.restore). */
  restore(
    checkpoint: RunCheckpoint,
    opts?: {
      prefer?: BackendPreference;
      threads?: TrainingThreads;
      lr?: Record<string, number>;
      runIdAbove?: number;
      schedule?: LiveChange[];
    },
  ): Promise<WorkerStatus>;
  play(): WorkerStatus;
  pause(): WorkerStatus;
  step(): Promise<WorkerStatus>;
  setLambda(id: string, lambda: number): Promise<void>;
  setLearningRate(id: string, lr: number): Promise<void>;
  setStepsPerTick(k: number): WorkerStatus;
  exportModel(id: string): Promise<unknown>;
  status(): WorkerStatus;
  /** The run that opens a model file (see engine/model-import.ts); rejects with a one-line message. */
  modelRun(json: unknown, base: RunConfig): { config: RunConfig; checkpoint: RunCheckpoint };
  /** Provokes a fault (tests of recovery); only with `?debug=faults` in the page's link. */
  injectFault(kind: FaultKind): void;
  /** Debug switches from the page's link, sent before anything else (see worker-client.ts). */
  setDebug(opts: DebugOptions): void;
}
