// The packed factor layout against hand-computed cases, and the property that the views tile the packed array.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  factorCopy,
  factorEnd,
  factorIm,
  factorLayout,
  factorRe,
  packedLength,
  product,
} from '../../src/core/factor-layout';

describe('product and packedLength', () => {
  it('multiply and sum squares', () => {
    expect(product([])).toBe(1);
    expect(product([2, 3, 4])).toBe(24);
    expect(packedLength([])).toBe(0);
    expect(packedLength([2, 3, 4])).toBe(2 * (4 + 9 + 16));
  });
});

describe('factorLayout', () => {
  it('2×3×4 by hand', () => {
    const l = factorLayout([2, 3, 4]);
    expect(l.F).toBe(3);
    expect(l.N).toBe(24);
    expect(l.offsets).toEqual([0, 8, 26]);
    expect(l.imOffsets).toEqual([4, 17, 42]);
    expect(l.packedLength).toBe(58);
    expect(l.pre).toEqual([1, 2, 6]);
    expect(l.post).toEqual([12, 4, 1]);
    expect([0, 1, 2].map((f) => factorEnd(l, f))).toEqual([8, 26, 58]);
  });

  it('a single factor and size-1 factors', () => {
    expect(factorLayout([5])).toMatchObject({ N: 5, offsets: [0], imOffsets: [25], packedLength: 50 });
    expect(factorLayout([1, 2, 1])).toMatchObject({
      N: 2,
      offsets: [0, 2, 10],
      imOffsets: [1, 6, 11],
      packedLength: 12,
      pre: [1, 1, 2],
      post: [2, 1, 1],
    });
  });

  it('copies the sizes it is given', () => {
    const sizes = [2, 2];
    const l = factorLayout(sizes);
    sizes[0] = 3;
    expect(l.sizes).toEqual([2, 2]);
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => factorLayout([2, 0])).toThrow(RangeError);
    expect(() => factorLayout([1.5])).toThrow(RangeError);
  });
});

describe('factor views', () => {
  it('read Re and Im W_f in row-major order (2×3 by hand)', () => {
    const l = factorLayout([2, 3]);
    const packed = Float32Array.from({ length: l.packedLength }, (_, i) => i);
    expect(Array.from(factorRe(packed, l, 0))).toEqual([0, 1, 2, 3]);
    expect(Array.from(factorIm(packed, l, 0))).toEqual([4, 5, 6, 7]);
    expect(Array.from(factorRe(packed, l, 1))).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(Array.from(factorIm(packed, l, 1))).toEqual([17, 18, 19, 20, 21, 22, 23, 24, 25]);
  });

  it('are views: writes land in the packed array', () => {
    const l = factorLayout([2, 2]);
    const packed = new Float64Array(l.packedLength);
    factorIm(packed, l, 1).set([1, 2, 3, 4]);
    expect(Array.from(packed.subarray(12))).toEqual([1, 2, 3, 4]);
    expect(factorRe(packed, l, 1)).toBeInstanceOf(Float64Array);
  });

  it('factorCopy copies from plain arrays too', () => {
    const l = factorLayout([1, 2]);
    const packed = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const w = factorCopy(packed, l, 1);
    expect(Array.from(w.re)).toEqual([2, 3, 4, 5]);
    expect(Array.from(w.im)).toEqual([6, 7, 8, 9]);
  });

  it('reject a packed array of the wrong length', () => {
    const l = factorLayout([2]);
    expect(() => factorRe(new Float32Array(7), l, 0)).toThrow(RangeError);
    expect(() => factorCopy([1, 2], l, 0)).toThrow(RangeError);
  });
});

describe('factorLayout properties', () => {
  const sizes = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 5 });

  it('the Re and Im views of every factor tile the packed array exactly, in order', () => {
    fc.assert(
      fc.property(sizes, (s) => {
        const l = factorLayout(s);
        const packed = new Float32Array(l.packedLength);
        // Number every element by the view that covers it: each must be covered once, in layout order.
        let next = 0;
        for (let f = 0; f < l.F; f++) {
          for (const view of [factorRe(packed, l, f), factorIm(packed, l, f)]) {
            expect(view.length).toBe(s[f] * s[f]);
            for (let k = 0; k < view.length; k++) {
              expect(view[k]).toBe(0);
              view[k] = ++next;
            }
          }
        }
        expect(next).toBe(l.packedLength);
        packed.forEach((v, i) => expect(v).toBe(i + 1));
      }),
    );
  });

  it('N = ∏ p_f = pre[f] · p_f · post[f] for every factor', () => {
    fc.assert(
      fc.property(sizes, (s) => {
        const l = factorLayout(s);
        expect(l.N).toBe(s.reduce((a, b) => a * b, 1));
        for (let f = 0; f < l.F; f++) expect(l.pre[f] * s[f] * l.post[f]).toBe(l.N);
        expect(l.packedLength).toBe(packedLength(s));
      }),
    );
  });
});
