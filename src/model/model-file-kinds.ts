// Each model kind's part of the model file (docs/model-format.md): its header fields after outputSize
// (activation, factors, λ, rank) and its params, written from the engine's flat arrays (docs/model.md) and read
// back into them with every shape checked. The format and kind themselves are checked by model-file.ts first.
import { z } from 'zod';
import type { KruLstmSpec, KruSpec, LowRankSpec, LstmSpec, NetSpec, RnnSpec } from './config';
import { KRU_ACTIVATIONS, RNN_ACTIVATIONS } from '../core/vocabulary';
import { paramShapes, realFactorsLength, type ParamArrays } from './models';
import { factorLayout, product } from '../core/factor-layout';
import {
  ModelFileError,
  checkFactorList,
  checkFactorProduct,
  checkMatrix,
  checkVector,
  complexMatrix,
  complexVector,
  dim,
  factorSizes,
  fail,
  lambda,
  matrix,
  parseOrFail,
  vector,
  type Matrix,
} from './model-file-check';

export interface ComplexMatrix {
  re: Matrix;
  im: Matrix;
}
export interface ComplexVector {
  re: number[];
  im: number[];
}

export interface KruFileParams {
  /** One complex p_f×p_f matrix per factor, W_0 first (the outermost factor of the Kronecker product). */
  W: ComplexMatrix[];
  U: ComplexMatrix;
  b: ComplexVector;
  V: Matrix;
  c: number[];
  /** modReLU offsets β (only with activation modrelu). */
  modBias?: number[];
}
export interface RnnFileParams {
  W: Matrix;
  U: Matrix;
  b: number[];
  V: Matrix;
  c: number[];
}
/** W = A·B: A N×r, B r×N. */
export interface LowRankFileParams {
  A: Matrix;
  B: Matrix;
  U: Matrix;
  b: number[];
  V: Matrix;
  c: number[];
}
/** W 4N×N, U 4N×D, b 4N: gate blocks i, f, g, o in row order. */
export interface LstmFileParams {
  W: Matrix;
  U: Matrix;
  b: number[];
  V: Matrix;
  c: number[];
}
/** The LSTM's gates in the order of its row blocks (docs/model.md, "LSTM"). */
export const GATES = ['i', 'f', 'g', 'o'] as const;
export type Gate = (typeof GATES)[number];
export interface KruLstmFileParams {
  /** Per gate, one real p_f×p_f matrix per factor, R_{k,0} first: W_k = R_{k,0} ⊗ … ⊗ R_{k,F−1}. */
  R: Record<Gate, Matrix[]>;
  U: Matrix;
  b: number[];
  V: Matrix;
  c: number[];
}

/** The fields of each kind's file after outputSize, in file order. */
export interface KruFields {
  activation: KruSpec['activation'];
  factors: number[];
  lambda: number;
  params: KruFileParams;
}
export interface RnnFields {
  activation: RnnSpec['activation'];
  params: RnnFileParams;
}
export interface LowRankFields {
  activation: LowRankSpec['activation'];
  rank: number;
  params: LowRankFileParams;
}
export interface LstmFields {
  params: LstmFileParams;
}
export interface KruLstmFields {
  factors: number[];
  lambda: number;
  params: KruLstmFileParams;
}

/** Each kind's file params. */
export interface FileParamsOf {
  kru: KruFileParams;
  rnn: RnnFileParams;
  lowrank: LowRankFileParams;
  lstm: LstmFileParams;
  'kru-lstm': KruLstmFileParams;
}

// ---------- export ----------

function rows(a: ArrayLike<number>, off: number, r: number, c: number): Matrix {
  const out: Matrix = [];
  for (let i = 0; i < r; i++) out.push(Array.from({ length: c }, (_, j) => a[off + i * c + j]));
  return out;
}

function vec(a: ArrayLike<number>, off: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => a[off + i]);
}

