// The training engine: a config in, steps, live settings, snapshots out. The KRU and the RNN train in
// lockstep on identical batches drawn from one seeded stream. Pure TypeScript on tfjs-core: the same class
// runs in the Web Worker, in Node tests and in the CLI.
import * as tf from '@tensorflow/tfjs-core';
import {
  complexEigenvalues,
  complexSingularValues,
  factorDeviation,
  kronComplexProducts,
  kronSpectrumSummary,
  realEigenvalues,
  realSingularValues,
} from '../linalg';
import type { KruSpec, ModelSpec, RnnSpec } from '../model/config';
import { initKruArrays, initRnnArrays, paramCounts, type ParamArrays } from '../model/models';
import { toModelFile, type ModelFile } from '../model/model-file';
import { createTask, type Task } from '../tasks';
import type { DigitsData } from '../tasks/digits';
import { Rng } from '../util/rng';
import { parseExperimentConfig } from './config';
import type { ExperimentConfig, ModelDetail, ModelSeries, Snapshot } from './types';
import { unpackMetrics, type TrainerOptions } from './trainer';
import { LocalRunner, type ModelRunner, type RunnerInit } from './model-runner';

export type ModelKind = 'kru' | 'rnn';

/** Beyond this size the RNN's exact spectrum (O(N³) in plain JS) is not recomputed for snapshots. */
const MAX_DENSE_SPECTRUM = 256;
/** How many steps' metrics may wait on the device before the engine reads the oldest back. */
const MAX_STEPS_IN_FLIGHT = 4;
/** Expensive snapshot details are recomputed at most this often. */
const DETAIL_INTERVAL_MS = 250;

interface StepRow {
  loss: number;
  accuracy: number;
  reg: number;
  lambdaReg: number;
  factorDeviation: number[];
  fullDeviation: number;
  spectralNorm: number;
  factorSingularValues: number[];
  gradNormsOverTime: Float32Array;
  gradNorm: number;
}

/** Per-factor singular values of a flat factor array (docs/model.md layout). */
export function factorSpectra(sizes: number[], factors: ArrayLike<number>): Float64Array[] {
  const out: Float64Array[] = [];
  let off = 0;
  for (const p of sizes) {
    const re = Array.prototype.slice.call(factors, off, off + p * p) as number[];
    const im = Array.prototype.slice.call(factors, off + p * p, off + 2 * p * p) as number[];
    out.push(complexSingularValues(re, im, p));
    off += 2 * p * p;
  }
  return out;
}

/**
 * ‖WᴴW − I‖_F² of W = ⊗_f W_f from the factors' singular values, without listing all N products:
 * Σ_tuples (∏σ² − 1)² = ∏_f Σ_i σ_fi⁴ − 2 ∏_f Σ_i σ_fi² + N.
 */
export function kronDeviation(spectra: ArrayLike<number>[]): number {
  let p4 = 1;
  let p2 = 1;
  let n = 1;
  for (const s of spectra) {
    let s2 = 0;
    let s4 = 0;
    for (let i = 0; i < s.length; i++) {
      const v = s[i] * s[i];
      s2 += v;
      s4 += v * v;
    }
    p4 *= s4;
    p2 *= s2;
    n *= s.length;
  }
  return p4 - 2 * p2 + n;
}

export class Experiment {
  readonly task: Task;
  readonly runners: Partial<Record<ModelKind, ModelRunner>>;
  private readonly dataRng: Rng;
  private lambda: number;
  private lr: number;
  private stepCount = 0;
  private rows: Partial<Record<ModelKind, StepRow[]>> = {};
  private rowSteps: number[] = [];
  private rowLambda: number[] = [];
  private rowLr: number[] = [];
  private lastGroupNorms: Partial<Record<ModelKind, Record<string, number>>> = {};
  private detailCache: { at: number; step: number; detail: Partial<Record<ModelKind, ModelDetail>> } | null = null;
  private testCache: { step: number; acc: Partial<Record<ModelKind, number | null>> } | null = null;
  private recentMs: number[] = [];
  private disposed = false;

