// Property tests of the settings parsers (links, the v1 link migration, settings files, parseRunConfig):
// random and hostile input never crashes them and yields one-line messages; a link applies each good key
// whatever garbage sits in the others, a file is taken whole or not at all; valid runs survive every round trip.
import fc from 'fast-check';
import { MODEL_KINDS } from '../../src/core/vocabulary';
import { describe, expect, it } from 'vitest';
import {
  APP_ROWS,
  AppSettingsSchema,
  MODEL_ROWS,
  RUN_ROWS,
  defaultRunConfig,
  getPath,
  parseRunConfig,
  readText,
  settingsFromJson,
  settingsFromParams,
  settingsToJson,
  settingsToParams,
  type AppSettings,
  type LinkSettings,
  type Row,
  type RunConfig,
} from '../../src/settings';
import {
  PROTOTYPE_KEYS,
  appSettings,
  expectOneLine,
  hostileText,
  hostileValue,
  mutate,
  mutation,
  guardPrototypes,
  runConfig,
  withOwnKey,
} from './arbitraries';

guardPrototypes();

const RUNS = { numRuns: 120 };

/** Every URL key a run's link carries, the row that reads it and where its value lands. */
function linkRows(c: RunConfig): Array<{ key: string; row: Row; get(s: LinkSettings): unknown }> {
  const out: Array<{ key: string; row: Row; get(s: LinkSettings): unknown }> = [];
  for (const { path, row } of RUN_ROWS) out.push({ key: row.key, row, get: (s) => getPath(s.config, path) });
  for (const { path, row } of APP_ROWS) out.push({ key: row.key, row, get: (s) => getPath(s.app, path) });
  c.models.forEach((m, i) => {
    for (const { path, row } of MODEL_ROWS[m.kind]) {
      if (path[0] === 'id') continue;
      out.push({ key: `${m.id}.${row.key}`, row, get: (s) => getPath(s.config.models[i], path) });
    }
  });
  return out;
}

function expectValidSettings(s: LinkSettings): void {
  const r = parseRunConfig(s.config);
  expect(r.ok, r.ok ? '' : r.error).toBe(true);
  expect(AppSettingsSchema.safeParse(s.app).success).toBe(true);
}

describe('parseRunConfig', () => {
  it('accepts every valid run as it is', () => {
    fc.assert(
      fc.property(runConfig(), (c) => {
        expect(parseRunConfig(c)).toEqual({ ok: true, value: c });
      }),
      RUNS,
    );
  });

  it('never throws on any value (structured clones included); refusals are one line', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
    });
    fc.assert(
      fc.property(fc.oneof(anything, hostileValue), (v) => {
        const r = parseRunConfig(v);
        if (!r.ok) expectOneLine(r.error);
      }),
      RUNS,
    );
  });

  it('on a valid run with random mutations: refuses with one line, or accepts exactly what it was given', () => {
    fc.assert(
      fc.property(
        runConfig({ maxModels: 3 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (c, ms) => {
          const input = mutate(c, ms);
          const r = parseRunConfig(input);
          if (r.ok) expect(r.value).toEqual(input);
          else expectOneLine(r.error);
        },
      ),
      RUNS,
    );
  });

  it('names at most a few problems however many there are', () => {
    const c = defaultRunConfig() as unknown as Record<string, unknown>;
    for (let i = 0; i < 5000; i++) c[`junk${i}\n`] = i;
    const r = parseRunConfig(c);
    expect(r.ok).toBe(false);
    if (!r.ok) expectOneLine(r.error);
  });
});

