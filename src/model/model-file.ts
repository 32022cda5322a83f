// The model file: a trained model as readable JSON (docs/model-format.md). Parameters are nested arrays in the
// shapes a reader expects (complex matrices as {re, im}, matrices as arrays of rows) rather than the engine's
// flat layouts, so the file can be produced or consumed by other tools (numpy, a notebook) without our code.
// float32 values written as JS numbers read back to the same float32, so export → import → export is exact.
import { z } from 'zod';
import { type KruSpec, type NetSpec, type RnnSpec } from './config';
import { KRU_ACTIVATIONS, RNN_ACTIVATIONS } from '../core/vocabulary';
import { paramShapes, type ParamArrays } from './models';
import { factorLayout, product } from '../core/factor-layout';

export const MODEL_FORMAT = 'kru-explorer/model@1';

export type Matrix = number[][];
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

interface Header {
  format: typeof MODEL_FORMAT;
  hidden: number;
  inputSize: number;
  outputSize: number;
}
export interface KruModelFile extends Header {
  kind: 'kru';
  activation: KruSpec['activation'];
  factors: number[];
  lambda: number;
  params: KruFileParams;
}
export interface RnnModelFile extends Header {
  kind: 'rnn';
  activation: RnnSpec['activation'];
  params: RnnFileParams;
}
export type ModelFile = KruModelFile | RnnModelFile;

/** Raised for any invalid model file; the message is one line naming the offending path. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

const FLOAT32_LIMIT = '3.4e38';

/** A finite number that stays finite as a float32 (the weights' and λ's type on every backend). */
function isFloat32(v: number): boolean {
  return Number.isFinite(Math.fround(v));
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

/** The file-layout params of a model from its flat arrays (also used for gradients, which share the layout). */
export function paramsToFile(spec: KruSpec, arrays: ParamArrays): KruFileParams;
export function paramsToFile(spec: RnnSpec, arrays: ParamArrays): RnnFileParams;
export function paramsToFile(spec: NetSpec, arrays: ParamArrays): KruFileParams | RnnFileParams;
export function paramsToFile(spec: NetSpec, arrays: ParamArrays): KruFileParams | RnnFileParams {
  requireArrays(spec, arrays);
  const { hidden: N, inputSize: D, outputSize: K } = spec;
  if (spec.kind === 'rnn') {
    return {
      W: rows(arrays.W, 0, N, N),
      U: rows(arrays.U, 0, N, D),
      b: vec(arrays.b, 0, N),
      V: rows(arrays.V, 0, K, N),
      c: vec(arrays.c, 0, K),
    };
  }
  const layout = factorLayout(spec.factors);
  const W: ComplexMatrix[] = layout.sizes.map((p, f) => ({
    re: rows(arrays.factors, layout.offsets[f], p, p),
    im: rows(arrays.factors, layout.imOffsets[f], p, p),
  }));
  const params: KruFileParams = {
    W,
    U: { re: rows(arrays.U, 0, N, D), im: rows(arrays.U, N * D, N, D) },
    b: { re: vec(arrays.b, 0, N), im: vec(arrays.b, N, N) },
    V: rows(arrays.V, 0, K, 2 * N),
    c: vec(arrays.c, 0, K),
  };
  if (spec.activation === 'modrelu') params.modBias = vec(arrays.beta, 0, N);
  return params;
}

/** A model file for the given spec and flat parameter arrays (docs/model.md layouts). λ defaults to 0. */
export function toModelFile(spec: NetSpec, arrays: ParamArrays, lambda = 0): ModelFile {
  // Key order is the order a reader meets them in the file: format and kind first, parameters last.
  const dims = { hidden: spec.hidden, inputSize: spec.inputSize, outputSize: spec.outputSize };
  // A diverged model's weights are NaN or infinite: a file of them could not be read back (weights must be
  // finite numbers), so there is none to write.
  for (const [name, a] of Object.entries(arrays))
    if (a.some((v) => !Number.isFinite(v)))
      throw new ModelFileError(
        `parameter ${name} holds values that are not finite numbers (the model diverged): there is no model ` +
          'file to write; go back to a checkpoint from before it diverged',
      );
  if (spec.kind === 'kru') {
    if (!(isFloat32(lambda) && lambda >= 0))
      throw new ModelFileError(`lambda must be a number ≥ 0 and below ${FLOAT32_LIMIT}, got ${lambda}`);
    const params = paramsToFile(spec, arrays);
    return {
      format: MODEL_FORMAT,
      kind: 'kru',
      ...dims,
      activation: spec.activation,
      factors: [...spec.factors],
      lambda,
      params,
    };
  }
  return {
    format: MODEL_FORMAT,
    kind: 'rnn',
    ...dims,
    activation: spec.activation,
    params: paramsToFile(spec, arrays),
  };
}

// ---------- import ----------

// Zod checks types (numbers are finite, arrays are arrays, no stray keys); shapes are checked by hand below so
// that a mismatch reads "params.W[1].re: expected 2×2, got 2×3" rather than a list of per-element issues.
// Every number is used as a float32: 1e308 is a finite JSON number but Infinity once stored (found by the
// property tests: a file with a weight of 1e308 was read into a model with an infinite weight).
const float32 = { error: `expected a number of magnitude below ${FLOAT32_LIMIT} (a float32)` };
const num = z.number().refine(isFloat32, float32);
const vector = z.array(num);
const matrix = z.array(z.array(num));
const complexMatrix = z.strictObject({ re: matrix, im: matrix });
const complexVector = z.strictObject({ re: vector, im: vector });
const dim = z.number().int().positive().max(4096);

const KruFileSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  kind: z.literal('kru'),
  hidden: dim,
  inputSize: dim,
  outputSize: dim,
  activation: z.enum(KRU_ACTIVATIONS),
  factors: z.array(z.number().int().positive().max(1024)).min(1).max(16),
  lambda: z.number().min(0).refine(isFloat32, float32),
  params: z.strictObject({
    W: z.array(complexMatrix),
    U: complexMatrix,
    b: complexVector,
    V: matrix,
    c: vector,
    modBias: vector.optional(),
  }),
});

const RnnFileSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  kind: z.literal('rnn'),
  hidden: dim,
  inputSize: dim,
  outputSize: dim,
  activation: z.enum(RNN_ACTIVATIONS),
  params: z.strictObject({ W: matrix, U: matrix, b: vector, V: matrix, c: vector }),
});

/** "params.W[1].re" from a zod path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s || '(file)';
}

/** Text from the file as a message shows it: quoted, cut to 40 characters, with no character that would break
 * the message over lines or reorder it (JSON.stringify leaves U+2028/9, C1 controls and bidi marks as they are). */
function quote(text: string): string {
  const chars = [...text];
  const cut = chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : text;
  return JSON.stringify(cut).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return quote(v);
  return typeof v === 'object' ? 'an object' : String(v);
}

function fail(path: string, message: string): never {
  throw new ModelFileError(`${path}: ${message}`);
}

function checkVector(path: string, v: number[], n: number): void {
  if (v.length !== n) fail(path, `expected length ${n}, got ${v.length}`);
}

function checkMatrix(path: string, m: Matrix, r: number, c: number): void {
  const widths = new Set(m.map((row) => row.length));
  if (widths.size > 1) {
    const i = m.findIndex((row) => row.length !== c);
    fail(`${path}[${i}]`, `expected ${c} columns, got ${m[i].length}`);
  }
  const got = `${m.length}×${m.length ? m[0].length : 0}`;
  if (m.length !== r || (m.length > 0 && m[0].length !== c)) fail(path, `expected ${r}×${c}, got ${got}`);
}

function valueAt(json: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = json;
  for (const k of path)
    v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** The first zod issue as "path: message", in the same voice as the hand-written shape errors. */
export function formatZodIssue(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0];
  let msg = issue.message
    .replace(/^Invalid (input|option): /, '')
    .replace(/^Too (big|small)/, (m) => m.toLowerCase());
  if (issue.code === 'unrecognized_keys')
    msg =
      `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.slice(0, 3).map(quote).join(', ')}` +
      (issue.keys.length > 3 ? ` and ${issue.keys.length - 3} more` : '');
  if (issue.code === 'invalid_value') msg += `, got ${describe(valueAt(input, issue.path))}`;
  const more =
    error.issues.length > 1
      ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})`
      : '';
  return `${formatPath(issue.path)}: ${msg}${more}`;
}

function zodFail(error: z.ZodError, input: unknown): never {
  throw new ModelFileError(formatZodIssue(error, input));
}

function put(target: Float32Array, off: number, m: Matrix): number {
  for (const row of m) for (const v of row) target[off++] = v;
  return off;
}

/**
 * Validates a parsed model file (any JSON value) and converts it to a spec and flat float32 arrays.
 * Throws ModelFileError with a one-line message naming the first problem.
 */
export function fromModelFile(json: unknown): { spec: NetSpec; arrays: ParamArrays; lambda: number } {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail('(file)', `expected a JSON object, got ${describe(json)}`);
  const obj = json as Record<string, unknown>;
  if (obj.format !== MODEL_FORMAT) {
    fail(
      'format',
      obj.format === undefined
        ? `missing (expected "${MODEL_FORMAT}")`
        : `expected "${MODEL_FORMAT}", got ${describe(obj.format)}`,
    );
  }
  if (obj.kind !== 'kru' && obj.kind !== 'rnn')
    fail('kind', `expected "kru" or "rnn", got ${describe(obj.kind)}`);

  if (obj.kind === 'rnn') {
    const r = RnnFileSchema.safeParse(json);
    if (!r.success) zodFail(r.error, json);
    const f = r.data;
    const { hidden: N, inputSize: D, outputSize: K } = f;
    const p = f.params;
    checkMatrix('params.W', p.W, N, N);
    checkMatrix('params.U', p.U, N, D);
    checkVector('params.b', p.b, N);
    checkMatrix('params.V', p.V, K, N);
    checkVector('params.c', p.c, K);
    const spec: RnnSpec = { kind: 'rnn', hidden: N, inputSize: D, outputSize: K, activation: f.activation };
    const arrays: ParamArrays = {
      W: Float32Array.from(p.W.flat()),
      U: Float32Array.from(p.U.flat()),
      b: Float32Array.from(p.b),
      V: Float32Array.from(p.V.flat()),
      c: Float32Array.from(p.c),
    };
    return { spec, arrays, lambda: 0 };
  }

  const r = KruFileSchema.safeParse(json);
  if (!r.success) zodFail(r.error, json);
  const f = r.data;
  const { hidden: N, inputSize: D, outputSize: K } = f;
  const prod = product(f.factors);
  if (prod !== N)
    fail(
      'factors',
      `the product of the factor sizes must equal hidden (${f.factors.join('×')} = ${prod}, hidden = ${N})`,
    );
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
  arrays.V = Float32Array.from(p.V.flat());
  arrays.c = Float32Array.from(p.c);
  return { spec, arrays, lambda: f.lambda };
}
