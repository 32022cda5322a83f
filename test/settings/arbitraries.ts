// fast-check arbitraries shared by the parsers' property tests: valid runs built from the settings table's
// rows (a new row is covered without touching this file), hostile text and hostile JSON values, random
// mutations of a valid document, and the checks every parser's messages must pass.
import fc from 'fast-check';
import { afterEach, beforeEach, expect } from 'vitest';
import { product } from '../../src/core/factor-layout';
import { MODEL_KINDS, type ModelKind } from '../../src/core/vocabulary';
import {
  APP_TABLE,
  MAX_MODELS,
  MODEL_TABLES,
  RUN_TABLE,
  parseModelSpec,
  parseRunConfig,
  rowsOf,
  type AppSettings,
  type ModelSpec,
  type Row,
  type RunConfig,
  type Table,
} from '../../src/settings';

// ---------- valid values, from the rows ----------

/** Log-uniform numbers in (0, max]: the form's log sliders span decades, a uniform double rarely does. */
function logUniform(max: number): fc.Arbitrary<number> {
  return fc.double({ min: -12, max: Math.log10(max), noNaN: true }).map((e) => Math.min(max, 10 ** e));
}

/**
 * Valid values of one row: drawn from its kind of field, its range and its options, and kept only when the
 * row's own schema accepts them (so a row with a narrower rule than its kind's still gets valid values).
 */
export function rowValue(row: Row): fc.Arbitrary<unknown> {
  const min = row.min ?? 0;
  const max = row.max ?? 0;
  let arb: fc.Arbitrary<unknown>;
  switch (row.field) {
    case 'int':
      // fc.integer is 32-bit signed; the seed goes to 2³² − 1.
      arb = fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
      break;
    case 'number':
      arb = fc.oneof(fc.double({ min, max, noNaN: true }), logUniform(max));
      break;
    case 'optional-number':
      arb = fc.option(fc.oneof(fc.double({ min, max, noNaN: true }), logUniform(max)), { nil: null });
      break;
    case 'choice':
      arb = fc.constantFrom(...(row.options ?? []));
      break;
    case 'bool':
      arb = fc.boolean();
      break;
    case 'factors':
      // Kept small enough for their product (the model's N) to stay in range; a single large factor too.
      arb = fc.oneof(
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom(1, 2), { minLength: 1, maxLength: 16 }),
        fc.integer({ min: 1, max: 1024 }).map((p) => [p]),
      );
      break;
    case 'text':
      arb = fc.oneof(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 20 }),
      );
      break;
    default: {
      const unknown: never = row.field;
      throw new Error(`no arbitrary for the field kind ${String(unknown)}: add one here`);
    }
  }
  return arb.filter((v) => row.schema.safeParse(v).success);
}

function put(target: Record<string, unknown>, path: string[], value: unknown): void {
  let o = target;
  for (const p of path.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[path[path.length - 1]] = value;
}

/** A value for every row of a table, in the table's nesting. */
export function tableValue(table: Table): fc.Arbitrary<Record<string, unknown>> {
  const rows = rowsOf(table);
  return fc.tuple(...rows.map((r) => rowValue(r.row))).map((values) => {
    const out: Record<string, unknown> = {};
    rows.forEach(({ path }, i) => put(out, path, values[i]));
    return out;
  });
}

/**
 * A valid model of a kind: every row drawn, then the rules that join rows (a factored kind's N = ∏ factors; a
 * low-rank RNN's rank ≤ N).
 */
export function modelSpec(kind?: ModelKind): fc.Arbitrary<ModelSpec> {
  const kinds = kind ? [kind] : MODEL_KINDS;
  return fc
    .oneof(...kinds.map((k) => tableValue(MODEL_TABLES[k]).map((v) => ({ kind: k, ...v }))))
    .map((m) => {
      const factors = (m as { factors?: unknown }).factors;
      if (Array.isArray(factors)) return { ...m, hidden: product(factors as number[]) } as ModelSpec;
      const r = m as unknown as { rank?: number; hidden: number };
      return (typeof r.rank === 'number' ? { ...m, rank: Math.min(r.rank, r.hidden) } : m) as ModelSpec;
    })
    .filter((m) => parseModelSpec(m).ok);
}

/** A valid run: the run rows, then 1 to MAX_MODELS models with distinct ids. */
export function runConfig(opts: { maxModels?: number; kind?: ModelKind } = {}): fc.Arbitrary<RunConfig> {
  return fc
    .record({
      run: tableValue(RUN_TABLE),
      models: fc.uniqueArray(modelSpec(opts.kind), {
        minLength: 1,
        maxLength: opts.maxModels ?? MAX_MODELS,
        selector: (m) => m.id,
      }),
    })
    .map(({ run, models }) => ({ ...run, models }) as RunConfig)
    .filter((c) => parseRunConfig(c).ok);
}

export function appSettings(): fc.Arbitrary<AppSettings> {
  return tableValue(APP_TABLE) as fc.Arbitrary<AppSettings>;
}

// ---------- hostile input ----------

/** Names that reach Object.prototype when a parser indexes a plain object with them. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
] as const;

const NASTY_TEXT = [
  '',
  ' ',
  ...PROTOTYPE_KEYS,
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '+0',
  '0',
  '1e308',
  '1e309',
  '-1e308',
  '5e-324',
  '1e-400',
  '0x10',
  '1_000',
  '１２',
  '1,2',
  '2,2,,2',
  ',',
  ':',
  'kru:kru:kru',
  'off',
  'null',
  'undefined',
  'true',
  'false',
  '[]',
  '{}',
  '"',
  "'",
  '\\',
  '%',
  '%00',
  '\0',
  '\n',
  '\r\n',
  'a\nb',
  '\u2028',
  '\u202e',
  '\ud800',
  '\u0085',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'x'.repeat(5000),
  '9'.repeat(400),
  '2,'.repeat(300) + '2',
];

/** Text a hostile or broken link, flag or file may carry. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_TEXT),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.array(fc.integer({ min: -3, max: 2000 }), { maxLength: 5 }).map((a) => a.join(',')),
);

/** An object with an own key (JSON.parse makes `__proto__` an own key; a literal would set the prototype). */
export function withOwnKey(o: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(o, key, { value, enumerable: true, configurable: true, writable: true });
  return o;
}

const nastyNumbers = fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 0.5);

