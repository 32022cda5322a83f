// Incremental min/max decimation (pure; unit-tested). Between two rewrites of a column (its epoch: the History
// compacts old rows or truncates) rows only ever get appended, so buckets of a fixed power-of-two size never
// move: each frame folds in only the new rows, and when the buckets outnumber the target the adjacent pairs
// merge. A frame then costs O(new rows + buckets) instead of O(run length), which is what keeps tens of
// thousands of steps × dozens of lines under a millisecond or two. A rewrite starts the line's cache over.
import type { Downsampled } from './data';

export class Decimator {
  /** Rows per bucket (a power of two). */
  k = 1;
  /** Buckets in use. */
  m = 0;
  /** Rows folded in. */
  rows = 0;
  private readonly iMin: Int32Array;
  private readonly iMax: Int32Array;
  private readonly vMin: Float64Array;
  private readonly vMax: Float64Array;
  private readonly out: Downsampled;

  constructor(
    /** At most this many buckets (≥ 2): at most 2 points each. */
    readonly buckets: number,
  ) {
    const B = Math.max(2, Math.floor(buckets));
    this.buckets = B;
    this.iMin = new Int32Array(B);
    this.iMax = new Int32Array(B);
    this.vMin = new Float64Array(B);
    this.vMax = new Float64Array(B);
    this.out = { length: 0, idx: new Int32Array(2 * B), y: new Float64Array(2 * B) };
  }

  /**
   * Fold in rows this.rows … rows-1 of src[offset + i·stride] (values through `map`; non-finite = missing).
   * Returns false (and does nothing) when `rows` went backwards: the caller should start a new Decimator.
   */
  update(src: ArrayLike<number>, rows: number, stride = 1, offset = 0, map?: (v: number) => number): boolean {
    if (rows < this.rows) return false;
    for (let i = this.rows; i < rows; i++) {
      let b = Math.floor(i / this.k);
      if (b >= this.buckets) {
        this.merge();
        b = Math.floor(i / this.k);
      }
      if (b >= this.m) {
        this.m = b + 1;
        this.iMin[b] = -1;
        this.iMax[b] = -1;
        this.vMin[b] = Infinity;
        this.vMax[b] = -Infinity;
      }
      const raw = src[offset + i * stride];
      const v = map ? map(raw) : raw;
      if (!(v > -Infinity && v < Infinity)) continue; // NaN and ±∞ are gaps
      if (v < this.vMin[b]) {
        this.vMin[b] = v;
        this.iMin[b] = i;
      }
      if (v > this.vMax[b]) {
        this.vMax[b] = v;
        this.iMax[b] = i;
      }
    }
    this.rows = rows;
    return true;
  }

  private merge(): void {
    const half = Math.ceil(this.m / 2);
    for (let j = 0; j < half; j++) {
      const a = 2 * j;
      const b = a + 1;
      let iMin = this.iMin[a];
      let vMin = this.vMin[a];
      let iMax = this.iMax[a];
      let vMax = this.vMax[a];
      if (b < this.m) {
        if (this.iMin[b] >= 0 && (iMin < 0 || this.vMin[b] < vMin)) {
          vMin = this.vMin[b];
          iMin = this.iMin[b];
        }
        if (this.iMax[b] >= 0 && (iMax < 0 || this.vMax[b] > vMax)) {
          vMax = this.vMax[b];
          iMax = this.iMax[b];
        }
      }
      this.iMin[j] = iMin;
      this.vMin[j] = vMin;
      this.iMax[j] = iMax;
      this.vMax[j] = vMax;
    }
    this.m = half;
    this.k *= 2;
  }

  /** The picked points (a view reused between calls): each bucket's min and max in row order. */
  points(): Downsampled {
    const { idx, y } = this.out;
    let n = 0;
    for (let b = 0; b < this.m; b++) {
      const a = this.iMin[b];
      const c = this.iMax[b];
      if (a < 0) {
        idx[n] = b * this.k;
        y[n++] = NaN;
      } else if (a === c) {
        idx[n] = a;
        y[n++] = this.vMin[b];
      } else if (a < c) {
        idx[n] = a;
        y[n++] = this.vMin[b];
        idx[n] = c;
        y[n++] = this.vMax[b];
      } else {
        idx[n] = c;
        y[n++] = this.vMax[b];
        idx[n] = a;
        y[n++] = this.vMin[b];
      }
    }
    this.out.length = n;
    return this.out;
  }

