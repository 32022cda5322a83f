// Glue between History columns and XYPanel lines (steps on x).
import type { History } from '../../history/history';
import { linePathAffine, type Downsampled } from './data';
import type { XYPanel } from './panel';

/** Log axes: non-positive values are gaps (log 0 is undefined, not "very small"). */
export const positiveOnly = (v: number): number => (v > 0 ? v : NaN);

/** [first, last] step of the run (widened when there is a single row). */
export function stepDomain(h: History): [number, number] {
  const s = h.steps.view();
  const n = s.length;
  if (n === 0) return [0, 1];
  return n === 1 || s[0] === s[n - 1] ? [s[0] - 0.5, s[n - 1] + 0.5] : [s[0], s[n - 1]];
}

/** Path of picked points against training step; values below `floor` are drawn on it (log axes). */
export function stepPath(
  panel: XYPanel,
  steps: ArrayLike<number>,
  pts: Downsampled,
  floor = -Infinity,
): string {
  const [ax, bx] = affine(panel.x.domain(), panel.x.range());
  const logY = panel.logY;
  const yd = panel.y.domain().map((v) => (logY ? Math.log10(v) : v));
  const [ay, by] = affine(yd, panel.y.range());
  return linePathAffine(pts, steps, ax, bx, ay, by, logY, floor);
}

/** Coefficients of the affine map taking domain [d0, d1] to range [r0, r1]. */
export function affine(d: number[], r: number[]): [number, number] {
  const a = d[1] === d[0] ? 0 : (r[1] - r[0]) / (d[1] - d[0]);
  return [a, r[0] - a * d[0]];
}
