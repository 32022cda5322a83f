// Property tests of the model file parser (src/model/model-file.ts) and of `kru inspect`'s data file parser:
// any JSON value, and any mutation of a valid file, is either read whole or refused with a ModelFileError
// whose message is one line; export → JSON text → import → export is exact for random models and weights.
// (Here rather than in test/model: nothing needs a tfjs backend, so the webgpu project need not repeat it.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { product } from '../../src/core/factor-layout';
import { KRU_ACTIVATIONS, RNN_ACTIVATIONS, isFactored } from '../../src/core/vocabulary';
import { parseInspectData } from '../../src/cli/inspect';
import type { NetSpec } from '../../src/model/config';
import { ModelFileError, fromModelFile, toModelFile } from '../../src/model/model-file';
import { paramShapes, type ParamArrays } from '../../src/model/models';
import {
  expectOneLine,
  hostileValue,
  mutate,
  mutation,
  guardPrototypes,
  withOwnKey,
} from '../settings/arbitraries';

guardPrototypes();

const dim = fc.integer({ min: 1, max: 5 });

/** Factor sizes of a small factored kind: 1–3 factors of 1–3. */
const factorSizes = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 });

/**
 * A random small network of any kind: a KRU or KRU-LSTM (1–3 factors of 1–3), an RNN, a low-rank RNN (any rank
 * 1…N) or an LSTM, any activation, any in/out sizes.
 */
const netSpec: fc.Arbitrary<NetSpec> = fc.oneof(
  fc
    .record({
      factors: factorSizes,
      inputSize: dim,
      outputSize: dim,
      activation: fc.constantFrom(...KRU_ACTIVATIONS),
    })
    .map((r) => ({ kind: 'kru' as const, hidden: product(r.factors), ...r })),
  fc
    .record({ hidden: dim, inputSize: dim, outputSize: dim, activation: fc.constantFrom(...RNN_ACTIVATIONS) })
    .map((r) => ({ kind: 'rnn' as const, ...r })),
  fc
    .record({ hidden: dim, inputSize: dim, outputSize: dim, activation: fc.constantFrom(...RNN_ACTIVATIONS) })
    .chain((r) =>
      fc.integer({ min: 1, max: r.hidden }).map((rank) => ({ kind: 'lowrank' as const, ...r, rank })),
    ),
  fc.record({ hidden: dim, inputSize: dim, outputSize: dim }).map((r) => ({ kind: 'lstm' as const, ...r })),
  fc
    .record({ factors: factorSizes, inputSize: dim, outputSize: dim })
    .map((r) => ({ kind: 'kru-lstm' as const, hidden: product(r.factors), ...r })),
);

