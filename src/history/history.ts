// The run history the charts read: accumulates the rows of successive Snapshots into growable columns, so
// that charts can draw a whole run without the worker resending it. Bounded: the most recent rows stay at full
// resolution and older ones are folded into min/max buckets (compact.ts), so a run of any length keeps flat
// memory and every spike stays visible. Rewinds to a step for a run restored from a checkpoint
// (`truncateAfter`), and round-trips through plain data (`toJSON`, `History.fromData`; codec.ts). Pure data: used
// by the page's store (main thread), the charts and tests.
import type { ModelDetail, ModelInfo, ModelSeries, Snapshot } from '../engine/types';
import { Column } from './column';
import {
  CHUNK_ROWS,
  NO_COMPACTION,
  ROW_CAP,
  compactColumn,
  due,
  fullFrom,
  mapRows,
  plan,
  type Compaction,
} from './compact';
import { parseHistoryData, type HistoryData, type Segment } from './codec';

export { Column } from './column';

export type SeriesColumns = { [K in keyof ModelSeries]: Column };

/** Values copied between two looks at the clock in toJSONInSlices (256 KB). */
const SLICE_VALUES = 1 << 16;

/** Changes of one setting closer together than this many steps are one change (a slider drag). */
export const MERGE_STEPS = 20;

/**
 * A live change of one model's setting, at the first step that used the new value; or a reset of the whole run
 * (`setting: 'reset'`, `model: ''`, `from`/`to` NaN), at the first step of the new run, with a note of what the
 * reset changed ("seed 1→2"); or a restore from a checkpoint (`setting: 'restore'`, likewise), at the first step
 * after the checkpoint's, with a note ("restored step 1,200 · lr ÷10"); or a model that diverged
 * (`setting: 'diverged'`, `from`/`to` NaN), at the step that showed it, with the reason as its note ("the loss is
 * NaN"): it trains no more in this run.
 */
export interface SettingChange {
  step: number;
  model: string;
  setting: 'lambda' | 'lr' | 'reset' | 'restore' | 'diverged';
  from: number;
  to: number;
  note?: string;
}

/** A mark of the whole run (reset, restore) that goes at the first step of the rows that follow it. */
type PendingMark = { setting: 'reset' | 'restore'; note: string };

/** The full record of one run: every training step's metrics for each model, plus the latest detail. */
export class History {
  readonly steps = new Column(1, ROW_CAP);
  /** The run's models, in config order (from the first snapshot). */
  models: ModelInfo[] = [];
  /** Per model, one column per metric; every column (of width > 0) has exactly as many rows as `steps`. */
  readonly series: Record<string, SeriesColumns> = Object.create(null); // no prototype: any id is a key
  readonly detail: Record<string, ModelDetail> = Object.create(null);
  /** Marks by step (not row): compaction leaves them alone; truncation drops those after its step. */
  readonly changes: SettingChange[] = [];
  seqLength = 0;
  baseline = NaN;
  stepCount = 0;
  msPerStep = NaN;
  backend = '';
  /** Bumped on every change (append, compaction, truncation), so React can depend on it. */
  version = 0;
  /**
   * Bumped whenever rows already there are rewritten or dropped (compaction, truncation): rows are then no
   * longer only appended, and any cache built from earlier rows must start over. (Each Column has its own.)
   */
  epoch = 0;
  /** Rows where a run continued after a reset begins (the first run's row 0 is not listed); ascending. */
  readonly runStarts: number[] = [];
  /** Continued runs: steps after `after` are the engine's steps plus `offset` (before the first: plus 0). */
  private segments: Segment[] = [];
  /** The mark of a reset or restore whose rows have not come yet. */
  private pending: PendingMark | null = null;
  /** Models of the current run whose divergence has been marked (once each). */
  private divergedMarked = new Set<string>();
  /** The next rows' first λ and lr are no change (after a truncation: the restore's mark covers them). */
  private fresh = false;
  private compaction: Compaction = { ...NO_COMPACTION };

  /** Row where the current run begins: 0, or the first row after the last reset that continued this timeline. */
  get runStart(): number {
    return this.runStarts[this.runStarts.length - 1] ?? 0;
  }

  /** First row at full resolution (rows 1 … fullFrom − 1 are min/max bucket rows; 0 when there are none). */
  get fullFrom(): number {
    return fullFrom(this.compaction);
  }

  /** Float32 values allocated by every column (× 4 bytes: the History's memory). */
  get allocated(): number {
    let n = this.steps.capacity;
    for (const cols of Object.values(this.series)) for (const c of Object.values(cols)) n += c.capacity;
    return n;
  }

  /** Added to the engine's step numbers of the current run. */
  private get offset(): number {
    return this.segments[this.segments.length - 1]?.offset ?? 0;
  }

