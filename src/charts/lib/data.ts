// Pure numeric helpers for the charts: no DOM, no d3 (unit-tested in node). Number formatting is in
// core/format.ts.
//
// Long runs have tens of thousands of rows per series while a chart is a few hundred pixels wide, so every
// line goes through minMaxDownsample before a path string is built.

import { PathText } from './path-text';

/** Points picked from a series: row indices and the (possibly transformed) values; NaN = gap. */
export interface Downsampled {
  length: number;
  idx: Int32Array;
  y: Float64Array;
}

/**
 * Min/max decimation by row index: split rows 0..rows-1 into `buckets` equal runs and keep each run's minimum
 * and maximum (in row order), so spikes survive and the output has ≤ 2 points per bucket. Series with ≤ 2 points
 * per bucket pass through unchanged. Reads src[offset + i·stride] (a column of a row-major matrix).
 * `map` transforms values first (e.g. non-positive → NaN on a log axis); non-finite values are gaps, and a
 * bucket with no finite value yields a single NaN point so the line breaks there.
 */
export function minMaxDownsample(
  src: ArrayLike<number>,
  rows: number,
  buckets: number,
  stride = 1,
  offset = 0,
  map?: (v: number) => number,
): Downsampled {
  const B = Math.max(1, Math.floor(buckets));
  const n = Math.max(0, Math.min(rows, Math.floor((src.length - offset + stride - 1) / stride)));
  const value = (i: number) => {
    const v = src[offset + i * stride];
    const m = map ? map(v) : v;
    return Number.isFinite(m) ? m : NaN;
  };
  if (n <= 2 * B) {
    const idx = new Int32Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      idx[i] = i;
      y[i] = value(i);
    }
    return { length: n, idx, y };
  }
  const idx = new Int32Array(2 * B);
  const y = new Float64Array(2 * B);
  let m = 0;
  for (let b = 0; b < B; b++) {
    const lo = Math.floor((b * n) / B);
    const hi = Math.floor(((b + 1) * n) / B);
    let iMin = -1;
    let iMax = -1;
    let vMin = Infinity;
    let vMax = -Infinity;
    for (let i = lo; i < hi; i++) {
      const v = value(i);
      if (v !== v) continue; // NaN
      if (v < vMin) {
        vMin = v;
        iMin = i;
      }
      if (v > vMax) {
        vMax = v;
        iMax = i;
      }
    }
    if (iMin < 0) {
      idx[m] = lo;
      y[m++] = NaN;
    } else if (iMin === iMax) {
      idx[m] = iMin;
      y[m++] = vMin;
    } else if (iMin < iMax) {
      idx[m] = iMin;
      y[m++] = vMin;
      idx[m] = iMax;
      y[m++] = vMax;
    } else {
      idx[m] = iMax;
      y[m++] = vMax;
      idx[m] = iMin;
      y[m++] = vMin;
    }
  }
  return { length: m, idx, y };
}

/**
 * Debiased exponential moving average (as TensorBoard's smoothing slider): s = 0 returns the data, s → 1
 * smooths more; the debiasing keeps the first points from being pulled towards 0. Non-finite inputs produce NaN
 * at their row and do not disturb the running average. Writes into `out` when it is long enough.
 */
export function ema(
  src: ArrayLike<number>,
  rows: number,
  smoothing: number,
  out?: Float64Array,
  stride = 1,
  offset = 0,
): Float64Array {
  const s = Math.min(0.999, Math.max(0, Number.isFinite(smoothing) ? smoothing : 0));
  const res = out && out.length >= rows ? out : new Float64Array(rows);
  let acc = 0;
  let weight = 0;
  for (let i = 0; i < rows; i++) {
    const v = src[offset + i * stride];
    if (!Number.isFinite(v)) {
      res[i] = NaN;
      continue;
    }
    acc = acc * s + (1 - s) * v;
    weight = weight * s + (1 - s);
    res[i] = acc / weight;
  }
  return res;
}

