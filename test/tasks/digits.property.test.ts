// Property tests of the digits data parser (parseDigits): random bytes are read whole or refused with a
// one-line Error, one bad byte anywhere refuses the whole file, and encode → parse → encode is exact.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DIGITS_CLASSES,
  DIGITS_MAX_PIXEL,
  DIGITS_PIXELS,
  DIGITS_RECORD_BYTES,
  encodeDigits,
  parseDigits,
  type DigitsData,
} from '../../src/tasks/digits';
import { expectOneLine } from '../settings/arbitraries';

/** What parsing does: the data, or the one-line message of the Error it throws. */
function parse(bytes: unknown): DigitsData | string {
  try {
    return parseDigits(bytes as Uint8Array);
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expectOneLine((e as Error).message);
    return (e as Error).message;
  }
}

const record = fc.tuple(
  fc.uint8Array({ minLength: DIGITS_PIXELS, maxLength: DIGITS_PIXELS, max: DIGITS_MAX_PIXEL }),
  fc.integer({ min: 0, max: DIGITS_CLASSES - 1 }),
);
const validData: fc.Arbitrary<DigitsData> = fc.array(record, { minLength: 1, maxLength: 20 }).map((rs) => ({
  count: rs.length,
  pixels: Uint8Array.from(rs.flatMap(([p]) => [...p])),
  labels: Uint8Array.from(rs.map(([, l]) => l)),
}));

describe('parseDigits', () => {
  it('encode → parse → encode is exact', () => {
    fc.assert(
      fc.property(validData, (data) => {
        const bytes = encodeDigits(data);
        const back = parse(bytes);
        expect(back).toEqual(data);
        if (typeof back !== 'string') expect(encodeDigits(back)).toEqual(bytes);
      }),
      { numRuns: 100 },
    );
  });

  it('random bytes are read whole (every pixel ≤ 16, every label ≤ 9, as in the bytes) or refused', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc
        .integer({ min: 1, max: 5 })
        .chain((n) =>
          fc.uint8Array({ minLength: n * DIGITS_RECORD_BYTES, maxLength: n * DIGITS_RECORD_BYTES, max: 20 }),
        ),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        const r = parse(b);
        if (typeof r === 'string') return;
        expect(r.count * DIGITS_RECORD_BYTES).toBe(b.length);
        expect(encodeDigits(r)).toEqual(b);
        expect(r.pixels.every((v) => v <= DIGITS_MAX_PIXEL)).toBe(true);
        expect(r.labels.every((v) => v < DIGITS_CLASSES)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('one bad byte anywhere refuses the whole file, naming its record', () => {
    fc.assert(
      fc.property(validData, fc.nat(), fc.integer({ min: 10, max: 255 }), (data, at, value) => {
        const bytes = encodeDigits(data);
        const i = at % bytes.length;
        const isLabel = i % DIGITS_RECORD_BYTES === DIGITS_PIXELS;
        if (value <= (isLabel ? DIGITS_CLASSES - 1 : DIGITS_MAX_PIXEL)) return;
        bytes[i] = value;
        expect(parse(bytes)).toContain(`record ${Math.floor(i / DIGITS_RECORD_BYTES)}`);
      }),
      { numRuns: 200 },
    );
  });

  it('anything that is not a Uint8Array is refused with an Error, not a crash', () => {
    const notBytes = fc.oneof(
      fc.anything(),
      fc.constantFrom(
        new Uint8ClampedArray(DIGITS_RECORD_BYTES),
        new Int8Array(DIGITS_RECORD_BYTES),
        new ArrayBuffer(DIGITS_RECORD_BYTES),
        Array.from({ length: DIGITS_RECORD_BYTES }, () => 0),
        Uint8Array.of(0x1f, 0x8b, 8, 0),
      ),
    );
    fc.assert(
      fc.property(notBytes, (v) => {
        expect(typeof parse(v)).toBe('string');
      }),
      { numRuns: 200 },
    );
  });
});
