// `kru inspect` against the float64 oracle, for every kind: every gradient it reports equals central finite
// differences of the independent float64 forward pass, g_t equals the derivative with respect to h_t itself, and
// the spectra match the explicitly formed shown matrix (the KRU's W, the KRU-LSTM's forget gate ⊗ R_{f,·}, the
// RNN's W, the low-rank A·B, the LSTM's forget-gate block).
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  centralDiff,
  kronExplicit,
  kruForward64,
  kruLstmForward64,
  lstmForward64,
  readout64,
  realKronExplicit,
  rnnForward64,
  taskLoss64,
  unitaryPenalty64,
  type KruParams64,
  type RnnParams64,
} from '../support/float64';
import type { NetSpec } from '../../src/model/config';
import {
  initKruArrays,
  initKruLstmArrays,
  initLowRankArrays,
  initLstmArrays,
  initRnnArrays,
  realFactorsLength,
  type ParamArrays,
} from '../../src/model/models';
import { fromModelFile, toModelFile, type ModelFile } from '../../src/model/model-file';
import { realSingularValues } from '../../src/linalg';
import { Rng } from '../../src/util/rng';
import { cli, tempDir } from './helpers';

interface Case {
  name: string;
  spec: NetSpec;
  loss: 'xent' | 'mse';
  lambda: number;
  B: number;
  T: number;
}

const cases: Case[] = [
  {
    name: 'kru [2,3] modrelu mse',
    spec: { kind: 'kru', hidden: 6, inputSize: 2, outputSize: 1, factors: [2, 3], activation: 'modrelu' },
    loss: 'mse',
    lambda: 0.2,
    B: 2,
    T: 3,
  },
  {
    name: 'kru [2,2] crelu xent',
    spec: { kind: 'kru', hidden: 4, inputSize: 3, outputSize: 3, factors: [2, 2], activation: 'crelu' },
    loss: 'xent',
    lambda: 0.5,
    B: 3,
    T: 4,
  },
  {
    name: 'rnn tanh xent',
    spec: { kind: 'rnn', hidden: 5, inputSize: 2, outputSize: 3, activation: 'tanh' },
    loss: 'xent',
    lambda: 0,
    B: 2,
    T: 4,
  },
  {
    name: 'lowrank rank 2 tanh mse',
    spec: { kind: 'lowrank', hidden: 5, inputSize: 2, outputSize: 1, rank: 2, activation: 'tanh' },
    loss: 'mse',
    lambda: 0,
    B: 2,
    T: 4,
  },
  {
    name: 'lstm xent',
    spec: { kind: 'lstm', hidden: 4, inputSize: 2, outputSize: 3 },
    loss: 'xent',
    lambda: 0,
    B: 2,
    T: 4,
  },
  {
    name: 'kru-lstm [2,3] mse',
    spec: { kind: 'kru-lstm', hidden: 6, inputSize: 2, outputSize: 1, factors: [2, 3] },
    loss: 'mse',
    lambda: 0.3,
    B: 2,
    T: 3,
  },
];

function params(spec: NetSpec, rng: Rng): ParamArrays {
  // Gaussian (non-unitary) factors so λ·R has a gradient; non-zero biases and a positive β exercise every entry.
  const p = (() => {
    switch (spec.kind) {
      case 'kru':
        return initKruArrays(spec, { kind: 'gaussian', scale: 0.6 }, rng);
      case 'rnn':
        return initRnnArrays(spec, { kind: 'gaussian', gain: 1.2 }, rng);
      case 'lowrank':
        return initLowRankArrays(spec, 1.2, rng);
      case 'lstm':
        return initLstmArrays(spec, rng);
      case 'kru-lstm':
        return initKruLstmArrays(spec, rng);
    }
  })();
  for (const k of ['b', 'c', 'beta']) if (p[k]) p[k] = p[k].map(() => 0.3 * rng.normal());
  if (p.beta) p.beta = p.beta.map((v) => Math.abs(v) * 0.5);
  // The KRU-LSTM's factors start orthogonal (R = 0, no gradient); move them off it.
  if (spec.kind === 'kru-lstm') p.factors = p.factors.map((v) => v + 0.2 * rng.normal());
  return p;
}

