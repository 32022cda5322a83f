// Sweeps: one KRU trained at every point of a grid — values of λ, or factorisations of its N — on the same
// batches, and each point's end-of-training numbers. Pure engine code over Experiment (no DOM): the sweep
// worker, the CLI's `kru sweep` and the benchmark all run it.
//
// A run holds at most 8 models, a grid up to 12 points, so the points are trained in groups of ≤ 8, one
// Experiment per group, one group after another. Every group's Experiment has the run's seed, and its data
// stream depends on the seed alone, so every point sees the same batches; models that differ only in λ also
// start from the same weights (Experiment's initRng). Groups run one after another rather than interleaved so
// that a cancelled sweep keeps whole, finished points.
//
// The engine (TensorFlow.js) is imported only when a sweep runs: the page imports the grids and types from here
// and must not pull tfjs into its main bundle (it runs in the sweep worker).
import { formatValue } from '../core/format';
import { product } from '../core/factor-layout';
import { MAX_MODELS, parseRunConfig, type KruModelSpec, type RunSettings } from '../settings';
import type { DigitsData } from '../tasks/digits';
import type { Divergence } from './divergence';
import type { Experiment, Place } from './experiment';
import type { RunConfig, Snapshot } from './types';

/** At most this many grid points in one sweep. */
export const MAX_SWEEP_POINTS = 12;
/** A point's loss curve keeps at most this many (bucket-mean) points. */
export const CURVE_POINTS = 200;

export type SweepGrid = { kind: 'lambda'; values: number[] } | { kind: 'factors'; values: number[][] };

export interface SweepSpec {
  /** The run's task, batch, seed, optimiser and implementation (the grid makes the models). */
  run: RunSettings;
  /** The KRU every point starts from: a point changes its λ, or its factor sizes (N stays). */
  model: KruModelSpec;
  grid: SweepGrid;
  /** Training steps per point. */
  steps: number;
  /**
   * Points trained together in one Experiment (1…8). Default: 8 for λ; 1 for factorisations, so that each
   * point's ms per step is its own.
   */
  groupSize?: number;
}

export interface SweepPoint {
  index: number;
  /** The model's id in its group's run ("p0", "p1", …). */
  id: string;
  /** "λ=0.001", "4×4×4". */
  label: string;
  lambda: number;
  factors: number[];
  spec: KruModelSpec;
}

export interface SweepProgress {
  /** Point-steps done: each point's steps, summed. */
  stepsDone: number;
  stepsTotal: number;
  pointsDone: number;
  pointsTotal: number;
  elapsedMs: number;
  /** Time left at the rate so far (NaN before the first step). */
  remainingMs: number;
}

/** How the end of training is summarised: means over the last `window` steps. */
export function tailWindow(steps: number): number {
  return Math.min(50, Math.max(1, Math.ceil(steps / 10)));
}

export interface SweepPointResult {
  index: number;
  id: string;
  label: string;
  lambda: number;
  factors: number[];
  steps: number;
  /** The number of final steps the means below are over (tailWindow(steps)). */
  window: number;
  /** Task loss (no λ·R), mean over the last `window` steps. */
  finalLoss: number | null;
  /** Training accuracy, mean over the last `window` steps; null for a task without one. */
  accuracy: number | null;
  /** Held-out accuracy at the end (digits), else null. */
  testAccuracy: number | null;
  /** ‖WᴴW − I‖_F² of the full recurrent matrix at the last step. */
  fullDeviation: number | null;
  /** ‖W‖₂ at the last step. */
  spectralNorm: number | null;
  /** mean ‖∂L/∂h_1‖ / mean ‖∂L/∂h_T‖ over the last `window` steps. */
  gradRatio: number | null;
  params: { recurrent: number; total: number };
  /** Wall time per step: the group's, shared equally among its points. */
  msPerStep: number;
  diverged: Divergence | null;
  /** The task loss, as means of consecutive buckets of steps (≤ CURVE_POINTS points; x = each bucket's last step). */
  curve: { steps: number[]; loss: number[] };
}

export interface SweepOutcome {
  points: SweepPoint[];
  /** The finished points, in the order they finished (group by group, grid order within a group). */
  results: SweepPointResult[];
  cancelled: boolean;
  progress: SweepProgress;
}