  private constructor(
    readonly config: ExperimentConfig,
    task: Task,
    dataRng: Rng,
    runners: Partial<Record<ModelKind, ModelRunner>>,
  ) {
    this.task = task;
    this.dataRng = dataRng;
    this.runners = runners;
    this.lambda = config.lambda;
    this.lr = config.lr;
  }

  /**
   * Validates the config (throws an Error with a readable message) and builds both models. `place` may run a
   * model elsewhere (the app's training worker puts one in a worker of its own); by default both are local.
   */
  static async create(
    config: ExperimentConfig,
    opts: {
      digits?: DigitsData;
      place?: (kind: ModelKind, init: RunnerInit) => Promise<ModelRunner | undefined> | undefined;
    } = {},
  ): Promise<Experiment> {
    const parsed = parseExperimentConfig(config);
    if (!parsed.ok) throw new Error(`invalid config: ${parsed.error}`);
    const c = parsed.value;
    const task = createTask(c.task, { digits: opts.digits });
    await tf.ready();
    const rng = new Rng(c.seed);
    // Fixed draw order: model inits first, then the data stream, so that the same seed gives the same run
    // whichever models are enabled.
    const kruRng = rng.fork();
    const rnnRng = rng.fork();
    const dataRng = rng.fork();
    const options: TrainerOptions = { optimizer: c.optimizer, lr: c.lr, clip: c.clip, impl: c.impl };
    const batchKind = { loss: task.loss, hasAccuracy: task.hasAccuracy };
    const inits: Partial<Record<ModelKind, RunnerInit>> = {};
    if (c.models.includes('kru')) {
      const spec = modelSpec(c, task, 'kru') as KruSpec;
      inits.kru = { spec, arrays: initKruArrays(spec, c.kru.init, kruRng), options, batchKind };
    }
    if (c.models.includes('rnn')) {
      const spec = modelSpec(c, task, 'rnn') as RnnSpec;
      inits.rnn = { spec, arrays: initRnnArrays(spec, c.rnn.init, rnnRng), options, batchKind };
    }
    const runners: Partial<Record<ModelKind, ModelRunner>> = {};
    try {
      for (const kind of ['kru', 'rnn'] as const) {
        const init = inits[kind];
        if (init) runners[kind] = (await opts.place?.(kind, init)) ?? new LocalRunner(init);
      }
    } catch (e) {
      for (const r of Object.values(runners)) r.dispose();
      throw e;
    }
    return new Experiment(c, task, dataRng, runners);
  }

  spec(kind: ModelKind): ModelSpec {
    return modelSpec(this.config, this.task, kind);
  }

  get steps(): number {
    return this.stepCount;
  }

  get currentLambda(): number {
    return this.lambda;
  }

  setLambda(lambda: number): void {
    if (!(Number.isFinite(lambda) && lambda >= 0)) throw new Error(`λ must be a number ≥ 0, got ${lambda}`);
    this.lambda = lambda;
  }

