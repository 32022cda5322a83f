// The training engine: a run config in, steps, live settings per model, snapshots out. Every model of the run
// trains in lockstep on identical batches drawn from one seeded stream. Pure TypeScript on tfjs-core: the same
// class runs in the Web Worker, in Node tests and in the CLI.
import * as tf from '@tensorflow/tfjs-core';
import type { NetSpec } from '../model/config';
import { paramCounts, type ParamArrays } from '../model/models';
import { toModelFile, type ModelFile } from '../model/model-file';
import { parseRunConfig } from '../settings/run-config';
import { createTask, type Task } from '../tasks';
import type { DigitsData } from '../tasks/digits';
import type { Rng } from '../util/rng';
import { LocalRunner, type ModelRunner, type RunnerInit } from './model-runner';
import { dataRng, runnerInit } from './model-init';
import { allFinite, CHECKPOINT_FORMAT, type RunCheckpoint } from './checkpoint';
import { ChangeLog, type LiveChange } from './schedule';
import { blankRow, divergenceOf, type Divergence } from './divergence';
import { deriveRow, packRows, type StepRow } from './series';
import { denseSpectrum, kruSpectrum } from './spectra';
import { shownDenseHost, shownFactorsHost } from '../model/recurrent-matrix';
import { isFactored, KIND_LABEL } from '../core/vocabulary';
import { unpackMetrics } from './trainer';
import type { ModelDetail, ModelInfo, ModelSpec, RunConfig, Snapshot } from './types';

/** How many steps' metrics may wait on the device before the engine reads the oldest back. */
const MAX_STEPS_IN_FLIGHT = 4;
/** Expensive snapshot details are recomputed at most this often… */
const DETAIL_INTERVAL_MS = 250;
/**
 * …and in at most this share of the time: details that took d ms wait d / DETAIL_SHARE ms before the next. The
 * dense spectra are O(N³) in plain JS (~5–10 ms for the RNN at N = 64 here, 4× a second), and the page only
 * redraws the spectrum views a few times a second anyway.
 */
const DETAIL_SHARE = 0.05;
/** Held-out accuracy is re-evaluated at most every this many steps. */
const TEST_INTERVAL_STEPS = 25;

/** One model of the run, with its live settings and the rows not yet handed out. */
interface Slot {
  spec: ModelSpec;
  net: NetSpec;
  runner: ModelRunner;
  lambda: number;
  lr: number;
  rows: StepRow[];
  groupNorms: Record<string, number>;
  /** Set when a step's metrics showed the model diverged: it steps no more and records blank rows. */
  diverged: Divergence | null;
  /** Its latest real row (the shape of the blank ones). */
  lastRow: StepRow | null;
}

export { dataRng, initRng, runnerInit } from './model-init';

export type Place = (index: number, init: RunnerInit) => Promise<ModelRunner | undefined> | undefined;

export class Experiment {
  private stepCount = 0;
  private rowSteps: number[] = [];
  private detailCache: {
    at: number;
    step: number;
    detail: Record<string, ModelDetail>;
    /** ms the details took to compute */
    cost: number;
  } | null = null;
  private testCache: { step: number; acc: Record<string, number | null> } | null = null;
  private recentMs: number[] = [];
  private disposed = false;
  /** Live changes as applied (each at the first step that used it), for the page's link. */
  private readonly changeLog = new ChangeLog();
  /** Changes still to apply, in step order (a replayed link's). */
  private schedule: LiveChange[] = [];

  private constructor(
    readonly config: RunConfig,
    readonly task: Task,
    private readonly dataRng: Rng,
    private readonly slots: Slot[],
  ) {}

  /**
   * Validates the config (throws an Error with a readable message) and builds every model. `place` may run a
   * model elsewhere (the app puts some in workers of their own); by default all are local.
   */
  static async create(
    config: RunConfig,
    opts: { digits?: DigitsData; place?: Place; checkpoint?: RunCheckpoint; schedule?: LiveChange[] } = {},
  ): Promise<Experiment> {
    const parsed = parseRunConfig(config);
    if (!parsed.ok) throw new Error(`invalid config: ${parsed.error}`);
    const c = parsed.value;
    const cp = opts.checkpoint;
    if (cp && JSON.stringify(parseRunConfig(cp.config)) !== JSON.stringify(parsed))
      throw new Error('this checkpoint was taken in a run with other settings');
    const task = createTask(c.task, { digits: opts.digits });
    await tf.ready();
    const slots: Slot[] = [];
    try {
      for (const [i, spec] of c.models.entries()) {
        const saved = cp?.models[i];
        const init = { ...runnerInit(c, spec, task), ...(saved ? { state: saved.state } : {}) };
        const runner = (await opts.place?.(i, init)) ?? (await LocalRunner.create(init));
        const lambda = saved ? saved.lambda : 'lambda' in spec ? spec.lambda : 0;
        const lr = saved ? saved.lr : spec.lr;
        if (lr !== spec.lr) runner.setLearningRate(lr);
        slots.push({
          spec,
          net: init.spec,
          runner,
          lambda,
          lr,
          rows: [],
          groupNorms: {},
          diverged: null,
          lastRow: null,
        });
      }
    } catch (e) {
      for (const s of slots) s.runner.dispose();
      throw e;
    }
    const data = dataRng(c.seed);
    if (cp) data.setState(cp.data);
    const e = new Experiment(c, task, data, slots);
    if (cp) e.stepCount = cp.step;
    e.schedule = (opts.schedule ?? []).filter((x) => x.step > e.stepCount).sort((a, b) => a.step - b.step);
    return e;
  }

