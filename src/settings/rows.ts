// One row per setting: its validation (a zod schema), its text form (URL and CLI), its URL key and CLI flag,
// and what the form needs (label, kind of field, range, unit, help). The tables in table.ts are made of these
// rows; schema, URL, JSON, CLI and form code all read the rows and never name a setting themselves.
import { z } from 'zod';

export type FieldKind = 'int' | 'number' | 'choice' | 'bool' | 'factors' | 'optional-number' | 'text';

export interface Row<T = unknown> {
  readonly field: FieldKind;
  /** Validates a value of this setting, with messages that read after the label ("must be ≥ 0"). */
  readonly schema: z.ZodType<T>;
  /** URL query key (model rows are prefixed with the model's id: `kru.lambda`). */
  readonly key: string;
  /** CLI flag, without the leading dashes. */
  readonly flag: string;
  readonly label: string;
  readonly help: string;
  readonly unit?: string;
  /** Live settings change a running model between two steps; the others take effect on reset. */
  readonly live: boolean;
  readonly min?: number;
  readonly max?: number;
  /** The form shows this number on a log scale. */
  readonly log?: boolean;
  readonly options?: readonly string[];
  /** Text (URL value, CLI argument) → value; throws an Error whose message reads after the label. */
  parseText(text: string): unknown;
  formatText(value: T): string;
}

interface Common {
  key: string;
  flag?: string;
  label: string;
  help: string;
  unit?: string;
  live?: boolean;
}

const NUMBER_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** Number('') is 0 and Number('1x') NaN: accept only text that looks like a number. */
export function numberFromText(text: string): number {
  if (!NUMBER_TEXT.test(text)) throw new Error(`must be a number, got "${text}"`);
  return Number(text);
}

function range(min: number, max: number, exclusiveMin = false): string {
  return `${exclusiveMin ? '>' : '≥'} ${min} and ≤ ${max}`;
}

function numberRow(
  field: 'int' | 'number',
  c: Common & { min: number; max: number; exclusiveMin?: boolean; log?: boolean },
): Row<number> {
  const span = `must be ${field === 'int' ? 'an integer ' : 'a number '}${range(c.min, c.max, c.exclusiveMin)}`;
  let schema = z.number({ error: span }).max(c.max, { error: span });
  schema = c.exclusiveMin ? schema.gt(c.min, { error: span }) : schema.min(c.min, { error: span });
  if (field === 'int') schema = schema.int({ error: span });
  return {
    field,
    schema,
    flag: c.key,
    live: false,
    ...c,
    parseText: numberFromText,
    formatText: String,
  };
}

export const int = (c: Common & { min: number; max: number }) => numberRow('int', c);
export const num = (c: Common & { min: number; max: number; exclusiveMin?: boolean; log?: boolean }) =>
  numberRow('number', c);

export function choice<const O extends readonly [string, ...string[]]>(
  options: O,
  c: Common,
): Row<O[number]> {
  const message = `must be one of ${options.join(', ')}`;
  return {
    field: 'choice',
    schema: z.enum(options, { error: message }) as unknown as z.ZodType<O[number]>,
    flag: c.key,
    live: false,
    ...c,
    options,
    parseText: (text) => text,
    formatText: String,
  };
}

export function bool(c: Common): Row<boolean> {
  return {
    field: 'bool',
    schema: z.boolean({ error: 'must be true or false' }),
    flag: c.key,
    live: false,
    ...c,
    parseText: (text) => {
      if (text === '1' || text === 'true') return true;
      if (text === '0' || text === 'false') return false;
      throw new Error(`must be 0 or 1, got "${text}"`);
    },
    formatText: (v) => (v ? '1' : '0'),
  };
}

