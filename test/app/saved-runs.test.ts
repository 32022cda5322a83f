// Saved-run files: a real run (engine History and checkpoint) round-trips through its file exactly, and any
// corruption of the file is refused whole with a one-line Error — never another exception, never a partial run.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { useBackend } from '../support/backend';
import { smallRun } from '../support/run';
import { Experiment } from '../../src/engine/experiment';
import { History } from '../../src/history/history';
import { registerFusedKernels } from '../../src/kernels/register';
import { parseSavedRun, savedRunToJson, sameConfig, type SavedRun } from '../../src/app/saved-runs';
import { defaultAppSettings } from '../../src/settings';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

let run: SavedRun;
let text: string;

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
  const config = smallRun();
  const e = await Experiment.create(config);
  const history = new History();
  await e.step(4);
  history.append(await e.snapshot({ forceDetail: true }));
  e.setLearningRate('rnn', 2e-3);
  await e.step(3);
  history.append(await e.snapshot());
  const checkpoint = await e.checkpoint();
  e.dispose();
  run = {
    id: 'run-1',
    name: 'a test run',
    savedAt: 1_700_000_000_000,
    config,
    changes: [{ step: 5, model: 'rnn', setting: 'lr', value: Math.fround(2e-3) }],
    app: defaultAppSettings(),
    preset: null,
    view: { lossSmoothing: 0.5, lossLog: false },
    history,
    checkpoint,
  };
  text = savedRunToJson(run);
});

/** Every (parent, key) of a JSON tree, in a fixed order. */
function slots(tree: Json): Array<[Json[] | { [k: string]: Json }, string | number]> {
  const out: Array<[Json[] | { [k: string]: Json }, string | number]> = [];
  const walk = (t: Json) => {
    if (Array.isArray(t))
      t.forEach((v, i) => {
        out.push([t, i]);
        walk(v);
      });
    else if (t && typeof t === 'object')
      for (const [k, v] of Object.entries(t)) {
        out.push([t, k]);
        walk(v);
      }
  };
  walk(tree);
  return out;
}

const hostile = fc.oneof(
  fc.constantFrom<Json>(null, -1, 0, 1e308, -0, '', '***', '<script>', 'AAAA', [], {}, true),
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
);

describe('saved-run files', () => {
  it('round-trip a real run exactly', () => {
    const back = parseSavedRun(JSON.parse(text));
    // The same data (the config's keys come back in the schema's order).
    expect(JSON.parse(savedRunToJson(back))).toEqual(JSON.parse(text));
    expect(sameConfig(back.config, run.config)).toBe(true);
    expect(back.checkpoint!.step).toBe(7);
    expect(Array.from(back.history.steps.view())).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(back.checkpoint!.models[1].lr).toBe(Math.fround(2e-3));
    expect(back.changes).toEqual(run.changes);
  });

  it('take a corrupted file only as a whole, valid run; otherwise refuse it with a one-line Error', () => {
    const sizes = slots(JSON.parse(text) as Json).length;
    fc.assert(
      fc.property(fc.nat(sizes - 1), hostile, fc.boolean(), (at, value, remove) => {
        const tree = JSON.parse(text) as Json;
        const [parent, key] = slots(tree)[at];
        if (remove && !Array.isArray(parent)) delete parent[key as string];
        else (parent as Record<string | number, Json>)[key] = value;
        let result: SavedRun | null = null;
        try {
          result = parseSavedRun(tree);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).not.toMatch(/\n/);
          expect((e as Error).message.length).toBeLessThan(400);
          return;
        }
        // Accepted: then it is a whole run that writes back to a file that reads back to itself.
        const again = savedRunToJson(result);
        expect(savedRunToJson(parseSavedRun(JSON.parse(again)))).toBe(again);
      }),
      { numRuns: 300 },
    );
  });

  it('refuse foreign documents', () => {
    for (const doc of [null, 3, 'x', [], {}, { format: 'kru-explorer/run@1' }, JSON.parse(text).history]) {
      expect(() => parseSavedRun(doc)).toThrow(Error);
    }
    // An own "__proto__" key (as JSON.parse makes one) pollutes nothing, whether refused or not.
    const evil = JSON.parse(text.replace('{"format"', '{"__proto__":{"polluted":true},"format"'));
    try {
      parseSavedRun(evil);
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
