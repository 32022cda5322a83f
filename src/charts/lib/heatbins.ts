// Incremental binning for the gradient heatmap (pure; unit-tested in node).
// A run can have thousands of steps × hundreds of positions, and rows arrive up to 30×/s, so rows are folded
// into at most `maxCols` column bins once, as they arrive: when the bins are full, adjacent pairs merge and the
// bin size doubles. Each cell keeps the sum and count of log10 values (a geometric mean), so drawing only
// reads maxCols×T cells no matter how long the run is. Given the rows' steps, bins are equal spans of training
// steps rather than of rows: the History keeps old rows as min/max pairs of buckets of many steps (compaction),
// so rows are not one per step there.

export class HeatBins {
  /** Rows per bin (a power of two). */
  binSize = 1;
  /** Bins in use. */
  cols = 0;
  /** Rows folded in so far. */
  rows = 0;
  /** Positions covered so far: the last folded row's position + 1 (= rows when positions are row indices). */
  extent = 0;
  /** Step of the first row (positions are steps − origin), when steps are given. */
  private origin = NaN;
  /** Extent of every finite log10 value seen (only grows, so colours stay stable between frames). */
  lo = Infinity;
  hi = -Infinity;
  /** First bin changed since the last `clearDirty()` (cols when none); 0 after a merge. */
  dirtyFrom = 0;
  readonly sum: Float64Array;
  readonly count: Uint32Array;

  constructor(
    /** Values per row (sequence length). */
    readonly T: number,
    /** At most this many bins (≥ 2). */
    readonly maxCols: number,
  ) {
    if (maxCols < 2) throw new Error('HeatBins needs maxCols ≥ 2');
    this.sum = new Float64Array(maxCols * T);
    this.count = new Uint32Array(maxCols * T);
  }

  /**
   * Fold in rows this.rows … toRow-1 of the row-major rows×T matrix `src`; g ≤ 0 or non-finite is skipped. Row
   * r sits at position r, or with `steps` (ascending, one per row) at steps[r] − steps[0].
   */
  addRows(src: ArrayLike<number>, toRow: number, steps?: ArrayLike<number>): void {
    const T = this.T;
    if (steps && this.origin !== this.origin && toRow > 0) this.origin = steps[0];
    for (let r = this.rows; r < toRow; r++) {
      const pos = steps ? Math.max(0, steps[r] - this.origin) : r;
      let c = Math.floor(pos / this.binSize);
      while (c >= this.maxCols) {
        this.merge();
        c = Math.floor(pos / this.binSize);
      }
      if (pos + 1 > this.extent) this.extent = pos + 1;
      const base = c * T;
      for (let t = 0; t < T; t++) {
        const g = src[r * T + t];
        if (!(g > 0) || g === Infinity) continue;
        const l = Math.log10(g);
        this.sum[base + t] += l;
        this.count[base + t]++;
        if (l < this.lo) this.lo = l;
        if (l > this.hi) this.hi = l;
      }
      if (c + 1 > this.cols) this.cols = c + 1;
      if (c < this.dirtyFrom) this.dirtyFrom = c;
    }
    if (toRow > this.rows) this.rows = toRow;
  }

  /** Mean log10 value of bin c at position t (0-based); NaN when the cell has no finite value. */
  mean(c: number, t: number): number {
    const k = c * this.T + t;
    return this.count[k] ? this.sum[k] / this.count[k] : NaN;
  }

  /** Positions [start, end) covered by bin c (rows, or steps from the first row's). */
  binRows(c: number): [number, number] {
    return [c * this.binSize, Math.min((c + 1) * this.binSize, this.extent)];
  }

  clearDirty(): void {
    this.dirtyFrom = this.cols;
  }

  private merge(): void {
    const T = this.T;
    const half = Math.ceil(this.cols / 2);
    for (let j = 0; j < half; j++) {
      const a = 2 * j * T;
      const b = (2 * j + 1) * T;
      const hasB = 2 * j + 1 < this.cols;
      for (let t = 0; t < T; t++) {
        const s = this.sum[a + t] + (hasB ? this.sum[b + t] : 0);
        const n = this.count[a + t] + (hasB ? this.count[b + t] : 0);
        this.sum[j * T + t] = s;
        this.count[j * T + t] = n;
      }
    }
    this.sum.fill(0, half * T);
    this.count.fill(0, half * T);
    this.cols = half;
    this.binSize *= 2;
    this.dirtyFrom = 0;
  }
}

/** Largest power of two ≤ n, at least 2 (bins never outnumber pixel columns). */
export function binColumnsFor(pixels: number): number {
  let p = 2;
  while (p * 2 <= pixels) p *= 2;
  return p;
}

/** RGBA lookup table of `size` entries sampled from a colour interpolator (e.g. d3.interpolateViridis). */
export function makeLut(
  interpolate: (t: number) => string,
  parse: (c: string) => [number, number, number],
  size = 256,
): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(size * 4);
  for (let i = 0; i < size; i++) {
    const [r, g, b] = parse(interpolate(size === 1 ? 0 : i / (size - 1)));
    lut[4 * i] = r;
    lut[4 * i + 1] = g;
    lut[4 * i + 2] = b;
    lut[4 * i + 3] = 255;
  }
  return lut;
}

/** Index into a LUT of `size` entries for v on [lo, hi] (clamped; a degenerate domain maps to the middle). */
export function lutIndex(v: number, lo: number, hi: number, size = 256): number {
  if (!(hi > lo)) return size >> 1;
  const k = Math.floor(((v - lo) / (hi - lo)) * size);
  return k < 0 ? 0 : k >= size ? size - 1 : k;
}
