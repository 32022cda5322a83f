// The model file: exact round trips for both kinds and a precise one-line error for every way a file can be wrong.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NetSpec } from '../../src/model/config';
import { initKruArrays, initRnnArrays, paramShapes, type ParamArrays } from '../../src/model/models';
import {
  MODEL_FORMAT,
  ModelFileError,
  fromModelFile,
  toModelFile,
  type KruModelFile,
  type RnnModelFile,
} from '../../src/model/model-file';
import { Rng } from '../../src/util/rng';
import { unitaryPenalty64 } from '../support/float64';

function randomArrays(spec: NetSpec, seed: number): ParamArrays {
  const rng = new Rng(seed);
  const a =
    spec.kind === 'kru'
      ? initKruArrays(spec, { kind: 'gaussian', scale: 0.7 }, rng)
      : initRnnArrays(spec, { kind: 'gaussian', gain: 1 }, rng);
  // Non-zero biases and β so that every entry of the file carries information.
  for (const k of ['b', 'c', 'beta']) if (a[k]) a[k] = a[k].map(() => rng.normal());
  return a;
}

const kruCrelu: NetSpec = {
  kind: 'kru',
  hidden: 4,
  inputSize: 3,
  outputSize: 2,
  factors: [2, 2],
  activation: 'crelu',
};
const kruModrelu: NetSpec = {
  kind: 'kru',
  hidden: 6,
  inputSize: 2,
  outputSize: 3,
  factors: [2, 3],
  activation: 'modrelu',
};
const rnn: NetSpec = { kind: 'rnn', hidden: 5, inputSize: 3, outputSize: 2, activation: 'tanh' };

/** A deep copy through JSON text, i.e. what a file on disk gives back. */
const viaText = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('model file round trip', () => {
  it.each([
    ['kru [2,2] crelu', kruCrelu, 0.25],
    ['kru [2,3] modrelu (mixed factor sizes)', kruModrelu, 3e-3],
    ['rnn tanh', rnn, 0],
  ] as const)('%s: export → JSON text → import → export is exact', (_name, spec, lambda) => {
    const arrays = randomArrays(spec, 7);
    const file = toModelFile(spec, arrays, lambda);
    const back = fromModelFile(viaText(file));
    expect(back.spec).toEqual(spec);
    expect(back.lambda).toBe(spec.kind === 'kru' ? lambda : 0);
    expect(Object.keys(back.arrays)).toEqual(Object.keys(paramShapes(spec)));
    for (const [k, v] of Object.entries(arrays)) {
      // bit-exact: compare the raw float32 bits
      expect(new Uint32Array(back.arrays[k].buffer), k).toEqual(new Uint32Array(Float32Array.from(v).buffer));
    }
    expect(JSON.stringify(toModelFile(back.spec, back.arrays, back.lambda))).toBe(JSON.stringify(file));
  });

  it('lays the KRU parameters out as documented', () => {
    const spec = kruModrelu;
    const a = randomArrays(spec, 3);
    const f = toModelFile(spec, a, 0.1) as KruModelFile;
    expect(f.format).toBe(MODEL_FORMAT);
    expect(Object.keys(f)).toEqual([
      'format',
      'kind',
      'hidden',
      'inputSize',
      'outputSize',
      'activation',
      'factors',
      'lambda',
      'params',
    ]);
    // factor 1 (3×3) starts after factor 0's Re and Im (2·2·2 = 8 values); Im follows Re.
    expect(f.params.W[1].re[2][1]).toBe(a.factors[8 + 2 * 3 + 1]);
    expect(f.params.W[1].im[0][2]).toBe(a.factors[8 + 9 + 2]);
    expect(f.params.U.im[5][1]).toBe(a.U[6 * 2 + 5 * 2 + 1]);
    expect(f.params.b.im[4]).toBe(a.b[6 + 4]);
    expect(f.params.V[2][7]).toBe(a.V[2 * 12 + 7]);
    expect(f.params.modBias).toEqual(Array.from(a.beta));
    const r = toModelFile(rnn, randomArrays(rnn, 3)) as RnnModelFile;
    expect(Object.keys(r)).toEqual([
      'format',
      'kind',
      'hidden',
      'inputSize',
      'outputSize',
      'activation',
      'params',
    ]);
    expect(r.params.W).toHaveLength(5);
    expect(r.params.V[1]).toHaveLength(5);
  });

  it('toModelFile rejects arrays that do not fit the spec', () => {
    const a = randomArrays(kruCrelu, 1);
    expect(() => toModelFile(kruCrelu, { ...a, V: new Float32Array(3) })).toThrow(
      'parameter V: expected 16 values, got 3',
    );
    const { c: _c, ...noC } = a;
    expect(() => toModelFile(kruCrelu, noC)).toThrow('missing parameter c');
    expect(() => toModelFile(kruCrelu, a, -1)).toThrow(/lambda/);
  });
});

