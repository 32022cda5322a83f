// Compaction of the History's older rows into min/max buckets, so that a run of any length keeps flat memory.
//
// Row layout of every column (the steps column included):
//
//   row 0                     the run's first row, kept exact ("step 1" of the gradient profile)
//   rows 1 … 2B               B buckets, two rows each: bucket b's element-wise minimum at row 1 + 2b and its
//                             element-wise maximum at row 2 + 2b, over `size` consecutive original rows (the
//                             last bucket may hold fewer); NaN-aware: the min / max of the values that are not
//                             NaN, NaN only where every one is
//   rows 1 + 2B …             full resolution: the most recent rows, as appended
//
// Steps are compacted the same way, so a bucket's min row carries its first step and its max row its last: the
// steps column stays non-decreasing, and every metric keeps its envelope (a spike is a bucket's max) on a step
// axis. When the full-resolution rows reach RECENT_ROWS + CHUNK_ROWS, the oldest CHUNK_ROWS of them fold into
// the buckets; when the buckets would exceed MAX_BUCKETS, adjacent pairs merge (min of mins, max of maxes) and
// the bucket size doubles. Buckets start at 2 rows (a 1-row bucket would only double the memory).
// Pure functions of plain data; the History drives them (history.ts).
import type { Column } from './column';

/** Rows kept at full resolution at least (the most recent ones). */
export const RECENT_ROWS = 4096;
/** Rows folded into buckets at a time (compaction is amortised: once every CHUNK_ROWS appended rows). */
export const CHUNK_ROWS = 2048;
/** Buckets at most (2 rows each). */
export const MAX_BUCKETS = 2048;
/** Original rows per bucket before any merge. */
export const FIRST_BUCKET_SIZE = 2;
/** Rows of a column at rest, at most: the first row, the buckets and the full-resolution rows. */
export const MAX_ROWS_AT_REST = 1 + 2 * MAX_BUCKETS + RECENT_ROWS + CHUNK_ROWS - 1;
/** Room for the rows of one snapshot on top of that before a column grows past its cap. */
export const SNAPSHOT_ROOM = 256;
/** Each column's row cap (its memory bound: ROW_CAP × width float32s). */
export const ROW_CAP = MAX_ROWS_AT_REST + SNAPSHOT_ROOM;

/** Where the buckets stand: how many, their size in original rows, and the rows in the last one. */
export interface Compaction {
  buckets: number;
  size: number;
  last: number;
}

export const NO_COMPACTION: Readonly<Compaction> = { buckets: 0, size: FIRST_BUCKET_SIZE, last: 0 };

/** First full-resolution row. */
export function fullFrom(c: Compaction): number {
  return c.buckets ? 1 + 2 * c.buckets : 0;
}

/** The first row a compaction folds: the first full-resolution row after row 0 (which is never compacted). */
function chunkStart(c: Compaction): number {
  return 1 + 2 * c.buckets;
}

/** Whether a column of `rows` rows has enough full-resolution rows to fold a chunk. */
export function due(c: Compaction, rows: number): boolean {
  return rows - chunkStart(c) >= RECENT_ROWS + CHUNK_ROWS;
}

/**
 * What folding `chunk` rows does, decided from the counts alone (the same for every column): `groups` holds, in
 * order, pairs (bucket, rows): the next `rows` chunk rows go to that bucket (a new one when it equals the bucket
 * count at that moment, else the last one, which they extend), or (MERGE, 0) for a pairwise merge.
 */
export interface Plan {
  from: Compaction;
  to: Compaction;
  chunk: number;
  groups: Int32Array;
}

const MERGE = -1;

export function plan(from: Compaction, chunk: number): Plan {
  const groups: number[] = [];
  let { buckets: B, size: k, last } = from;
  let i = 0;
  const take = (b: number, room: number) => {
    const n = Math.min(room, chunk - i);
    groups.push(b, n);
    i += n;
    return n;
  };
  while (i < chunk) {
    if (B > 0 && last < k) {
      last += take(B - 1, k - last);
      continue;
    }
    if (B === MAX_BUCKETS) {
      groups.push(MERGE, 0);
      last = B % 2 ? last : k + last; // the last pair: a full bucket and the last one, or the last alone
      B = Math.ceil(B / 2);
      k *= 2;
      continue;
    }
    B++;
    last = take(B - 1, k);
  }
  return { from, to: { buckets: B, size: k, last }, chunk, groups: Int32Array.from(groups) };
}

let pair = new Float32Array(0);

