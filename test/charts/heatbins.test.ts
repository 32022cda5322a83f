import { describe, expect, it } from 'vitest';
import { HeatBins, binColumnsFor, lutIndex, makeLut } from '../../src/charts/lib/heatbins';
import { factorShapes, recurrentCounts } from '../../src/charts/lib/params';

describe('HeatBins', () => {
  it('geometric means per bin; pairs merge and the bin size doubles when full', () => {
    const T = 2;
    const rows = 10;
    // row r: [10^r, 10^-r]
    const src = new Float32Array(rows * T);
    for (let r = 0; r < rows; r++) {
      src[r * T] = 10 ** r;
      src[r * T + 1] = 10 ** -r;
    }
    const b = new HeatBins(T, 4);
    b.addRows(src, 3);
    expect(b.binSize).toBe(1);
    expect(b.cols).toBe(3);
    b.addRows(src, rows);
    expect(b.binSize).toBe(4); // 10 rows into ≤ 4 bins
    expect(b.cols).toBe(3);
    expect(b.mean(0, 0)).toBeCloseTo((0 + 1 + 2 + 3) / 4, 5);
    expect(b.mean(2, 1)).toBeCloseTo(-(8 + 9) / 2, 5);
    expect(b.binRows(2)).toEqual([8, 10]);
    expect(b.lo).toBeCloseTo(-9, 5);
    expect(b.hi).toBeCloseTo(9, 5);
  });
  it('skips zeros and non-finite values; an empty cell is NaN', () => {
    const b = new HeatBins(1, 4);
    b.addRows([0, NaN, Infinity], 3);
    expect(Number.isNaN(b.mean(0, 0))).toBe(true);
    expect(b.lo).toBe(Infinity);
  });
  it('tracks the first dirty bin', () => {
    const b = new HeatBins(1, 8);
    b.addRows([1, 1, 1], 3);
    b.clearDirty();
    expect(b.dirtyFrom).toBe(3);
    b.addRows([1, 1, 1, 1], 4);
    expect(b.dirtyFrom).toBe(3);
  });
  it('bins by step when given the steps: rows that are not one per step (compacted) fall in their steps’ bins', () => {
    // Rows at steps 1, 3, 4 (a bucket's min and max rows), then 9 … 12.
    const steps = [1, 3, 4, 9, 10, 11, 12];
    const src = steps.map((s) => 10 ** s);
    const b = new HeatBins(1, 4);
    b.addRows(src, 3, steps);
    expect(b.extent).toBe(4); // positions 0 … 3 (steps 1 … 4)
    expect(b.binSize).toBe(1);
    b.addRows(src, steps.length, steps);
    expect(b.rows).toBe(7);
    expect(b.extent).toBe(12); // steps 1 … 12
    expect(b.binSize).toBe(4); // 12 steps into ≤ 4 bins
    expect(b.cols).toBe(3);
    expect(b.binRows(0)).toEqual([0, 4]);
    expect(b.mean(0, 0)).toBeCloseTo((1 + 3 + 4) / 3, 5);
    expect(b.mean(1, 0)).toBeNaN(); // steps 5 … 8: no row
    expect(b.mean(2, 0)).toBeCloseTo((9 + 10 + 11 + 12) / 4, 5);
  });
  it('binColumnsFor never exceeds the pixel count', () => {
    expect(binColumnsFor(600)).toBe(512);
    expect(binColumnsFor(512)).toBe(512);
    expect(binColumnsFor(1)).toBe(2);
  });
  it('lut and lutIndex', () => {
    const lut = makeLut(
      (t) => `rgb(${Math.round(t * 255)},0,0)`,
      (c) => [Number(c.slice(4).split(',')[0]), 0, 0],
      4,
    );
    expect(Array.from(lut)).toEqual([0, 0, 0, 255, 85, 0, 0, 255, 170, 0, 0, 255, 255, 0, 0, 255]);
    expect(lutIndex(-5, 0, 1)).toBe(0);
    expect(lutIndex(5, 0, 1)).toBe(255);
    expect(lutIndex(0.5, 0, 1)).toBe(128);
    expect(lutIndex(3, 3, 3)).toBe(128);
  });
});

describe('parameter text', () => {
  it('counts N² vs 2·Σp_f²', () => {
    const c = recurrentCounts([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(c.N).toBe(1024);
    expect(c.dense).toBe(1048576);
    expect(c.kronecker).toBe(80);
  });
  it('factor shapes', () => {
    expect(factorShapes([2, 4])).toBe('2×2 ⊗ 4×4');
    expect(factorShapes([2, 2, 2, 2, 2, 2])).toBe('2×2 ⊗ 2×2 ⊗ … ⊗ 2×2 (6 factors)');
  });
});
