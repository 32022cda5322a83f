// Snapshot details (spectra, parameter counts, held-out accuracy) are recomputed at most every 250 ms, and in
// at most a twentieth of the time: details that took d ms are kept for 20·d ms from when they started. The clock is faked; the
// details' cost is a runner whose params() takes 50 ms of it.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useBackend } from '../support/backend';
import { Experiment } from '../../src/engine/experiment';
import { LocalRunner } from '../../src/engine/model-runner';
import { registerFusedKernels } from '../../src/kernels/register';
import { smallRun } from '../support/run';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

afterEach(() => vi.restoreAllMocks());

describe('snapshot details', () => {
  for (const paramsMs of [0, 50])
    it(`are kept for max(250 ms, 20× their cost) when reading the parameters takes ${paramsMs} ms`, async () => {
      let clock = 1000;
      vi.spyOn(performance, 'now').mockImplementation(() => clock);
      const e = await Experiment.create(smallRun(), {
        place: async (_, init) => {
          const local = await LocalRunner.create(init);
          const params = local.params.bind(local);
          local.params = async () => {
            clock += paramsMs;
            return params();
          };
          return local;
        },
      });
      const detailAfter = async (ms: number) => {
        clock += ms;
        await e.step(1);
        return (await e.snapshot()).detail;
      };
      const first = await detailAfter(0);
      const cost = 2 * paramsMs; // two models
      const keep = Math.max(250, 20 * cost);
      // Measured from when the last details started (they took `cost` of the clock).
      expect(await detailAfter(keep - cost - 1)).toBe(first);
      const next = await detailAfter(1);
      expect(next).not.toBe(first);
      expect(Object.keys(next)).toEqual(['kru', 'rnn']);
      e.dispose();
    });
});
