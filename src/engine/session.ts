// A training session: the run state machine behind the training worker (play, pause, step, reset, live λ/lr
// per model, throttled snapshots, dropping work of stale runs). A plain class: the worker injects how to build
// an experiment, how to post an update and how to yield to its event loop, and the tests inject their own.
import type { Experiment } from './experiment';
import type { RunState, WorkerStatus, WorkerUpdate } from './protocol';
import { parseRunConfig } from '../settings/run-config';
import { APP_TABLE } from '../settings/table';
import type { RunConfig, Snapshot } from './types';

/** Minimum gap between snapshots: caps the page at ~30 updates per second. */
export const SNAPSHOT_INTERVAL_MS = 33;
const RATE_WINDOW_MS = 2000;

/** The engine surface a session drives (an Experiment, or a test double). */
export type SessionExperiment = Pick<
  Experiment,
  'step' | 'snapshot' | 'setLambda' | 'setLearningRate' | 'exportModel' | 'dispose' | 'msPerStep' | 'models'
>;

export interface SessionDeps {
  /** Builds the run's experiment (backend, data and placement are the caller's business). */
  create(config: RunConfig): Promise<{ experiment: SessionExperiment; placement: string }>;
  /** Posts an update to the page; resolves once the page has taken it. */
  send(update: WorkerUpdate): Promise<void>;
  /** Lets queued messages (pause, a λ change…) run between training steps. */
  yieldToEvents(): Promise<void>;
  /** The backend in use and why, once known. */
  backend(): { name: string; reason: string } | null;
  now(): number;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Session {
  private experiment: SessionExperiment | null = null;
  /** JSON of the config the current experiment was built from (init is idempotent on it). */
  private experimentKey = '';
  private runId = 0;
  private state: RunState = 'starting';
  private lastError: string | null = null;
  private playing = false;
  private loopRunId = -1;
  private stepsPerTick = 1;
  private stepCount = 0;
  private placement = '';
  private readonly rateSamples: Array<{ t: number; steps: number }> = [];
  /** An update posted but not yet taken by the page: snapshots wait (rows accumulate in the engine). */
  private inFlight: Promise<void> | null = null;
  private lastPost = -Infinity;
  /** The detail object last posted: an unchanged (cached) detail is not sent again. */
  private lastDetail: Snapshot['detail'] | null = null;
  /** λ and lr per model as last set, so a change that arrives while an experiment is being built is kept. */
  private live: Record<string, { lambda?: number; lr?: number }> = {};
  /** Every use of the experiment goes through this chain, so a reset never disposes a model mid-step. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: SessionDeps) {}

  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private stepsPerSec(): number {
    const r = this.rateSamples;
    if (!this.playing || r.length < 2) return 0;
    const [a, b] = [r[0], r[r.length - 1]];
    return b.t > a.t ? ((b.steps - a.steps) * 1000) / (b.t - a.t) : 0;
  }

  status(): WorkerStatus {
    const b = this.deps.backend();
    return {
      runId: this.runId,
      state: this.state,
      backend: b?.name ?? '',
      backendReason: b?.reason ?? '',
      placement: this.placement,
      stepCount: this.stepCount,
      stepsPerSec: this.stepsPerSec(),
      // The engine's mean over its last steps; none while a new run is being built.
      msPerStep: this.state === 'starting' || !this.experiment ? NaN : this.experiment.msPerStep,
      stepsPerTick: this.stepsPerTick,
      error: this.lastError,
    };
  }

  private send(snapshot?: Snapshot): Promise<void> {
    if (snapshot) {
      if (snapshot.detail === this.lastDetail) snapshot = { ...snapshot, detail: {} };
      else this.lastDetail = snapshot.detail;
    }
    this.lastPost = this.deps.now();
    const p = this.deps.send({ status: this.status(), snapshot }).catch(() => undefined);
    if (snapshot) {
      const mine: Promise<void> = p.then(() => {
        if (this.inFlight === mine) this.inFlight = null;
      });
      this.inFlight = mine;
    }
    return p;
  }

  /** Takes a snapshot of the current run (if it is still current) and posts it. */
  private async postSnapshot(forRun: number): Promise<void> {
    let snapshot: Snapshot | undefined;
    try {
      snapshot = await this.exclusive(() =>
        forRun === this.runId && this.experiment ? this.experiment.snapshot() : undefined,
      );
    } catch (e) {
      this.lastError = `snapshot failed: ${message(e)}`;
    }
    if (forRun !== this.runId) return;
    await this.send(snapshot);
  }

  /** Waits for the page to take the previous snapshot, then posts one (when a run pauses or steps). */
  private async flush(forRun: number): Promise<void> {
    if (this.inFlight) await this.inFlight;
    await this.postSnapshot(forRun);
  }

  private async trainSteps(forRun: number, k: number): Promise<boolean> {
    try {
      const ran = await this.exclusive(async () => {
        if (forRun !== this.runId || !this.experiment) return false;
        await this.experiment.step(k);
        return true;
      });
      if (!ran) return false;
    } catch (e) {
      if (forRun !== this.runId) return false;
      this.playing = false;
      this.state = 'error';
      this.lastError = `training step failed: ${message(e)}`;
      await this.send();
      return false;
    }
    const t = this.deps.now();
    this.stepCount += k;
    this.rateSamples.push({ t, steps: this.stepCount });
    while (this.rateSamples.length > 2 && t - this.rateSamples[0].t > RATE_WINDOW_MS)
      this.rateSamples.shift();
    return true;
  }

  private async loop(forRun: number): Promise<void> {
    if (this.loopRunId === forRun) return; // already looping for this run
    this.loopRunId = forRun;
    this.rateSamples.length = 0;
    try {
      while (this.playing && forRun === this.runId) {
        if (!(await this.trainSteps(forRun, this.stepsPerTick))) break;
        if (!this.inFlight && this.deps.now() - this.lastPost >= SNAPSHOT_INTERVAL_MS)
          await this.postSnapshot(forRun);
        await this.deps.yieldToEvents();
      }
    } finally {
      if (this.loopRunId === forRun) this.loopRunId = -1;
    }
    if (forRun === this.runId) {
      if (this.state === 'running') this.state = 'ready';
      await this.flush(forRun);
    }
  }

  /** Builds the run unless one with the same config exists or is being built (StrictMode-safe). */
  async init(config: RunConfig): Promise<WorkerStatus> {
    if (this.experimentKey && this.experimentKey === JSON.stringify(config) && this.state !== 'error') {
      await this.send();
      return this.status();
    }
    return this.reset(config);
  }

  /** Rebuilds the run from config (same config and seed → the same run, step for step). */
  async reset(config: RunConfig): Promise<WorkerStatus> {
    const parsed = parseRunConfig(config);
    if (!parsed.ok) {
      this.lastError = `invalid settings: ${parsed.error}`;
      await this.send();
      return this.status();
    }
    const c = parsed.value;
    const forRun = ++this.runId;
    this.lastDetail = null;
    this.live = {};
    this.experimentKey = JSON.stringify(config);
    this.state = 'starting';
    this.lastError = null;
    this.stepCount = 0;
    this.rateSamples.length = 0;
    await this.send();
    try {
      await this.exclusive(async () => {
        this.experiment?.dispose();
        this.experiment = null;
        if (forRun !== this.runId) return; // a newer reset is queued behind us
        const built = await this.deps.create(c);
        if (forRun !== this.runId) {
          built.experiment.dispose();
          return;
        }
        this.experiment = built.experiment;
        this.placement = built.placement;
        for (const [id, v] of Object.entries(this.live)) {
          if (v.lambda !== undefined) this.experiment.setLambda(id, v.lambda);
          if (v.lr !== undefined) this.experiment.setLearningRate(id, v.lr);
        }
      });
    } catch (e) {
      if (forRun === this.runId) {
        this.experimentKey = '';
        this.state = 'error';
        this.playing = false;
        this.lastError = message(e);
        await this.send();
      }
      return this.status();
    }
    if (forRun !== this.runId) return this.status();
    this.state = this.playing ? 'running' : 'ready';
    await this.postSnapshot(forRun); // the untrained models' spectra, before any step
    if (this.playing) void this.loop(forRun);
    return this.status();
  }

  play(): WorkerStatus {
    if (!this.playing) {
      this.playing = true;
      this.lastError = null;
      if (this.experiment && this.state !== 'starting') {
        this.state = 'running';
        void this.loop(this.runId);
      }
    }
    void this.send();
    return this.status();
  }

  pause(): WorkerStatus {
    this.playing = false;
    // A step may still be in flight: the loop reports 'ready', with the final step count, once it has stopped.
    if (this.state === 'running' && this.loopRunId !== this.runId) this.state = 'ready';
    void this.send();
    return this.status();
  }

  /** One training step (while paused); posts a snapshot afterwards. */
  async step(): Promise<WorkerStatus> {
    if (this.playing || !this.experiment || this.state === 'starting') return this.status();
    const forRun = this.runId;
    if (await this.trainSteps(forRun, 1)) await this.flush(forRun);
    return this.status();
  }

  /** Applies at the next step. Ignored when not a valid λ; an unknown id or a model without λ is an error. */
  setLambda(id: string, lambda: number): Promise<void> {
    if (!(Number.isFinite(lambda) && lambda >= 0)) return Promise.resolve();
    (this.live[id] ??= {}).lambda = lambda;
    // Through the chain only for ordering with a pending build.
    return this.exclusive(() => this.experiment?.setLambda(id, lambda));
  }

  setLearningRate(id: string, lr: number): Promise<void> {
    if (!(Number.isFinite(lr) && lr > 0)) return Promise.resolve();
    (this.live[id] ??= {}).lr = lr;
    return this.exclusive(() => this.experiment?.setLearningRate(id, lr));
  }

  setStepsPerTick(k: number): WorkerStatus {
    const row = APP_TABLE.stepsPerTick;
    if (Number.isFinite(k)) this.stepsPerTick = Math.min(row.max!, Math.max(row.min!, Math.round(k)));
    void this.send();
    return this.status();
  }

  /** The trained model as a model file (docs/model-format.md), or throws if there is none. */
  exportModel(id: string): Promise<unknown> {
    return this.exclusive(async () => {
      if (!this.experiment) throw new Error('there is no model to export yet');
      return this.experiment.exportModel(id);
    });
  }
}
