// The sweep chart's axes (λ on a log axis with 0 set one grid step left of the smallest λ > 0; factor sizes by
// parameter count or ms per step) and the sweep panel's pure helpers: the grid parsers, the time left, and
// finished points merged once each in grid order.
import { describe, expect, it } from 'vitest';
import { factorAxis, lambdaAxis, metricPoints, yScale } from '../../src/charts/SweepChart';
import type { SweepPointResult } from '../../src/engine/sweep';
import { logGrid } from '../../src/engine/sweep';
import { formatDuration, parseFactorList, parseLambdaList, withResult } from '../../src/app/sweep-store';

function result(index: number, patch: Partial<SweepPointResult> = {}): SweepPointResult {
  return {
    index,
    id: `p${index}`,
    label: `p${index}`,
    lambda: 0,
    factors: [2, 2],
    steps: 10,
    window: 1,
    finalLoss: 1,
    accuracy: null,
    testAccuracy: null,
    fullDeviation: 0.1,
    spectralNorm: 1,
    gradRatio: 2,
    params: { recurrent: 16, total: 100 },
    msPerStep: 5,
    diverged: null,
    curve: { steps: [10], loss: [1] },
    ...patch,
  };
}

const at = (lambda: number) => result(0, { lambda });

describe('lambdaAxis', () => {
  it('puts 0 one grid step (a decade at least) left of the smallest λ > 0, behind a break, with decade ticks', () => {
    const a = lambdaAxis(logGrid(1e-4, 10, 12)); // λ > 0 half a decade apart
    expect(a.u(at(1e-4))).toBeCloseTo(-4, 12);
    expect(a.u(at(10))).toBeCloseTo(1, 12);
    expect(a.u(at(0))).toBeCloseTo(-5, 12);
    expect(a.breakAt).toBeCloseTo(-4.5, 12);
    expect(a.domain[0]).toBeLessThan(-5);
    expect(a.domain[1]).toBeGreaterThan(1);
    expect(a.ticks.map((t) => t.label)).toEqual(['0', '10⁻⁴', '0.01', '1']);
    expect(a.ticks[0].u).toBe(a.u(at(0)));
  });

  it('keeps the step between 1 and 2 decades, and has no 0 or break without λ = 0', () => {
    const wide = lambdaAxis([0, 1e-6, 1]); // 6 decades apart: 0 two decades left
    expect(wide.u(at(0))).toBeCloseTo(-8, 12);
    const noZero = lambdaAxis([0.01, 0.1, 1]);
    expect(noZero.breakAt).toBeNull();
    expect(noZero.ticks.map((t) => t.label)).toEqual(['0.01', '0.1', '1']);
    const onlyZero = lambdaAxis([0]);
    expect(onlyZero.u(at(0))).toBe(0);
    expect(onlyZero.domain[0]).toBeLessThan(0);
    expect(onlyZero.domain[1]).toBeGreaterThan(0);
  });
});

describe('factorAxis', () => {
  const results = [
    result(0, { params: { recurrent: 24, total: 1 }, msPerStep: 12 }),
    result(1, { params: { recurrent: 8192, total: 1 }, msPerStep: 40 }),
  ];

  it('reads the recurrent parameter count on a log axis', () => {
    const a = factorAxis(results, 'params');
    expect(a.u(results[1])).toBeCloseTo(Math.log10(8192), 12);
    expect(a.ticks.map((t) => t.label)).toEqual(['100', '1000', '10,000']);
    expect(a.label).toBe('recurrent parameters');
  });

  it('reads ms per step on a linear axis from 0', () => {
    const a = factorAxis(results, 'ms');
    expect(a.u(results[0])).toBe(12);
    expect(a.domain[0]).toBe(0);
    expect(a.domain[1]).toBeGreaterThanOrEqual(40);
  });
});

describe('metricPoints and yScale', () => {
  it('keeps the finite values in x order and skips points without the metric', () => {
    const axis = lambdaAxis([0, 0.1, 1]);
    const pts = metricPoints(
      [
        result(2, { lambda: 1, finalLoss: 3 }),
        result(0, { lambda: 0, finalLoss: null }),
        result(1, { lambda: 0.1 }),
      ],
      'finalLoss',
      axis,
    );
    expect(pts.map((p) => [p.index, p.y])).toEqual([
      [1, 1],
      [2, 3],
    ]);
  });

  it('is logarithmic only over positive values', () => {
    expect('base' in yScale([1e-6, 1], true)).toBe(true);
    expect('base' in yScale([0, 1], true)).toBe(false);
    expect(yScale([0.5], false).domain()[0]).toBeLessThan(0.5);
    expect(yScale([0.2, 0.9], false, [0, 1]).domain()).toEqual([0, 1]);
    expect(yScale([0.01, 3], false).domain()[0]).toBe(0); // non-negative values: no axis below 0
    expect(yScale([-1, 3], false).domain()[0]).toBeLessThan(-1);
  });
});

describe('the sweep panel’s inputs', () => {
  it('reads λ lists and factorisations, naming a bad entry', () => {
    expect(parseLambdaList('0, 1e-3;0.1  10')).toEqual([0, 1e-3, 0.1, 10]);
    expect(() => parseLambdaList('0, ten')).toThrow('"ten" is not a number');
    expect(parseFactorList('2x2x2, 4×2, 8')).toEqual([[2, 2, 2], [4, 2], [8]]);
    expect(() => parseFactorList('2x, 8')).toThrow('"2x" is not a factorisation');
  });

  it('writes the time left in seconds, minutes or hours', () => {
    expect(formatDuration(NaN)).toBe('…');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });

  it('keeps each finished point once, in grid order', () => {
    const once = withResult([result(2)], result(0));
    expect(withResult(once, result(0, { finalLoss: 5 })).map((r) => [r.index, r.finalLoss])).toEqual([
      [0, 5],
      [2, 1],
    ]);
  });
});
