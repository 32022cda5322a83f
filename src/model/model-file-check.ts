// How a model file is checked (src/model/model-file.ts): the float32 rule for every number, the zod types of
// its values, the hand-written shape checks, and the one-line "path: problem" messages they all report in.
import { z } from 'zod';

/** Raised for any invalid model file; the message is one line naming the offending path. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

export const FLOAT32_LIMIT = '3.4e38';

/** A finite number that stays finite as a float32 (the weights' and λ's type on every backend). */
export function isFloat32(v: number): boolean {
  return Number.isFinite(Math.fround(v));
}

export type Matrix = number[][];

// Zod checks types (numbers are finite, arrays are arrays, no stray keys); shapes are checked by hand (below)
// so that a mismatch reads "params.W[1].re: expected 2×2, got 2×3" rather than a list of per-element issues.
// Every number is used as a float32: 1e308 is a finite JSON number but Infinity once stored (found by the
// property tests: a file with a weight of 1e308 was read into a model with an infinite weight).
const float32 = { error: `expected a number of magnitude below ${FLOAT32_LIMIT} (a float32)` };
export const num = z.number().refine(isFloat32, float32);
export const vector = z.array(num);
export const matrix = z.array(z.array(num));
export const complexMatrix = z.strictObject({ re: matrix, im: matrix });
export const complexVector = z.strictObject({ re: vector, im: vector });
export const dim = z.number().int().positive().max(4096);
export const factorSizes = z.array(z.number().int().positive().max(1024)).min(1).max(16);
export const lambda = z.number().min(0).refine(isFloat32, float32);

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

/** A value from the file as a message names it: null, an array, an object, a quoted string or the number. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return quote(v);
  return typeof v === 'object' ? 'an object' : String(v);
}

export function fail(path: string, message: string): never {
  throw new ModelFileError(`${path}: ${message}`);
}

export function checkVector(path: string, v: number[], n: number): void {
  if (v.length !== n) fail(path, `expected length ${n}, got ${v.length}`);
}

export function checkMatrix(path: string, m: Matrix, r: number, c: number): void {
  const widths = new Set(m.map((row) => row.length));
  if (widths.size > 1) {
    const i = m.findIndex((row) => row.length !== c);
    fail(`${path}[${i}]`, `expected ${c} columns, got ${m[i].length}`);
  }
  const got = `${m.length}×${m.length ? m[0].length : 0}`;
  if (m.length !== r || (m.length > 0 && m[0].length !== c)) fail(path, `expected ${r}×${c}, got ${got}`);
}

/** One square matrix per factor size: `path` holds as many matrices as `sizes` has entries, the i-th p_i×p_i. */
export function checkFactorList(path: string, ms: Matrix[], sizes: readonly number[], part = ''): void {
  if (ms.length !== sizes.length)
    fail(path, `expected ${sizes.length} factors (one per entry of "factors"), got ${ms.length}`);
  ms.forEach((m, i) => checkMatrix(`${path}[${i}]${part}`, m, sizes[i], sizes[i]));
}

/** The factor sizes multiply to the hidden size. */
export function checkFactorProduct(factors: readonly number[], hidden: number): void {
  const prod = factors.reduce((a, p) => a * p, 1);
  if (prod !== hidden)
    fail(
      'factors',
      `the product of the factor sizes must equal hidden (${factors.join('×')} = ${prod}, hidden = ${hidden})`,
    );
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

/** `json` parsed by `schema`, or a ModelFileError naming its first problem. */
export function parseOrFail<T>(schema: z.ZodType<T>, json: unknown): T {
  const r = schema.safeParse(json);
  if (!r.success) throw new ModelFileError(formatZodIssue(r.error, json));
  return r.data;
}
