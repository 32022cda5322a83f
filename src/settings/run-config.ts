// The run config's schema and defaults, derived from the settings table, and the one parser every input
// (links, settings files, the CLI, the worker's API) goes through.
import { product } from '../core/factor-layout';
import { z } from 'zod';
import { KIND_LABEL, MODEL_KINDS, type ModelKind } from '../core/vocabulary';
import { defaultFactors } from '../core/factor-layout';
import { getPath, readText, shapeOf, type Row } from './rows';
import {
  APP_TABLE,
  MAX_MODELS,
  MODEL_ROWS,
  MODEL_TABLES,
  RUN_ROWS,
  RUN_TABLE,
  type AppSettings,
  type KruLstmModelSpec,
  type KruModelSpec,
  type LowRankModelSpec,
  type LstmModelSpec,
  type ModelSpec,
  type RnnModelSpec,
  type RunConfig,
} from './table';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const ModelSpecSchema = z.discriminatedUnion(
  'kind',
  MODEL_KINDS.map((kind) =>
    z.object({ kind: z.literal(kind), ...shapeOf(MODEL_TABLES[kind]) }).strict(),
  ) as unknown as [z.ZodObject, z.ZodObject],
  { error: `kind must be one of ${MODEL_KINDS.join(', ')}` },
);

/** Rules that join several rows: unique ids, and each KRU's factor sizes multiply to its N. */
function crossRowProblems(models: ModelSpec[]): Array<{ index: number; field: string; message: string }> {
  const out: Array<{ index: number; field: string; message: string }> = [];
  const seen = new Set<string>();
  models.forEach((m, index) => {
    if (seen.has(m.id)) out.push({ index, field: 'id', message: `"${m.id}" is used twice` });
    seen.add(m.id);
    if ((m.kind === 'kru' || m.kind === 'kru-lstm') && product(m.factors) !== m.hidden) {
      out.push({
        index,
        field: 'factors',
        message: `the product of the factor sizes (${m.factors.join('×')} = ${product(m.factors)}) must equal N = ${m.hidden}`,
      });
    }
    if (m.kind === 'lowrank' && m.rank > m.hidden) {
      out.push({ index, field: 'rank', message: `must be ≤ N = ${m.hidden}, got ${m.rank}` });
    }
  });
  return out;
}

export const RunConfigSchema = z
  .object({
    ...shapeOf(RUN_TABLE),
    models: z
      .array(ModelSpecSchema)
      .min(1, { error: 'a run needs at least one model' })
      .max(MAX_MODELS, { error: `a run has at most ${MAX_MODELS} models` }),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const p of crossRowProblems(c.models as ModelSpec[])) {
      ctx.addIssue({ code: 'custom', path: ['models', p.index, p.field], message: p.message });
    }
  });

export const AppSettingsSchema = z.object(shapeOf(APP_TABLE)).strict();

/** The settings a new model of this kind starts from (id and label: the kind's). */
export function defaultModel(kind: 'kru', hidden?: number): KruModelSpec;
export function defaultModel(kind: 'rnn', hidden?: number): RnnModelSpec;
export function defaultModel(kind: 'lstm', hidden?: number): LstmModelSpec;
export function defaultModel(kind: 'kru-lstm', hidden?: number): KruLstmModelSpec;
export function defaultModel(kind: 'lowrank', hidden?: number): LowRankModelSpec;
export function defaultModel(kind: ModelKind, hidden?: number): ModelSpec;
export function defaultModel(kind: ModelKind, hidden = 64): ModelSpec {
  const common = { id: kind, label: KIND_LABEL[kind], hidden, lr: 1e-3, clip: null };
  if (kind === 'kru') {
    return {
      kind,
      ...common,
      factors: defaultFactors(hidden),
      activation: 'crelu',
      init: { kind: 'unitary', scale: 0.5 },
      lambda: 1e-2,
      strict: false,
    };
  }
  if (kind === 'rnn') return { kind, ...common, activation: 'tanh', init: { kind: 'gaussian', gain: 1 } };
  if (kind === 'lstm') return { kind, ...common };
  if (kind === 'kru-lstm') return { kind, ...common, factors: defaultFactors(hidden), lambda: 1e-2 };
  return { kind, ...common, rank: Math.min(hidden, 4), activation: 'tanh', gain: 1 };
}

/** The default run: the KRU beside the RNN on the adding problem. */
export function defaultRunConfig(): RunConfig {
  return {
    task: { name: 'adding', T: 50, permuted: false },
    batch: 32,
    seed: 1,
    optimizer: 'rmsprop',
    impl: 'fused',
    models: [defaultModel('kru'), defaultModel('rnn')],
  };
}

export function defaultAppSettings(): AppSettings {
  return { stepsPerTick: 1 };
}

/** Characters that would break a message over lines or reorder it on screen (C0/C1 controls, separators, bidi). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_IN_MESSAGE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Text from outside (a URL value, a key, a flag) as a message may show it: in double quotes, control and
 * bidi characters and unpaired surrogates escaped, and cut to `max` characters — so a hostile value can
 * neither break a message over lines nor make it unreadably long.
 */
export function quoteText(text: string, max = 40): string {
  const chars = [...text];
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
  return JSON.stringify(cut).replace(UNSAFE_IN_MESSAGE, escapeChar);
}

/** A message made one readable line: control characters escaped, at most `max` characters. */
export function oneLine(message: string, max = 400): string {
  const safe = message.replace(UNSAFE_IN_MESSAGE, escapeChar).replace(/\p{Cs}/gu, escapeChar);
  const chars = [...safe];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : safe;
}