  setLearningRate(lr: number): void {
    if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`learning rate must be a number > 0, got ${lr}`);
    this.lr = lr;
    for (const r of Object.values(this.runners)) r.setLearningRate(lr);
  }

  /** k training steps for every model on identical batches. */
  async step(k = 1): Promise<void> {
    if (this.disposed) throw new Error('experiment disposed');
    const start = performance.now();
    const pending: Array<{ kind: ModelKind; values: Promise<Float32Array>; lambda: number }> = [];
    const consume = async (p: (typeof pending)[number]) => {
      const values = await p.values;
      const r = this.runners[p.kind]!;
      const m = unpackMetrics(values, this.task.seqLength, r.names);
      this.lastGroupNorms[p.kind] = m.groupNorms;
      (this.rows[p.kind] ??= []).push(this.deriveRow(r.spec, m, p.lambda));
    };
    // Remote models first: their step then runs while the local one computes.
    const kinds = (['kru', 'rnn'] as const)
      .filter((kind) => this.runners[kind])
      .sort((a, b) => Number(this.runners[b]!.remote) - Number(this.runners[a]!.remote));
    for (let i = 0; i < k; i++) {
      const batch = this.task.trainBatch(this.dataRng, this.config.batch);
      const started: typeof pending = [];
      for (const kind of kinds) {
        const lambda = kind === 'kru' ? this.lambda : 0;
        started.push({ kind, values: this.runners[kind]!.step(batch, lambda), lambda });
      }
      // Rows in model order whatever the start order.
      pending.push(...started.sort((a, b) => (a.kind < b.kind ? -1 : 1)));
      this.stepCount++;
      this.rowSteps.push(this.stepCount);
      this.rowLambda.push(this.lambda);
      this.rowLr.push(this.lr);
      // Read metrics back a few steps behind: that keeps the device busy without letting hundreds of steps
      // queue up (Dawn over lavapipe crashed with ~200 steps of work in flight).
      while (pending.length > MAX_STEPS_IN_FLIGHT * 2) await consume(pending.shift()!);
    }
    for (const p of pending) await consume(p);
    const ms = (performance.now() - start) / k;
    this.recentMs.push(ms);
    if (this.recentMs.length > 20) this.recentMs.shift();
  }

  private deriveRow(spec: ModelSpec, m: ReturnType<typeof unpackMetrics>, lambda: number): StepRow {
    const common = {
      loss: m.loss,
      accuracy: m.accuracy,
      reg: m.reg,
      lambdaReg: lambda * m.reg,
      gradNormsOverTime: m.gradNormsOverTime,
      gradNorm: m.gradNorm,
    };
    if (spec.kind === 'kru') {
      const spectra = factorSpectra(spec.factors, m.extras);
      return {
        ...common,
        factorDeviation: spectra.map((s) => factorDeviation(s)),
        fullDeviation: kronDeviation(spectra),
        spectralNorm: spectra.reduce((a, s) => a * s[0], 1),
        factorSingularValues: spectra.flatMap((s) => Array.from(s)),
      };
    }
    return { ...common, factorDeviation: [m.extras[0]], fullDeviation: m.extras[0], spectralNorm: m.extras[1], factorSingularValues: [] };
  }

  /** Mean wall time of the last 20 steps (NaN before the first). */
  get msPerStep(): number {
    return this.recentMs.length ? this.recentMs.reduce((a, b) => a + b, 0) / this.recentMs.length : NaN;
  }

  /** Rows since the previous snapshot, plus current details (recomputed at most every 250 ms). */
  async snapshot(opts: { forceDetail?: boolean } = {}): Promise<Snapshot> {
    const series: Partial<Record<ModelKind, ModelSeries>> = {};
    for (const kind of ['kru', 'rnn'] as const) {
      const rows = this.rows[kind];
      if (!this.runners[kind]) continue;
      series[kind] = packRows(rows ?? []);
    }
    const snap: Snapshot = {
      steps: Int32Array.from(this.rowSteps),
      lambda: Float32Array.from(this.rowLambda),
      lr: Float32Array.from(this.rowLr),
      series,
      detail: await this.details(opts.forceDetail ?? false),
      stepCount: this.stepCount,
      baseline: this.task.baseline,
      seqLength: this.task.seqLength,
      msPerStep: this.msPerStep,
      backend: tf.getBackend(),
    };
    this.rows = {};
    this.rowSteps = [];
    this.rowLambda = [];
    this.rowLr = [];
    return snap;
  }

  private async details(force: boolean): Promise<Partial<Record<ModelKind, ModelDetail>>> {
    const now = performance.now();
    const c = this.detailCache;
    if (!force && c && (c.step === this.stepCount || now - c.at < DETAIL_INTERVAL_MS)) return c.detail;
    const test = await this.testAccuracy();
    const detail: Partial<Record<ModelKind, ModelDetail>> = {};
    for (const kind of ['kru', 'rnn'] as const) {
      const r = this.runners[kind];
      if (!r) continue;
      detail[kind] = await this.modelDetail(kind, r, test[kind] ?? null);
    }
    this.detailCache = { at: now, step: this.stepCount, detail };
    return detail;
  }

  private async modelDetail(kind: ModelKind, r: ModelRunner, testAccuracy: number | null): Promise<ModelDetail> {
    const spec = r.spec;
    const base = {
      kind,
      groupGradNorms: this.lastGroupNorms[kind] ?? {},
      paramCounts: paramCounts(spec),
      testAccuracy,
    };
    if (spec.kind === 'kru') {
      const factors = (await r.params()).factors;
      const spectra = factorSpectra(spec.factors, factors);
      const eigRe: Float64Array[] = [];
      const eigIm: Float64Array[] = [];
      let off = 0;
      for (const p of spec.factors) {
        const e = complexEigenvalues(factors.subarray(off, off + p * p), factors.subarray(off + p * p, off + 2 * p * p), p);
        eigRe.push(e.re);
        eigIm.push(e.im);
        off += 2 * p * p;
      }
      const eig = kronComplexProducts(eigRe, eigIm);
      return {
        ...base,
        singularValues: Float32Array.from(kronSpectrumSummary(spectra).singularValues),
        eigenRe: Float32Array.from(eig.re),
        eigenIm: Float32Array.from(eig.im),
        factorSizes: spec.factors,
      };
    }
    const N = spec.hidden;
    if (N > MAX_DENSE_SPECTRUM) {
      return { ...base, singularValues: new Float32Array(0), eigenRe: new Float32Array(0), eigenIm: new Float32Array(0), factorSizes: [N] };
    }
    const W = (await r.params()).W;
    const e = realEigenvalues(W, N);
    return {
      ...base,
      singularValues: Float32Array.from(realSingularValues(W, N)),
      eigenRe: Float32Array.from(e.re),
      eigenIm: Float32Array.from(e.im),
      factorSizes: [N],
    };
  }

  /** Held-out accuracy (digits), re-evaluated at most every 25 steps. */
  private async testAccuracy(): Promise<Partial<Record<ModelKind, number | null>>> {
    if (!this.task.testSet) return {};
    if (this.testCache && this.stepCount - this.testCache.step < 25 && this.testCache.step !== 0) return this.testCache.acc;
    const batch = this.task.testSet();
    const acc: Partial<Record<ModelKind, number | null>> = {};
    for (const kind of ['kru', 'rnn'] as const) {
      const r = this.runners[kind];
      if (r) acc[kind] = (await r.evaluate(batch))[1];
    }
    this.testCache = { step: this.stepCount, acc };
    return acc;
  }

  async exportParams(kind: ModelKind): Promise<ParamArrays> {
    const r = this.runners[kind];
    if (!r) throw new Error(`the ${kind.toUpperCase()} is not trained in this run`);
    return r.params();
  }

  /** The model as a kru-explorer/model@1 file (docs/model-format.md), with the λ in force. */
  async exportModel(kind: ModelKind): Promise<ModelFile> {
    return toModelFile(this.spec(kind), await this.exportParams(kind), kind === 'kru' ? this.lambda : 0);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of Object.values(this.runners)) r.dispose();
  }
}