describe('links', () => {
  it('round-trip every valid run: encode → text → parse is the identity, with no problems', () => {
    fc.assert(
      fc.property(runConfig(), appSettings(), (config, app) => {
        const text = settingsToParams({ config, app }).toString();
        expect(settingsFromParams(new URLSearchParams(text))).toEqual({
          value: { config, app },
          problems: [],
        });
      }),
      RUNS,
    );
  });

  /** Keys a hostile link may carry: ours (run, app, models, v1, model rows of likely ids), junk, prototypes. */
  const linkKey = fc.oneof(
    fc.constantFrom(
      ...RUN_ROWS.map((r) => r.row.key),
      ...APP_ROWS.map((r) => r.row.key),
      'models',
      ...['N', 'factors', 'kact', 'kinit', 'kscale', 'ract', 'rinit', 'rgain', 'lr', 'lambda', 'clip'],
      ...PROTOTYPE_KEYS,
      'preset',
      'hide',
    ),
    fc
      .tuple(
        fc.constantFrom('kru', 'rnn', 'm', 'constructor', '__proto__', 'ghost'),
        fc.constantFrom(...new Set(Object.values(MODEL_ROWS).flatMap((rows) => rows.map((r) => r.row.key)))),
      )
      .map(([id, key]) => `${id}.${key}`),
    fc
      .tuple(fc.constantFrom('kru', 'constructor'), fc.constantFrom(...PROTOTYPE_KEYS))
      .map((p) => p.join('.')),
    hostileText,
  );
  const modelsValue = fc.oneof(
    fc
      .array(
        fc.tuple(
          fc.oneof(fc.constantFrom('kru', 'rnn', 'm', 'constructor', '__proto__', 'A'), hostileText),
          fc.oneof(fc.constantFrom('kru', 'rnn', 'lstm', '__proto__'), hostileText),
        ),
        { maxLength: 12 },
      )
      .map((items) => items.map(([id, kind]) => `${id}:${kind}`).join(',')),
    fc.constantFrom('kru', 'rnn', 'kru,rnn', 'rnn,kru,kru', ''),
    hostileText,
  );
  const hostileLink = fc
    .array(fc.tuple(linkKey, fc.oneof(hostileText, modelsValue)), { maxLength: 12 })
    .map((pairs) => {
      const p = new URLSearchParams();
      for (const [k, v] of pairs) p.append(k, v);
      return p;
    });

  it('never throw on hostile links; every problem is one line; what they return is a valid run', () => {
    fc.assert(
      fc.property(hostileLink, (p) => {
        const r = settingsFromParams(p);
        r.problems.forEach((m) => expectOneLine(m));
        // Nothing of ours: no settings and nothing to report; anything else gives a run (bad keys fall back).
        if (r.value === null) expect(r.problems).toEqual([]);
        else expectValidSettings(r.value);
      }),
      { numRuns: 400 },
    );
  });

  it('take links of the earlier one-N format, hostile ones included, without a crash', () => {
    const v1Key = fc.constantFrom(
      ...['N', 'factors', 'kact', 'kinit', 'kscale', 'ract', 'rinit', 'rgain', 'lr', 'lambda', 'clip'],
      ...['task', 'T', 'seed', 'spt', 'models'],
      ...PROTOTYPE_KEYS,
    );
    const v1Value = fc.oneof(
      hostileText,
      fc.constantFrom('16', '4,4', 'modrelu', 'relu', '0.003', '1', 'off', 'kru', 'rnn', 'kru,rnn'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(v1Key, v1Value), { minLength: 1, maxLength: 8 }), (pairs) => {
        const p = new URLSearchParams(pairs);
        const r = settingsFromParams(p);
        r.problems.forEach((m) => expectOneLine(m));
        if (r.value === null) expect(r.problems).toEqual([]);
        else expectValidSettings(r.value);
      }),
      { numRuns: 300 },
    );
  });

  it('apply every good key whatever garbage sits in the others (a bad key keeps its default alone)', () => {
    const junkKey = fc.oneof(
      fc.constantFrom('ghost.N', 'kru.nope', '__proto__.x', 'constructor.prototype', 'm0.__proto__'),
      fc.constantFrom(...PROTOTYPE_KEYS),
    );
    fc.assert(
      fc.property(
        runConfig({ maxModels: 3 }),
        appSettings(),
        fc.array(fc.tuple(fc.nat(), hostileText), { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(junkKey, hostileText), { maxLength: 3 }),
        (config, app, corrupt, junk) => {
          const base = settingsToParams({ config, app });
          // N, the factors and the rank are read together (factors multiply to N, rank ≤ N): left out.
          const rows = linkRows(config).filter((r) => !/(^|\.)(N|factors|rank)$/.test(r.key));
          const garbage = new Map(corrupt.map(([i, text]) => [rows[i % rows.length].key, text]));
          const dirty = new URLSearchParams(base);
          const clean = new URLSearchParams(base);
          for (const [k, v] of garbage) {
            dirty.set(k, v);
            clean.delete(k);
          }
          for (const [k, v] of junk) dirty.append(k, v);
          const r = settingsFromParams(dirty);
          const defaults = settingsFromParams(clean);
          expect(defaults.problems).toEqual([]);
          expect(r.value).not.toBeNull();
          let bad = 0;
          for (const { key, row, get } of rows) {
            // What the link carries (a URL holds no unpaired surrogate: URLSearchParams makes it U+FFFD).
            const text = garbage.has(key) ? dirty.get(key) : null;
            if (text === null) {
              expect(get(r.value!), key).toEqual(get({ config, app }));
              continue;
            }
            const read = readText(row, text);
            if (read.ok) expect(get(r.value!), key).toEqual(read.value);
            else {
              bad++;
              expect(get(r.value!), key).toEqual(get(defaults.value!));
            }
          }
          const dottedJunk = junk.filter(([k]) => k.includes('.')).length;
          expect(r.problems).toHaveLength(bad + dottedJunk);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('settings files', () => {
  it('round-trip every valid run: write → read is the identity, and writing again gives the same text', () => {
    fc.assert(
      fc.property(runConfig(), appSettings(), (config, app) => {
        const text = settingsToJson(config, app);
        const back = settingsFromJson(text);
        expect(back).toEqual({ ok: true, value: { config, app } });
        if (back.ok) expect(settingsToJson(back.value.config, back.value.app)).toBe(text);
      }),
      RUNS,
    );
  });

  it('refuse random text and random JSON with one line and nothing else', () => {
    const text = fc.oneof(
      hostileText,
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(
        '{',
        '[',
        '{"kind":',
        '\ufeff{}',
        '{"a":\n}',
        '['.repeat(10_000),
        '{"__proto__":{"x":1}}',
      ),
    );
    fc.assert(
      fc.property(text, (t) => {
        const r = settingsFromJson(t);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(Object.keys(r).sort()).toEqual(['error', 'ok']);
          expectOneLine(r.error);
        }
      }),
      { numRuns: 300 },
    );
  });

  /** A version 2 file's document, or a version 1 file's (one N, kru and rnn blocks, global λ/lr/clip). */
  const fileDoc = fc.oneof(
    fc.tuple(runConfig({ maxModels: 3 }), appSettings()).map(([c, a]) => JSON.parse(settingsToJson(c, a))),
    fc
      .record({
        hidden: fc.constantFrom(4, 16, 64),
        lr: fc.constantFrom(0.001, 0.5),
        lambda: fc.constantFrom(0, 1),
        clip: fc.constantFrom(null, 2),
        models: fc.constantFrom(['kru', 'rnn'], ['rnn'], ['kru']),
        stepsPerTick: fc.integer({ min: 1, max: 50 }),
      })
      .map((v) => ({
        kind: 'kru-explorer-settings',
        version: 1,
        config: {
          ...defaultRunConfig(),
          models: v.models,
          hidden: v.hidden,
          lr: v.lr,
          lambda: v.lambda,
          clip: v.clip,
          kru: { activation: 'crelu', init: { kind: 'unitary', scale: 0.5 } },
          rnn: { activation: 'tanh', init: { kind: 'gaussian', gain: 1 } },
        },
        stepsPerTick: v.stepsPerTick,
      })),
  );

  it('take a mutated file whole or not at all: accepted means valid (and, for v2, exactly the file)', () => {
    fc.assert(
      fc.property(fileDoc, fc.array(mutation, { maxLength: 4 }), (doc, ms) => {
        const mutated = mutate(doc, ms);
        const text = JSON.stringify(mutated) ?? 'undefined';
        const r = settingsFromJson(text);
        if (!r.ok) {
          expect(Object.keys(r).sort()).toEqual(['error', 'ok']);
          expectOneLine(r.error);
          return;
        }
        expectValidSettings(r.value);
        const written = JSON.parse(text) as { version: unknown; config: RunConfig; app?: AppSettings };
        if (written.version === 2) {
          expect(r.value.config).toEqual(written.config);
          if (written.app !== undefined) expect(r.value.app).toEqual(written.app);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuse `__proto__` and `constructor` keys anywhere instead of applying them', () => {
    fc.assert(
      fc.property(
        runConfig({ maxModels: 2 }),
        fc.constantFrom('__proto__', 'constructor', 'prototype'),
        fc.constantFrom('top', 'config', 'task', 'model', 'init', 'app'),
        (c, key, where) => {
          const doc = JSON.parse(settingsToJson(c, { stepsPerTick: 1 }));
          const target = {
            top: doc,
            config: doc.config,
            task: doc.config.task,
            model: doc.config.models[0],
            init: doc.config.models[0].init ?? doc.config.models[0], // the LSTM kinds have no init group
            app: doc.app,
          }[where];
          withOwnKey(target, key, { polluted: 1, stepsPerTick: 5, seed: 9 });
          const r = settingsFromJson(JSON.stringify(doc));
          if (where === 'top') expect(r.ok).toBe(true);
          else {
            expect(r.ok).toBe(false);
            if (!r.ok) {
              expectOneLine(r.error);
              expect(r.error).toContain(key);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('one hostile value in one setting', () => {
  /** Every setting of a run with its path in the config. */
  const settingPaths = (c: RunConfig) => [
    ...RUN_ROWS.map(({ path, row }) => ({ path: path as Array<string | number>, row })),
    ...c.models.flatMap((m, i) =>
      MODEL_ROWS[m.kind].map(({ path, row }) => ({ path: ['models', i, ...path], row })),
    ),
  ];

  it('(NaN, ±Infinity, −0, 1e308, huge arrays, prototype objects, …) is refused, or valid for its row', () => {
    fc.assert(
      fc.property(runConfig({ maxModels: 2 }), fc.nat(), hostileValue, (c, i, v) => {
        const settings = settingPaths(c);
        const { path, row } = settings[i % settings.length];
        const doc = structuredClone(c) as unknown as Record<string | number, unknown>;
        let o = doc;
        for (const p of path.slice(0, -1)) o = o[p] as Record<string | number, unknown>;
        o[path[path.length - 1]] = v;
        const r = parseRunConfig(doc);
        if (r.ok) expect(row.schema.safeParse(v).success).toBe(true);
        else expectOneLine(r.error);
      }),
      RUNS,
    );
  });
});

describe('counterexamples the properties found (kept as plain examples)', () => {
  it('a v1 link with a key named like an Object.prototype member reads, instead of throwing a TypeError', () => {
    for (const key of PROTOTYPE_KEYS) {
      const r = settingsFromParams(
        new URLSearchParams([
          ['N', '16'],
          [key, '16'],
        ]),
      );
      expect(r.value?.config.models.map((m) => m.hidden)).toEqual([16, 16]);
    }
  });

  it('a KRU N that no factor sizes ≤ 1024 can make falls back alone; the other keys still apply', () => {
    const r = settingsFromParams(new URLSearchParams('seed=7&models=kru:kru&kru.N=1031&kru.lambda=2'));
    expect(r.value?.config.seed).toBe(7);
    expect(r.value?.config.models[0]).toMatchObject({ hidden: 64, lambda: 2 });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^kru: N = 1031 with factor sizes 1031 is no valid KRU .*; using N = 64/);
    fc.assert(
      fc.property(fc.constantFrom(...MODEL_KINDS), fc.integer({ min: 1, max: 4096 }), (kind, N) => {
        const link = settingsFromParams(new URLSearchParams(`seed=7&models=m:${kind}&m.N=${N}`));
        expect(link.value?.config.seed).toBe(7);
      }),
      { numRuns: 200 },
    );
  });

  it('values with line breaks or control characters are shown escaped, and cut short', () => {
    const r = settingsFromParams(
      new URLSearchParams([
        ['task', '\0'],
        ['seed', `1\n2${'x'.repeat(5000)}`],
      ]),
    );
    expect(r.problems[0]).toBe('Task must be one of copy, adding, digits, got "\\u0000"; using adding');
    expect(r.problems[1]).toMatch(/^Seed must be a number, got "1\\n2x+…"; using 1$/);
    r.problems.forEach((m) => expectOneLine(m));
    const file = settingsFromJson('{"a":\n}');
    expect(file.ok || file.error).toMatch(/^not JSON \(.*\\u000a.*\)$/);
  });

  it('a file names the place of an unknown key (the app settings were called "app.config")', () => {
    const doc = JSON.parse(settingsToJson(defaultRunConfig(), { stepsPerTick: 1 }));
    withOwnKey(doc.app, '__proto__', { stepsPerTick: 5 });
    expect(settingsFromJson(JSON.stringify(doc))).toEqual({
      ok: false,
      error: 'app: unknown key "__proto__"',
    });
    doc.app = { stepsPerTick: 1 };
    doc.config['a\nb'] = 1;
    expect(settingsFromJson(JSON.stringify(doc))).toEqual({
      ok: false,
      error: 'config: unknown key "a\\nb"',
    });
  });
});