function requireArrays(spec: NetSpec, arrays: ParamArrays): void {
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    const size = product(shape);
    const a = arrays[name];
    if (!a) throw new ModelFileError(`missing parameter ${name}`);
    if (a.length !== size)
      throw new ModelFileError(`parameter ${name}: expected ${size} values, got ${a.length}`);
  }
}

function kruParams(spec: KruSpec, a: ParamArrays): KruFileParams {
  const { hidden: N, inputSize: D, outputSize: K } = spec;
  const layout = factorLayout(spec.factors);
  const params: KruFileParams = {
    W: layout.sizes.map((p, f) => ({
      re: rows(a.factors, layout.offsets[f], p, p),
      im: rows(a.factors, layout.imOffsets[f], p, p),
    })),
    U: { re: rows(a.U, 0, N, D), im: rows(a.U, N * D, N, D) },
    b: { re: vec(a.b, 0, N), im: vec(a.b, N, N) },
    V: rows(a.V, 0, K, 2 * N),
    c: vec(a.c, 0, K),
  };
  if (spec.activation === 'modrelu') params.modBias = vec(a.beta, 0, N);
  return params;
}

function kruLstmParams(spec: KruLstmSpec, a: ParamArrays): KruLstmFileParams {
  const { hidden: N, inputSize: D, outputSize: K } = spec;
  let off = 0;
  const gate = () =>
    spec.factors.map((p) => {
      const m = rows(a.factors, off, p, p);
      off += p * p;
      return m;
    });
  const R = { i: gate(), f: gate(), g: gate(), o: gate() }; // gate-major, in GATES order
  return { R, U: rows(a.U, 0, 4 * N, D), b: vec(a.b, 0, 4 * N), V: rows(a.V, 0, K, N), c: vec(a.c, 0, K) };
}

/** The file-layout params of a model from its flat arrays (also used for gradients, which share the layout). */
export function paramsToFile<S extends NetSpec>(spec: S, arrays: ParamArrays): FileParamsOf[S['kind']];
export function paramsToFile(spec: NetSpec, a: ParamArrays): FileParamsOf[NetSpec['kind']] {
  requireArrays(spec, a);
  const { hidden: N, inputSize: D, outputSize: K } = spec;
  switch (spec.kind) {
    case 'kru':
      return kruParams(spec, a);
    case 'rnn':
      return {
        W: rows(a.W, 0, N, N),
        U: rows(a.U, 0, N, D),
        b: vec(a.b, 0, N),
        V: rows(a.V, 0, K, N),
        c: vec(a.c, 0, K),
      };
    case 'lowrank': {
      const r = spec.rank;
      return {
        A: rows(a.A, 0, N, r),
        B: rows(a.B, 0, r, N),
        U: rows(a.U, 0, N, D),
        b: vec(a.b, 0, N),
        V: rows(a.V, 0, K, N),
        c: vec(a.c, 0, K),
      };
    }
    case 'lstm':
      return {
        W: rows(a.W, 0, 4 * N, N),
        U: rows(a.U, 0, 4 * N, D),
        b: vec(a.b, 0, 4 * N),
        V: rows(a.V, 0, K, N),
        c: vec(a.c, 0, K),
      };
    case 'kru-lstm':
      return kruLstmParams(spec, a);
  }
}

/** The kind's fields after outputSize (λ only for the factored kinds), params last. */
export function kindFields(
  spec: NetSpec,
  arrays: ParamArrays,
  lambda: number,
): KruFields | RnnFields | LowRankFields | LstmFields | KruLstmFields {
  switch (spec.kind) {
    case 'kru':
      return {
        activation: spec.activation,
        factors: [...spec.factors],
        lambda,
        params: paramsToFile(spec, arrays),
      };
    case 'rnn':
      return { activation: spec.activation, params: paramsToFile(spec, arrays) };
    case 'lowrank':
      return { activation: spec.activation, rank: spec.rank, params: paramsToFile(spec, arrays) };
    case 'lstm':
      return { params: paramsToFile(spec, arrays) };
    case 'kru-lstm':
      return { factors: [...spec.factors], lambda, params: paramsToFile(spec, arrays) };
  }
}

