// Path data written as bytes (src/charts/lib/path-text.ts) is the text that string concatenation gave,
// character for character, for any coordinates and gaps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PathText } from '../../src/charts/lib/path-text';

/** The concatenation PathText replaced (null: a gap). */
function concatenated(points: Array<[number, number] | null>): string {
  let d = '';
  let run = 0;
  for (const p of points) {
    if (!p) {
      if (run === 1) d += 'h0';
      run = 0;
      continue;
    }
    d += (run ? 'L' : 'M') + Math.round(p[0] * 10) / 10 + ',' + Math.round(p[1] * 10) / 10;
    run++;
  }
  if (run === 1) d += 'h0';
  return d;
}

function written(points: Array<[number, number] | null>): string {
  const path = new PathText();
  for (const p of points) {
    if (p) path.point(p[0], p[1]);
    else path.gap();
  }
  return path.text();
}

const coordinate = fc.oneof(
  fc.double({ min: -2000, max: 2000, noNaN: true }),
  fc.double({ min: -1e16, max: 1e16, noNaN: true }),
  fc.constantFrom(0, -0, 0.05, -0.05, 0.04, -0.04, 0.15, -0.25, 9.95, -9.95, 99.99, 1e7 - 0.04, 123456.78),
  fc.integer({ min: -100000, max: 100000 }).map((n) => n / 10),
);

describe('PathText', () => {
  it('writes what concatenation gave: M/L, 0.1 px rounding, signs, gaps and lone points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.tuple(coordinate, coordinate), { freq: 4 }), { maxLength: 60 }),
        (pts) => {
          expect(written(pts)).toBe(concatenated(pts));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('examples', () => {
    expect(written([[0, 1], null, [2, 2], [3, 3]])).toBe('M0,1h0M2,2L3,3');
    expect(
      written([
        [-0.04, 12.35],
        [-1.25, 1000000.06],
      ]),
    ).toBe('M0,12.4L-1.2,1000000.1');
    expect(written([])).toBe('');
  });

  it('grows its buffer for a long path and starts afresh for the next one', () => {
    const many: Array<[number, number]> = Array.from({ length: 5000 }, (_, i) => [i * 1.37, -i / 3]);
    expect(written(many)).toBe(concatenated(many));
    expect(written([[1, 2]])).toBe('M1,2h0');
  });
});