/** [min, max] of the finite values (positive only when `positive`), merged into `into`; [Inf, -Inf] if none. */
export function finiteExtent(
  src: ArrayLike<number>,
  rows: number,
  positive = false,
  stride = 1,
  offset = 0,
  into: [number, number] = [Infinity, -Infinity],
): [number, number] {
  let lo = into[0];
  let hi = into[1];
  for (let i = 0; i < rows; i++) {
    const v = src[offset + i * stride];
    if (!Number.isFinite(v) || (positive && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  into[0] = lo;
  into[1] = hi;
  return into;
}

/**
 * A linear axis domain around [lo, hi] (plus `include`), padded by `pad` of its span and at least `minSpan` wide
 * (widened about its middle); [0, 1] when empty.
 */
export function linearDomain(
  lo: number,
  hi: number,
  include: number[] = [],
  pad = 0.05,
  minSpan = 0,
): [number, number] {
  for (const v of include) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(lo <= hi)) return [0, 1];
  let a: number;
  let b: number;
  if (lo === hi) {
    const d = Math.abs(lo) * 0.1 || 1;
    [a, b] = [lo - d, hi + d];
  } else {
    const d = (hi - lo) * pad;
    [a, b] = [lo - d, hi + d];
  }
  if (b - a < minSpan) {
    const mid = (a + b) / 2;
    [a, b] = [mid - minSpan / 2, mid + minSpan / 2];
  }
  return [a, b];
}

/**
 * A log axis domain around the positive [lo, hi] (plus `include`), never below `floor`, padded by `pad` of its
 * span in decades and at least `minDecades` wide; [floor·…, 1]-ish fallback when there is nothing positive.
 */
export function logDomain(
  lo: number,
  hi: number,
  include: number[] = [],
  floor = 1e-12,
  pad = 0.05,
  minDecades = 1,
): [number, number] {
  for (const v of include) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(hi > 0) || !Number.isFinite(hi)) return [0.1, 10];
  lo = Math.max(floor, Number.isFinite(lo) && lo > 0 ? lo : floor);
  hi = Math.max(hi, lo);
  let a = Math.log10(lo);
  let b = Math.log10(hi);
  const span = b - a;
  a -= span * pad;
  b += span * pad;
  if (b - a < minDecades) {
    const mid = (a + b) / 2;
    a = mid - minDecades / 2;
    b = mid + minDecades / 2;
  }
  return [Math.max(10 ** a, floor), 10 ** b];
}

/** Index of the element of the ascending `sorted[0..n)` nearest to `v` (-1 when n = 0). */
export function nearestIndex(sorted: ArrayLike<number>, n: number, v: number): number {
  if (n <= 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(sorted[lo - 1] - v) <= Math.abs(sorted[lo] - v)) return lo - 1;
  return lo;
}

/** Integer powers of ten inside [lo, hi] (lo, hi > 0), thinned to at most `max` ticks. */
export function pow10Ticks(lo: number, hi: number, max = 6): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const a = Math.ceil(Math.log10(lo) - 1e-9);
  const b = Math.floor(Math.log10(hi) + 1e-9);
  const count = b - a + 1;
  if (count <= 0) return [];
  const step = Math.max(1, Math.ceil(count / Math.max(1, max)));
  const out: number[] = [];
  for (let k = a; k <= b; k += step) out.push(k);
  return out;
}

/**
 * Ticks for an axis of whole numbers (training steps, positions): at most about `count` of them, 1-2-5 spaced,
 * never closer than 1, so a run of a few steps shows "1, 2, 3", not "1, 1.5, 2".
 */
export function integerTicks(lo: number, hi: number, count: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return [];
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const e = raw / p;
  const step = Math.max(1, (e >= Math.sqrt(50) ? 10 : e >= Math.sqrt(10) ? 5 : e >= Math.SQRT2 ? 2 : 1) * p);
  const out: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi; k++) if (k * step >= lo) out.push(k * step);
  return out;
}

/**
 * SVG path data for picked points: x from the row index, y from the value; NaN values and non-finite
 * coordinates break the line. Coordinates are rounded to 0.1 px to keep the string short.
 */
export function linePath(
  ds: Downsampled,
  xOf: (row: number) => number,
  yOf: (value: number) => number,
): string {
  const path = new PathText();
  for (let k = 0; k < ds.length; k++) {
    const v = ds.y[k];
    const x = v === v ? xOf(ds.idx[k]) : NaN;
    const y = v === v ? yOf(v) : NaN;
    if (Number.isFinite(x) && Number.isFinite(y)) path.point(x, y);
    else path.gap();
  }
  return path.text();
}

/**
 * linePath for the common case of affine maps, ~3× faster than calling d3 scales per point: x = ax·xs[row] + bx,
 * y = ay·f(v) + by with f = log10 when `logY` (values below `floor` are drawn at the floor).
 */
export function linePathAffine(
  ds: Downsampled,
  xs: ArrayLike<number>,
  ax: number,
  bx: number,
  ay: number,
  by: number,
  logY: boolean,
  floor = -Infinity,
): string {
  const path = new PathText();
  for (let k = 0; k < ds.length; k++) {
    let v = ds.y[k];
    if (v !== v) {
      path.gap();
      continue;
    }
    if (v < floor) v = floor;
    const x = ax * xs[ds.idx[k]] + bx;
    const y = ay * (logY ? Math.log10(v) : v) + by;
    if (x > -1e7 && x < 1e7 && y > -1e7 && y < 1e7) path.point(x, y);
    else path.gap();
  }
  return path.text();
}
