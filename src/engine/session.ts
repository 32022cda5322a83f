// A training session: the run state machine behind the training worker (play, pause, step, reset, live λ/lr
// per model, throttled snapshots, dropping work of stale runs). A plain class: the worker injects how to build
// an experiment, how to post an update and how to yield to its event loop, and the tests inject their own.
import type { Experiment } from './experiment';
import type { RunState, WorkerStatus, WorkerUpdate } from './protocol';
import { parseRunConfig } from '../settings/run-config';
import { APP_TABLE } from '../settings/table';
import type { RunConfig, Snapshot } from './types';
import { CHECKPOINT_EVERY, type RunCheckpoint } from './checkpoint';
import type { LiveChange } from './schedule';
import type { BackendMeasure } from './backend-choice';
import { COLD_START, WarmUps, type WarmUpHook } from './warm-up';

/** A checkpoint is also taken after this long without one while training (what a reload loses at most). */
export const CHECKPOINT_MAX_AGE_MS = 10_000;
/** A live change within this many steps of the last checkpoint needs none of its own (a slider drag). */
const CHECKPOINT_BEFORE_CHANGE_STEPS = 20;

/** Minimum gap between snapshots: caps the page at ~30 updates per second. */
export const SNAPSHOT_INTERVAL_MS = 33;
const RATE_WINDOW_MS = 2000;

/** The engine surface a session drives (an Experiment, or a test double). */
export type SessionExperiment = Pick<
  Experiment,
  | 'step'
  | 'snapshot'
  | 'checkpoint'
  | 'setLambda'
  | 'setLearningRate'
  | 'exportModel'
  | 'dispose'
  | 'msPerStep'
  | 'models'
>;

export interface SessionDeps {
  /** Builds the run's experiment (backend, data and placement are the caller's business). */
  create(
    config: RunConfig,
    checkpoint?: RunCheckpoint,
    schedule?: LiveChange[],
  ): Promise<{ experiment: SessionExperiment; placement: string }>;
  /** Posts an update to the page; resolves once the page has taken it. */
  send(update: WorkerUpdate): Promise<void>;
  /** Lets queued messages (pause, a λ change…) run between training steps. */
  yieldToEvents(): Promise<void>;
  /** The backend in use and why, once known (with its measured figures when it was chosen by measuring). */
  backend(): { name: string; reason: string; measure?: BackendMeasure | null; fused?: boolean } | null;
  now(): number;
  /** The JIT warm-up (engine/warm-up.ts): whether it is worth it on the backend in use, and a throwaway copy. */
  warmUp?: WarmUpHook;
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
  private fault: WorkerStatus['fault'] = null;
  /** Set by failNextStep (fault-injection tests): the next training step throws. */
  private failStep = false;
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
  /** Step and time of the last checkpoint posted for the current run (-1: none yet). */
  private checkpointStep = -1;
  private checkpointAt = 0;
  private checkpointing: Promise<void> | null = null;
  /** Every use of the experiment goes through this chain, so a reset never disposes a model mid-step. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly warmUps: WarmUps;

  constructor(private readonly deps: SessionDeps) {
    this.warmUps = new WarmUps(deps.warmUp);
  }

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
      backendMeasure: b?.measure ?? null,
      fusedKernels: b?.fused ?? false,
      placement: this.placement,
      stepCount: this.stepCount,
      stepsPerSec: this.stepsPerSec(),
      // The engine's mean over its last steps; none while a new run is being built.
      msPerStep: this.state === 'starting' || !this.experiment ? NaN : this.experiment.msPerStep,
      stepsPerTick: this.stepsPerTick,
      error: this.lastError,
      fault: this.fault,
      warmedUp: this.warmUps.isWarm(),
    };
  }

  /** Takes a checkpoint of the current run and posts it (not transferred: the page keeps its own copy). */
  private postCheckpoint(forRun: number): Promise<void> {
    // One at a time: live changes arriving during a drag wait for the one being taken.
    this.checkpointing ??= this.takeCheckpoint(forRun).finally(() => (this.checkpointing = null));
    return this.checkpointing;
  }

  private async takeCheckpoint(forRun: number): Promise<void> {
    let checkpoint: RunCheckpoint | undefined;
    try {
      checkpoint = await this.exclusive(() =>
        forRun === this.runId && this.experiment ? this.experiment.checkpoint() : undefined,
      );
    } catch (e) {
      this.lastError = `checkpoint failed: ${message(e)}`;
    }
    if (!checkpoint || forRun !== this.runId) return;
    this.checkpointStep = checkpoint.step;
    this.checkpointAt = this.deps.now();
    await this.deps.send({ status: this.status(), checkpoint }).catch(() => undefined);
  }