function packRows(rows: StepRow[]): ModelSeries {
  const k = rows.length;
  const scalar = (f: (r: StepRow) => number) => Float32Array.from(rows, f);
  const flat = (f: (r: StepRow) => ArrayLike<number>) => {
    const parts = rows.map(f);
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  };
  const series: ModelSeries = {
    loss: scalar((r) => r.loss),
    accuracy: scalar((r) => r.accuracy),
    reg: scalar((r) => r.reg),
    lambdaReg: scalar((r) => r.lambdaReg),
    factorDeviation: flat((r) => r.factorDeviation),
    fullDeviation: scalar((r) => r.fullDeviation),
    spectralNorm: scalar((r) => r.spectralNorm),
    factorSingularValues: flat((r) => r.factorSingularValues),
    gradNormsOverTime: k ? flat((r) => r.gradNormsOverTime) : new Float32Array(0),
    gradNorm: scalar((r) => r.gradNorm),
  };
  return series;
}

function modelSpec(c: ExperimentConfig, task: Task, kind: ModelKind): ModelSpec {
  const base = { hidden: c.hidden, inputSize: task.inputSize, outputSize: task.outputSize };
  return kind === 'kru'
    ? { kind: 'kru', ...base, factors: c.kru.factors, activation: c.kru.activation }
    : { kind: 'rnn', ...base, activation: c.rnn.activation };
}