describe('model file validation', () => {
  const kru = () =>
    viaText(toModelFile(kruModrelu, randomArrays(kruModrelu, 2), 0.1)) as unknown as Record<string, unknown> &
      KruModelFile;
  const rn = () =>
    viaText(toModelFile(rnn, randomArrays(rnn, 2))) as unknown as Record<string, unknown> & RnnModelFile;

  const cases: Array<[string, () => unknown, string]> = [
    ['not an object', () => [1, 2], '(file): expected a JSON object, got an array'],
    ['null', () => null, '(file): expected a JSON object, got null'],
    [
      'missing format',
      () => ({ ...kru(), format: undefined }),
      'format: missing (expected "kru-explorer/model@1")',
    ],
    [
      'bad format string',
      () => ({ ...kru(), format: 'kru-explorer/model@2' }),
      'format: expected "kru-explorer/model@1", got "kru-explorer/model@2"',
    ],
    ['bad kind', () => ({ ...kru(), kind: 'lstm' }), 'kind: expected "kru" or "rnn", got "lstm"'],
    ['unknown top-level key', () => ({ ...kru(), extra: 1 }), '(file): unknown key "extra"'],
    ['hidden not an integer', () => ({ ...kru(), hidden: 6.5 }), 'hidden: expected int, received number'],
    ['hidden a string', () => ({ ...kru(), hidden: '6' }), 'hidden: expected number, received string'],
    [
      'bad activation',
      () => ({ ...kru(), activation: 'relu' }),
      'activation: expected one of "crelu"|"modrelu"|"tanh"|"linear", got "relu"',
    ],
    [
      'rnn with a kru activation',
      () => ({ ...rn(), activation: 'crelu' }),
      'activation: expected one of "tanh"|"relu"|"linear", got "crelu"',
    ],
    ['negative lambda', () => ({ ...kru(), lambda: -1 }), 'lambda: too small: expected number to be >=0'],
    ['lambda on an rnn', () => ({ ...rn(), lambda: 0.1 }), '(file): unknown key "lambda"'],
    [
      'missing lambda',
      () => ({ ...kru(), lambda: undefined }),
      'lambda: expected number, received undefined',
    ],
    [
      'factors do not multiply to hidden',
      () => ({ ...kru(), factors: [2, 2] }),
      'factors: the product of the factor sizes must equal hidden (2×2 = 4, hidden = 6)',
    ],
    [
      'too few factor matrices',
      () => {
        const f = kru();
        f.params.W.pop();
        return f;
      },
      'params.W: expected 2 factors (one per entry of "factors"), got 1',
    ],
    [
      'factor matrix with too many columns',
      () => {
        const f = kru();
        f.params.W[1].re = f.params.W[1].re.map((r) => [...r, 0]);
        return f;
      },
      'params.W[1].re: expected 3×3, got 3×4',
    ],
    [
      'factor matrix with a missing row',
      () => {
        const f = kru();
        f.params.W[0].im.pop();
        return f;
      },
      'params.W[0].im: expected 2×2, got 1×2',
    ],
    [
      'ragged matrix',
      () => {
        const f = kru();
        f.params.V[1].pop();
        return f;
      },
      'params.V[1]: expected 12 columns, got 11',
    ],
    [
      'U of the wrong width',
      () => {
        const f = kru();
        f.params.U.re = f.params.U.re.map((r) => r.slice(1));
        return f;
      },
      'params.U.re: expected 6×2, got 6×1',
    ],
    [
      'b.im too short',
      () => {
        const f = kru();
        f.params.b.im.pop();
        return f;
      },
      'params.b.im: expected length 6, got 5',
    ],
    [
      'c too long',
      () => {
        const f = kru();
        f.params.c.push(0);
        return f;
      },
      'params.c: expected length 3, got 4',
    ],
    [
      'missing modBias with modrelu',
      () => {
        const f = kru();
        delete f.params.modBias;
        return f;
      },
      'params.modBias: missing (required with activation "modrelu")',
    ],
    [
      'modBias without modrelu',
      () => ({ ...kru(), activation: 'crelu' }),
      'params.modBias: only allowed with activation "modrelu", not "crelu"',
    ],
    [
      'a string among the numbers',
      () => {
        const f = kru() as unknown as { params: { W: Array<{ re: unknown[][] }> } };
        f.params.W[1].re[2][0] = '0.5';
        return f;
      },
      'params.W[1].re[2][0]: expected number, received string',
    ],
    [
      'null among the numbers',
      () => {
        const f = rn() as unknown as { params: { b: unknown[] } };
        f.params.b[3] = null;
        return f;
      },
      'params.b[3]: expected number, received null',
    ],
    [
      'NaN (not JSON, but possible from JS)',
      () => {
        const f = rn();
        f.params.c[0] = NaN;
        return f;
      },
      'params.c[0]: expected number, received NaN',
    ],
    [
      'a complex matrix given as a real one',
      () => {
        const f = kru() as unknown as { params: { U: unknown } };
        f.params.U = [[1, 2]];
        return f;
      },
      'params.U: expected object, received array',
    ],
    [
      'unknown parameter',
      () => {
        const f = rn() as unknown as { params: Record<string, unknown> };
        f.params.beta = [1];
        return f;
      },
      'params: unknown key "beta"',
    ],
    [
      'missing parameter',
      () => {
        const f = rn() as unknown as { params: Record<string, unknown> };
        delete f.params.V;
        return f;
      },
      'params.V: expected array, received undefined',
    ],
    [
      'rnn W not square',
      () => {
        const f = rn();
        f.params.W.pop();
        return f;
      },
      'params.W: expected 5×5, got 4×5',
    ],
    [
      'rnn V of the wrong height',
      () => {
        const f = rn();
        f.params.V.push([0, 0, 0, 0, 0]);
        return f;
      },
      'params.V: expected 2×5, got 3×5',
    ],
  ];

  it.each(cases)('%s', (_name, make, message) => {
    let error: unknown;
    try {
      fromModelFile(make());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelFileError);
    const msg = (error as Error).message;
    expect(msg.split(' (and ')[0]).toBe(message);
    expect(msg).not.toContain('\n');
  });
});

