import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  factorDeviation,
  kronComplexProducts,
  kronProducts,
  kronSpectrumSummary,
} from '../../src/linalg/kron';
import {
  complexKronMatrix,
  gramDeviation,
  kronMatrix,
  realGramDeviation,
  type ComplexMatrix,
} from '../../src/linalg/dense';
import { complexSingularValues, realSingularValues } from '../../src/linalg/svd';
import { haarUnitary } from '../../src/linalg/random';
import { Rng } from '../../src/util/rng';
import { gaussian, maxAbsDiff } from './helpers';

describe('kronProducts', () => {
  it('enumerates in numpy kron order (first list outermost)', () => {
    expect(
      Array.from(
        kronProducts([
          [1, 2],
          [10, 20, 30],
        ]),
      ),
    ).toEqual([10, 20, 30, 20, 40, 60]);
    expect(Array.from(kronProducts([[2], [3, 5], [1, -1]]))).toEqual([6, -6, 10, -10]);
    expect(Array.from(kronProducts([]))).toEqual([1]);
  });

  it('matches the diagonal of an explicit kron of diagonal matrices', () => {
    const a = [1.5, -2];
    const b = [3, 0.25, 7];
    const k = kronMatrix([1.5, 0, 0, -2], 2, [3, 0, 0, 0, 0.25, 0, 0, 0, 7], 3);
    expect(Array.from(kronProducts([a, b]))).toEqual(Array.from({ length: 6 }, (_, i) => k[i * 6 + i]));
  });

  it('kronComplexProducts multiplies complex numbers in the same order', () => {
    const p = kronComplexProducts(
      [
        [1, 0],
        [2, 3],
      ],
      [
        [0, 1],
        [0, -1],
      ],
    );
    // (1)(2), (1)(3−i), (i)(2), (i)(3−i)
    expect(Array.from(p.re)).toEqual([2, 3, 0, 1]);
    expect(Array.from(p.im)).toEqual([0, -1, 2, 3]);
  });
});

describe('factorDeviation', () => {
  it('equals ‖AᴴA − I‖_F² formed directly (complex and real)', () => {
    const rng = new Rng(51);
    for (const p of [1, 2, 3, 5, 8]) {
      const re = gaussian(rng, p * p, 0.7);
      const im = gaussian(rng, p * p, 0.7);
      const direct = gramDeviation(re, im, p);
      expect(Math.abs(factorDeviation(complexSingularValues(re, im, p)) - direct)).toBeLessThan(
        1e-12 * (1 + direct),
      );
      const directR = realGramDeviation(re, p);
      expect(Math.abs(factorDeviation(realSingularValues(re, p)) - directR)).toBeLessThan(
        1e-12 * (1 + directR),
      );
    }
  });

  it('is zero for a unitary matrix and Σ(σ²−1)² by definition', () => {
    const q = haarUnitary(new Rng(52), 4);
    expect(factorDeviation(complexSingularValues(q.re, q.im, 4))).toBeLessThan(1e-28);
    expect(factorDeviation([2, 0, 1])).toBe(9 + 1);
  });
});

describe('kronSpectrumSummary', () => {
  /** Explicit complex kron of a list of square factors. */
  function explicitKron(factors: { re: Float64Array; im: Float64Array; p: number }[]) {
    let acc: ComplexMatrix = { re: new Float64Array([1]), im: new Float64Array([0]) };
    let size = 1;
    for (const f of factors) {
      acc = complexKronMatrix(acc.re, acc.im, size, f.re, f.im, f.p);
      size *= f.p;
    }
    return { ...acc, n: size };
  }

  for (const sizes of [[2, 3], [2, 2, 2], [3, 1, 2], [4]]) {
    it(`matches the SVD of the explicitly formed product for sizes [${sizes.join(',')}]`, () => {
      const rng = new Rng(60 + sizes.length);
      const factors = sizes.map((p) => ({ re: gaussian(rng, p * p, 0.6), im: gaussian(rng, p * p, 0.6), p }));
      const sv = factors.map((f) => complexSingularValues(f.re, f.im, f.p));
      const summary = kronSpectrumSummary(sv);
      const w = explicitKron(factors);
      const direct = complexSingularValues(w.re, w.im, w.n);
      expect(summary.singularValues.length).toBe(w.n);
      expect(maxAbsDiff(summary.singularValues, direct)).toBeLessThan(1e-12 * direct[0]);
      expect(Math.abs(summary.spectralNorm - direct[0])).toBeLessThan(1e-12 * direct[0]);
      const dev = gramDeviation(w.re, w.im, w.n);
      expect(Math.abs(summary.fullDeviation - dev)).toBeLessThan(1e-11 * (1 + dev));
    });
  }

  it('matches realSingularValues of a real explicit kron', () => {
    const rng = new Rng(70);
    const a = gaussian(rng, 4);
    const b = gaussian(rng, 9);
    const summary = kronSpectrumSummary([realSingularValues(a, 2), realSingularValues(b, 3)]);
    const direct = realSingularValues(kronMatrix(a, 2, b, 3), 6);
    expect(maxAbsDiff(summary.singularValues, direct)).toBeLessThan(1e-12 * direct[0]);
  });

  it('is exactly unitary for unitary factors', () => {
    const rng = new Rng(71);
    const sv = [2, 2, 4].map((p) => {
      const q = haarUnitary(rng, p);
      return complexSingularValues(q.re, q.im, p);
    });
    const s = kronSpectrumSummary(sv);
    expect(s.singularValues.length).toBe(16);
    expect(maxAbsDiff(s.singularValues, new Float64Array(16).fill(1))).toBeLessThan(1e-14);
    expect(s.fullDeviation).toBeLessThan(1e-26);
  });

  it('summary is order-independent within factors and descending (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 4,
        }),
        (lists) => {
          const s = kronSpectrumSummary(lists.map((l) => Float64Array.from(l)));
          const rev = kronSpectrumSummary(lists.map((l) => Float64Array.from(l).reverse()));
          for (let i = 1; i < s.singularValues.length; i++)
            if (s.singularValues[i] > s.singularValues[i - 1]) return false;
          const product = lists.reduce((acc, l) => acc * Math.max(...l), 1);
          return (
            maxAbsDiff(s.singularValues, rev.singularValues) === 0 &&
            s.singularValues[0] === s.spectralNorm &&
            Math.abs(s.spectralNorm - product) <= 1e-12 * (1 + product)
          );
        },
      ),
      { seed: 99, numRuns: 100 },
    );
  });
});
