import { describe, expect, it } from 'vitest';
import { History } from '../../src/history/history';
import { encodeHistory } from '../../src/history/codec';
import type { ModelDetail } from '../../src/engine/types';
import { differences, firstDifference, range, snapshot, type Metrics } from './fixtures';

function steps(h: History, from: number, to: number, f: Metrics = {}, chunk = 10): History {
  for (let s = from; s <= to; s += chunk) h.append(snapshot(range(s, Math.min(to, s + chunk - 1)), f));
  return h;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON tree that the tests corrupt at will
type Tree = Record<string, any>;

const detail = (kind: 'kru' | 'rnn'): ModelDetail => ({
  kind,
  singularValues: Float32Array.from([2, 1, NaN]),
  eigenRe: Float32Array.from([0.5, -0.25]),
  eigenIm: Float32Array.from([0, 1e-30]),
  groupGradNorms: { W: 0.125, b: NaN },
  paramCounts: { recurrent: 16, total: 40 },
  factorSizes: kind === 'kru' ? [4, 4] : [16],
  testAccuracy: kind === 'kru' ? 0.875 : null,
});

/** A History with a bit of everything: compacted rows, marks of every kind, a reset, a diverged model. */
function rich(rows = 6_300): History {
  const h = steps(new History(), 1, rows, {
    lambda: (s) => (s < 300 ? 0.01 : 1),
    loss: (s, id) => (id === 'rnn' && s % 5 === 0 ? NaN : 1 / s),
  });
  h.continueRun('seed 1→2');
  const s = snapshot(range(1, 10));
  s.detail = { kru: detail('kru'), rnn: detail('rnn') };
  s.diverged = { rnn: { step: 4, reason: 'the loss is NaN' } };
  h.append(s);
  h.addMark({ step: 20, model: '', setting: 'restore', from: NaN, to: NaN, note: 'restored step 19' });
  return h;
}

/** Everything observable of two Histories is the same. */
function expectSame(a: History, b: History): void {
  expect(firstDifference(a.steps.view(), b.steps.view())).toBe(-1);
  expect(Object.keys(a.series)).toEqual(Object.keys(b.series));
  for (const [id, cols] of Object.entries(a.series))
    for (const [key, c] of Object.entries(cols)) {
      const d = b.series[id][key as 'loss'];
      expect(d.width, `${id}.${key}`).toBe(c.width);
      expect(firstDifference(c.view(), d.view()), `${id}.${key}`).toBe(-1);
    }
  expect(b.models).toEqual(a.models);
  expect({ ...b.detail }).toEqual({ ...a.detail });
  expect(b.changes).toEqual(a.changes);
  expect(b.runStarts).toEqual(a.runStarts);
  expect(b.runStart).toBe(a.runStart);
  expect(b.fullFrom).toBe(a.fullFrom);
  for (const k of ['seqLength', 'baseline', 'stepCount', 'msPerStep', 'backend'] as const)
    expect(b[k]).toEqual(a[k]);
  expect(differences(b.toJSON(), a.toJSON())).toEqual([]);
}

/** What comes next in both: a reset pending, a live λ change, a divergence, enough rows to compact again. */
function more(h: History): void {
  h.continueRun('lr 0.01→0.001');
  const s = snapshot(range(1, 5), { lambda: () => 3 });
  s.diverged = { kru: { step: 3, reason: 'the gradient norm is infinite' } };
  h.append(s);
  steps(h, 6, 3_000, { lambda: (x) => (x < 100 ? 3 : 4) });
  h.truncateAfter(h.steps.view()[h.steps.length - 1] - 100, { note: 'restored' });
  steps(h, 2_901, 2_950);
}

describe('History ↔ data', () => {
  it('round-trips through JSON (encodeHistory) and through structured clone (toJSON), and continues alike', () => {
    const h = rich();
    expect(h.fullFrom).toBeGreaterThan(1);
    const viaJson = History.fromData(JSON.parse(JSON.stringify(encodeHistory(h))));
    const viaClone = History.fromData(structuredClone(h.toJSON()));
    expectSame(h, viaJson);
    expectSame(h, viaClone);
    expect(viaJson.detail.kru.singularValues[2]).toBeNaN();
    expect(viaJson.detail.rnn.groupGradNorms.b).toBeNaN();
    expect(viaJson.changes.find((c) => c.setting === 'reset')?.from).toBeNaN();
    for (const x of [h, viaJson, viaClone]) more(x);
    expectSame(h, viaJson);
    expectSame(h, viaClone);
  });

  it('round-trips a History with a reset pending and one truncated to nothing', () => {
    const h = steps(new History(), 1, 30);
    h.continueRun('seed 1→2');
    const back = History.fromData(encodeHistory(h));
    expectSame(h, back);
    for (const x of [h, back]) steps(x, 1, 5);
    expectSame(h, back);
    expect(back.changes.map((c) => [c.setting, c.step])).toEqual([['reset', 31]]);
    h.truncateAfter(0, { note: 'restored step 0' });
    expectSame(h, History.fromData(encodeHistory(h)));
    expectSame(new History(), History.fromData(encodeHistory(new History())));
  });

  it('refuses malformed data with a one-line message', () => {
    const good = () => JSON.parse(JSON.stringify(encodeHistory(rich(40)))) as Tree;
    const b64 = (a: number[]) => Buffer.from(Float32Array.from(a).buffer).toString('base64');
    const cases: Array<[string, (d: Tree) => unknown, RegExp]> = [
      ['not an object', () => 42, /expected object/],
      ['another format', (d) => ({ ...d, format: 'kru-explorer/history@9' }), /format must be/],
      ['an unknown key', (d) => ({ ...d, colour: 'red' }), /colour/],
      ['an unknown metric', (d) => ((d.series.kru.extra = d.series.kru.loss), d), /extra/],
      ['a missing metric', (d) => (delete d.series.rnn.gradNorm, d), /gradNorm/],
      [
        'a scalar 2 wide',
        (d) => ((d.series.kru.loss = { width: 2, values: b64(range(1, 100)) }), d),
        /loss: width 2/,
      ],
      [
        'a length that is not rows × width',
        (d) => ((d.series.kru.reg.values = b64(range(1, 51))), d),
        /reg: 51 values, not 50 rows × 1/,
      ],
      [
        'steps that go back',
        (d) => ((d.steps = b64([...range(1, 40), ...range(1, 10)].reverse())), d),
        /steps go back/,
      ],
      ['a step that is not whole', (d) => ((d.steps = b64([0.5, ...range(2, 50)])), d), /steps.0 is 0.5/],
      ['bytes that are not float32s', (d) => ((d.steps = 'AAA='), d), /whole number of float32/],
      ['text that is not base64', (d) => ((d.steps = 'not base64!'), d), /not base64/],
      ['a huge width', (d) => ((d.series.kru.gradNormsOverTime.width = 1e9), d), /gradNormsOverTime/],
      ['a huge number of rows', (d) => ((d.steps = b64(range(1, (1 << 20) + 1))), d), /1048577 rows/],
      ['a series of no model', (d) => ((d.series.lstm = d.series.kru), d), /series.lstm: no such model/],
      ['two models of one id', (d) => ((d.models[1].id = 'kru'), d), /same id/],
      ['a model id that is not one', (d) => ((d.models[0].id = '__proto__'), d), /not a model id/],
      ['run starts out of order', (d) => ((d.runStarts = [30, 20]), d), /runStarts.1/],
      [
        'more buckets than rows',
        (d) => ((d.compaction = { buckets: 30, size: 2, last: 2 }), d),
        /compaction/,
      ],
      [
        'a bucket size that is no power of two',
        (d) => ((d.compaction = { buckets: 1, size: 6, last: 1 }), d),
        /power of two/,
      ],
      ['eigenvalues of two lengths', (d) => ((d.detail.kru.eigenIm = b64([1])), d), /eigenRe and eigenIm/],
      ['a change of an unknown kind', (d) => ((d.changes[0].setting = 'seed'), d), /changes.0.setting/],
    ];
    for (const [what, corrupt, message] of cases) {
      let err: unknown = null;
      try {
        History.fromData(corrupt(good()));
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(Error);
      const m = (err as Error).message;
      expect(m, what).toMatch(/^history: [^\n]+$/);
      expect(m, what).toMatch(message);
    }
    // HistoryData (typed arrays) is checked as well.
    const d = rich(40).toJSON();
    d.steps[3] = NaN;
    expect(() => History.fromData(d)).toThrow(/^history: steps.3 is NaN/);
  });
});
