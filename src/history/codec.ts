// The History as plain data, and back: `History.toJSON()` gives HistoryData (typed arrays: structured-cloneable,
// for IndexedDB), `encodeHistory` the JSON-safe form for files (float32 arrays as base64 of their bytes, so NaN
// and every value survive exactly; NaN numbers as null), and `parseHistoryData` reads either back, checking
// everything: shapes, widths, lengths, ascending steps, sizes. It throws an Error with a one-line message on
// anything malformed and returns only data a History can continue from.
import { z } from 'zod';
import { decodeFloat32, encodeTyped } from '../core/typed-codec';
import { MODEL_KINDS } from '../core/vocabulary';
import type { ModelDetail, ModelInfo, ModelSeries } from '../engine/types';
import { FIRST_BUCKET_SIZE, MAX_BUCKETS, type Compaction } from './compact';
import type { History, SettingChange } from './history';

export const HISTORY_FORMAT = 'kru-explorer/history@1';

/** Steps after `after` are the engine's steps of that run plus `offset`. */
export interface Segment {
  after: number;
  offset: number;
}

export interface ColumnData {
  width: number;
  values: Float32Array;
}

export interface HistoryData {
  format: typeof HISTORY_FORMAT;
  models: ModelInfo[];
  steps: Float32Array;
  series: Record<string, Record<keyof ModelSeries, ColumnData>>;
  detail: Record<string, ModelDetail>;
  changes: SettingChange[];
  seqLength: number;
  baseline: number;
  stepCount: number;
  msPerStep: number;
  backend: string;
  runStarts: number[];
  segments: Segment[];
  pending: { setting: 'reset' | 'restore'; note: string } | null;
  diverged: string[];
  fresh: boolean;
  compaction: Compaction;
}

/** Rows a saved History may have (a live one keeps about 10,000: compact.ts). */
const MAX_ROWS = 1 << 20;
/** Float32 values in all its columns together (256 MB). */
const MAX_VALUES = 1 << 26;
const MAX_WIDTH = 1 << 16;
const MAX_CHANGES = 100_000;
const MAX_TEXT = 10_000;

const SERIES_KEYS = [
  'loss',
  'lambda',
  'lr',
  'accuracy',
  'reg',
  'lambdaReg',
  'factorDeviation',
  'fullDeviation',
  'spectralNorm',
  'factorSingularValues',
  'gradNormsOverTime',
  'gradNorm',
] as const satisfies ReadonlyArray<keyof ModelSeries>;
/** Columns of one value per step. */
const SCALAR_KEYS = new Set<string>([
  'loss',
  'lambda',
  'lr',
  'accuracy',
  'reg',
  'lambdaReg',
  'fullDeviation',
  'spectralNorm',
  'gradNorm',
]);

/** A model id (settings/table.ts allows /^[a-z][a-z0-9-]*$/, 16 characters). */
const id = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'not a model id')
  .max(64);
const text = z.string().max(MAX_TEXT);
const count = z.number().int().min(0);
/** Any number, NaN and ±∞ included (HistoryData), or null (the JSON form of a NaN). */
const numberOrNull = z.custom<number | null>(
  (v) => v === null || typeof v === 'number',
  'expected a number or null',
);
/** A number that may be NaN: the JSON form writes NaN (and ±∞) as null. */
const real = numberOrNull.transform((v) => v ?? NaN);
/** A float32 array: itself (structured clone) or base64 text of its bytes (JSON). */
const floats = z.union([z.instanceof(Float32Array), z.string().max(Math.ceil((MAX_VALUES * 4) / 3) + 4)], {
  error: 'expected a Float32Array or base64 text',
});

