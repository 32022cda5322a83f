// The settings table and what is derived from it: the schema, the URL and JSON round trips (with per-key
// isolation of bad values in links), the migration of the earlier formats, and the ranges every input shares.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  APP_TABLE,
  defaultModel,
  defaultRunConfig,
  migrateV1Params,
  MODEL_TABLES,
  parseRunConfig,
  rowsOf,
  RUN_TABLE,
  settingsFromJson,
  settingsFromParams,
  settingsToJson,
  settingsToParams,
  changeNotes,
  sameShape,
  structuralDiff,
  type RunConfig,
} from '../../src/settings';

const q = (s: string) => new URLSearchParams(s);
const app = { stepsPerTick: 3 };

/** The three-model run of the issue: a KRU with N = 128, the same KRU at λ = 0, an RNN with N = 16. */
function threeModels(): RunConfig {
  const kru = { ...defaultModel('kru', 128), label: 'KRU N=128', lr: 3e-3 };
  return {
    ...defaultRunConfig(),
    task: { name: 'copy', T: 10, permuted: false },
    models: [
      kru,
      { ...kru, id: 'kru-l0', label: 'KRU λ=0', lambda: 0 },
      { ...defaultModel('rnn', 16), id: 'rnn16', label: 'RNN N=16' },
    ],
  };
}

describe('the table', () => {
  it('has one URL key and one CLI flag per row, none repeated within a scope', () => {
    const scopes = [
      rowsOf(RUN_TABLE).concat(rowsOf(APP_TABLE)),
      rowsOf(MODEL_TABLES.kru),
      rowsOf(MODEL_TABLES.rnn),
    ];
    for (const rows of scopes) {
      const keys = rows.map((r) => r.row.key);
      const flags = rows.map((r) => r.row.flag);
      expect(new Set(keys).size).toBe(keys.length);
      expect(new Set(flags).size).toBe(flags.length);
      for (const { row } of rows) expect(row.help.length).toBeGreaterThan(5);
    }
  });

  it('accepts the defaults and rejects out-of-range values with the setting named', () => {
    expect(parseRunConfig(defaultRunConfig()).ok).toBe(true);
    const bad = defaultRunConfig();
    bad.task.T = 1;
    (bad.models[0] as { lambda: number }).lambda = -1;
    const r = parseRunConfig(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain('task.T: must be an integer ≥ 2 and ≤ 2000');
      expect(r.error).toContain('kru.lambda: must be a number ≥ 0 and ≤ 1000');
    }
  });

  it('rejects duplicate ids, factors that do not multiply to N, and more than 8 models', () => {
    const c = defaultRunConfig();
    const dup = parseRunConfig({ ...c, models: [c.models[0], c.models[0]] });
    expect(dup.ok || dup.error).toContain('"kru" is used twice');
    const wrong = parseRunConfig({ ...c, models: [{ ...c.models[0], hidden: 32 }] });
    expect(wrong.ok || wrong.error).toContain(
      'kru.factors: the product of the factor sizes (2×2×2×2×2×2 = 64) must equal N = 32',
    );
    const many = parseRunConfig({
      ...c,
      models: Array.from({ length: 9 }, (_, i) => ({ ...c.models[1], id: `r${i}` })),
    });
    expect(many.ok || many.error).toContain('at most 8 models');
    expect(parseRunConfig({ ...c, models: [] }).ok).toBe(false);
  });

  it('says which settings need a reset (λ and lr are live)', () => {
    const a = threeModels();
    const b = structuredClone(a);
    (b.models[0] as { lambda: number }).lambda = 5;
    b.models[2].lr = 0.1;
    expect(structuralDiff(a, b)).toEqual([]);
    b.seed = 9;
    b.models[2].hidden = 17;
    expect(structuralDiff(a, b)).toEqual(['seed', 'models']);
  });

  it('say whether a reset keeps the charts (same task and model shapes) and what it changed', () => {
    const a = threeModels();
    const b = structuredClone(a);
    b.seed = 2;
    b.batch = 64;
    (b.models[0] as { activation: string }).activation = 'modrelu';
    (b.models[1] as { strict: boolean }).strict = true;
    b.models[2].clip = 1;
    b.models[2].lr = 0.5; // live: marked where it changes, not in the reset note
    expect(sameShape(a, b)).toBe(true);
    expect(changeNotes(a, b)).toEqual([
      'batch 32→64',
      'seed 1→2',
      'KRU N=128 act crelu→modrelu',
      'KRU λ=0 strict off→on',
      'RNN N=16 clip off→1',
    ]);
    expect(changeNotes(a, a)).toEqual([]);
    expect(sameShape(a, { ...b, task: { ...b.task, T: 20 } })).toBe(false);
    const wider = structuredClone(a);
    wider.models[2].hidden = 17;
    expect(sameShape(a, wider)).toBe(false);
    expect(sameShape(a, { ...a, models: a.models.slice(0, 2) })).toBe(false);
  });
});

