// One growable float32 column of the run History: `width` values per row, rows appended at the end and, when the
// History compacts or truncates, rewritten in place. Pure data.

/** A float column that grows by doubling (up to a cap); `view()` is a zero-copy subarray of the filled part. */
export class Column {
  private buf: Float32Array;
  length = 0;
  /**
   * Bumped whenever rows already there are rewritten or dropped (compaction, truncation): a cache built from this
   * column's rows (decimated lines, an EMA) must start over when it changed. Appends leave it alone.
   */
  epoch = 0;

  constructor(
    /** values per row */
    readonly width = 1,
    /**
     * Doubling stops at this many rows (the History's bound at rest plus room for a snapshot); only a single
     * append that needs more grows past it, to exactly what it needs.
     */
    readonly maxRows = Infinity,
  ) {
    this.buf = new Float32Array(Math.max(64, width * Math.min(64, maxRows)));
  }

  /** A column holding `values` (copied), with just the room they need and a little more. */
  static of(width: number, values: Float32Array, maxRows = Infinity): Column {
    const c = new Column(width, maxRows);
    c.append(values);
    return c;
  }

  get rows(): number {
    return this.width === 0 ? 0 : this.length / this.width;
  }

  /** Float32 values allocated (the memory this column holds is 4 bytes each). */
  get capacity(): number {
    return this.buf.length;
  }

  append(values: ArrayLike<number>): void {
    this.reserve(this.length + values.length);
    this.buf.set(values, this.length);
    this.length += values.length;
  }

  /** Appends `rows` rows of NaN (a model that sent no rows for a chunk: the columns stay aligned). */
  appendNaN(rows: number): void {
    const n = rows * this.width;
    this.reserve(this.length + n);
    this.buf.fill(NaN, this.length, this.length + n);
    this.length += n;
  }

  view(): Float32Array {
    return this.buf.subarray(0, this.length);
  }

  /** Row i (width values). */
  row(i: number): Float32Array {
    return this.buf.subarray(i * this.width, (i + 1) * this.width);
  }

  /** Keeps the first `rows` rows. */
  truncateRows(rows: number): void {
    const n = Math.max(0, Math.min(this.length, rows * this.width));
    if (n === this.length) return;
    this.length = n;
    this.epoch++;
  }

  /** Replaces rows [start, start + remove) by the rows in `insert` (a multiple of width), moving the rows after. */
  replaceRows(start: number, remove: number, insert: Float32Array): void {
    const w = this.width;
    if (w === 0) return;
    const a = start * w;
    const b = Math.min(this.length, (start + remove) * w);
    const next = this.length - (b - a) + insert.length;
    this.reserve(next);
    this.buf.copyWithin(a + insert.length, b, this.length);
    this.buf.set(insert, a);
    this.length = next;
    this.epoch++;
  }

  /** Gives back memory past the cap once the rows fit under it again (after a large snapshot was compacted). */
  fit(): void {
    const cap = this.maxRows * this.width;
    if (this.buf.length > Math.max(64, cap) && this.length <= cap) {
      const next = new Float32Array(Math.max(64, cap));
      next.set(this.view());
      this.buf = next;
    }
  }

  private reserve(n: number): void {
    if (n <= this.buf.length) return;
    const cap = this.maxRows * this.width;
    const next = new Float32Array(Math.max(Math.min(this.buf.length * 2, cap), n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}