/** Any finite float32, the extremes (largest, smallest subnormal, ±0) included. */
const float32 = fc.oneof(
  fc.float({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, -0, 0),
);

function arraysFor(spec: NetSpec): fc.Arbitrary<ParamArrays> {
  const shapes = Object.entries(paramShapes(spec));
  return fc
    .tuple(...shapes.map(([, s]) => fc.array(float32, { minLength: product(s), maxLength: product(s) })))
    .map((values) => Object.fromEntries(shapes.map(([name], i) => [name, Float32Array.from(values[i])])));
}

const model = netSpec.chain((spec) =>
  fc.record({
    spec: fc.constant(spec),
    arrays: arraysFor(spec),
    lambda: fc.oneof(fc.double({ min: 0, max: 3.4e38, noNaN: true }), fc.constantFrom(0, 1e-3, 10)),
  }),
);

/** What reading `json` does: the result, or the one-line message of the ModelFileError it throws. */
function read(json: unknown): ReturnType<typeof fromModelFile> | string {
  try {
    return fromModelFile(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    expectOneLine((e as Error).message);
    return (e as Error).message;
  }
}

describe('model files', () => {
  it('export → JSON text → import → export is exact, for random models and weights', () => {
    fc.assert(
      fc.property(model, ({ spec, arrays, lambda }) => {
        const text = JSON.stringify(toModelFile(spec, arrays, lambda));
        const back = fromModelFile(JSON.parse(text));
        expect(back.spec).toEqual(spec);
        expect(back.lambda).toBe(isFactored(spec.kind) ? lambda : 0);
        expect(JSON.stringify(toModelFile(back.spec, back.arrays, back.lambda))).toBe(text);
        // The weights are the same float32 values (−0 is written as 0: JSON has no −0).
        for (const [name, a] of Object.entries(arrays))
          expect(Array.from(back.arrays[name]), name).toEqual(Array.from(a, (v) => v + 0));
      }),
      { numRuns: 150 },
    );
  });

  it('any JSON value (and NaN, ±Infinity, huge arrays, prototype keys) is refused with one line', () => {
    fc.assert(
      fc.property(fc.oneof(hostileValue, fc.jsonValue(), fc.anything()), (v) => {
        expect(typeof read(v)).toBe('string');
      }),
      { numRuns: 200 },
    );
  });

  it('a mutated valid file is read whole (its own shapes, every weight finite) or refused with one line', () => {
    fc.assert(
      fc.property(model, fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, ms) => {
        const file = JSON.parse(JSON.stringify(toModelFile(m.spec, m.arrays, m.lambda)));
        const input = mutate(file, ms);
        const before = JSON.stringify(input);
        const r = read(input);
        expect(JSON.stringify(input), 'the parser changed its input').toBe(before);
        if (typeof r === 'string') return;
        const doc = input as Record<string, unknown>;
        expect(r.spec).toMatchObject({ kind: doc.kind, hidden: doc.hidden });
        expect('activation' in r.spec ? r.spec.activation : undefined).toBe(doc.activation);
        expect('rank' in r.spec ? r.spec.rank : undefined).toBe(doc.rank);
        expect('factors' in r.spec ? r.spec.factors : undefined).toEqual(doc.factors);
        const shapes = paramShapes(r.spec);
        expect(Object.keys(r.arrays).sort()).toEqual(Object.keys(shapes).sort());
        for (const [name, shape] of Object.entries(shapes)) {
          expect(r.arrays[name]).toHaveLength(product(shape));
          expect(r.arrays[name].every(Number.isFinite)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses `__proto__`, `constructor` and other unknown keys at every level, naming them on one line', () => {
    fc.assert(
      fc.property(
        model,
        fc.constantFrom('__proto__', 'constructor', 'a\nb', '\u202e', 'x'.repeat(500)),
        fc.constantFrom('top', 'params', 'U', 'R'),
        (m, key, where) => {
          const file = JSON.parse(JSON.stringify(toModelFile(m.spec, m.arrays, m.lambda)));
          const target = { top: file, params: file.params, U: file.params.U, R: file.params.R }[where];
          // a real kind's U is a plain matrix; only the KRU-LSTM has R (its per-gate factor lists)
          if (target === undefined || Array.isArray(target)) return;
          withOwnKey(target, key, { polluted: 1 });
          expect(read(file)).toMatch(/unknown key/);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('`kru inspect` data files', () => {
  const inspectData = (spec: NetSpec) =>
    fc.record({ B: fc.integer({ min: 1, max: 3 }), T: fc.integer({ min: 1, max: 4 }) }).chain(({ B, T }) =>
      fc.record({
        inputs: fc.array(
          fc.array(fc.array(float32, { minLength: spec.inputSize, maxLength: spec.inputSize }), {
            minLength: T,
            maxLength: T,
          }),
          { minLength: B, maxLength: B },
        ),
        targets: fc.array(
          fc.array(fc.option(fc.integer({ min: 0, max: spec.outputSize - 1 }), { nil: null }), {
            minLength: T,
            maxLength: T,
          }),
          { minLength: B, maxLength: B },
        ),
        loss: fc.constant('xent'),
      }),
    );

  it('are read whole or refused with one line, whatever is mutated', () => {
    fc.assert(
      fc.property(
        netSpec.chain((spec) => fc.tuple(fc.constant(spec), inspectData(spec))),
        fc.array(mutation, { maxLength: 3 }),
        ([spec, data], ms) => {
          const input = mutate(data, ms);
          let r: ReturnType<typeof parseInspectData>;
          try {
            r = parseInspectData(input, spec);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            expectOneLine((e as Error).message);
            return;
          }
          expect(r.x).toHaveLength(r.B * r.T * spec.inputSize);
          expect(r.targets).toHaveLength(r.B * r.T);
        },
      ),
      { numRuns: 200 },
    );
  });
});

it('counterexample: an unknown key with a bidi override or a line break is shown escaped', () => {
  const file = toModelFile(
    { kind: 'rnn', hidden: 1, inputSize: 1, outputSize: 1, activation: 'tanh' },
    {
      W: Float32Array.of(1),
      U: Float32Array.of(1),
      b: Float32Array.of(0),
      V: Float32Array.of(1),
      c: Float32Array.of(0),
    },
  ) as unknown as Record<string, unknown>;
  expect(read({ ...file, '\u202e': 1 })).toBe('(file): unknown key "\\u202e"');
  expect(read({ ...file, 'a\nb': 1, b: 1, c: 1, d: 1 })).toBe(
    '(file): unknown keys "a\\nb", "b", "c" and 1 more',
  );
});

it('counterexample: a weight or λ beyond float32 (1e308) is refused, not read as Infinity', () => {
  const spec: NetSpec = {
    kind: 'kru',
    hidden: 1,
    inputSize: 1,
    outputSize: 1,
    factors: [1],
    activation: 'crelu',
  };
  const arrays = {
    factors: new Float32Array(2),
    U: new Float32Array(2),
    b: new Float32Array(2),
    V: new Float32Array(2),
    c: new Float32Array(1),
  };
  const file = JSON.parse(JSON.stringify(toModelFile(spec, arrays, 0.5)));
  file.params.V[0][1] = 1e308;
  expect(read(file)).toBe('params.V[0][1]: expected a number of magnitude below 3.4e38 (a float32)');
  file.params.V[0][1] = 0;
  file.lambda = 1e39;
  expect(read(file)).toMatch(/^lambda: expected a number of magnitude below 3.4e38/);
  expect(() => toModelFile(spec, arrays, 1e39)).toThrow(ModelFileError);
});