const ModelJson = z.object({ id, label: text, kind: z.enum(MODEL_KINDS) }).strict();
const ColumnJson = z.object({ width: z.number().int().min(0).max(MAX_WIDTH), values: floats }).strict();
const SeriesJson = z.object(Object.fromEntries(SERIES_KEYS.map((k) => [k, ColumnJson]))).strict();
const DetailJson = z
  .object({
    kind: z.enum(MODEL_KINDS),
    singularValues: floats,
    eigenRe: floats,
    eigenIm: floats,
    groupGradNorms: z.record(
      z
        .string()
        .max(64)
        .refine((k) => k !== '__proto__', 'not a name'),
      real,
    ),
    paramCounts: z.object({ recurrent: count, total: count }).strict(),
    factorSizes: z.array(z.number().int().min(1).max(MAX_WIDTH)).max(64),
    testAccuracy: numberOrNull,
  })
  .strict();
const ChangeJson = z
  .object({
    step: z.number(),
    model: z.string().max(64),
    setting: z.enum(['lambda', 'lr', 'reset', 'restore', 'diverged']),
    from: real,
    to: real,
    note: text.optional(),
  })
  .strict();
const HistoryJson = z
  .object({
    format: z.literal(HISTORY_FORMAT, { error: `format must be "${HISTORY_FORMAT}"` }),
    models: z.array(ModelJson).max(8),
    steps: floats,
    series: z.record(id, SeriesJson),
    detail: z.record(id, DetailJson),
    changes: z.array(ChangeJson).max(MAX_CHANGES),
    seqLength: z.number().int().min(0).max(MAX_WIDTH),
    baseline: real,
    stepCount: count,
    msPerStep: real,
    backend: z.string().max(64),
    runStarts: z.array(count).max(MAX_CHANGES),
    segments: z.array(z.object({ after: count, offset: count }).strict()).max(MAX_CHANGES),
    pending: z
      .object({ setting: z.enum(['reset', 'restore']), note: text })
      .strict()
      .nullable(),
    diverged: z.array(id).max(8),
    fresh: z.boolean(),
    compaction: z
      .object({
        buckets: z.number().int().min(0).max(MAX_BUCKETS),
        size: z
          .number()
          .int()
          .min(FIRST_BUCKET_SIZE)
          .max(2 ** 30),
        last: count,
      })
      .strict(),
  })
  .strict();

function fail(message: string): never {
  throw new Error(`history: ${message.replace(/\s+/g, ' ')}`);
}

function issue(e: z.ZodError): string {
  const i = e.issues[0];
  return `${i.path.length ? i.path.map(String).join('.') + ': ' : ''}${i.message}`;
}

function toFloats(v: Float32Array | string, what: string): Float32Array {
  if (typeof v !== 'string') return v.slice();
  try {
    return decodeFloat32(v, what);
  } catch (e) {
    return fail(e instanceof Error ? e.message : `${what}: unreadable`);
  }
}

/** Non-decreasing ints, the NaN-free kind only (the steps of every row). */
function checkSteps(steps: Float32Array): void {
  for (let i = 0; i < steps.length; i++) {
    const v = steps[i];
    if (!Number.isInteger(v) || v < 0) fail(`steps.${i} is ${v}, not a whole number ≥ 0`);
    if (i && v < steps[i - 1]) fail(`steps go back at row ${i} (${steps[i - 1]} then ${v})`);
  }
}

