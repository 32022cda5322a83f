// The model file: exact round trips for every kind and a precise one-line error for every way a file can be wrong.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NetSpec } from '../../src/model/config';
import {
  initKruArrays,
  initKruLstmArrays,
  initLowRankArrays,
  initLstmArrays,
  initRnnArrays,
  paramShapes,
  type ParamArrays,
} from '../../src/model/models';
import {
  MODEL_FORMAT,
  ModelFileError,
  fromModelFile,
  toModelFile,
  type KruLstmModelFile,
  type KruModelFile,
  type LowRankModelFile,
  type LstmModelFile,
  type RnnModelFile,
} from '../../src/model/model-file';
import { isFactored } from '../../src/core/vocabulary';
import { Rng } from '../../src/util/rng';
import { unitaryPenalty64 } from '../support/float64';

function randomArrays(spec: NetSpec, seed: number): ParamArrays {
  const rng = new Rng(seed);
  const a = (() => {
    switch (spec.kind) {
      case 'kru':
        return initKruArrays(spec, { kind: 'gaussian', scale: 0.7 }, rng);
      case 'rnn':
        return initRnnArrays(spec, { kind: 'gaussian', gain: 1 }, rng);
      case 'lowrank':
        return initLowRankArrays(spec, 1, rng);
      case 'lstm':
        return initLstmArrays(spec, rng);
      case 'kru-lstm':
        return initKruLstmArrays(spec, rng);
    }
  })();
  // Non-zero biases and β, and random factors, so that every entry of the file carries information.
  for (const k of ['b', 'c', 'beta']) if (a[k]) a[k] = a[k].map(() => rng.normal());
  if (spec.kind === 'kru-lstm') a.factors = a.factors.map(() => rng.normal());
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
const lstm: NetSpec = { kind: 'lstm', hidden: 3, inputSize: 2, outputSize: 2 };
const kruLstm: NetSpec = { kind: 'kru-lstm', hidden: 6, inputSize: 2, outputSize: 3, factors: [2, 3] };
const lowrank: NetSpec = {
  kind: 'lowrank',
  hidden: 5,
  inputSize: 3,
  outputSize: 2,
  rank: 2,
  activation: 'relu',
};

/** A deep copy through JSON text, i.e. what a file on disk gives back. */
const viaText = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('model file round trip', () => {
  it.each([
    ['kru [2,2] crelu', kruCrelu, 0.25],
    ['kru [2,3] modrelu (mixed factor sizes)', kruModrelu, 3e-3],
    ['rnn tanh', rnn, 0],
    ['lstm', lstm, 0],
    ['kru-lstm [2,3] (mixed factor sizes)', kruLstm, 0.05],
    ['lowrank rank 2 relu', lowrank, 0],
    ['lowrank rank = hidden', { ...lowrank, rank: 5 } as NetSpec, 0],
  ] as const)('%s: export → JSON text → import → export is exact', (_name, spec, lambda) => {
    const arrays = randomArrays(spec, 7);
    const file = toModelFile(spec, arrays, lambda);
    const back = fromModelFile(viaText(file));
    expect(back.spec).toEqual(spec);
    expect(back.lambda).toBe(isFactored(spec.kind) ? lambda : 0);
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

  const HEAD = ['format', 'kind', 'hidden', 'inputSize', 'outputSize'];

  it('lays the LSTM parameters out as documented: gate blocks i, f, g, o in row order', () => {
    const a = randomArrays(lstm, 3);
    const f = toModelFile(lstm, a, 0.5) as LstmModelFile; // λ: the LSTM has no penalty, so none is written
    expect(Object.keys(f)).toEqual([...HEAD, 'params']);
    expect(Object.keys(f.params)).toEqual(['W', 'U', 'b', 'V', 'c']);
    const N = 3;
    expect(f.params.W).toHaveLength(4 * N);
    // row 1 of the forget block (k = 1) is row N + 1 of W
    expect(f.params.W[N + 1][2]).toBe(a.W[(N + 1) * N + 2]);
    expect(f.params.U[3 * N][1]).toBe(a.U[3 * N * 2 + 1]);
    expect(f.params.b).toEqual(Array.from(a.b));
    expect(f.params.V[1]).toHaveLength(N);
  });

  it('lays the KRU-LSTM parameters out as documented: per gate, per factor, row-major', () => {
    const a = randomArrays(kruLstm, 3);
    const f = toModelFile(kruLstm, a, 0.1) as KruLstmModelFile;
    expect(Object.keys(f)).toEqual([...HEAD, 'factors', 'lambda', 'params']);
    expect(Object.keys(f.params)).toEqual(['R', 'U', 'b', 'V', 'c']);
    expect(Object.keys(f.params.R)).toEqual(['i', 'f', 'g', 'o']);
    const S = 2 * 2 + 3 * 3; // one gate's factors
    expect(f.params.R.i[0]).toEqual([
      [a.factors[0], a.factors[1]],
      [a.factors[2], a.factors[3]],
    ]);
    // gate g (k = 2), factor 1 (3×3, after factor 0's 4 values), row 2, column 1
    expect(f.params.R.g[1][2][1]).toBe(a.factors[2 * S + 4 + 2 * 3 + 1]);
    expect(f.params.R.o[1][2][2]).toBe(a.factors[4 * S - 1]);
    expect(f.params.U).toHaveLength(4 * 6);
    expect(f.params.V[2]).toHaveLength(6);
  });

  it('lays the low-rank parameters out as documented: A N×r, B r×N', () => {
    const a = randomArrays(lowrank, 3);
    const f = toModelFile(lowrank, a) as LowRankModelFile;
    expect(Object.keys(f)).toEqual([...HEAD, 'activation', 'rank', 'params']);
    expect(Object.keys(f.params)).toEqual(['A', 'B', 'U', 'b', 'V', 'c']);
    expect(f.params.A).toHaveLength(5);
    expect(f.params.A[4][1]).toBe(a.A[4 * 2 + 1]);
    expect(f.params.B).toHaveLength(2);
    expect(f.params.B[1][3]).toBe(a.B[1 * 5 + 3]);
  });

  it('toModelFile rejects arrays that do not fit the spec', () => {
    const a = randomArrays(kruCrelu, 1);
    expect(() => toModelFile(kruCrelu, { ...a, V: new Float32Array(3) })).toThrow(
      'parameter V: expected 16 values, got 3',
    );
    const { c: _c, ...noC } = a;
    expect(() => toModelFile(kruCrelu, noC)).toThrow('missing parameter c');
    expect(() => toModelFile(kruCrelu, a, -1)).toThrow(/lambda/);
    expect(() => toModelFile(kruLstm, randomArrays(kruLstm, 1), NaN)).toThrow(/lambda/);
    expect(() => toModelFile(lstm, randomArrays(kruLstm, 1))).toThrow('missing parameter W');
    const l = randomArrays(lstm, 1);
    expect(() => toModelFile(lstm, { ...l, W: new Float32Array(9) })).toThrow(
      'parameter W: expected 36 values, got 9',
    );
  });
});

describe('model file validation', () => {
  const kru = () =>
    viaText(toModelFile(kruModrelu, randomArrays(kruModrelu, 2), 0.1)) as unknown as Record<string, unknown> &
      KruModelFile;
  const rn = () =>
    viaText(toModelFile(rnn, randomArrays(rnn, 2))) as unknown as Record<string, unknown> & RnnModelFile;
  const ls = () =>
    viaText(toModelFile(lstm, randomArrays(lstm, 2))) as unknown as Record<string, unknown> & LstmModelFile;
  const kl = () =>
    viaText(toModelFile(kruLstm, randomArrays(kruLstm, 2), 0.1)) as unknown as Record<string, unknown> &
      KruLstmModelFile;
  const lr = () =>
    viaText(toModelFile(lowrank, randomArrays(lowrank, 2))) as unknown as Record<string, unknown> &
      LowRankModelFile;

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
    [
      'bad kind',
      () => ({ ...kru(), kind: 'gru' }),
      'kind: expected one of "kru"|"rnn"|"lstm"|"kru-lstm"|"lowrank", got "gru"',
    ],
    [
      'missing kind',
      () => ({ ...rn(), kind: undefined }),
      'kind: missing (expected one of "kru"|"rnn"|"lstm"|"kru-lstm"|"lowrank")',
    ],
    ['an RNN file called an LSTM', () => ({ ...rn(), kind: 'lstm' }), '(file): unknown key "activation"'],
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
    // LSTM
    [
      'lstm W one gate row short',
      () => {
        const f = ls();
        f.params.W.pop();
        return f;
      },
      'params.W: expected 12×3, got 11×3',
    ],
    [
      'lstm W given N×N (one gate only)',
      () => ({
        ...ls(),
        params: {
          ...ls().params,
          W: rn()
            .params.W.slice(0, 3)
            .map((r) => r.slice(0, 3)),
        },
      }),
      'params.W: expected 12×3, got 3×3',
    ],
    [
      'lstm U with N rows instead of 4N',
      () => ({ ...ls(), params: { ...ls().params, U: ls().params.U.slice(0, 3) } }),
      'params.U: expected 12×2, got 3×2',
    ],
    [
      'lstm b with N entries instead of 4N',
      () => ({ ...ls(), params: { ...ls().params, b: [0, 0, 0] } }),
      'params.b: expected length 12, got 3',
    ],
    ['lstm with an activation', () => ({ ...ls(), activation: 'tanh' }), '(file): unknown key "activation"'],
    ['lambda on an lstm', () => ({ ...ls(), lambda: 0.1 }), '(file): unknown key "lambda"'],
    // KRU-LSTM
    [
      'kru-lstm factors do not multiply to hidden',
      () => ({ ...kl(), factors: [2, 2] }),
      'factors: the product of the factor sizes must equal hidden (2×2 = 4, hidden = 6)',
    ],
    [
      'kru-lstm missing lambda',
      () => ({ ...kl(), lambda: undefined }),
      'lambda: expected number, received undefined',
    ],
    [
      'kru-lstm missing gate',
      () => {
        const f = kl() as unknown as { params: { R: Record<string, unknown> } };
        delete f.params.R.g;
        return f;
      },
      'params.R.g: expected array, received undefined',
    ],
    [
      'kru-lstm unknown gate',
      () => {
        const f = kl() as unknown as { params: { R: Record<string, unknown> } };
        f.params.R.h = f.params.R.o;
        return f;
      },
      'params.R: unknown key "h"',
    ],
    [
      'kru-lstm gate with a factor missing',
      () => {
        const f = kl();
        f.params.R.o.pop();
        return f;
      },
      'params.R.o: expected 2 factors (one per entry of "factors"), got 1',
    ],
    [
      'kru-lstm factor of the wrong size',
      () => {
        const f = kl();
        f.params.R.f[1] = f.params.R.f[1].map((r) => r.slice(1));
        return f;
      },
      'params.R.f[1]: expected 3×3, got 3×2',
    ],
    [
      'kru-lstm factors in the wrong order',
      () => {
        const f = kl();
        f.params.R.i.reverse();
        return f;
      },
      'params.R.i[0]: expected 2×2, got 3×3',
    ],
    [
      'kru-lstm complex factor',
      () => {
        const f = kl() as unknown as { params: { R: { i: unknown[] } } };
        f.params.R.i[0] = { re: [[1]], im: [[0]] };
        return f;
      },
      'params.R.i[0]: expected array, received object',
    ],
    [
      'kru-lstm R given as the flat factors',
      () => ({ ...kl(), params: { ...kl().params, R: [1, 2, 3] } }),
      'params.R: expected object, received array',
    ],
    [
      'kru-lstm U with N rows',
      () => ({ ...kl(), params: { ...kl().params, U: kl().params.U.slice(0, 6) } }),
      'params.U: expected 24×2, got 6×2',
    ],
    [
      'kru-lstm with an activation',
      () => ({ ...kl(), activation: 'tanh' }),
      '(file): unknown key "activation"',
    ],
    // low-rank
    ['lowrank rank > hidden', () => ({ ...lr(), rank: 6 }), 'rank: must be ≤ hidden (5), got 6'],
    ['lowrank rank 0', () => ({ ...lr(), rank: 0 }), 'rank: too small: expected number to be >0'],
    [
      'lowrank rank missing',
      () => ({ ...lr(), rank: undefined }),
      'rank: expected number, received undefined',
    ],
    ['lowrank A of the wrong width', () => ({ ...lr(), rank: 3 }), 'params.A: expected 5×3, got 5×2'],
    [
      'lowrank B transposed',
      () => {
        const f = lr();
        f.params.B = f.params.A;
        return f;
      },
      'params.B: expected 2×5, got 5×2',
    ],
    [
      'lowrank with a KRU activation',
      () => ({ ...lr(), activation: 'modrelu' }),
      'activation: expected one of "tanh"|"relu"|"linear", got "modrelu"',
    ],
    ['lambda on a lowrank', () => ({ ...lr(), lambda: 0.1 }), '(file): unknown key "lambda"'],
    [
      'lowrank with a dense W',
      () => {
        const f = lr() as unknown as { params: Record<string, unknown> };
        f.params.W = rn().params.W;
        return f;
      },
      'params: unknown key "W"',
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
    expect(models.map((m) => m.kind)).toEqual(['kru', 'rnn', 'kru-lstm']);
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
    // The KRU-LSTM example's factors are orthogonal: R = Σ_{k,f} ‖R_{k,f}ᵀR_{k,f} − I‖_F² ≈ 0.
    const kl = models[2] as unknown as KruLstmModelFile;
    let R = 0;
    for (const gate of Object.values(kl.params.R))
      for (const m of gate)
        m.forEach((_, i) =>
          m.forEach((__, j) => {
            const g = m.reduce((s, row) => s + row[i] * row[j], 0) - (i === j ? 1 : 0);
            R += g * g;
          }),
        );
    expect(R).toBeLessThan(1e-12);
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