/** Kronecker factor sizes, "2,2,4" in text. */
export function factors(c: Common & { maxSize: number; maxCount: number }): Row<number[]> {
  const message = `must be 1 to ${c.maxCount} integers from 1 to ${c.maxSize}`;
  return {
    field: 'factors',
    schema: z
      .array(
        z.number().int({ error: message }).min(1, { error: message }).max(c.maxSize, { error: message }),
        {
          error: message,
        },
      )
      .min(1, { error: message })
      .max(c.maxCount, { error: message }),
    flag: c.key,
    live: false,
    ...c,
    parseText: (text) => {
      const parts = text.split(',').map((s) => s.trim());
      if (parts.some((p) => !/^\d+$/.test(p))) {
        throw new Error(`must be positive integers separated by commas, got "${text}"`);
      }
      return parts.map(Number);
    },
    formatText: (v) => v.join(','),
  };
}

/** A positive number or off (null): "off" in text. */
export function optionalNumber(c: Common & { min: number; max: number }): Row<number | null> {
  const span = `must be off or a number > ${c.min} and ≤ ${c.max}`;
  return {
    field: 'optional-number',
    schema: z.number({ error: span }).gt(c.min, { error: span }).max(c.max, { error: span }).nullable(),
    flag: c.key,
    live: false,
    ...c,
    min: c.min,
    max: c.max,
    parseText: (text) => (text === 'off' ? null : numberFromText(text)),
    formatText: (v) => (v === null ? 'off' : String(v)),
  };
}

/** Short text matching a pattern (model ids, labels). */
export function text(c: Common & { pattern: RegExp; maxLength: number; describe: string }): Row<string> {
  const message = `must be ${c.describe} (1 to ${c.maxLength} characters)`;
  return {
    field: 'text',
    schema: z
      .string({ error: message })
      .min(1, { error: message })
      .max(c.maxLength, { error: message })
      .regex(c.pattern, { error: message }),
    flag: c.key,
    live: false,
    ...c,
    parseText: (t) => t,
    formatText: String,
  };
}

export function isRow(x: unknown): x is Row {
  return typeof x === 'object' && x !== null && 'schema' in x && 'parseText' in x;
}

/** A table: rows, possibly nested in groups (the nesting is the config's shape). */
export interface Table {
  readonly [name: string]: Row | Table;
}

/** The value type a table describes: the same nesting, each row replaced by its value. */
export type ValueOf<T> = T extends Row<infer V> ? V : { -readonly [K in keyof T]: ValueOf<T[K]> };

/** Every row of a table with its path ("task.T", "init.kind"), depth first, in declaration order. */
export function rowsOf(table: Table, prefix: string[] = []): Array<{ path: string[]; row: Row }> {
  const out: Array<{ path: string[]; row: Row }> = [];
  for (const [name, v] of Object.entries(table)) {
    if (isRow(v)) out.push({ path: [...prefix, name], row: v });
    else out.push(...rowsOf(v, [...prefix, name]));
  }
  return out;
}

/** The zod shape of a table: each row's schema, each group a strict object (unknown keys are errors). */
export function shapeOf(table: Table): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, v] of Object.entries(table))
    shape[name] = isRow(v) ? v.schema : z.object(shapeOf(v)).strict();
  return shape;
}

export function getPath(obj: unknown, path: string[]): unknown {
  let o = obj;
  for (const p of path) o = (o as Record<string, unknown>)[p];
  return o;
}

export function setPath(obj: unknown, path: string[], value: unknown): void {
  let o = obj as Record<string, unknown>;
  for (const p of path.slice(0, -1)) o = o[p] as Record<string, unknown>;
  o[path[path.length - 1]] = value;
}

/**
 * Reads one setting from text: the value, or a message naming the setting ("λ (soft unitary) must be a number
 * ≥ 0 and ≤ 1000, got "-1""); `name` replaces the label (the CLI names the flag).
 */
export function readText<T>(
  row: Row<T>,
  text: string,
  name = row.label,
): { ok: true; value: T } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = row.parseText(text);
  } catch (e) {
    return { ok: false, error: `${name} ${e instanceof Error ? e.message : String(e)}` };
  }
  const r = row.schema.safeParse(value);
  if (!r.success) return { ok: false, error: `${name} ${r.error.issues[0].message}, got "${text}"` };
  return { ok: true, value: r.data };
}