  /** Whether the run has moved on enough since its last checkpoint to take another. */
  private checkpointDue(): boolean {
    if (this.stepCount === this.checkpointStep) return false;
    return (
      this.stepCount - this.checkpointStep >= CHECKPOINT_EVERY ||
      this.deps.now() - this.checkpointAt >= CHECKPOINT_MAX_AGE_MS
    );
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
        if (this.failStep) {
          this.failStep = false;
          throw new Error('injected fault: this step threw');
        }
        await this.experiment.step(k);
        return true;
      });
      if (!ran) return false;
    } catch (e) {
      if (forRun !== this.runId) return false;
      // A lost device fails the step before its `lost` promise settles: give it a moment, so that the page
      // hears "device" (and moves the run off WebGPU) rather than "step".
      await new Promise((r) => setTimeout(r, 100));
      if (this.fault?.kind === 'device') return false;
      this.playing = false;
      this.state = 'error';
      this.lastError = `training step failed: ${message(e)}`;
      this.fault = { kind: 'step', message: this.lastError };
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
      let coldTicks = this.warmUps.coldTicks();
      while (this.playing && forRun === this.runId) {
        const t0 = this.deps.now();
        if (!(await this.trainSteps(forRun, this.stepsPerTick))) break;
        if (coldTicks > 0) {
          // Played before the warm-up was done: V8 compiles the hot code in these first steps, and the rest
          // leaves its compile threads room beside the page's main thread (engine/warm-up.ts).
          await new Promise((r) => setTimeout(r, COLD_START.rest * (this.deps.now() - t0)));
          if (--coldTicks === 0) {
            this.warmUps.markWarm();
            void this.send(); // the page's status shows the code warm
          }
        }
        if (!this.inFlight && this.deps.now() - this.lastPost >= SNAPSHOT_INTERVAL_MS)
          await this.postSnapshot(forRun);
        if (this.checkpointDue()) await this.postCheckpoint(forRun);
        await this.deps.yieldToEvents();
      }
    } finally {
      if (this.loopRunId === forRun) this.loopRunId = -1;
    }
    if (forRun === this.runId) {
      if (this.state === 'running') this.state = 'ready';
      await this.flush(forRun);
      // A paused run is checkpointed where it stopped, so that a reload finds it there.
      if (this.stepCount !== this.checkpointStep) await this.postCheckpoint(forRun);
    }
  }

  /** Builds the run unless one with the same config exists or is being built (StrictMode-safe). */
  /** Builds the run (with `schedule`: live changes to replay at their steps) unless it is built already. */
  async init(config: RunConfig, schedule: LiveChange[] = []): Promise<WorkerStatus> {
    const key = JSON.stringify([config, schedule]);
    if (this.experimentKey && this.experimentKey === key && this.state !== 'error') {
      await this.send();
      return this.status();
    }
    return this.build(config, undefined, {}, schedule);
  }

  /** Rebuilds the run from config (same config and seed → the same run, step for step). */
  reset(config: RunConfig): Promise<WorkerStatus> {
    return this.build(config);
  }

  /**
   * Rebuilds the run from a checkpoint (see RunCheckpoint): it goes on from the checkpoint's step exactly as the
   * run it was taken in would have, except for `lr`, new learning rates by model id (a run going back to before a
   * divergence). `runIdAbove`: a replacement worker starts its run ids above the dead one's, so that the page can
   * tell its updates from stale ones.
   */
  restore(
    checkpoint: RunCheckpoint,
    opts: { lr?: Record<string, number>; runIdAbove?: number; schedule?: LiveChange[] } = {},
  ): Promise<WorkerStatus> {
    if (opts.runIdAbove !== undefined) this.runId = Math.max(this.runId, opts.runIdAbove);
    return this.build(checkpoint.config, checkpoint, opts.lr ?? {}, opts.schedule ?? []);
  }

  private async build(
    config: RunConfig,
    checkpoint?: RunCheckpoint,
    lr: Record<string, number> = {},
    schedule: LiveChange[] = [],
  ): Promise<WorkerStatus> {
    const parsed = parseRunConfig(config);
    if (!parsed.ok) {
      this.lastError = `invalid settings: ${parsed.error}`;
      await this.send();
      return this.status();
    }
    const c = parsed.value;
    const forRun = ++this.runId;
    this.warmUps.building();
    this.lastDetail = null;
    this.live = Object.fromEntries(Object.entries(lr).map(([id, v]) => [id, { lr: v }]));
    this.experimentKey = checkpoint ? '' : JSON.stringify([config, schedule]);
    this.state = 'starting';
    this.lastError = null;
    this.stepCount = checkpoint?.step ?? 0;
    this.checkpointStep = -1;
    this.rateSamples.length = 0;
    await this.send();
    try {
      await this.exclusive(async () => {
        this.experiment?.dispose();
        this.experiment = null;
        if (forRun !== this.runId) return; // a newer reset is queued behind us
        const built = await this.deps.create(c, checkpoint, schedule);
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
    this.warmUps.built(c, this.deps.backend()?.name ?? '');
    this.state = this.playing ? 'running' : 'ready';
    await this.postSnapshot(forRun); // the untrained models' spectra, before any step
    // The run's first checkpoint (a restored run's is the one it came from, unless its lr changed).
    if (checkpoint && !Object.keys(lr).length) {
      this.checkpointStep = checkpoint.step;
      this.checkpointAt = this.deps.now();
    } else await this.postCheckpoint(forRun);
    if (this.playing) void this.loop(forRun);
    else void this.warmUp(c);
    return this.status();
  }

  /** Warms the JIT on a throwaway copy of the run while the page waits for Play (engine/warm-up.ts). */
  private async warmUp(config: RunConfig): Promise<void> {
    const warm = await this.warmUps.run(config, {
      inTurn: (step) => this.exclusive(step),
      now: () => this.deps.now(),
      yieldToEvents: () => this.deps.yieldToEvents(),
      playing: () => this.playing,
    });
    if (warm) void this.send(); // the page's status shows the warm-up done
  }

  play(): WorkerStatus {
    if (!this.playing) {
      this.warmUps.userActed();
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
    this.warmUps.userActed();
    const forRun = this.runId;
    if (await this.trainSteps(forRun, 1)) {
      await this.flush(forRun);
      await this.postCheckpoint(forRun);
    }
    return this.status();
  }

  /** Applies at the next step. Ignored when not a valid λ; an unknown id or a model without λ is an error. */
  async setLambda(id: string, lambda: number): Promise<void> {
    if (!(Number.isFinite(lambda) && lambda >= 0)) return;
    (this.live[id] ??= {}).lambda = lambda;
    await this.checkpointBeforeChange();
    // Through the chain only for ordering with a pending build.
    await this.exclusive(() => this.experiment?.setLambda(id, lambda));
    await this.postChangeWhilePaused();
  }

  async setLearningRate(id: string, lr: number): Promise<void> {
    if (!(Number.isFinite(lr) && lr > 0)) return;
    (this.live[id] ??= {}).lr = lr;
    await this.checkpointBeforeChange();
    await this.exclusive(() => this.experiment?.setLearningRate(id, lr));
    await this.postChangeWhilePaused();
  }

  /** A paused run posts no snapshots: one goes now, so that the page's record (and link) has the change. */
  private async postChangeWhilePaused(): Promise<void> {
    if (!this.playing && this.experiment && this.state === 'ready') await this.postSnapshot(this.runId);
  }

  /** A live change is one a user may want to undo: the run is checkpointed just before it (once per drag). */
  private async checkpointBeforeChange(): Promise<void> {
    if (!this.experiment || this.state === 'starting') return;
    if (this.checkpointStep >= 0 && this.stepCount - this.checkpointStep < CHECKPOINT_BEFORE_CHANGE_STEPS)
      return;
    await this.postCheckpoint(this.runId);
  }

  setStepsPerTick(k: number): WorkerStatus {
    const row = APP_TABLE.stepsPerTick;
    if (Number.isFinite(k)) this.stepsPerTick = Math.min(row.max!, Math.max(row.min!, Math.round(k)));
    void this.send();
    return this.status();
  }

  /** Posts the status now: the worker says what it is doing while it builds a run (measuring the backends). */
  announce(): Promise<void> {
    return this.send();
  }

  /** Makes the next training step throw, as a bug or a backend failure would (tests of recovery). */
  failNextStep(): void {
    this.failStep = true;
  }

  /** The GPU device is gone: nothing more can run here; the page moves the run to a new worker. */
  deviceLost(why: string): void {
    this.playing = false;
    this.state = 'error';
    this.lastError = `the GPU device was lost (${why})`;
    this.fault = { kind: 'device', message: this.lastError };
    void this.send();
  }

  /** The trained model as a model file (docs/model-format.md), or throws if there is none. */
  exportModel(id: string): Promise<unknown> {
    return this.exclusive(async () => {
      if (!this.experiment) throw new Error('there is no model to export yet');
      return this.experiment.exportModel(id);
    });
  }
}