/**
 * Applies plan `p` to one column, in place: its chunk rows fold into the buckets, the rows after it move up.
 * Writing never overtakes reading: a new bucket of r ≥ 2 rows takes 2, and only a chunk's last bucket can
 * start with a single row (its two rows are then written after the rows after the chunk have moved).
 */
export function compactColumn(col: Column, p: Plan): void {
  const w = col.width;
  if (w === 0) return;
  const data = col.view();
  const g = p.groups;
  let B = p.from.buckets;
  let src = 1 + 2 * B; // the next chunk row
  const end = src + p.chunk;
  let tail = pair.subarray(0, 0);
  for (let x = 0; x < g.length; x += 2) {
    const b = g[x];
    const rows = g[x + 1];
    if (b === MERGE) {
      B = mergePairs(data, B, w);
      continue;
    }
    const fresh = b === B;
    if (fresh && rows === 1) {
      // Only as the last group: its max row would land on a row not read yet.
      if (pair.length < 2 * w) pair = new Float32Array(2 * w);
      tail = pair.subarray(0, 2 * w);
      tail.set(data.subarray(src * w, (src + 1) * w));
      tail.set(data.subarray(src * w, (src + 1) * w), w);
    } else foldRows(data, w, 1 + 2 * b, src, rows, fresh);
    if (fresh) B++;
    src += rows;
  }
  const regionEnd = 1 + 2 * B - tail.length / w;
  col.replaceRows(regionEnd, end - regionEnd, tail);
}

/**
 * Folds rows [src, src + rows) into the bucket whose min row is `at` (its max row next): element-wise, NaN-aware
 * min and max, over the bucket's own rows too unless it is `fresh`.
 */
function foldRows(d: Float32Array, w: number, at: number, src: number, rows: number, fresh: boolean): void {
  const mn = at * w;
  const mx = mn + w;
  const s0 = src * w;
  const end = s0 + rows * w;
  for (let j = 0; j < w; j++) {
    let lo = fresh ? d[s0 + j] : d[mn + j];
    let hi = fresh ? lo : d[mx + j];
    for (let q = s0 + j + (fresh ? w : 0); q < end; q += w) {
      const v = d[q];
      if (v < lo || lo !== lo) lo = v;
      if (v > hi || hi !== hi) hi = v;
    }
    d[mn + j] = lo;
    d[mx + j] = hi;
  }
}

/** Merges buckets (0, 1), (2, 3), … (rows 1 … 2B of d) in place; returns the new count. */
function mergePairs(d: Float32Array, B: number, w: number): number {
  const half = Math.ceil(B / 2);
  for (let j = 0; j < half; j++) {
    const a = (1 + 4 * j) * w; // bucket 2j's min row; its max row, then bucket 2j + 1's min and max rows follow
    const out = (1 + 2 * j) * w;
    if (2 * j + 1 < B) {
      for (let e = 0; e < w; e++) {
        const m1 = d[a + e];
        const m2 = d[a + 2 * w + e];
        d[out + e] = m2 < m1 || m1 !== m1 ? m2 : m1;
        const x1 = d[a + w + e];
        const x2 = d[a + 3 * w + e];
        d[out + w + e] = x2 > x1 || x1 !== x1 ? x2 : x1;
      }
    } else d.copyWithin(out, a, a + 2 * w);
  }
  return half;
}

/**
 * Where row r is after plan `p` (for run starts): a row of a bucket, or of the chunk, goes to the min row of
 * the bucket that holds it; the first row stays; rows after the chunk move up with it. Returns an ascending,
 * duplicate-free list for ascending `rows`.
 */
export function mapRows(rows: readonly number[], p: Plan): number[] {
  const B0 = p.from.buckets;
  const chunkAt = 1 + 2 * B0;
  const end = chunkAt + p.chunk;
  // Each chunk row's bucket once every merge is done: the bucket it went to, halved by each later merge.
  const g = p.groups;
  let merges = 0;
  for (let x = 0; x < g.length; x += 2) if (g[x] === MERGE) merges++;
  const bucketOf = new Int32Array(p.chunk);
  let seen = 0;
  let i = 0;
  for (let x = 0; x < g.length; x += 2) {
    if (g[x] === MERGE) seen++;
    else bucketOf.fill(g[x] >> (merges - seen), i, (i += g[x + 1]));
  }
  const out: number[] = [];
  for (const r of rows) {
    let m: number;
    if (r < 1) m = r;
    else if (r < chunkAt) m = 1 + 2 * (Math.floor((r - 1) / 2) >> merges);
    else if (r < end) m = 1 + 2 * bucketOf[r - chunkAt];
    else m = r - 2 * B0 - p.chunk + 2 * p.to.buckets;
    if (out[out.length - 1] !== m) out.push(m);
  }
  return out;
}
