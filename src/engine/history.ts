// Accumulates the rows of successive Snapshots into growable columns, so that charts can draw a whole run
// without the worker resending it. Pure data: used by the store (main thread) and by tests.
import type { ModelDetail, ModelSeries, Snapshot } from './types';

export type ModelKind = 'kru' | 'rnn';

/** A float column that grows by doubling; `view()` is a zero-copy subarray of the filled part. */
export class Column {
  private buf: Float32Array;
  length = 0;
  constructor(
    /** values per row */
    readonly width = 1,
  ) {
    this.buf = new Float32Array(Math.max(64, width * 64));
  }
  get rows(): number {
    return this.width === 0 ? 0 : this.length / this.width;
  }
  append(values: ArrayLike<number>): void {
    if (this.length + values.length > this.buf.length) {
      const next = new Float32Array(Math.max(this.buf.length * 2, this.length + values.length));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(values, this.length);
    this.length += values.length;
  }
  view(): Float32Array {
    return this.buf.subarray(0, this.length);
  }
  /** Row i (width values). */
  row(i: number): Float32Array {
    return this.buf.subarray(i * this.width, (i + 1) * this.width);
  }
}

export type SeriesColumns = { [K in keyof ModelSeries]: Column };

export interface LambdaChange {
  step: number;
  from: number;
  to: number;
}

/** The full record of one run: every training step's metrics for each model, plus the latest detail. */
export class History {
  readonly steps = new Column(1);
  readonly lambda = new Column(1);
  readonly lr = new Column(1);
  readonly series: Partial<Record<ModelKind, SeriesColumns>> = {};
  readonly detail: Partial<Record<ModelKind, ModelDetail>> = {};
  readonly lambdaChanges: LambdaChange[] = [];
  seqLength = 0;
  baseline = NaN;
  stepCount = 0;
  msPerStep = NaN;
  backend = '';
  /** Bumped on every append, so React can depend on it. */
  version = 0;

  append(s: Snapshot): void {
    const k = s.steps.length;
    this.seqLength = s.seqLength;
    this.baseline = s.baseline;
    this.stepCount = s.stepCount;
    this.backend = s.backend;
    if (Number.isFinite(s.msPerStep)) this.msPerStep = s.msPerStep;
    for (let i = 0; i < k; i++) {
      const prev = this.lambda.length ? this.lambda.view()[this.lambda.length - 1] : s.lambda[i];
      if (this.lambda.length && prev !== s.lambda[i]) {
        this.lambdaChanges.push({ step: s.steps[i], from: prev, to: s.lambda[i] });
      }
      this.lambda.append([s.lambda[i]]);
    }
    this.steps.append(Float32Array.from(s.steps));
    this.lr.append(s.lr);
    for (const kind of ['kru', 'rnn'] as const) {
      const d = s.detail[kind];
      if (d) this.detail[kind] = d;
      const rows = s.series[kind];
      // Column widths are inferred from the first non-empty chunk.
      if (!rows || k === 0) continue;
      let cols = this.series[kind];
      if (!cols) {
        cols = makeColumns(rows, k);
        this.series[kind] = cols;
      }
      for (const key of Object.keys(rows) as Array<keyof ModelSeries>) cols[key].append(rows[key]);
    }
    this.version++;
  }
}

function makeColumns(rows: ModelSeries, k: number): SeriesColumns {
  const width = (a: Float32Array) => (k > 0 ? a.length / k : 0);
  const out = {} as SeriesColumns;
  for (const key of Object.keys(rows) as Array<keyof ModelSeries>) out[key] = new Column(width(rows[key]));
  return out;
}