/** Values a hostile JSON document (or a structured clone) may hold where a setting is expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  nastyNumbers,
  hostileText,
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    undefined,
    true,
    [],
    {},
    [1, 2],
    { re: [[1]], im: [[1]] },
    JSON.parse('{"__proto__": {"polluted": 1}}') as unknown,
    JSON.parse('{"constructor": {"prototype": {"polluted": 1}}}') as unknown,
  ),
  fc.constant(null).map(() => new Array(20_000).fill(1)),
  fc.constant(null).map(() => Array.from({ length: 50 }, () => ({ kind: 'kru' }))),
);

// ---------- mutations of a valid document ----------

type Path = Array<string | number>;

function pathsOf(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out);
  return out;
}

export type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'add'; at: number; key: string; value: unknown }
  | { op: 'wrap'; at: number }
  | { op: 'duplicate'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
  fc.record({
    op: fc.constant('add' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), hostileText),
    value: hostileValue,
  }),
  fc.record({ op: fc.constant('wrap' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
);

/** Applies mutations to a deep copy of a JSON document (paths picked among the copy's current nodes). */
export function mutate(doc: unknown, mutations: Mutation[]): unknown {
  const root = { v: structuredClone(doc) as unknown };
  for (const m of mutations) {
    const paths = pathsOf(root.v);
    const path = paths[m.at % paths.length];
    const at = (p: Path) => p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], root.v);
    const parent = path.length ? (at(path.slice(0, -1)) as Record<string, unknown>) : null;
    const key = path[path.length - 1];
    const target = at(path);
    const set = (value: unknown) => {
      if (parent === null) root.v = value;
      else withOwnKey(parent, String(key), value);
    };
    if (m.op === 'delete') {
      if (parent === null) root.v = undefined;
      else if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (m.op === 'replace') set(m.value);
    else if (m.op === 'wrap') set([target]);
    else if (m.op === 'duplicate') {
      if (Array.isArray(target)) target.push(structuredClone(target[0]));
      else set(structuredClone(target));
    } else if (target && typeof target === 'object' && !Array.isArray(target))
      withOwnKey(target as Record<string, unknown>, m.key, m.value);
  }
  return root.v;
}

// ---------- what every parser promises ----------

/** Characters that break a message over lines or reorder it on screen, and unpaired surrogates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNREADABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\p{Cs}/u;

/** One readable line: no line breaks or other control characters, and a bounded length whatever the input. */
export function expectOneLine(message: unknown, maxLength = 600): void {
  const shown = JSON.stringify(String(message).slice(0, 300));
  if (typeof message !== 'string' || message.length === 0) throw new Error(`not a message: ${shown}`);
  if (UNREADABLE.test(message)) throw new Error(`message with a control character: ${shown}`);
  if (message.length > maxLength) throw new Error(`message of ${message.length} characters: ${shown}…`);
}

/** A fingerprint of the global prototypes a parser could pollute. */
export function prototypeFingerprint(): string {
  const names = (o: object) => Object.getOwnPropertyNames(o).sort().join(',');
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map(names)
    .concat(String(({} as Record<string, unknown>).polluted))
    .join('|');
}

/**
 * Registers hooks that fail a test when it leaves a shared prototype changed: no parser may write to one, whatever
 * `__proto__`/`constructor` keys it was fed.
 */
export function guardPrototypes(): void {
  let fingerprint = '';
  beforeEach(() => {
    fingerprint = prototypeFingerprint();
  });
  afterEach(() => {
    expect(prototypeFingerprint()).toBe(fingerprint);
  });
}