/**
 * readText (rows.ts) with the offending text shown by quoteText: readText quotes it raw, so a value with a
 * line break or of a megabyte would end up verbatim in the message.
 */
export function readTextSafely<T>(
  row: Row<T>,
  text: string,
  name?: string,
): { ok: true; value: T } | { ok: false; error: string } {
  const r = readText(row, text, name);
  if (r.ok) return r;
  return { ok: false, error: oneLine(r.error.split(`"${text}"`).join(quoteText(text))) };
}

/** At most this many of a value's problems are named in one message; the others are counted. */
const MAX_ISSUES = 4;

function issueMessage(issue: z.ZodError['issues'][number]): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.slice(0, 3).map((k) => quoteText(k));
    const more = issue.keys.length > 3 ? ` and ${issue.keys.length - 3} more` : '';
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys.join(', ')}${more}`;
  }
  return oneLine(issue.message, 200);
}

/**
 * zod issues as one line; a model's fields are named by its id ("kru-l0.lambda: must be ≥ 0"). Paths start
 * at `root` ("app.stepsPerTick"); the whole value is named `root` itself, or "config" without one. Keys and
 * ids from the input are quoted when they are not plain names, and at most MAX_ISSUES problems are named.
 */
export function formatIssues(error: z.ZodError, input?: unknown, root?: string): string {
  const models = (input as { models?: Array<{ id?: unknown }> } | undefined)?.models;
  const plain = (k: string) => (/^[A-Za-z0-9_-]{1,40}$/.test(k) ? k : quoteText(k));
  const issues = error.issues.slice(0, MAX_ISSUES).map((i) => {
    const path = i.path.map((k) => plain(String(k)));
    if (path[0] === 'models' && path.length > 1) {
      const id = Array.isArray(models) ? (models[Number(path[1])] as { id?: unknown } | null)?.id : undefined;
      path.splice(0, 2, typeof id === 'string' ? plain(id) : `model ${Number(path[1]) + 1}`);
    }
    const where = [...(root ? [root] : []), ...path].join('.') || 'config';
    return `${where}: ${issueMessage(i)}`;
  });
  const rest = error.issues.length - issues.length;
  return issues.join('; ') + (rest > 0 ? ` (and ${rest} more problem${rest > 1 ? 's' : ''})` : '');
}

export function parseRunConfig(value: unknown): Parsed<RunConfig> {
  const r = RunConfigSchema.safeParse(value);
  return r.success
    ? { ok: true, value: r.data as RunConfig }
    : { ok: false, error: formatIssues(r.error, value) };
}

export function parseModelSpec(value: unknown): Parsed<ModelSpec> {
  const r = ModelSpecSchema.safeParse(value);
  if (!r.success) return { ok: false, error: formatIssues(r.error) };
  const problems = crossRowProblems([r.data as ModelSpec]);
  if (problems.length)
    return { ok: false, error: problems.map((p) => `${p.field}: ${p.message}`).join('; ') };
  return { ok: true, value: r.data as ModelSpec };
}

/** A fresh id for a new model of this kind that no model of the run uses yet (kru, kru-2, kru-3, …). */
export function freshId(kind: ModelKind, models: ModelSpec[]): string {
  const used = new Set(models.map((m) => m.id));
  if (!used.has(kind)) return kind;
  for (let i = 2; ; i++) if (!used.has(`${kind}-${i}`)) return `${kind}-${i}`;
}

/** Names of the settings that differ between two configs other than the live ones (λ, lr): what needs a reset. */
export function structuralDiff(a: RunConfig, b: RunConfig): string[] {
  const out: string[] = [];
  for (const k of Object.keys(RUN_TABLE) as Array<keyof typeof RUN_TABLE>) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(k);
  }
  const strip = (m: ModelSpec) => ({ ...m, lr: 0, ...('lambda' in m ? { lambda: 0 } : {}) });
  if (JSON.stringify(a.models.map(strip)) !== JSON.stringify(b.models.map(strip))) out.push('models');
  return out;
}

/**
 * Whether a run of `b` can continue the charts of a run of `a` after a reset: the same task and the same models
 * (id, kind, hidden size, factors), so every chart keeps its axes and each model's lines go on.
 */
export function sameShape(a: RunConfig, b: RunConfig): boolean {
  const shape = (c: RunConfig) =>
    JSON.stringify([
      c.task,
      c.models.map((m) => [m.id, m.kind, m.hidden, 'factors' in m ? m.factors : null]),
    ]);
  return shape(a) === shape(b);
}

/**
 * What a reset from `a` to `b` changes, one short phrase per setting ("seed 1→2", "RNN clip off→1"), in table
 * order; live settings (λ, lr) are left out: they are marked where they change. Models are matched by id.
 */
export function changeNotes(a: RunConfig, b: RunConfig): string[] {
  const out: string[] = [];
  const note = (label: string, row: Row, x: unknown, y: unknown) => {
    if (JSON.stringify(x) === JSON.stringify(y)) return;
    const fmt = (v: unknown) =>
      v === undefined ? '–' : row.field === 'bool' ? (v ? 'on' : 'off') : row.formatText(v) || 'off';
    out.push(`${label}${row.key} ${fmt(x)}→${fmt(y)}`);
  };
  for (const { path, row } of RUN_ROWS) note('', row, getPath(a, path), getPath(b, path));
  for (const m of b.models) {
    const old = a.models.find((o) => o.id === m.id && o.kind === m.kind);
    if (!old) continue;
    for (const { path, row } of MODEL_ROWS[m.kind])
      if (!row.live) note(`${m.label} `, row, getPath(old, path), getPath(m, path));
  }
  return out;
}