// ---------- import ----------

/** What a file reads as: the network, its flat float32 arrays (paramShapes order) and its λ (0 unless factored). */
export interface ReadModel {
  spec: NetSpec;
  arrays: ParamArrays;
  lambda: number;
}

// format and kind are already checked by fromModelFile; here they only have to be present (strict objects).
const HEAD = { format: z.string(), kind: z.string(), hidden: dim, inputSize: dim, outputSize: dim };
/** The read-out V K×N and c K, and the input U rows×D and bias b rows of the real kinds. */
const REAL_IO = { U: matrix, b: vector, V: matrix, c: vector };

const KruSchema = z.strictObject({
  ...HEAD,
  activation: z.enum(KRU_ACTIVATIONS),
  factors: factorSizes,
  lambda,
  params: z.strictObject({
    W: z.array(complexMatrix),
    U: complexMatrix,
    b: complexVector,
    V: matrix,
    c: vector,
    modBias: vector.optional(),
  }),
});
const RnnSchema = z.strictObject({
  ...HEAD,
  activation: z.enum(RNN_ACTIVATIONS),
  params: z.strictObject({ W: matrix, ...REAL_IO }),
});
const LowRankSchema = z.strictObject({
  ...HEAD,
  activation: z.enum(RNN_ACTIVATIONS),
  rank: dim,
  params: z.strictObject({ A: matrix, B: matrix, ...REAL_IO }),
});
const LstmSchema = z.strictObject({ ...HEAD, params: z.strictObject({ W: matrix, ...REAL_IO }) });
const gateFactors = z.array(matrix);
const KruLstmSchema = z.strictObject({
  ...HEAD,
  factors: factorSizes,
  lambda,
  params: z.strictObject({
    R: z.strictObject({ i: gateFactors, f: gateFactors, g: gateFactors, o: gateFactors }),
    ...REAL_IO,
  }),
});

function put(target: Float32Array, off: number, m: Matrix): number {
  for (const row of m) for (const v of row) target[off++] = v;
  return off;
}

const flat = (m: Matrix) => Float32Array.from(m.flat());

/** U rows×D, b rows, V K×N and c K of a real kind (rows = N, or 4N for the gated kinds), checked and flattened. */
function readRealIO(
  p: { U: Matrix; b: number[]; V: Matrix; c: number[] },
  rowsOfU: number,
  f: { hidden: number; inputSize: number; outputSize: number },
): ParamArrays {
  checkMatrix('params.U', p.U, rowsOfU, f.inputSize);
  checkVector('params.b', p.b, rowsOfU);
  checkMatrix('params.V', p.V, f.outputSize, f.hidden);
  checkVector('params.c', p.c, f.outputSize);
  return { U: flat(p.U), b: Float32Array.from(p.b), V: flat(p.V), c: Float32Array.from(p.c) };
}

