// The one number format of the charts (src/charts/lib/format.ts): plain decimals with 3 significant digits for
// 1e-3 ≤ |x| < 1e4, else "1.2e−5" (a real minus, no "+"); counts in full; ticks that never read the same; no SI
// prefixes anywhere.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { integerTicks, linearDomain } from '../../src/charts/lib/data';
import { formatCount, formatPow10, formatTicks, formatValue } from '../../src/core/format';

/** Back to a number: the real minus sign to ASCII. */
const parse = (s: string) => Number(s.replace(/−/g, '-'));

describe('formatValue', () => {
  it('writes plain decimals inside [1e-3, 1e4) and mantissa–exponent outside, with a real minus', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(-0)).toBe('0');
    expect(formatValue(0.12345)).toBe('0.123');
    expect(formatValue(0.5)).toBe('0.5');
    expect(formatValue(-0.5)).toBe('−0.5');
    expect(formatValue(0.001)).toBe('0.001');
    expect(formatValue(0.00296)).toBe('0.00296');
    expect(formatValue(64.3)).toBe('64.3');
    expect(formatValue(1020)).toBe('1020'); // toPrecision(3) would write "1.02e+3"
    expect(formatValue(9999)).toBe('1e4'); // 3 significant digits: 9999 rounds to 1.00e4
    expect(formatValue(1.06e5)).toBe('1.06e5');
    expect(formatValue(1.5e-7)).toBe('1.5e−7');
    expect(formatValue(-2.5e-4)).toBe('−2.5e−4');
    expect(formatValue(1e-3 * 0.99996)).toBe('0.001'); // rounds up into the plain range
    expect(formatValue(Infinity)).toBe('∞');
    expect(formatValue(-Infinity)).toBe('−∞');
    expect(formatValue(NaN)).toBe('NaN');
  });

  it('is safe to map with (a second argument is ignored)', () => {
    expect([1.23456, 2.34567].map(formatValue)).toEqual(['1.23', '2.35']);
    expect(Array.from([0.5, 0.25], formatValue)).toEqual(['0.5', '0.25']);
  });

  it('any finite value: the one notation, no SI prefix or "+", and within rounding of the value', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const s = formatValue(v);
        expect(s).toMatch(/^−?(\d+(\.\d+)?|\d(\.\d{1,2})?e−?\d+)$/);
        expect(s).not.toMatch(/[-mµk+]/);
        const a = Math.abs(parse(s));
        if (a !== 0 && a >= 1e-3 && a < 1e4) expect(s).not.toContain('e');
        if (Math.abs(v) > 1e-300 && Math.abs(v) < 1e300)
          expect(Math.abs(parse(s) - v)).toBeLessThanOrEqual(Math.abs(v) * 5e-3);
      }),
    );
  });
});

describe('formatCount', () => {
  it('writes counts in full, grouped by thousands from 10,000', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(172)).toBe('172');
    expect(formatCount(4096)).toBe('4096');
    expect(formatCount(16384)).toBe('16,384');
    expect(formatCount(1049600)).toBe('1,049,600');
    expect(formatCount(NaN)).toBe('—');
  });
});

describe('formatTicks', () => {
  it('uses the value format when that tells the ticks apart', () => {
    expect(formatTicks([-1, -0.5, 0, 0.5, 1])).toEqual(['−1', '−0.5', '0', '0.5', '1']);
    expect(formatTicks([0, 0.2, 0.4])).toEqual(['0', '0.2', '0.4']);
    expect(formatTicks([0.95, 1, 1.05])).toEqual(['0.95', '1', '1.05']);
    expect(formatTicks([2e4, 4e4])).toEqual(['2e4', '4e4']);
  });

  it('adds digits where the domain is tiny rather than repeat a label ("1, 1, 1")', () => {
    expect(formatTicks([0.99995, 1, 1.00005])).toEqual(['0.99995', '1', '1.00005']);
    expect(formatTicks([1.0001, 1.0002, 1.0003])).toEqual(['1.0001', '1.0002', '1.0003']);
  });

  it('any d3-style ticks of any domain: distinct labels', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
        fc.integer({ min: 2, max: 8 }),
        (lo, span, n) => {
          const step = span / n;
          const ticks = Array.from({ length: n + 1 }, (_, i) => lo + i * step);
          if (new Set(ticks).size !== ticks.length) return;
          expect(new Set(formatTicks(ticks)).size).toBe(ticks.length);
        },
      ),
    );
  });
});

describe('log-axis decades and whole-number axes', () => {
  it('formatPow10: plain inside the plain range, else 10 with a superscript exponent', () => {
    expect(formatPow10(-3)).toBe('0.001');
    expect(formatPow10(-2)).toBe('0.01');
    expect(formatPow10(0)).toBe('1');
    expect(formatPow10(3)).toBe('1000');
    expect(formatPow10(-4)).toBe('10⁻⁴');
    expect(formatPow10(4)).toBe('10⁴');
    expect(formatPow10(-12)).toBe('10⁻¹²');
  });

  it('integerTicks: whole numbers only, even over a step or two', () => {
    expect(integerTicks(0.5, 1.5, 5)).toEqual([1]);
    expect(integerTicks(1, 3, 10)).toEqual([1, 2, 3]);
    expect(integerTicks(1, 2, 4)).toEqual([1, 2]);
    expect(integerTicks(0, 1000, 5)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(integerTicks(1, 172, 5)).toEqual([50, 100, 150]);
    fc.assert(
      fc.property(
        fc.double({ min: -1e5, max: 1e5, noNaN: true }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        (lo, span, n) => {
          const t = integerTicks(lo, lo + span, n);
          for (const v of t) {
            expect(Number.isInteger(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(lo);
            expect(v).toBeLessThanOrEqual(lo + span);
          }
          expect(t.length).toBeLessThanOrEqual(2 * n + 2);
        },
      ),
    );
  });

  it('linearDomain widens a tiny domain to minSpan about its middle', () => {
    const [a, b] = linearDomain(0.99999, 1.00001, [1], 0.05, 0.12);
    expect(a).toBeCloseTo(0.94, 9);
    expect(b).toBeCloseTo(1.06, 9);
    expect(linearDomain(0, 10, [], 0, 0.12)).toEqual([0, 10]);
  });
});