  /**
   * The History step of the current run's engine step `engineStep` (a checkpoint's `step`): what to pass to
   * `truncateAfter` when restoring that checkpoint. The same number unless a reset continued the timeline.
   */
  historyStep(engineStep: number): number {
    return engineStep + this.offset;
  }

  /**
   * The next snapshots come from a new run (a reset) that continues this timeline: its steps follow the last one
   * and a reset mark labelled `note` goes at its first step. Check `accepts` on its first snapshot.
   */
  continueRun(note: string): void {
    const n = this.steps.length;
    const last = n ? this.steps.view()[n - 1] : 0;
    while (this.segments.length && this.segments[this.segments.length - 1].after >= last) this.segments.pop();
    this.segments.push({ after: last, offset: last });
    if (n && this.runStart !== n) this.runStarts.push(n);
    this.pending = { setting: 'reset', note };
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

  /**
   * Appends the snapshot's rows at their steps plus the current run's offset. Rows never go back: a snapshot
   * whose first step is not after the last row first rewinds to just before it (as `truncateAfter`, keeping the
   * offset), so an engine that re-sends steps replaces them. A model without rows in it gets NaN rows.
   */
  append(s: Snapshot): void {
    const k = s.steps.length;
    const n0 = this.steps.length;
    if (k && n0 && s.steps[0] + this.offset <= this.steps.view()[n0 - 1])
      this.rewind(s.steps[0] + this.offset - 1, s.steps[0] - 1);
    const steps = Float32Array.from(s.steps, (v) => v + this.offset);
    const newRun = this.pending !== null && k > 0;
    if (newRun) {
      const { setting, note } = this.pending!;
      this.changes.push({ step: steps[0], model: '', setting, from: NaN, to: NaN, note });
      this.pending = null;
    }
    const fresh = newRun || this.fresh;
    if (k) this.fresh = false;
    this.models = s.models;
    this.seqLength = s.seqLength;
    this.baseline = s.baseline;
    this.stepCount = s.stepCount;
    this.backend = s.backend;
    if (Number.isFinite(s.msPerStep)) this.msPerStep = s.msPerStep;
    const n = this.steps.rows;
    for (const m of s.models) {
      const d = s.detail[m.id];
      if (d) this.detail[m.id] = d;
      const rows = s.series[m.id];
      if (!rows || k === 0) continue;
      const had = this.series[m.id];
      // Column widths are inferred from the first non-empty chunk; earlier rows (if any) are NaN.
      const cols = (this.series[m.id] ??= makeColumns(rows, k, n));
      for (const setting of ['lambda', 'lr'] as const) {
        // A new run's (or a restored one's) first value is not a change: its mark covers it.
        const before = had && !fresh ? last(cols[setting]) : NaN;
        let prev = Number.isNaN(before) ? rows[setting][0] : before;
        for (let i = 0; i < k; i++) {
          const v = rows[setting][i];
          if (v !== prev && !(v !== v && prev !== prev))
            this.recordChange({ step: steps[i], model: m.id, setting, from: prev, to: v });
          prev = v;
        }
      }
      for (const key of Object.keys(rows) as Array<keyof ModelSeries>) cols[key].append(rows[key]);
    }
    // Models without rows in this chunk keep their columns aligned with the steps.
    if (k)
      for (const [id, cols] of Object.entries(this.series))
        if (!s.series[id]) eachColumn(cols, (c) => c.appendNaN(k));
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
    this.compact();
  }

  /**
   * Rewinds to History step `step` (for a run restored from a checkpoint taken there): drops every row after it
   * and every mark after it, and a bucket of compacted rows that spans it (its envelope mixes both sides). The
   * next snapshot's steps then continue the timeline: the engine of a restored run counts on from the
   * checkpoint's own step, and its steps get the offset of the run that `step` belongs to (a run continued
   * after a reset counts from 1, so its offset is the step before its first) — or, with `engineStep` (the
   * checkpoint's engine step), the offset `step − engineStep`. With `note`, a 'restore' mark labelled with it
   * goes at the first step that follows. A reset whose rows had not come yet is forgotten.
   */
  truncateAfter(step: number, opts: { engineStep?: number; note?: string } = {}): void {
    // Steps are whole numbers ≥ 0, and so are offsets (a checkpoint's engine step is never after its History step).
    step = Math.max(0, Math.floor(step));
    const e = opts.engineStep;
    this.rewind(
      step,
      e === undefined || !Number.isFinite(e) ? undefined : Math.min(step, Math.max(0, Math.floor(e))),
    );
    this.pending = opts.note === undefined ? null : { setting: 'restore', note: opts.note };
  }

  /**
   * Adds a mark (e.g. a restore placed by hand) among the changes, after every one at or before its step. A mark
   * at a step that is not a number is ignored.
   */
  addMark(change: SettingChange): void {
    if (!Number.isFinite(change.step)) return;
    let i = this.changes.length;
    while (i > 0 && this.changes[i - 1].step > change.step) i--;
    this.changes.splice(i, 0, { ...change });
    this.version++;
  }

  /** The model's info (label, kind), or undefined when the run has no such model. */
  model(id: string): ModelInfo | undefined {
    return this.models.find((m) => m.id === id);
  }

  /**
   * Everything the History holds, as plain data (typed arrays copied): structured-cloneable (IndexedDB,
   * postMessage). Not JSON-safe: `encodeHistory` (codec.ts) writes that form. `History.fromData` reads either.
   */
  toJSON(): HistoryData {
    const series: HistoryData['series'] = Object.create(null);
    for (const [id, cols] of Object.entries(this.series)) {
      const out = {} as HistoryData['series'][string];
      for (const [key, c] of Object.entries(cols) as Array<[keyof ModelSeries, Column]>)
        out[key] = { width: c.width, values: c.view().slice() };
      series[id] = out;
    }
    return { ...this.shell(), steps: this.steps.view().slice(), series };
  }

  /**
   * The same data as `toJSON()`, its columns copied a slice at a time: `pause` is awaited whenever `budgetMs` of
   * copying has passed, so that saving a long run (up to ~10 MB of columns, each new page of the copy a page
   * fault) never holds the page for one long task. It is the History as it was when called: rows appended
   * meanwhile are left out. Null when rows were rewritten meanwhile (a compaction or truncation): try again.
   */
  async toJSONInSlices(
    pause: () => Promise<void>,
    budgetMs = 4,
    clock: () => number = () => performance.now(),
  ): Promise<HistoryData | null> {
    const epoch = this.epoch;
    const rows = this.steps.rows;
    const shell = this.shell();
    const columns = Object.entries(this.series).map(
      ([id, cols]) => [id, Object.entries(cols) as Array<[keyof ModelSeries, Column]>] as const,
    );
    let t0 = clock();
    const copy = async (c: Column): Promise<Float32Array | null> => {
      const n = rows * c.width;
      const out = new Float32Array(n);
      for (let i = 0; i < n;) {
        const end = Math.min(n, i + SLICE_VALUES);
        out.set(c.view().subarray(i, end), i);
        i = end;
        if (clock() - t0 >= budgetMs) {
          await pause();
          if (this.epoch !== epoch) return null;
          t0 = clock();
        }
      }
      return out;
    };
    const steps = await copy(this.steps);
    if (!steps) return null;
    const series: HistoryData['series'] = Object.create(null);
    for (const [id, cols] of columns) {
      const out = {} as HistoryData['series'][string];
      for (const [key, c] of cols) {
        const values = await copy(c);
        if (!values) return null;
        out[key] = { width: c.width, values };
      }
      series[id] = out;
    }
    return this.epoch === epoch ? { ...shell, steps, series } : null;
  }

  /** Everything toJSON() holds but the columns. */
  private shell(): Omit<HistoryData, 'steps' | 'series'> {
    return {
      format: 'kru-explorer/history@1',
      models: this.models.map((m) => ({ ...m })),
      detail: Object.assign(Object.create(null), this.detail),
      changes: this.changes.map((c) => ({ ...c })),
      seqLength: this.seqLength,
      baseline: this.baseline,
      stepCount: this.stepCount,
      msPerStep: this.msPerStep,
      backend: this.backend,
      runStarts: [...this.runStarts],
      segments: this.segments.map((s) => ({ ...s })),
      pending: this.pending && { ...this.pending },
      diverged: [...this.divergedMarked],
      fresh: this.fresh,
      compaction: { ...this.compaction },
    };
  }

  /**
   * A History from `toJSON`'s data or `encodeHistory`'s JSON form, checked throughout (shapes, widths, lengths,
   * ascending steps, sizes; codec.ts). Throws an Error with a one-line message, and never builds a partial
   * History. It continues exactly as the saved one would have.
   */
  static fromData(data: unknown): History {
    const d = parseHistoryData(data);
    const h = new History();
    h.steps.append(d.steps);
    h.models = d.models;
    for (const [id, cols] of Object.entries(d.series)) {
      const out = {} as SeriesColumns;
      for (const [key, c] of Object.entries(cols) as Array<
        [keyof ModelSeries, HistoryData['series'][string][keyof ModelSeries]]
      >)
        out[key] = Column.of(c.width, c.values, ROW_CAP);
      h.series[id] = out;
    }
    Object.assign(h.detail, d.detail);
    h.changes.push(...d.changes);
    h.seqLength = d.seqLength;
    h.baseline = d.baseline;
    h.stepCount = d.stepCount;
    h.msPerStep = d.msPerStep;
    h.backend = d.backend;
    h.runStarts.push(...d.runStarts);
    h.segments = d.segments;
    h.pending = d.pending;
    h.divergedMarked = new Set(d.diverged);
    h.fresh = d.fresh;
    h.compaction = d.compaction;
    h.version = 1;
    h.compact();
    return h;
  }

  /** The step of the latest value each merged change took (see recordChange); not part of the saved form. */
  private readonly extendedTo = new WeakMap<SettingChange, number>();

  /**
   * One drag of a slider sends many values over some steps; they are one change to the reader: a change of the
   * same model's same setting within MERGE_STEPS of that change's latest value extends it (its `to` moves)
   * instead of adding a mark. The per-step columns still hold every value.
   */
  private recordChange(c: SettingChange & { setting: 'lambda' | 'lr' }): void {
    for (let j = this.changes.length - 1; j >= 0; j--) {
      const last = this.changes[j];
      if (last.setting === 'diverged') continue; // a mark of its own, not a setting: look past it
      // Measured from the change's latest value, not its first: a long drag on a fast run spans many steps.
      const latest = this.extendedTo.get(last) ?? last.step;
      if (c.step - latest > MERGE_STEPS || last.setting === 'reset' || last.setting === 'restore') break;
      if (last.model === c.model && last.setting === c.setting) {
        last.to = c.to;
        this.extendedTo.set(last, c.step);
        if (last.to === last.from) this.changes.splice(j, 1); // dragged back to where it started: no change
        return;
      }
    }
    this.changes.push(c);
  }

  /** truncateAfter without its marks: rows, changes, run starts and offsets only. */
  private rewind(step: number, engineStep?: number): void {
    const steps = this.steps.view();
    let n = upperBound(steps, step);
    const c = this.compaction;
    if (c.buckets && n <= 2 * c.buckets) {
      // Rows 1 … n − 1 are bucket rows: keep whole buckets only.
      const kept = Math.max(0, Math.floor((n - 1) / 2));
      n = n && 1 + 2 * kept;
      this.compaction = kept ? { buckets: kept, size: c.size, last: c.size } : { ...NO_COMPACTION };
    }
    if (n < this.steps.rows) {
      this.steps.truncateRows(n);
      for (const cols of Object.values(this.series)) eachColumn(cols, (col) => col.truncateRows(n));
      this.epoch++;
    }
    for (let i = this.changes.length - 1; i >= 0; i--)
      if (this.changes[i].step > step) this.changes.splice(i, 1);
    while (this.runStarts.length && this.runStarts[this.runStarts.length - 1] >= n) this.runStarts.pop();
    while (this.segments.length && this.segments[this.segments.length - 1].after >= step) this.segments.pop();
    if (engineStep !== undefined && step - engineStep !== this.offset)
      this.segments.push({ after: step, offset: step - engineStep });
    this.stepCount = Math.max(0, step - this.offset); // the restored engine's count, until its next snapshot
    const after = this.segments[this.segments.length - 1]?.after ?? -Infinity;
    this.divergedMarked = new Set(
      this.changes.filter((m) => m.setting === 'diverged' && m.step > after).map((m) => m.model),
    );
    this.fresh = true;
    this.version++;
  }

  /** Folds the oldest full-resolution rows into buckets while there are enough of them (amortised). */
  private compact(): void {
    let any = false;
    while (due(this.compaction, this.steps.rows)) {
      const p = plan(this.compaction, CHUNK_ROWS);
      compactColumn(this.steps, p);
      for (const cols of Object.values(this.series)) eachColumn(cols, (c) => compactColumn(c, p));
      const starts = mapRows(this.runStarts, p);
      this.runStarts.splice(0, this.runStarts.length, ...starts);
      this.compaction = p.to;
      any = true;
    }
    if (!any) return;
    this.steps.fit();
    for (const cols of Object.values(this.series)) eachColumn(cols, (c) => c.fit());
    this.epoch++;
    this.version++;
  }
}

function eachColumn(cols: SeriesColumns, f: (c: Column) => void): void {
  for (const c of Object.values(cols)) f(c);
}

function last(c: Column): number {
  return c.length ? c.view()[c.length - 1] : NaN;
}

/** Rows of ascending `a` with a value ≤ v. */
function upperBound(a: Float32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function makeColumns(rows: ModelSeries, k: number, before: number): SeriesColumns {
  const out = {} as SeriesColumns;
  for (const key of Object.keys(rows) as Array<keyof ModelSeries>) {
    out[key] = new Column(rows[key].length / k, ROW_CAP);
    out[key].appendNaN(before);
  }
  return out;
}