export interface SweepRunOptions {
  digits?: DigitsData;
  /** Checked between steps: a cancelled sweep stops there and keeps the points that finished. */
  signal?: AbortSignal;
  /** Steps between two snapshots, progress reports and onSnapshot calls (default 10; the last step always). */
  reportEvery?: number;
  onProgress?(p: SweepProgress): void;
  onPoint?(r: SweepPointResult): void;
  /** Every snapshot of a group's run (the CLI prints its rows). */
  onSnapshot?(group: SweepPoint[], snap: Snapshot, experiment: Experiment): void | Promise<void>;
  /** Awaited after every step: a worker gives its message queue a turn here, so a cancel gets through. */
  yieldToEvents?(): Promise<void>;
  /** Where each model of a group runs (Experiment.create's `place`); by default in this thread. */
  place?: Place;
  /**
   * Train each λ group as one stacked model (sweep-stack.ts; default true, unless `place` is given): the same
   * numbers, for much less than k times the cost of one on small models.
   */
  stack?: boolean;
}

const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** "λ=0", "λ=1e−4", "λ=0.00316": λ as the page writes numbers. */
export function lambdaLabel(lambda: number): string {
  return `λ=${formatValue(lambda)}`;
}

/** `count` values: 0, then count − 1 log-spaced from `from` to `to` (0, 1e-4 … 10 for 12). */
export function logGrid(from: number, to: number, count: number, withZero = true): number[] {
  const n = withZero ? count - 1 : count;
  const a = Math.log10(from);
  const b = Math.log10(to);
  const logs = Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
  const values = logs.map((l) => Number((10 ** l).toPrecision(3)));
  return withZero ? [0, ...values] : values;
}

/**
 * Factorisations of N worth comparing: p×p×…×p for every p with p^m = N (2×…×2 first, one N×N factor last),
 * and N's prime factors when they are not all equal.
 */
export function factorisationsOf(N: number): number[][] {
  const out: number[][] = [];
  for (let p = 2; p <= N; p++) {
    let m = 0;
    let n = N;
    while (n % p === 0) {
      n /= p;
      m++;
    }
    if (n === 1) out.push(Array<number>(m).fill(p));
  }
  const primes: number[] = [];
  let n = N;
  for (let p = 2; n > 1; p++)
    while (n % p === 0) {
      primes.push(p);
      n /= p;
    }
  if (new Set(primes).size > 1) out.unshift(primes);
  return N === 1 ? [[1]] : out;
}

/** The grid points, their groups and each group's run config; throws an Error saying what is wrong. */
export function planSweep(spec: SweepSpec): { points: SweepPoint[]; configs: RunConfig[] } {
  const { grid, model } = spec;
  const count = grid.values.length;
  if (count < 1 || count > MAX_SWEEP_POINTS)
    throw new Error(`a sweep has 1 to ${MAX_SWEEP_POINTS} grid points, got ${count}`);
  if (!(Number.isSafeInteger(spec.steps) && spec.steps >= 1))
    throw new Error(`steps must be a positive integer, got ${spec.steps}`);
  const groupSize = spec.groupSize ?? (grid.kind === 'lambda' ? MAX_MODELS : 1);
  if (!(Number.isInteger(groupSize) && groupSize >= 1 && groupSize <= MAX_MODELS))
    throw new Error(`groupSize must be an integer from 1 to ${MAX_MODELS}, got ${groupSize}`);
  const points: SweepPoint[] = [];
  for (let i = 0; i < count; i++) {
    const id = `p${i}`;
    let p: KruModelSpec;
    let label: string;
    if (grid.kind === 'lambda') {
      const lambda = grid.values[i];
      label = lambdaLabel(lambda);
      p = { ...model, id, label, lambda };
    } else {
      const factors = grid.values[i];
      if (product(factors) !== model.hidden)
        throw new Error(
          `factors ${factors.join('×')} multiply to ${product(factors)}, not N = ${model.hidden}`,
        );
      label = factors.join('×');
      p = { ...model, id, label, factors: [...factors] };
    }
    points.push({ index: i, id, label, lambda: p.lambda, factors: p.factors, spec: p });
  }
  const configs: RunConfig[] = [];
  for (let g = 0; g < count; g += groupSize) {
    const models = points.slice(g, g + groupSize).map((p) => p.spec);
    const parsed = parseRunConfig({ ...spec.run, models });
    if (!parsed.ok) throw new Error(parsed.error.replace(/\bp(\d+)\./g, (_, i) => `${points[+i].label}: `));
    configs.push(parsed.value);
  }
  return { points, configs };
}

/** What the end-of-training means are taken over: one per step of the last `window`. */
interface TailRow {
  loss: number;
  acc: number;
  g1: number;
  gT: number;
}

/** One point's running summary, fed row by row from its group's snapshots. */
class PointTracker {
  private readonly window: number;
  private readonly bucket: number;
  private tail: TailRow[] = [];
  private sum = 0;
  private inBucket = 0;
  private last = { fullDeviation: NaN, spectralNorm: NaN };
  readonly curve = { steps: [] as number[], loss: [] as number[] };

  constructor(
    readonly point: SweepPoint,
    private readonly steps: number,
  ) {
    this.window = tailWindow(steps);
    this.bucket = Math.ceil(steps / CURVE_POINTS);
  }