/** Σ over gates k and factors f of ‖R_{k,f}ᵀR_{k,f} − I‖_F² (docs/model.md, "KRU-LSTM"), in float64. */
function orthogonalPenalty64(sizes: number[], factors: ArrayLike<number>): number {
  let r = 0;
  let off = 0;
  for (let k = 0; k < 4; k++)
    for (const p of sizes) {
      r += gramDeviation64(factors, off, p, p);
      off += p * p;
    }
  return r;
}

/** ‖MᵀM − I‖_F² of the rows×n matrix M = a[off…] (row-major). */
function gramDeviation64(a: ArrayLike<number>, off: number, rows: number, n: number): number {
  let dev = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? -1 : 0;
      for (let k = 0; k < rows; k++) s += a[off + k * n + i] * a[off + k * n + j];
      dev += s * s;
    }
  return dev;
}

/** A·B in float64 (A n×r, B r×n). */
function matMul64(A: ArrayLike<number>, B: ArrayLike<number>, n: number, r: number): Float64Array {
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += A[i * r + k] * B[k * n + j];
      W[i * n + j] = s;
    }
  return W;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-8);
}

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('inspect against the float64 oracle', () => {
  it.each(cases)('$name', async (c) => {
    const rng = new Rng(11);
    const { spec } = c;
    const arrays = params(spec, rng);
    const file = toModelFile(spec, arrays, c.lambda);
    // Inputs rounded to float32 so that the oracle sees exactly what the model sees.
    const inputs = Array.from({ length: c.B }, () =>
      Array.from({ length: c.T }, () =>
        Array.from({ length: spec.inputSize }, () => Math.fround(rng.normal())),
      ),
    );
    // Targets at the last step of every sequence and at t = 1 of the first one; null elsewhere.
    const targets = Array.from({ length: c.B }, (_, b) =>
      Array.from({ length: c.T }, (_, t) =>
        t === c.T - 1 || (b === 0 && t === 1)
          ? c.loss === 'mse'
            ? Math.fround(rng.normal())
            : rng.int(spec.outputSize)
          : null,
      ),
    );
    const modelPath = tmp.file(`${c.name}.model.json`, file);
    const dataPath = tmp.file(`${c.name}.data.json`, { inputs, targets, loss: c.loss });

    const r = await cli('inspect', '--model', modelPath, '--data', dataPath);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const got = JSON.parse(r.out[0]) as Record<string, unknown>;

    const x = Float64Array.from(inputs.flat(2));
    const tg = Float64Array.from(targets.flat(), (v) => (v === null ? NaN : v));
    const p64: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(arrays)) p64[k] = Float64Array.from(v);
    const width = spec.kind === 'kru' ? 2 * spec.hidden : spec.hidden;
    const N = spec.hidden;
    const hiddenStates = (probe?: Float64Array): Float64Array => {
      const D = spec.inputSize;
      switch (spec.kind) {
        case 'kru': {
          const kp: KruParams64 = {
            sizes: spec.factors,
            activation: spec.activation,
            factors: p64.factors,
            U: p64.U,
            b: p64.b,
            beta: p64.beta ?? new Float64Array(1),
          };
          return kruForward64(kp, x, c.B, c.T, D, probe);
        }
        case 'rnn':
        case 'lowrank': {
          // the low-rank W = A·B formed in float64 from the (perturbed) A and B
          const W = spec.kind === 'rnn' ? p64.W : matMul64(p64.A, p64.B, N, spec.rank);
          const rp: RnnParams64 = { activation: spec.activation, W, U: p64.U, b: p64.b };
          return rnnForward64(rp, x, c.B, c.T, D, probe);
        }
        case 'lstm':
          return lstmForward64({ W: p64.W, U: p64.U, b: p64.b }, x, c.B, c.T, D, probe);
        case 'kru-lstm':
          return kruLstmForward64(
            { sizes: spec.factors, factors: p64.factors, U: p64.U, b: p64.b },
            x,
            c.B,
            c.T,
            D,
            probe,
          );
      }
    };
    const taskL = (probe?: Float64Array) =>
      taskLoss64(readout64(hiddenStates(probe), p64.V, p64.c, c.B * c.T, width), spec.outputSize, tg, c.loss);
    const penalized = spec.kind === 'kru' || spec.kind === 'kru-lstm';
    const reg = () =>
      spec.kind === 'kru'
        ? unitaryPenalty64(spec.factors, p64.factors)
        : spec.kind === 'kru-lstm'
          ? orthogonalPenalty64(spec.factors, p64.factors)
          : 0;
    const total = () => taskL() + c.lambda * reg();

    expect(got.kind).toBe(spec.kind);
    // The same fields for every kind: reg where the kind has a penalty, then the factored or the dense spectra.
    expect(Object.keys(got)).toEqual([
      'kind',
      'backend',
      'loss',
      ...(penalized ? ['reg'] : []),
      'total',
      'gradNormsOverTime',
      'grads',
      ...(penalized
        ? ['factorSingularValues', 'factorDeviation', 'fullDeviation', 'spectralNorm']
        : ['singularValues', 'deviation', 'spectralNorm']),
    ]);
    expect(got.loss as number).toBeCloseTo(taskL(), 4);
    expect(got.total as number).toBeCloseTo(total(), 4);
    if (penalized) {
      expect(reg()).toBeGreaterThan(0.01);
      expect(got.reg as number).toBeCloseTo(reg(), 4);
    } else expect(got).not.toHaveProperty('reg');

    // grads come in the file's layout: read them back through the model-file reader to get flat arrays.
    const gradFile = { ...file, params: got.grads } as ModelFile;
    const grads = fromModelFile(gradFile).arrays;
    expect(Object.keys(grads)).toEqual(Object.keys(arrays));
    for (const name of Object.keys(arrays)) {
      const fd = centralDiff(p64[name], total);
      expect(relErr(grads[name], fd), `∂total/∂${name}`).toBeLessThan(2e-3);
    }

    // g_t = ‖∂L_task/∂h_t‖: perturb h_t itself through the oracle's probe.
    const probe = new Float64Array(c.B * c.T * width);
    const fdProbe = centralDiff(probe, () => taskL(probe));
    const gt = Array.from({ length: c.T }, (_, t) => {
      let s = 0;
      for (let b = 0; b < c.B; b++)
        for (let j = 0; j < width; j++) s += fdProbe[(b * c.T + t) * width + j] ** 2;
      return Math.sqrt(s);
    });
    expect(got.gradNormsOverTime).toHaveLength(c.T);
    expect(relErr(got.gradNormsOverTime as number[], gt), 'g_t').toBeLessThan(2e-3);

    if (spec.kind === 'kru') {
      // Singular values of the explicitly formed W are the products of the factors' ones.
      const W = kronExplicit(spec.factors, arrays.factors);
      let dev = 0;
      for (let i = 0; i < N; i++)
        for (let j = 0; j < N; j++) {
          let re = i === j ? -1 : 0;
          let im = 0;
          for (let k = 0; k < N; k++) {
            const ar = W.re[k * N + i],
              ai = -W.im[k * N + i],
              br = W.re[k * N + j],
              bi = W.im[k * N + j];
            re += ar * br - ai * bi;
            im += ar * bi + ai * br;
          }
          dev += re * re + im * im;
        }
      expect(got.fullDeviation as number).toBeCloseTo(dev, 4);
      const sv = got.factorSingularValues as number[][];
      expect(sv.map((s) => s.length)).toEqual(spec.factors);
      for (const s of sv) expect([...s].sort((a, b) => b - a)).toEqual(s);
      expect(got.spectralNorm as number).toBeCloseTo(
        sv.reduce((a, s) => a * s[0], 1),
        10,
      );
      const fdev = got.factorDeviation as number[];
      expect(fdev.reduce((a, b) => a + b, 0)).toBeCloseTo(reg(), 4);
    } else if (spec.kind === 'kru-lstm') {
      // The forget gate's factors R_{f,·} (gate block 1) and W_f = ⊗ R_{f,·} formed explicitly.
      const S = realFactorsLength(spec.factors);
      const Wf = realKronExplicit(spec.factors, arrays.factors, S);
      expect(got.fullDeviation as number).toBeCloseTo(gramDeviation64(Wf, 0, N, N), 4);
      const sv = got.factorSingularValues as number[][];
      let off = S;
      const fdev = got.factorDeviation as number[];
      spec.factors.forEach((p, f) => {
        const want = realSingularValues(arrays.factors.subarray(off, off + p * p), p);
        expect(relErr(sv[f], want), `σ of R_{f,${f}}`).toBeLessThan(1e-9);
        expect(fdev[f]).toBeCloseTo(gramDeviation64(arrays.factors, off, p, p), 8);
        off += p * p;
      });
      expect(got.spectralNorm as number).toBeCloseTo(realSingularValues(Wf, N)[0], 8);
    } else {
      // The shown dense matrix: the RNN's W, the low-rank A·B, the LSTM's forget-gate block (rows N…2N−1).
      const W =
        spec.kind === 'rnn'
          ? Float64Array.from(arrays.W)
          : spec.kind === 'lowrank'
            ? matMul64(arrays.A, arrays.B, N, spec.rank)
            : Float64Array.from(arrays.W.subarray(N * N, 2 * N * N));
      const sv = realSingularValues(W, N);
      if (spec.kind === 'rnn') expect(got.singularValues).toEqual(Array.from(sv));
      else expect(relErr(got.singularValues as number[], sv)).toBeLessThan(1e-6);
      if (spec.kind === 'lowrank') expect(sv[spec.rank]).toBeLessThan(1e-6 * sv[0]); // rank r: σ_{r+1…} = 0
      expect(got.spectralNorm as number).toBeCloseTo(sv[0], 5);
      expect(got.deviation as number).toBeCloseTo(gramDeviation64(W, 0, N, N), 4);
    }
  });

  it('gives the same numbers with the reference implementation and on the wasm backend', async () => {
    const c = cases[0];
    const rng = new Rng(5);
    const modelPath = tmp.file('same.model.json', toModelFile(c.spec, params(c.spec, rng), c.lambda));
    const inputs = [
      [
        [0.5, -1],
        [0.25, 2],
        [1, 0],
      ],
    ];
    const dataPath = tmp.file('same.data.json', { inputs, targets: [[0.5, null, -1]], loss: 'mse' });
    const runs = [];
    for (const extra of [[], ['--impl', 'reference'], ['--backend', 'wasm']]) {
      const r = await cli('inspect', '--model', modelPath, '--data', dataPath, ...extra);
      expect(r.err, extra.join(' ')).toEqual([]);
      runs.push(JSON.parse(r.out[0]) as { backend: string; total: number; grads: { V: number[][] } });
    }
    expect(runs.map((r) => r.backend)).toEqual(['cpu', 'cpu', 'wasm']);
    for (const r of runs.slice(1)) {
      expect(r.total).toBeCloseTo(runs[0].total, 5);
      expect(relErr(r.grads.V.flat(), runs[0].grads.V.flat())).toBeLessThan(1e-5);
    }
    await tf.setBackend('cpu');
  });

  it.each(cases.slice(3))('$name: the reference implementation gives the same numbers', async (c) => {
    const rng = new Rng(6);
    const modelPath = tmp.file(
      `ref-${c.name}.model.json`,
      toModelFile(c.spec, params(c.spec, rng), c.lambda),
    );
    const inputs = [
      [
        [0.5, -1],
        [0.25, 2],
        [1, 0],
      ],
    ];
    const targets = [[c.loss === 'mse' ? 0.5 : 0, null, c.loss === 'mse' ? -1 : 1]];
    const dataPath = tmp.file(`ref-${c.name}.data.json`, { inputs, targets, loss: c.loss });
    const runs = [];
    for (const extra of [[], ['--impl', 'reference']]) {
      const r = await cli('inspect', '--model', modelPath, '--data', dataPath, ...extra);
      expect(r.err, extra.join(' ')).toEqual([]);
      runs.push(
        JSON.parse(r.out[0]) as { total: number; gradNormsOverTime: number[]; grads: { U: number[][] } },
      );
    }
    expect(runs[1].total).toBeCloseTo(runs[0].total, 5);
    expect(relErr(runs[1].gradNormsOverTime, runs[0].gradNormsOverTime)).toBeLessThan(1e-5);
    expect(relErr(runs[1].grads.U.flat(), runs[0].grads.U.flat())).toBeLessThan(1e-5);
  });
});
