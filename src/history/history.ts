// The run history the charts read: accumulates the rows of successive Snapshots into growable columns, so
// that charts can draw a whole run without the worker resending it. Pure data: used by the page's store (main
// thread), the charts and tests.
import type { ModelDetail, ModelInfo, ModelSeries, Snapshot } from '../engine/types';

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

/** Changes of one setting closer together than this many steps are one change (a slider drag). */
export const MERGE_STEPS = 20;

/** A live change of one model's setting, at the first step that used the new value. */
export interface SettingChange {
  step: number;
  model: string;
  setting: 'lambda' | 'lr';
  from: number;
  to: number;
}

/** The full record of one run: every training step's metrics for each model, plus the latest detail. */
export class History {
  readonly steps = new Column(1);
  /** The run's models, in config order (from the first snapshot). */
  models: ModelInfo[] = [];
  readonly series: Record<string, SeriesColumns> = {};
  readonly detail: Record<string, ModelDetail> = {};
  readonly changes: SettingChange[] = [];
  seqLength = 0;
  baseline = NaN;
  stepCount = 0;
  msPerStep = NaN;
  backend = '';
  /** Bumped on every append, so React can depend on it. */
  version = 0;

  append(s: Snapshot): void {
    const k = s.steps.length;
    this.models = s.models;
    this.seqLength = s.seqLength;
    this.baseline = s.baseline;
    this.stepCount = s.stepCount;
    this.backend = s.backend;
    if (Number.isFinite(s.msPerStep)) this.msPerStep = s.msPerStep;
    for (const m of s.models) {
      const d = s.detail[m.id];
      if (d) this.detail[m.id] = d;
      const rows = s.series[m.id];
      if (!rows || k === 0) continue;
      const had = this.series[m.id];
      // Column widths are inferred from the first non-empty chunk.
      const cols = (this.series[m.id] ??= makeColumns(rows, k));
      for (const setting of ['lambda', 'lr'] as const) {
        let prev = had ? last(cols[setting]) : rows[setting][0];
        for (let i = 0; i < k; i++) {
          const v = rows[setting][i];
          if (v !== prev) this.recordChange({ step: s.steps[i], model: m.id, setting, from: prev, to: v });
          prev = v;
        }
      }
      for (const key of Object.keys(rows) as Array<keyof ModelSeries>) cols[key].append(rows[key]);
    }
    this.steps.append(Float32Array.from(s.steps));
    this.version++;
  }

  /**
   * One drag of a slider sends many values over a few steps; they are one change to the reader: a change of the
   * same model's same setting within MERGE_STEPS of the last one extends it (its `to` moves) instead of adding a
   * mark. The per-step columns still hold every value.
   */
  private recordChange(c: SettingChange): void {
    for (let j = this.changes.length - 1; j >= 0; j--) {
      const last = this.changes[j];
      if (c.step - last.step > MERGE_STEPS) break;
      if (last.model === c.model && last.setting === c.setting) {
        last.to = c.to;
        if (last.to === last.from) this.changes.splice(j, 1); // dragged back to where it started: no change
        return;
      }
    }
    this.changes.push(c);
  }

  /** The model's info (label, kind), or undefined when the run has no such model. */
  model(id: string): ModelInfo | undefined {
    return this.models.find((m) => m.id === id);
  }
}

function last(c: Column): number {
  return c.view()[c.length - 1];
}

function makeColumns(rows: ModelSeries, k: number): SeriesColumns {
  const out = {} as SeriesColumns;
  for (const key of Object.keys(rows) as Array<keyof ModelSeries>)
    out[key] = new Column(rows[key].length / k);
  return out;
}
