// The JIT warm-up (src/engine/warm-up.ts): a throwaway copy of the run steps while the page waits for Play. It
// must stop at its limits and at once when the user acts, always free the copy, and never change the run.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { Experiment } from '../../src/engine/experiment';
import { warmUp, warmUpKey, type WarmUpCopy } from '../../src/engine/warm-up';
import { defaultModel, defaultRunConfig } from '../../src/settings';
import type { RunConfig } from '../../src/engine/types';

function fakeCopy(onStep: (n: number) => void = () => {}) {
  const c = { steps: 0, disposed: false };
  const copy: WarmUpCopy = {
    step: async () => onStep(++c.steps),
    dispose: () => void (c.disposed = true),
  };
  return { c, copy };
}
const direct = (step: () => Promise<void>) => step();
const noYield = () => Promise.resolve();

describe('warmUp', () => {
  it('steps the copy up to its step limit, in turn, then frees it', async () => {
    const { c, copy } = fakeCopy();
    let inTurn = 0;
    const out = await warmUp({
      copy,
      inTurn: (s) => (inTurn++, s()),
      stopped: () => false,
      now: () => 0,
      yieldToEvents: noYield,
      limits: { steps: 7, ms: 1000 },
    });
    expect(out).toBe('done');
    expect([c.steps, inTurn, c.disposed]).toEqual([7, 7, true]);
  });

  it('stops at its time limit', async () => {
    let clock = 0;
    const { c, copy } = fakeCopy(() => (clock += 30));
    const out = await warmUp({
      copy,
      inTurn: direct,
      stopped: () => false,
      now: () => clock,
      yieldToEvents: noYield,
      limits: { steps: 100, ms: 100 },
    });
    expect(out).toBe('done');
    expect(c.steps).toBe(4); // 0, 30, 60, 90 ms are under the limit when each step starts
  });

  it('stops before the next step once the user acts, and frees the copy', async () => {
    let acted = false;
    const { c, copy } = fakeCopy((n) => (acted = n === 3));
    const out = await warmUp({
      copy,
      inTurn: direct,
      stopped: () => acted,
      now: () => 0,
      yieldToEvents: noYield,
    });
    expect(out).toBe('stopped');
    expect([c.steps, c.disposed]).toEqual([3, true]);
  });

  it('frees the copy when a step throws, and passes the error on', async () => {
    const { c, copy } = fakeCopy((n) => {
      if (n === 2) throw new Error('boom');
    });
    await expect(
      warmUp({ copy, inTurn: direct, stopped: () => false, now: () => 0, yieldToEvents: noYield }),
    ).rejects.toThrow('boom');
    expect(c.disposed).toBe(true);
  });

  it('keys runs by backend, task and model kinds (not by sizes or λ)', () => {
    const a = defaultRunConfig();
    const b: RunConfig = { ...a, models: a.models.map((m) => defaultModel(m.kind, 32)).reverse() };
    expect(warmUpKey(b, 'cpu')).toBe(warmUpKey(a, 'cpu'));
    expect(warmUpKey(a, 'webgpu')).not.toBe(warmUpKey(a, 'cpu'));
    expect(warmUpKey({ ...a, task: { name: 'copy', T: 10, permuted: false } }, 'cpu')).not.toBe(
      warmUpKey(a, 'cpu'),
    );
    expect(warmUpKey({ ...a, models: [defaultModel('lstm', 16)] }, 'cpu')).not.toBe(warmUpKey(a, 'cpu'));
  });
});

describe('a warm-up copy of a real run', () => {
  beforeAll(async () => {
    await useBackend();
    registerFusedKernels();
  });

  it('leaves the run bit for bit as it would be without it', async () => {
    const config: RunConfig = {
      ...defaultRunConfig(),
      task: { name: 'copy', T: 4, permuted: false },
      batch: 4,
      seed: 11,
      models: [{ ...defaultModel('kru', 8), factors: [2, 2, 2] }, defaultModel('rnn', 8)],
    };
    async function losses(withWarmUp: boolean): Promise<number[]> {
      const run = await Experiment.create(config);
      if (withWarmUp) {
        const copy = await Experiment.create(config);
        await warmUp({
          copy: { step: () => copy.step(1), dispose: () => copy.dispose() },
          inTurn: direct,
          stopped: () => false,
          now: () => 0,
          yieldToEvents: noYield,
          limits: { steps: 6, ms: 1e9 },
        });
      }
      await run.step(5);
      const s = await run.snapshot();
      run.dispose();
      return config.models.flatMap((m) => Array.from(s.series[m.id].loss));
    }
    const plain = await losses(false);
    const warmed = await losses(true);
    expect(plain.every(Number.isFinite)).toBe(true);
    expect(warmed).toEqual(plain);
  });
});