  add(snap: Snapshot): void {
    const s = snap.series[this.point.id];
    const T = snap.seqLength;
    for (let i = 0; i < s.loss.length; i++) {
      const g = s.gradNormsOverTime;
      this.tail.push({ loss: s.loss[i], acc: s.accuracy[i], g1: g[i * T], gT: g[i * T + T - 1] });
      if (this.tail.length > this.window) this.tail.shift();
      this.last = { fullDeviation: s.fullDeviation[i], spectralNorm: s.spectralNorm[i] };
      this.sum += s.loss[i];
      this.inBucket++;
      const step = snap.steps[i];
      if (this.inBucket === this.bucket || step === this.steps) {
        this.curve.steps.push(step);
        this.curve.loss.push(this.sum / this.inBucket);
        this.sum = 0;
        this.inBucket = 0;
      }
    }
  }

  result(
    params: { recurrent: number; total: number },
    msPerStep: number,
    extra: { testAccuracy: number | null; diverged: Divergence | null },
  ) {
    const mean = (f: (r: TailRow) => number) => this.tail.reduce((a, r) => a + f(r), 0) / this.tail.length;
    const acc = mean((r) => r.acc);
    const p = this.point;
    const result: SweepPointResult = {
      index: p.index,
      id: p.id,
      label: p.label,
      lambda: p.lambda,
      factors: p.factors,
      steps: this.steps,
      window: this.window,
      finalLoss: nullIfNaN(mean((r) => r.loss)),
      accuracy: nullIfNaN(acc),
      testAccuracy: extra.testAccuracy,
      fullDeviation: nullIfNaN(this.last.fullDeviation),
      spectralNorm: nullIfNaN(this.last.spectralNorm),
      gradRatio: nullIfNaN(mean((r) => r.g1) / mean((r) => r.gT)),
      params,
      msPerStep,
      diverged: extra.diverged,
      curve: this.curve,
    };
    return result;
  }
}

/** Trains every grid point for spec.steps steps on the same batches; see SweepRunOptions. */
export async function runSweep(spec: SweepSpec, opts: SweepRunOptions = {}): Promise<SweepOutcome> {
  const { points, configs } = planSweep(spec);
  const [{ Experiment }, { paramCounts }, { StackGroup }] = await Promise.all([
    import('./experiment'),
    import('../model/models'),
    import('./sweep-stack'),
  ]);
  const stack = spec.grid.kind === 'lambda' && (opts.stack ?? !opts.place);
  const S = spec.steps;
  const every = Math.max(1, Math.floor(opts.reportEvery ?? 10));
  const started = performance.now();
  const results: SweepPointResult[] = [];
  let stepsDone = 0;
  let cancelled = false;
  const progress = (): SweepProgress => {
    const elapsedMs = performance.now() - started;
    const stepsTotal = points.length * S;
    return {
      stepsDone,
      stepsTotal,
      pointsDone: results.length,
      pointsTotal: points.length,
      elapsedMs,
      remainingMs: stepsDone > 0 ? (elapsedMs / stepsDone) * (stepsTotal - stepsDone) : NaN,
    };
  };
  let first = 0;
  for (const config of configs) {
    if (opts.signal?.aborted) {
      cancelled = true;
      break;
    }
    const group = points.slice(first, first + config.models.length);
    first += group.length;
    const place = stack && group.length > 1 ? new StackGroup().place : opts.place;
    const e = await Experiment.create(config, { digits: opts.digits, place });
    try {
      const trackers = group.map((p) => new PointTracker(p, S));
      const hasTest = !!e.task.testSet;
      let stepMs = 0;
      let done = 0;
      while (done < S) {
        if (opts.signal?.aborted) {
          cancelled = true;
          break;
        }
        const t0 = performance.now();
        await e.step(1);
        stepMs += performance.now() - t0;
        done++;
        stepsDone += group.length;
        if (done % every === 0 || done === S) {
          const snap = await e.snapshot({ forceDetail: hasTest && done === S });
          for (const t of trackers) t.add(snap);
          await opts.onSnapshot?.(group, snap, e);
          if (done === S) {
            const diverged = e.divergences();
            for (const t of trackers) {
              const id = t.point.id;
              const r = t.result(paramCounts(e.netSpec(id)), stepMs / S / group.length, {
                testAccuracy: nullIfNaN(snap.detail[id]?.testAccuracy ?? NaN),
                diverged: diverged[id] ?? null,
              });
              results.push(r);
              opts.onPoint?.(r);
            }
          }
          opts.onProgress?.(progress());
        }
        await opts.yieldToEvents?.();
      }
    } finally {
      e.dispose();
    }
    if (cancelled) break;
  }
  return { points, results, cancelled, progress: progress() };
}
