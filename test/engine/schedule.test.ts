// Live changes replayed from a link: the engine records each λ and lr change at the first step that used it, and
// a run built with that record as its schedule computes the same numbers, bit for bit.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { smallRun } from '../support/run';
import { Experiment } from '../../src/engine/experiment';
import { changesToParam, parseChanges, shortestFloat32, type LiveChange } from '../../src/engine/schedule';
import { registerFusedKernels } from '../../src/kernels/register';
import type { Snapshot } from '../../src/engine/types';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

function losses(s: Snapshot): Record<string, number[]> {
  return Object.fromEntries(Object.entries(s.series).map(([id, c]) => [id, Array.from(c.loss)]));
}

describe('live changes, recorded and replayed', () => {
  it('a run replayed from its recorded changes computes the same numbers', async () => {
    const config = smallRun();
    const a = await Experiment.create(config);
    const recorded: LiveChange[] = [];
    const take = async () => {
      const s = await a.snapshot();
      recorded.push(...(s.changes ?? []));
      return s;
    };
    await a.step(3);
    await take();
    a.setLambda('kru', 0.1); // applies at step 4
    a.setLambda('kru', 0.3); // a drag: only the last value before the step was used
    await a.step(2);
    a.setLearningRate('rnn', 3e-3); // step 6
    a.setLambda('kru', 0.3); // no change: not recorded
    await a.step(1);
    await take();
    a.setLambda('kru', 1 / 3);
    await a.step(4);
    const rest = await take();
    a.dispose();
    expect(recorded).toEqual([
      { step: 4, model: 'kru', setting: 'lambda', value: Math.fround(0.3) },
      { step: 6, model: 'rnn', setting: 'lr', value: Math.fround(3e-3) },
      { step: 7, model: 'kru', setting: 'lambda', value: Math.fround(1 / 3) },
    ]);

    const text = changesToParam(recorded);
    expect(text).toBe('4:kru:lambda:0.3,6:rnn:lr:0.003,7:kru:lambda:0.33333334');
    const parsed = parseChanges(text, config);
    if (!parsed.ok) throw new Error(parsed.error);
    const b = await Experiment.create(config, { schedule: parsed.value });
    await b.step(6);
    await b.snapshot();
    await b.step(4);
    const replayed = await b.snapshot();
    expect(replayed.changes).toEqual([recorded[2]]); // a replay records its changes too
    b.dispose();
    expect(losses(replayed)).toEqual(losses(rest));
    expect(Array.from(replayed.series.kru.lambda)).toEqual(Array.from(rest.series.kru.lambda));
  });

  it('reads only well-formed lists for the run, all or nothing', () => {
    const config = smallRun();
    expect(parseChanges('', config)).toEqual({ ok: true, value: [] });
    const ok = parseChanges('9:rnn:lr:0.01,2:kru:lambda:0', config);
    expect(ok).toEqual({
      ok: true,
      value: [
        { step: 2, model: 'kru', setting: 'lambda', value: 0 },
        { step: 9, model: 'rnn', setting: 'lr', value: Math.fround(0.01) },
      ],
    });
    const bad: Array<[string, RegExp]> = [
      ['1:kru:lambda', /change 1: write it as/],
      ['0:kru:lambda:1', /whole number ≥ 1/],
      ['1.5:kru:lambda:1', /whole number ≥ 1/],
      ['1:nope:lambda:1', /no model "nope"/],
      ['1:rnn:lambda:1', /rnn has no λ/],
      ['1:kru:gain:1', /lambda or lr/],
      ['1:kru:lambda:-1', /out of range/],
      ['1:kru:lr:0', /out of range/],
      ['1:kru:lr:abc', /must be a number/],
      ['1:kru:lr:Infinity', /must be a number/],
      ['2:kru:lr:0.1,3:kru:lr:x', /change 2:/],
    ];
    for (const [text, message] of bad) {
      const r = parseChanges(text, config);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    }
  });

  it('writes each value as the shortest decimal that reads back to the same float32', () => {
    for (const v of [0, 0.1, 3e-3, 1 / 3, 1e-7, 123456.789, 10]) {
      const text = shortestFloat32(Math.fround(v));
      expect(Math.fround(Number(text))).toBe(Math.fround(v));
      expect(text.length).toBeLessThanOrEqual(12);
    }
  });
});
