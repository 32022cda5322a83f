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

/**
 * A live change of one model's setting, at the first step that used the new value; or a reset of the whole run
 * (`setting: 'reset'`, `model: ''`, `from`/`to` NaN), at the first step of the new run, with a note of what the
 * reset changed ("seed 1→2"); or a model that diverged (`setting: 'diverged'`, `from`/`to` NaN), at the step
 * that showed it, with the reason as its note ("the loss is NaN"): it trains no more in this run.
 */
export interface SettingChange {
  step: number;
  model: string;
  setting: 'lambda' | 'lr' | 'reset' | 'diverged';
  from: number;
  to: number;
  note?: string;
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
  /** Row where the current run begins: 0, or the first row after the last reset that continued this timeline. */
  runStart = 0;
  /** Rows where a run continued after a reset begins (the first run's row 0 is not listed). */
  readonly runStarts: number[] = [];
  /** Added to the current run's own step numbers, so a run continued after a reset follows the last step. */
  private offset = 0;
  /** The note of a reset whose run has not sent a row yet. */
  private resetNote: string | null = null;
  /** Models of the current run whose divergence has been marked (once each). */
  private divergedMarked = new Set<string>();

  /**
   * The next snapshots come from a new run (a reset) that continues this timeline: its steps follow the last one
   * and a reset mark labelled `note` goes at its first step. Check `accepts` on its first snapshot.
   */
  continueRun(note: string): void {
    const n = this.steps.length;
    this.offset = n ? this.steps.view()[n - 1] : 0;
    this.runStart = n;
    if (n && this.runStarts[this.runStarts.length - 1] !== n) this.runStarts.push(n);
    this.resetNote = note;
    this.divergedMarked.clear();
    this.version++;
  }

  /**
   * Whether snapshot `s` can extend this timeline: the same models (ids and kinds, in order), sequence length and
   * per-step widths of every column (hidden size, factors), so every chart keeps its axes.
   */
  accepts(s: Snapshot): boolean {
    if (!this.steps.length) return true;
    if (s.seqLength !== this.seqLength || s.models.length !== this.models.length) return false;
    if (s.models.some((m, i) => m.id !== this.models[i].id || m.kind !== this.models[i].kind)) return false;
    const k = s.steps.length;
    if (!k) return true;
    return s.models.every((m) => {
      const rows = s.series[m.id];
      const cols = this.series[m.id];
      if (!rows || !cols) return !rows && !cols;
      return (Object.keys(rows) as Array<keyof ModelSeries>).every(
        (key) => cols[key] !== undefined && rows[key].length / k === cols[key].width,
      );
    });
  }

  append(s: Snapshot): void {
    const k = s.steps.length;
    const steps = Float32Array.from(s.steps, (v) => v + this.offset);
    const newRun = this.resetNote !== null && k > 0;
    if (newRun) {
      this.changes.push({
        step: steps[0],
        model: '',
        setting: 'reset',
        from: NaN,
        to: NaN,
        note: this.resetNote!,
      });
      this.resetNote = null;
    }
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
        // A new run's first value is not a change: the reset mark covers it.
        let prev = had && !newRun ? last(cols[setting]) : rows[setting][0];
        for (let i = 0; i < k; i++) {
          const v = rows[setting][i];
          if (v !== prev) this.recordChange({ step: steps[i], model: m.id, setting, from: prev, to: v });
          prev = v;
        }
      }
      for (const key of Object.keys(rows) as Array<keyof ModelSeries>) cols[key].append(rows[key]);
    }
    for (const [id, d] of Object.entries(s.diverged ?? {})) {
      if (this.divergedMarked.has(id)) continue;
      this.divergedMarked.add(id);
      this.changes.push({
        step: d.step + this.offset,
        model: id,
        setting: 'diverged',
        from: NaN,
        to: NaN,
        note: d.reason,
      });
    }
    this.steps.append(steps);
    this.version++;
  }

  /**
   * One drag of a slider sends many values over a few steps; they are one change to the reader: a change of the
   * same model's same setting within MERGE_STEPS of the last one extends it (its `to` moves) instead of adding a
   * mark. The per-step columns still hold every value.
   */
  private recordChange(c: SettingChange & { setting: 'lambda' | 'lr' }): void {
    for (let j = this.changes.length - 1; j >= 0; j--) {
      const last = this.changes[j];
      if (last.setting === 'diverged') continue; // a mark of its own, not a setting: look past it
      if (c.step - last.step > MERGE_STEPS || last.setting === 'reset') break;
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