  /** [min, max] of every finite value folded in, merged into `into`. */
  extent(into: [number, number] = [Infinity, -Infinity]): [number, number] {
    for (let b = 0; b < this.m; b++) {
      if (this.iMin[b] < 0) continue;
      if (this.vMin[b] < into[0]) into[0] = this.vMin[b];
      if (this.vMax[b] > into[1]) into[1] = this.vMax[b];
    }
    return into;
  }
}

/**
 * Incremental debiased EMA of an append-only series (same values as `ema`); reset when smoothing changes. It
 * starts afresh at each row of `restarts` (a new run after a reset), so no run's curve leans on the one before.
 */
export class IncrementalEma {
  values = new Float64Array(256);
  rows = 0;
  private acc = 0;
  private weight = 0;

  constructor(readonly smoothing: number) {}

  /** Extend to `rows` rows; false when rows went backwards (start a new one). */
  update(src: ArrayLike<number>, rows: number, restarts: readonly number[] = []): boolean {
    if (rows < this.rows) return false;
    if (rows > this.values.length) {
      const next = new Float64Array(Math.max(rows, this.values.length * 2));
      next.set(this.values.subarray(0, this.rows));
      this.values = next;
    }
    const s = Math.min(0.999, Math.max(0, this.smoothing));
    for (let i = this.rows; i < rows; i++) {
      if (restarts.includes(i)) this.acc = this.weight = 0;
      const v = src[i];
      if (!Number.isFinite(v)) {
        this.values[i] = NaN;
        continue;
      }
      this.acc = this.acc * s + (1 - s) * v;
      this.weight = this.weight * s + (1 - s);
      this.values[i] = this.acc / this.weight;
    }
    this.rows = rows;
    return true;
  }
}

/**
 * What a line is read from: a History Column. Its `epoch` changes whenever rows already there are rewritten
 * (the History compacted or truncated them): rows then no longer only grow, and a cache must start over.
 */
export interface LineSource {
  readonly epoch: number;
}

/**
 * Per-line caches for one chart: a Decimator (and optionally an EMA) per key, rebuilt from scratch when the
 * source, its epoch, the transform or the bucket count changes, or when the series shrank (a new run).
 */
export class LineCache {
  private readonly lines = new Map<
    string,
    { source: LineSource; epoch: number; tag: string; dec: Decimator; ema: IncrementalEma | null }
  >();
  private used = new Set<string>();

  /**
   * Decimated points of column rows [0, rows) (src[offset + i·stride], through `map`, EMA-smoothed first when
   * smoothing > 0). `source` identifies the data (the History Column object, whose epoch says when its rows
   * were rewritten); `tag` the transform.
   */
  points(
    key: string,
    source: LineSource,
    src: ArrayLike<number>,
    rows: number,
    buckets: number,
    opts: {
      stride?: number;
      offset?: number;
      map?: (v: number) => number;
      tag?: string;
      smoothing?: number;
      /** Rows where the smoothing starts afresh (new runs after resets). */
      restarts?: readonly number[];
    } = {},
  ): { points: Downsampled; dec: Decimator } {
    this.used.add(key);
    const smoothing = opts.smoothing ?? 0;
    const tag = `${opts.tag ?? ''}|${opts.stride ?? 1}|${opts.offset ?? 0}|${smoothing}|${Math.max(2, Math.floor(buckets))}`;
    let e = this.lines.get(key);
    if (!e || e.source !== source || e.epoch !== source.epoch || e.tag !== tag || e.dec.rows > rows) {
      e = {
        source,
        epoch: source.epoch,
        tag,
        dec: new Decimator(buckets),
        ema: smoothing > 0 ? new IncrementalEma(smoothing) : null,
      };
      this.lines.set(key, e);
    }
    if (e.ema) {
      // EMA is defined on the raw sequence of one column (stride 1 only, as for the loss curves).
      e.ema.update(src, rows, opts.restarts);
      e.dec.update(e.ema.values, rows, 1, 0, opts.map);
    } else e.dec.update(src, rows, opts.stride ?? 1, opts.offset ?? 0, opts.map);
    return { points: e.dec.points(), dec: e.dec };
  }

  /** Drop caches of keys not asked for since the last sweep. */
  sweep(): void {
    for (const k of this.lines.keys()) if (!this.used.has(k)) this.lines.delete(k);
    this.used = new Set();
  }
}