/** Reads HistoryData (`History.toJSON`) or its JSON form (`encodeHistory`) back, checking everything. */
export function parseHistoryData(data: unknown): HistoryData {
  const parsed = HistoryJson.safeParse(data);
  if (!parsed.success) fail(issue(parsed.error));
  const d = parsed.data;
  const ids = d.models.map((m) => m.id);
  if (new Set(ids).size !== ids.length) fail('two models have the same id');
  const known = new Set(ids);
  const steps = toFloats(d.steps, 'steps');
  const n = steps.length;
  if (n > MAX_ROWS) fail(`${n} rows (at most ${MAX_ROWS})`);
  checkSteps(steps);
  let values = n;
  const series: HistoryData['series'] = Object.create(null);
  for (const [m, cols] of Object.entries(d.series)) {
    if (!known.has(m)) fail(`series.${m}: no such model`);
    const out = {} as HistoryData['series'][string];
    for (const key of SERIES_KEYS) {
      const where = `series.${m}.${key}`;
      const c = cols[key];
      values += c.width * n;
      if (values > MAX_VALUES) fail(`more than ${MAX_VALUES} values`);
      if (SCALAR_KEYS.has(key) && c.width !== 1) fail(`${where}: width ${c.width}, not 1`);
      if (key === 'factorDeviation' && c.width < 1) fail(`${where}: width 0`);
      const v = toFloats(c.values, where);
      if (v.length !== c.width * n) fail(`${where}: ${v.length} values, not ${n} rows × ${c.width}`);
      out[key] = { width: c.width, values: v };
    }
    series[m] = out;
  }
  const detail: Record<string, ModelDetail> = Object.create(null);
  for (const [m, x] of Object.entries(d.detail)) {
    if (!known.has(m)) fail(`detail.${m}: no such model`);
    const eigenRe = toFloats(x.eigenRe, `detail.${m}.eigenRe`);
    const eigenIm = toFloats(x.eigenIm, `detail.${m}.eigenIm`);
    const singularValues = toFloats(x.singularValues, `detail.${m}.singularValues`);
    if (eigenRe.length !== eigenIm.length) fail(`detail.${m}: eigenRe and eigenIm differ in length`);
    if (Math.max(eigenRe.length, singularValues.length) > MAX_WIDTH) fail(`detail.${m}: too many values`);
    detail[m] = { ...x, singularValues, eigenRe, eigenIm, groupGradNorms: { ...x.groupGradNorms } };
  }
  const c = d.compaction;
  if (c.size & (c.size - 1)) fail(`compaction.size ${c.size} is not a power of two`);
  if (c.buckets ? c.last < 1 || c.last > c.size : c.last !== 0 || c.size !== FIRST_BUCKET_SIZE)
    fail(`compaction: ${c.last} rows in the last of ${c.buckets} buckets of ${c.size}`);
  if (c.buckets && n < 1 + 2 * c.buckets) fail(`compaction: ${c.buckets} buckets in ${n} rows`);
  d.runStarts.forEach((r, i) => {
    if (r < 1 || r > n || (i && r <= d.runStarts[i - 1]))
      fail(`runStarts.${i}: row ${r} is not after the one before, within 1 … ${n}`);
  });
  d.segments.forEach((s, i) => {
    if (i && s.after <= d.segments[i - 1].after) fail(`segments.${i}: not after the one before`);
  });
  const changes: SettingChange[] = d.changes.map((x) => {
    if (!Number.isFinite(x.step)) fail(`a change at step ${x.step}`);
    const out: SettingChange = { step: x.step, model: x.model, setting: x.setting, from: x.from, to: x.to };
    if (x.note !== undefined) out.note = x.note;
    return out;
  });
  return { ...d, steps, series, detail, changes, models: d.models.map((m) => ({ ...m })) };
}

const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The History as JSON-safe data (files): float32 arrays as base64 text, NaN as null. `History.fromData` reads it. */
export function encodeHistory(h: History): unknown {
  const d = h.toJSON();
  return {
    ...d,
    steps: encodeTyped(d.steps),
    series: Object.fromEntries(
      Object.entries(d.series).map(([m, cols]) => [
        m,
        Object.fromEntries(
          Object.entries(cols).map(([k, c]) => [k, { width: c.width, values: encodeTyped(c.values) }]),
        ),
      ]),
    ),
    detail: Object.fromEntries(
      Object.entries(d.detail).map(([m, x]) => [
        m,
        {
          ...x,
          singularValues: encodeTyped(x.singularValues),
          eigenRe: encodeTyped(x.eigenRe),
          eigenIm: encodeTyped(x.eigenIm),
          groupGradNorms: Object.fromEntries(
            Object.entries(x.groupGradNorms).map(([k, v]) => [k, nullIfNaN(v)]),
          ),
          testAccuracy: x.testAccuracy === null ? null : nullIfNaN(x.testAccuracy),
        },
      ]),
    ),
    changes: d.changes.map((c) => ({ ...c, from: nullIfNaN(c.from), to: nullIfNaN(c.to) })),
    baseline: nullIfNaN(d.baseline),
    msPerStep: nullIfNaN(d.msPerStep),
  };
}
