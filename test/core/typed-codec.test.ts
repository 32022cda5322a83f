// Typed arrays as base64 text: exact round trips (NaN, −0, every byte pattern), the same text as the platform's
// own base64, and anything else refused with a message naming the field.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeFloat32, decodeInt32, encodeTyped } from '../../src/core/typed-codec';

describe('typed-codec', () => {
  it('round-trips any float32 bit pattern and writes standard base64', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 50 }), (ints) => {
        const a = Int32Array.from(ints);
        const text = encodeTyped(a);
        expect(text).toBe(Buffer.from(a.buffer).toString('base64'));
        expect(Array.from(decodeInt32(text, 'x'))).toEqual(Array.from(a));
        const f = new Float32Array(a.buffer);
        expect(new Uint32Array(decodeFloat32(encodeTyped(f), 'x').buffer.slice(0))).toEqual(
          new Uint32Array(a.buffer),
        );
      }),
    );
    const special = Float32Array.from([NaN, -0, Infinity, -Infinity, 1e-45, 3.4e38]);
    expect(Object.is(decodeFloat32(encodeTyped(special), 'x')[1], -0)).toBe(true);
    expect(decodeFloat32(encodeTyped(special), 'x')[0]).toBeNaN();
  });

  it('refuses what is not base64 of whole values, naming the field', () => {
    for (const bad of ['A', 'AAA', '****', 'AA=A', '=AAA', 'AAAAAAA=', 'AA€A', 'AAAA\n']) {
      expect(() => decodeFloat32(bad, 'params.W')).toThrow(/^params\.W /);
    }
    expect(() => decodeFloat32(3, 'params.W')).toThrow('params.W must be base64 text');
    expect(() => decodeInt32(null, 'n')).toThrow('n must be base64 text');
    expect(decodeFloat32('', 'x')).toHaveLength(0);
  });

  it('round-trips ten megabytes (the time is logged, not asserted)', () => {
    const big = new Float32Array(2_500_000).map((_, i) => Math.sin(i));
    const t0 = performance.now();
    const text = encodeTyped(big);
    const back = decodeFloat32(text, 'big');
    console.log(`10 MB: encode + decode ${(performance.now() - t0).toFixed(0)} ms`);
    expect(Buffer.compare(Buffer.from(back.buffer), Buffer.from(big.buffer))).toBe(0);
  });
});
