// Checkpoints: a run resumed from one computes exactly what the uninterrupted run computes (every optimiser, every
// kind, live settings included); the JSON form round-trips; anything that does not fit is refused whole.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { Experiment } from '../../src/engine/experiment';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  healthyFor,
  type RunCheckpoint,
} from '../../src/engine/checkpoint';
import { registerFusedKernels } from '../../src/kernels/register';
import { defaultModel } from '../../src/settings';
import type { RunConfig, Snapshot } from '../../src/engine/types';
import { smallRun } from '../support/run';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

/** Every per-step number of a snapshot, model by model, as plain arrays (for exact comparison). */
function numbers(s: Snapshot): Record<string, Record<string, number[]>> {
  return Object.fromEntries(
    Object.entries(s.series).map(([id, cols]) => [
      id,
      Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Array.from(v as Float32Array)])),
    ]),
  );
}

const strictKru = { ...defaultModel('kru', 8), id: 'strict', label: 'strict KRU', strict: true };

function config(optimizer: RunConfig['optimizer']): RunConfig {
  return smallRun({ optimizer, models: [defaultModel('kru', 8), defaultModel('rnn', 8), strictKru] });
}

describe('checkpoints', () => {
  it('resumes the LSTM, KRU-LSTM and low-rank RNN bit for bit too (adam)', async () => {
    const c = smallRun({
      optimizer: 'adam',
      models: [defaultModel('lstm', 8), defaultModel('kru-lstm', 8), defaultModel('lowrank', 8)],
    });
    const a = await Experiment.create(c);
    await a.step(5);
    a.setLambda('kru-lstm', 0.5);
    await a.step(2);
    await a.snapshot();
    const cp = await a.checkpoint();
    await a.step(4);
    const straight = await a.snapshot();
    a.dispose();
    const b = await Experiment.create(c, {
      checkpoint: decodeCheckpoint(JSON.parse(JSON.stringify(encodeCheckpoint(cp)))),
    });
    await b.step(4);
    const resumed = await b.snapshot();
    b.dispose();
    expect(numbers(resumed)).toEqual(numbers(straight));
  });

  for (const optimizer of ['rmsprop', 'adam', 'sgd'] as const) {
    it(`a run resumed from a checkpoint computes the same numbers, bit for bit (${optimizer})`, async () => {
      const c = config(optimizer);
      const a = await Experiment.create(c);
      await a.step(4);
      a.setLambda('kru', 0.3);
      a.setLearningRate('rnn', 2e-3);
      await a.step(3);
      await a.snapshot();
      const cp = await a.checkpoint();
      expect(cp.step).toBe(7);
      await a.step(5);
      const straight = await a.snapshot();
      a.dispose();

      // Through the JSON form, as a saved file would go.
      const back = decodeCheckpoint(JSON.parse(JSON.stringify(encodeCheckpoint(cp))));
      const b = await Experiment.create(c, { checkpoint: back });
      expect(b.steps).toBe(7);
      expect(b.live()).toEqual({
        kru: { lambda: Math.fround(0.3), lr: c.models[0].lr },
        rnn: { lambda: 0, lr: Math.fround(2e-3) },
        strict: { lambda: strictKru.lambda, lr: strictKru.lr },
      });
      await b.step(5);
      const resumed = await b.snapshot();
      b.dispose();
      expect(Array.from(resumed.steps)).toEqual([8, 9, 10, 11, 12]);
      expect(numbers(resumed)).toEqual(numbers(straight));
    });
  }

  it('a checkpoint before the first step resumes as a fresh run', async () => {
    const c = config('rmsprop');
    const a = await Experiment.create(c);
    const cp = await a.checkpoint();
    await a.step(3);
    const straight = await a.snapshot();
    a.dispose();
    const b = await Experiment.create(c, { checkpoint: cp });
    await b.step(3);
    expect(numbers(await b.snapshot())).toEqual(numbers(straight));
    b.dispose();
  });

  it('says which models are healthy in it', async () => {
    const a = await Experiment.create(config('rmsprop'));
    await a.step(2);
    const cp = await a.checkpoint();
    a.dispose();
    expect(healthyFor(cp, 'kru')).toBe(true);
    const bad: RunCheckpoint = {
      ...cp,
      models: cp.models.map((m) => (m.id === 'rnn' ? { ...m, finite: false } : m)),
    };
    expect(healthyFor(bad, 'rnn')).toBe(false);
    expect(healthyFor(bad, 'nope')).toBe(false);
  });

  it('leaks no tensors: taking and restoring checkpoints', async () => {
    const c = config('adam');
    const a = await Experiment.create(c);
    await a.step(2);
    const before = tf.memory().numTensors;
    const cp = await a.checkpoint();
    await a.checkpoint();
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    const base = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const b = await Experiment.create(c, { checkpoint: cp });
      await b.step(2);
      b.dispose();
    }
    expect(tf.memory().numTensors).toBe(base);
  });

  it('refuses, whole, a checkpoint of other settings or with a tensor that does not fit', async () => {
    const c = config('rmsprop');
    const a = await Experiment.create(c);
    await a.step(2);
    const cp = await a.checkpoint();
    a.dispose();
    const base = tf.memory().numTensors;
    await expect(Experiment.create({ ...c, seed: c.seed + 1 }, { checkpoint: cp })).rejects.toThrow(
      /other settings/,
    );
    const short: RunCheckpoint = {
      ...cp,
      models: cp.models.map((m, i) =>
        i === 1 ? { ...m, state: { ...m.state, params: { ...m.state.params, W: new Float32Array(3) } } } : m,
      ),
    };
    await expect(Experiment.create(c, { checkpoint: short })).rejects.toThrow(
      /parameter W has the wrong size/,
    );
    const badOptimizer: RunCheckpoint = {
      ...cp,
      models: cp.models.map((m, i) =>
        i === 0 ? { ...m, state: { ...m.state, optimizer: m.state.optimizer.slice(0, 2) } } : m,
      ),
    };
    await expect(Experiment.create(c, { checkpoint: badOptimizer })).rejects.toThrow(
      /rmsprop state does not fit/,
    );
    expect(tf.memory().numTensors).toBe(base); // the models built before the bad one were disposed
  });

  it('decodes only well-formed checkpoints, with a one-line message', async () => {
    const a = await Experiment.create(config('rmsprop'));
    await a.step(1);
    const json = encodeCheckpoint(await a.checkpoint()) as Record<string, unknown>;
    a.dispose();
    const bad: Array<[unknown, RegExp]> = [
      [null, /checkpoint: /],
      [{ ...json, format: 'x' }, /format must be/],
      [{ ...json, step: -1 }, /step/],
      [{ ...json, config: { ...(json.config as object), batch: 0 } }, /config: /],
      [{ ...json, models: (json.models as unknown[]).slice(1) }, /not its config's/],
      [
        {
          ...json,
          models: (json.models as Array<Record<string, unknown>>).map((m) => ({
            ...m,
            state: { ...(m.state as object), powerVec: '***' },
          })),
        },
        /not base64/,
      ],
    ];
    for (const [input, message] of bad) {
      let error: unknown = null;
      try {
        decodeCheckpoint(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/\n/);
    }
  });
});