function readKru(json: unknown): ReadModel {
  const f = parseOrFail(KruSchema, json);
  const { hidden: N, inputSize: D, outputSize: K } = f;
  checkFactorProduct(f.factors, N);
  const p = f.params;
  if (p.W.length !== f.factors.length)
    fail('params.W', `expected ${f.factors.length} factors (one per entry of "factors"), got ${p.W.length}`);
  p.W.forEach((w, i) => {
    const s = f.factors[i];
    checkMatrix(`params.W[${i}].re`, w.re, s, s);
    checkMatrix(`params.W[${i}].im`, w.im, s, s);
  });
  checkMatrix('params.U.re', p.U.re, N, D);
  checkMatrix('params.U.im', p.U.im, N, D);
  checkVector('params.b.re', p.b.re, N);
  checkVector('params.b.im', p.b.im, N);
  checkMatrix('params.V', p.V, K, 2 * N);
  checkVector('params.c', p.c, K);
  if (f.activation === 'modrelu') {
    if (!p.modBias) fail('params.modBias', 'missing (required with activation "modrelu")');
    checkVector('params.modBias', p.modBias, N);
  } else if (p.modBias) {
    fail('params.modBias', `only allowed with activation "modrelu", not "${f.activation}"`);
  }

  const spec: KruSpec = {
    kind: 'kru',
    hidden: N,
    inputSize: D,
    outputSize: K,
    factors: [...f.factors],
    activation: f.activation,
  };
  const layout = factorLayout(spec.factors);
  const factors = new Float32Array(layout.packedLength);
  p.W.forEach((w, i) => {
    put(factors, layout.offsets[i], w.re);
    put(factors, layout.imOffsets[i], w.im);
  });
  const U = new Float32Array(2 * N * D);
  put(U, put(U, 0, p.U.re), p.U.im);
  const arrays: ParamArrays = { factors, U, b: Float32Array.from([...p.b.re, ...p.b.im]) };
  if (p.modBias) arrays.beta = Float32Array.from(p.modBias);
  arrays.V = flat(p.V);
  arrays.c = Float32Array.from(p.c);
  return { spec, arrays, lambda: f.lambda };
}

function readRnn(json: unknown): ReadModel {
  const f = parseOrFail(RnnSchema, json);
  const { hidden: N, inputSize, outputSize } = f;
  checkMatrix('params.W', f.params.W, N, N);
  const io = readRealIO(f.params, N, f);
  const spec: RnnSpec = { kind: 'rnn', hidden: N, inputSize, outputSize, activation: f.activation };
  return { spec, arrays: { W: flat(f.params.W), ...io }, lambda: 0 };
}

function readLowRank(json: unknown): ReadModel {
  const f = parseOrFail(LowRankSchema, json);
  const { hidden: N, inputSize, outputSize, rank: r } = f;
  if (r > N) fail('rank', `must be ≤ hidden (${N}), got ${r}`);
  checkMatrix('params.A', f.params.A, N, r);
  checkMatrix('params.B', f.params.B, r, N);
  const io = readRealIO(f.params, N, f);
  const spec: LowRankSpec = {
    kind: 'lowrank',
    hidden: N,
    inputSize,
    outputSize,
    rank: r,
    activation: f.activation,
  };
  return { spec, arrays: { A: flat(f.params.A), B: flat(f.params.B), ...io }, lambda: 0 };
}

function readLstm(json: unknown): ReadModel {
  const f = parseOrFail(LstmSchema, json);
  const { hidden: N, inputSize, outputSize } = f;
  checkMatrix('params.W', f.params.W, 4 * N, N);
  const io = readRealIO(f.params, 4 * N, f);
  const spec: LstmSpec = { kind: 'lstm', hidden: N, inputSize, outputSize };
  return { spec, arrays: { W: flat(f.params.W), ...io }, lambda: 0 };
}

function readKruLstm(json: unknown): ReadModel {
  const f = parseOrFail(KruLstmSchema, json);
  const { hidden: N, inputSize, outputSize } = f;
  checkFactorProduct(f.factors, N);
  const { R } = f.params;
  for (const g of GATES) checkFactorList(`params.R.${g}`, R[g], f.factors);
  const io = readRealIO(f.params, 4 * N, f);
  const factors = new Float32Array(4 * realFactorsLength(f.factors));
  let off = 0;
  for (const g of GATES) for (const m of R[g]) off = put(factors, off, m);
  const spec: KruLstmSpec = { kind: 'kru-lstm', hidden: N, inputSize, outputSize, factors: [...f.factors] };
  return { spec, arrays: { factors, ...io }, lambda: f.lambda };
}

/** Reads a file of the given kind (its format and kind already checked): the first problem as a ModelFileError. */
export const READERS: Record<NetSpec['kind'], (json: unknown) => ReadModel> = {
  kru: readKru,
  rnn: readRnn,
  lowrank: readLowRank,
  lstm: readLstm,
  'kru-lstm': readKruLstm,
};