  /**
   * Everything needed to resume this run exactly here (see RunCheckpoint): a run built from the checkpoint
   * draws the same batches and computes the same numbers, step for step, as this one would.
   */
  async checkpoint(): Promise<RunCheckpoint> {
    if (this.disposed) throw new Error('experiment disposed');
    const models = [];
    for (const s of this.slots) {
      const state = await s.runner.state();
      models.push({
        id: s.spec.id,
        lambda: s.lambda,
        lr: s.lr,
        state,
        finite: allFinite(state.params),
        diverged: s.diverged !== null,
      });
    }
    return {
      format: CHECKPOINT_FORMAT,
      config: this.config,
      step: this.stepCount,
      data: this.dataRng.getState(),
      models,
    };
  }

  get models(): ModelInfo[] {
    return this.slots.map((s) => ({ id: s.spec.id, label: s.spec.label, kind: s.spec.kind }));
  }

  private slot(id: string): Slot {
    const s = this.slots.find((x) => x.spec.id === id);
    if (!s)
      throw new Error(
        `there is no model "${id}" in this run (models: ${this.slots.map((x) => x.spec.id).join(', ')})`,
      );
    return s;
  }

  netSpec(id: string): NetSpec {
    return this.slot(id).net;
  }

  get steps(): number {
    return this.stepCount;
  }

  /** The live settings in force for each model. */
  live(): Record<string, { lambda: number; lr: number }> {
    return Object.fromEntries(this.slots.map((s) => [s.spec.id, { lambda: s.lambda, lr: s.lr }]));
  }

  setLambda(id: string, lambda: number): void {
    if (!(Number.isFinite(lambda) && lambda >= 0)) throw new Error(`λ must be a number ≥ 0, got ${lambda}`);
    const s = this.slot(id);
    if (!isFactored(s.spec.kind)) throw new Error(`"${id}" is a ${KIND_LABEL[s.spec.kind]}: it has no λ`);
    lambda = Math.fround(lambda); // what the computation uses; a replay of the recorded value is then exact
    if (lambda === s.lambda) return;
    s.lambda = lambda;
    this.changeLog.record({ step: this.stepCount + 1, model: id, setting: 'lambda', value: lambda });
  }

