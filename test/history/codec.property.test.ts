// Property-based checks of History.fromData: whatever it is given, it either refuses with a one-line Error or
// returns a History that holds together; and every History that operations can build round-trips exactly.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { History } from '../../src/history/history';
import { encodeHistory } from '../../src/history/codec';
import { differences, firstDifference, range, snapshot } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a data tree that the tests corrupt at will
type Tree = Record<string, any>;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A small History with a bit of everything (detail, every kind of mark, a reset, a divergence). */
function base(): History {
  const h = new History();
  h.append(snapshot(range(1, 12), { lambda: (s) => (s < 6 ? 0.01 : 1) }));
  h.continueRun('seed 1→2');
  const s = snapshot(range(1, 8));
  s.detail = {
    kru: {
      kind: 'kru',
      singularValues: Float32Array.from([2, 1]),
      eigenRe: Float32Array.from([0.5, -0.5]),
      eigenIm: Float32Array.from([0, 0]),
      groupGradNorms: { W: 0.5 },
      paramCounts: { recurrent: 8, total: 20 },
      factorSizes: [2, 2],
      testAccuracy: null,
    },
  };
  s.diverged = { rnn: { step: 5, reason: 'the loss is NaN' } };
  h.append(s);
  h.addMark({ step: 16, model: '', setting: 'restore', from: NaN, to: NaN, note: 'restored step 15' });
  return h;
}

/** Every node of a JSON tree with its parent and key, in a fixed order. */
function nodes(tree: Json): Array<{ parent: Json[] | { [k: string]: Json } | null; key: string | number }> {
  const out: Array<{ parent: Json[] | { [k: string]: Json } | null; key: string | number }> = [
    { parent: null, key: '' },
  ];
  const walk = (v: Json) => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, c] of Object.entries(v)) {
      out.push({ parent: v, key: Array.isArray(v) ? Number(k) : k });
      walk(c);
    }
  };
  walk(tree);
  return out;
}

const SPECIAL: Json[] = [
  null,
  -1,
  0,
  0.5,
  1e300,
  2 ** 31,
  -(2 ** 53),
  '',
  'AAAA',
  'AAA=',
  '!!',
  [],
  {},
  true,
];

const OPS = ['delete', 'replace', 'special', 'number', 'string', 'addKey', 'dup'] as const;
interface Corruption {
  pick: number;
  op: (typeof OPS)[number];
  value: Json;
  n: number;
}
const corruption: fc.Arbitrary<Corruption> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom(...OPS),
  value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  n: fc.integer({ min: -1000, max: 1000 }),
});

function corrupt(tree: { root: Json }, c: Corruption): void {
  const all = nodes(tree.root);
  const { parent, key } = all[c.pick % all.length];
  const get = (): Json => (parent === null ? tree.root : (parent as Record<string, Json>)[key]);
  const set = (v: Json) => {
    if (parent === null) tree.root = v;
    else (parent as Record<string, Json>)[key] = v;
  };
  const v = get();
  switch (c.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else if (parent) delete parent[key as string];
      break;
    case 'replace':
      set(c.value);
      break;
    case 'special':
      set(SPECIAL[Math.abs(c.n) % SPECIAL.length]);
      break;
    case 'number':
      if (typeof v === 'number') set([v + c.n, v * c.n, -v, v + 0.5][Math.abs(c.n) % 4]);
      break;
    case 'string':
      if (typeof v === 'string') {
        const i = Math.abs(c.n) % (v.length + 1);
        set(
          [v.slice(0, i), v.slice(0, i) + 'A' + v.slice(i + 1), v + 'AAAA', v.slice(0, i) + '!'][
            Math.abs(c.n) % 4
          ],
        );
      }
      break;
    case 'addKey':
      if (v && typeof v === 'object' && !Array.isArray(v)) v[`k${c.n}`] = c.value;
      break;
    case 'dup':
      if (Array.isArray(v) && v.length) v.push(structuredClone(v[Math.abs(c.n) % v.length]));
      break;
  }
}

/**
 * A History that holds together: aligned columns, ascending steps, run starts inside, and it round-trips (through
 * JSON, or only through structured clone: base64 in Node is slow on long columns).
 */
function expectValid(h: History, json = true): void {
  const n = h.steps.rows;
  const s = h.steps.view();
  for (let i = 1; i < n; i++) expect(s[i]).toBeGreaterThanOrEqual(s[i - 1]);
  for (const cols of Object.values(h.series))
    for (const c of Object.values(cols)) {
      expect(c.length % Math.max(1, c.width)).toBe(0);
      if (c.width) expect(c.rows).toBe(n);
    }
  h.runStarts.forEach((r, i) => {
    expect(r).toBeGreaterThanOrEqual(1);
    expect(r).toBeLessThanOrEqual(n);
    if (i) expect(r).toBeGreaterThan(h.runStarts[i - 1]);
  });
  const again = History.fromData(
    json ? JSON.parse(JSON.stringify(encodeHistory(h))) : structuredClone(h.toJSON()),
  );
  expect(firstDifference(again.steps.view(), s)).toBe(-1);
  expect(differences(again.toJSON(), h.toJSON())).toEqual([]);
}

function outcome(data: unknown): { h: History } | { error: unknown } {
  try {
    return { h: History.fromData(data) };
  } catch (error) {
    return { error };
  }
}