describe('links', () => {
  it('round-trip a three-model run exactly', () => {
    const c = threeModels();
    const params = settingsToParams({ config: c, app });
    expect(params.get('models')).toBe('kru:kru,kru-l0:kru,rnn16:rnn');
    expect(params.get('kru-l0.lambda')).toBe('0');
    expect(params.get('rnn16.N')).toBe('16');
    expect(settingsFromParams(q(params.toString()))).toEqual({ value: { config: c, app }, problems: [] });
  });

  it('round-trip any valid run (property)', () => {
    const model = fc.oneof(
      fc
        .record({
          N: fc.constantFrom(4, 8, 16),
          lambda: fc.double({ min: 0, max: 1000, noNaN: true }),
          lr: fc.double({ min: 1e-6, max: 10, noNaN: true }),
          strict: fc.boolean(),
        })
        .map((m) => ({ ...defaultModel('kru', m.N), lambda: m.lambda, lr: m.lr, strict: m.strict })),
      fc
        .record({
          N: fc.integer({ min: 1, max: 300 }),
          gain: fc.double({ min: 0.01, max: 100, noNaN: true }),
          clip: fc.option(fc.double({ min: 0.001, max: 1e6, noNaN: true })),
        })
        .map((m) => ({
          ...defaultModel('rnn', m.N),
          init: { kind: 'gaussian' as const, gain: m.gain },
          clip: m.clip,
        })),
    );
    fc.assert(
      fc.property(
        fc.array(model, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (models, seed) => {
          const c: RunConfig = {
            ...defaultRunConfig(),
            seed,
            models: models.map((m, i) => ({ ...m, id: `m${i}`, label: `Model ${i}` })),
          };
          const back = settingsFromParams(settingsToParams({ config: c, app }));
          expect(back.problems).toEqual([]);
          expect(back.value?.config).toEqual(c);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('report a bad key and keep its default while every other key applies', () => {
    const r = settingsFromParams(
      q('task=copy&T=1&models=kru:kru,rnn:rnn&kru.lambda=-1&kru.N=16&rnn.lr=abc&rnn.N=12&seed=7'),
    );
    expect(r.value?.config.task).toEqual({ name: 'copy', T: 50, permuted: false });
    expect(r.value?.config.seed).toBe(7);
    const [kru, rnn] = r.value!.config.models;
    expect(kru.kind === 'kru' && kru.lambda).toBe(0.01);
    expect(kru.hidden).toBe(16);
    expect(kru.kind === 'kru' && kru.factors).toEqual([2, 2, 2, 2]);
    expect(rnn.lr).toBe(1e-3);
    expect(rnn.hidden).toBe(12);
    expect(r.problems).toEqual([
      'Sequence length T must be an integer ≥ 2 and ≤ 2000, got "1"; using 50',
      'kru: λ (soft unitary) must be a number ≥ 0 and ≤ 1000, got "-1"; using 0.01',
      'rnn: Learning rate must be a number, got "abc"; using 0.001',
    ]);
  });

  it('report hostile and unknown input without applying it', () => {
    const r = settingsFromParams(
      q('task=<script>&models=kru:kru,x:gru,bad id:rnn,kru:rnn&kru.foo=1&ghost.N=4'),
    );
    expect(r.value?.config.task.name).toBe('adding');
    expect(r.value?.config.models.map((m) => m.id)).toEqual(['kru']);
    expect(r.problems.join('\n')).toMatch(/Task must be one of copy, adding, digits, got "<script>"/);
    expect(r.problems.join('\n')).toMatch(/"x:gru" is not id:kind/);
    expect(r.problems.join('\n')).toMatch(/"kru" is listed twice/);
    expect(r.problems.join('\n')).toMatch(/kru\.foo: a KRU has no setting "foo"/);
    expect(r.problems.join('\n')).toMatch(/ghost\.N: there is no model "ghost"/);
  });

  it('replace factors that do not multiply to N, and say so', () => {
    const r = settingsFromParams(q('models=kru:kru&kru.N=8&kru.factors=2,2'));
    expect(r.value?.config.models[0]).toMatchObject({ hidden: 8, factors: [2, 2, 2] });
    expect(r.problems).toEqual(['kru: the factor sizes 2,2 do not multiply to N = 8; using 2,2,2']);
  });

  it('migrate the earlier one-N format to the same run', () => {
    const old = q(
      'task=copy&T=12&N=16&factors=4,4&kact=modrelu&lambda=1&lr=0.003&clip=off&ract=relu&rgain=1.5&models=kru,rnn&spt=4',
    );
    expect(migrateV1Params(old).get('models')).toBe('kru:kru,rnn:rnn');
    const r = settingsFromParams(old);
    expect(r.problems).toEqual([]);
    const [kru, rnn] = r.value!.config.models;
    expect(kru).toMatchObject({
      kind: 'kru',
      hidden: 16,
      factors: [4, 4],
      activation: 'modrelu',
      lambda: 1,
      lr: 0.003,
    });
    expect(rnn).toMatchObject({
      kind: 'rnn',
      hidden: 16,
      activation: 'relu',
      init: { kind: 'gaussian', gain: 1.5 },
      lr: 0.003,
    });
    expect(r.value!.app.stepsPerTick).toBe(4);
    expect(settingsFromParams(q('N=8&models=rnn')).value!.config.models.map((m) => m.id)).toEqual(['rnn']);
  });
});

describe('settings files', () => {
  it('round-trip', () => {
    const c = threeModels();
    expect(settingsFromJson(settingsToJson(c, app))).toEqual({ ok: true, value: { config: c, app } });
  });

  it('migrate version 1 files', () => {
    const v1 = {
      kind: 'kru-explorer-settings',
      version: 1,
      config: {
        task: { name: 'adding', T: 50, permuted: false },
        hidden: 64,
        kru: { factors: [8, 8], activation: 'crelu', init: { kind: 'unitary', scale: 0.5 } },
        rnn: { activation: 'tanh', init: { kind: 'orthogonal', gain: 1 } },
        batch: 32,
        seed: 3,
        optimizer: 'rmsprop',
        lr: 0.002,
        lambda: 0.5,
        clip: 2,
        impl: 'fused',
        models: ['kru', 'rnn'],
      },
      stepsPerTick: 2,
    };
    const r = settingsFromJson(JSON.stringify(v1));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.config.models[0]).toMatchObject({
      id: 'kru',
      factors: [8, 8],
      lambda: 0.5,
      lr: 0.002,
      clip: 2,
    });
    expect(r.value.config.models[1]).toMatchObject({
      id: 'rnn',
      init: { kind: 'orthogonal', gain: 1 },
      lr: 0.002,
    });
    expect(r.value.app.stepsPerTick).toBe(2);
  });

  it('refuse a bad file whole, with one message', () => {
    const c = threeModels();
    const bad = JSON.parse(settingsToJson(c, app));
    bad.config.models[2].hidden = 0;
    expect(settingsFromJson(JSON.stringify(bad))).toEqual({
      ok: false,
      error: 'rnn16.hidden: must be an integer ≥ 1 and ≤ 4096',
    });
    expect(settingsFromJson('{')).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON/) });
    expect(settingsFromJson('{"kind":"other"}')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not a KRU Explorer settings file/),
    });
    expect(
      settingsFromJson(JSON.stringify({ ...JSON.parse(settingsToJson(c, app)), version: 7 })),
    ).toMatchObject({ ok: false, error: expect.stringMatching(/unknown settings file version 7/) });
  });
});