describe('docs/model-format.md', () => {
  it('its example model files are valid and round-trip', () => {
    const text = readFileSync(resolve(__dirname, '../../docs/model-format.md'), 'utf8');
    const blocks = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map(
      (m) => JSON.parse(m[1]) as Record<string, unknown>,
    );
    const models = blocks.filter((b) => b.format === MODEL_FORMAT);
    expect(models.map((m) => m.kind)).toEqual(['kru', 'rnn']);
    for (const m of models) {
      const { spec, arrays, lambda } = fromModelFile(m);
      expect(JSON.parse(JSON.stringify(toModelFile(spec, arrays, lambda)))).toEqual(
        JSON.parse(
          JSON.stringify(m, (k, v: unknown) =>
            typeof v === 'number' && k !== 'lambda' ? Math.fround(v) : v,
          ),
        ),
      );
    }
    // The KRU example's factors are unitary, as the page says: R = Σ_f ‖W_fᴴW_f − I‖_F² ≈ 0.
    const kru = fromModelFile(models[0]);
    expect(kru.spec.kind === 'kru' && unitaryPenalty64(kru.spec.factors, kru.arrays.factors)).toBeLessThan(
      1e-12,
    );
  });
});

describe('a diverged model', () => {
  it('has no model file: export refuses non-finite weights with a one-line message', () => {
    const spec = {
      kind: 'rnn' as const,
      hidden: 2,
      inputSize: 1,
      outputSize: 1,
      activation: 'tanh' as const,
    };
    const arrays = {
      W: Float32Array.from([1, NaN, 0, 1]),
      U: new Float32Array(2),
      b: new Float32Array(2),
      V: new Float32Array(2),
      c: new Float32Array(1),
    };
    expect(() => toModelFile(spec, arrays)).toThrow(/parameter W holds values that are not finite numbers/);
  });
});