function expectRefusedOrValid(data: unknown): void {
  const r = outcome(data);
  if ('error' in r) {
    expect(r.error).toBeInstanceOf(Error);
    expect((r.error as Error).message).toMatch(/^history: [^\n]*$/);
    return;
  }
  expectValid(r.h);
  // It continues: a snapshot that fits it appends and still round-trips.
  const last = r.h.steps.length ? r.h.steps.view()[r.h.steps.length - 1] : 0;
  const next = snapshot([last + 1, last + 2], {}, r.h.models.length ? r.h.models : undefined);
  if (r.h.accepts(next)) {
    r.h.append(next);
    expectValid(r.h);
  }
}

describe('History.fromData on corrupted data', () => {
  const encoded = JSON.stringify(encodeHistory(base()));

  it('the JSON form: refused with an Error, or a valid History; never another exception', () => {
    fc.assert(
      fc.property(fc.array(corruption, { minLength: 1, maxLength: 3 }), (cs) => {
        const tree = { root: JSON.parse(encoded) as Json };
        for (const c of cs) corrupt(tree, c);
        expectRefusedOrValid(tree.root);
      }),
      { numRuns: Number(process.env.RUNS ?? 400) },
    );
  });

  it('the structured-clone form: typed arrays cut short or poisoned, fields swapped for anything', () => {
    const h = base();
    fc.assert(
      fc.property(
        fc.constantFrom('steps', 'kru.loss', 'kru.gradNormsOverTime', 'rnn.factorSingularValues', 'detail'),
        fc.nat(),
        fc.constantFrom(NaN, Infinity, -3, 0.5, 1e9),
        fc.anything(),
        (where, i, poison, junk) => {
          const d = structuredClone(h.toJSON()) as unknown as Tree;
          const [m, key] = where.split('.');
          const arr: Float32Array =
            where === 'steps' ? d.steps : where === 'detail' ? d.detail.kru.eigenRe : d.series[m][key].values;
          if (i % 3 === 0 && arr.length) arr[i % arr.length] = poison;
          else if (i % 3 === 1) {
            const cut = arr.slice(0, i % (arr.length + 1));
            if (where === 'steps') d.steps = cut;
            else if (where === 'detail') d.detail.kru.eigenRe = cut;
            else d.series[m][key].values = cut;
          } else d[Object.keys(d)[i % Object.keys(d).length]] = junk;
          expectRefusedOrValid(d);
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 300) },
    );
  });
});

describe('History built by any sequence of operations', () => {
  type Op =
    | { kind: 'append'; rows: number; lambda: number }
    | { kind: 'bulk' }
    | { kind: 'reset' }
    | { kind: 'truncate'; back: number; engine: boolean; note: boolean; odd: boolean }
    | { kind: 'diverge' }
    | { kind: 'mark'; back: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('append' as const),
      rows: fc.integer({ min: 0, max: 40 }),
      lambda: fc.constantFrom(0.01, 1),
    }),
    fc.constant({ kind: 'bulk' as const }),
    fc.constant({ kind: 'reset' as const }),
    fc.record({
      kind: fc.constant('truncate' as const),
      back: fc.nat({ max: 7000 }),
      engine: fc.boolean(),
      note: fc.boolean(),
      odd: fc.boolean(),
    }),
    fc.constant({ kind: 'diverge' as const }),
    fc.record({ kind: fc.constant('mark' as const), back: fc.nat({ max: 50 }) }),
  );

  it('round-trips exactly and continues as the original', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), (ops) => {
        const h = new History();
        let engine = 0; // the engine's own step count
        const send = (rows: number, lambda = 0.01, diverged = false) => {
          const s = snapshot(range(engine + 1, engine + rows), { lambda: () => lambda });
          if (diverged && rows) s.diverged = { kru: { step: engine + 1, reason: 'the loss is NaN' } };
          h.append(s);
          engine += rows;
        };
        const last = () => (h.steps.length ? h.steps.view()[h.steps.length - 1] : 0);
        for (const o of ops) {
          if (o.kind === 'append') send(o.rows, o.lambda);
          else if (o.kind === 'bulk') send(3_000);
          else if (o.kind === 'diverge') send(2, 0.01, true);
          else if (o.kind === 'reset') {
            h.continueRun('reset');
            engine = 0;
          } else if (o.kind === 'mark')
            h.addMark({
              step: Math.max(0, last() - o.back),
              model: '',
              setting: 'restore',
              from: NaN,
              to: NaN,
            });
          else if (o.odd) {
            // A caller's slip: a fractional step, an engine step after it (taken as offset 0), a NaN mark.
            const step = Math.max(0, last() - o.back);
            h.truncateAfter(step + 0.5, { engineStep: step + 3.7, note: 'odd' });
            h.addMark({ step: NaN, model: '', setting: 'restore', from: NaN, to: NaN });
            engine = step;
          } else {
            const step = Math.max(0, last() - o.back);
            const offset = last() - engine; // the current run's offset
            const engineStep = Math.max(0, step - offset);
            h.truncateAfter(step, {
              engineStep: o.engine ? engineStep : undefined,
              note: o.note ? 'restored' : undefined,
            });
            engine = o.engine ? engineStep : step - offset;
            if (engine < 0) engine = 0;
          }
          expectValid(h, false);
        }
        const copy = History.fromData(structuredClone(h.toJSON()));
        for (const x of [h, copy]) {
          const s = snapshot(range(engine + 1, engine + 5), { lambda: () => 2 });
          x.append(s);
        }
        expect(differences(copy.toJSON(), h.toJSON())).toEqual([]);
      }),
      { numRuns: Number(process.env.RUNS_OPS ?? 40) },
    );
  });
});