  setLearningRate(id: string, lr: number): void {
    if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`learning rate must be a number > 0, got ${lr}`);
    const s = this.slot(id);
    lr = Math.fround(lr);
    if (lr === s.lr) return;
    s.lr = lr;
    s.runner.setLearningRate(lr);
    this.changeLog.record({ step: this.stepCount + 1, model: id, setting: 'lr', value: lr });
  }

  /** k training steps for every model on identical batches. */
  async step(k = 1): Promise<void> {
    if (this.disposed) throw new Error('experiment disposed');
    const start = performance.now();
    // values null: the model has diverged and no longer steps (its row is blank, in order with the others).
    type Pending = {
      slot: Slot;
      values: Promise<Float32Array> | null;
      step: number;
      lambda: number;
      lr: number;
    };
    const pending: Pending[] = [];
    const consume = async (p: Pending) => {
      const slot = p.slot;
      if (!p.values) {
        slot.rows.push(blankRow(slot.lastRow!, p.lambda, p.lr));
        return;
      }
      const m = unpackMetrics(await p.values, this.task.seqLength, slot.runner.names);
      const row = deriveRow(slot.net, m, p.lambda, p.lr);
      slot.groupNorms = m.groupNorms;
      slot.rows.push(row);
      slot.lastRow = row;
      const reason = slot.diverged ? null : divergenceOf(row);
      if (reason) slot.diverged = { step: p.step, reason };
    };
    // Remote models first: their steps then run while the local ones compute.
    const order = [...this.slots].sort((a, b) => Number(b.runner.remote) - Number(a.runner.remote));
    try {
      for (let i = 0; i < k; i++) {
        while (this.schedule.length && this.schedule[0].step <= this.stepCount + 1) {
          const c = this.schedule.shift()!;
          if (c.setting === 'lambda') this.setLambda(c.model, c.value);
          else this.setLearningRate(c.model, c.value);
        }
        const batch = this.task.trainBatch(this.dataRng, this.config.batch);
        for (const slot of order) {
          pending.push({
            slot,
            values: slot.diverged ? null : slot.runner.step(batch, slot.lambda),
            step: this.stepCount + 1,
            lambda: slot.lambda,
            lr: slot.lr,
          });
        }
        this.stepCount++;
        this.rowSteps.push(this.stepCount);
        // Read metrics back a few steps behind: that keeps the device busy without letting hundreds of steps
        // queue up (Dawn over lavapipe crashed with ~200 steps of work in flight).
        while (pending.length > MAX_STEPS_IN_FLIGHT * this.slots.length) await consume(pending.shift()!);
      }
      for (const p of pending) await consume(p);
    } catch (e) {
      // The device failed (or was lost): the steps still in flight fail too; nobody will read them.
      for (const p of pending) p.values?.catch(() => undefined);
      throw e;
    }
    this.recentMs.push((performance.now() - start) / k);
    if (this.recentMs.length > 20) this.recentMs.shift();
  }

  /** The models that have diverged (by id): each stopped stepping at the step after the one that showed it. */
  divergences(): Record<string, Divergence> {
    return Object.fromEntries(this.slots.filter((s) => s.diverged).map((s) => [s.spec.id, s.diverged!]));
  }

  /** Mean wall time of the last 20 steps (NaN before the first). */
  get msPerStep(): number {
    return this.recentMs.length ? this.recentMs.reduce((a, b) => a + b, 0) / this.recentMs.length : NaN;
  }

  /** Rows since the previous snapshot, plus current details (recomputed at most every 250 ms). */
  async snapshot(opts: { forceDetail?: boolean } = {}): Promise<Snapshot> {
    const series: Snapshot['series'] = {};
    for (const s of this.slots) {
      series[s.spec.id] = packRows(s.rows);
      s.rows = [];
    }
    const snap: Snapshot = {
      steps: Int32Array.from(this.rowSteps),
      models: this.models,
      series,
      detail: await this.details(opts.forceDetail ?? false),
      stepCount: this.stepCount,
      baseline: this.task.baseline,
      seqLength: this.task.seqLength,
      msPerStep: this.msPerStep,
      backend: tf.getBackend(),
      diverged: this.divergences(),
      changes: this.changeLog.takeNew(),
    };
    this.rowSteps = [];
    return snap;
  }

  private async details(force: boolean): Promise<Record<string, ModelDetail>> {
    const now = performance.now();
    const c = this.detailCache;
    const wait = c ? Math.max(DETAIL_INTERVAL_MS, c.cost / DETAIL_SHARE) : 0;
    if (!force && c && (c.step === this.stepCount || now - c.at < wait)) return c.detail;
    const test = await this.testAccuracy();
    const detail: Record<string, ModelDetail> = {};
    for (const s of this.slots) detail[s.spec.id] = await this.modelDetail(s, test[s.spec.id] ?? null);
    this.detailCache = { at: now, step: this.stepCount, detail, cost: performance.now() - now };
    return detail;
  }

  private async modelDetail(s: Slot, testAccuracy: number | null): Promise<ModelDetail> {
    const net = s.net;
    const params = await s.runner.params();
    const factors = shownFactorsHost(net, params);
    const spectrum =
      factors && 'factors' in net
        ? kruSpectrum(net.factors, factors)
        : denseSpectrum(shownDenseHost(net, params)!, net.hidden);
    const empty = new Float32Array(0);
    return {
      kind: net.kind,
      groupGradNorms: s.groupNorms,
      paramCounts: paramCounts(net),
      testAccuracy,
      factorSizes: 'factors' in net ? net.factors : [net.hidden],
      singularValues: spectrum ? Float32Array.from(spectrum.singularValues) : empty,
      eigenRe: spectrum ? Float32Array.from(spectrum.eigenRe) : empty,
      eigenIm: spectrum ? Float32Array.from(spectrum.eigenIm) : empty,
    };
  }

  /** Held-out accuracy (digits), re-evaluated at most every TEST_INTERVAL_STEPS steps. */
  private async testAccuracy(): Promise<Record<string, number | null>> {
    if (!this.task.testSet) return {};
    const cached = this.testCache;
    if (cached && cached.step !== 0 && this.stepCount - cached.step < TEST_INTERVAL_STEPS) return cached.acc;
    const batch = this.task.testSet();
    const acc: Record<string, number | null> = {};
    for (const s of this.slots) acc[s.spec.id] = (await s.runner.evaluate(batch))[1];
    this.testCache = { step: this.stepCount, acc };
    return acc;
  }

  async exportParams(id: string): Promise<ParamArrays> {
    return this.slot(id).runner.params();
  }

  /** The model as a kru-explorer/model@1 file (docs/model-format.md), with the λ in force. */
  async exportModel(id: string): Promise<ModelFile> {
    const s = this.slot(id);
    return toModelFile(s.net, await s.runner.params(), s.lambda);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.slots) s.runner.dispose();
  }
}
