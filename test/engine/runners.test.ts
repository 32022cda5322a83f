// Where a model trains (this thread, or a worker of its own in the app) must not change what it computes:
// the Experiment starts remote steps first, keeps both models in lockstep and reports identical rows.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { Experiment } from '../../src/engine/experiment';
import { LocalRunner, type ModelRunner, type RunnerInit } from '../../src/engine/model-runner';
import { registerFusedKernels } from '../../src/kernels/register';
import { smallRun } from '../support/run';

const small = () => smallRun({ task: { name: 'digits', T: 16, permuted: false } });
/** Model positions in smallRun(): the KRU first, the RNN second. */
const KRU = 0;
const RNN = 1;

/** A stand-in for the app's worker runner: a LocalRunner behind asynchronous calls, logging step starts. */
async function deferred(init: RunnerInit, log: string[]): Promise<ModelRunner> {
  const local = await LocalRunner.create(init);
  const later = <T>(f: () => Promise<T>) => new Promise<void>((r) => setTimeout(r, 1)).then(f);
  return {
    spec: local.spec,
    names: local.names,
    remote: true,
    step: (batch, lambda) => {
      log.push(`${init.spec.kind} start`);
      const x = Float32Array.from(batch.x); // a worker gets a copy
      return later(() => local.step({ ...batch, x }, lambda));
    },
    evaluate: (batch) => later(() => local.evaluate(batch)),
    params: () => later(() => local.params()),
    state: () => later(() => local.state()),
    setLearningRate: (lr) => local.setLearningRate(lr),
    dispose: () => local.dispose(),
  };
}

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

describe('model runners', () => {
  it('a model placed elsewhere trains exactly as a local one, started first', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseDigits } = await import('../../src/tasks/digits');
    const digits = parseDigits(new Uint8Array(readFileSync('public/data/digits.u8')));
    const run = async (place?: (index: number, init: RunnerInit) => Promise<ModelRunner | undefined>) => {
      const e = await Experiment.create(small(), { digits, place });
      await e.step(3);
      e.setLearningRate('kru', 3e-3);
      e.setLearningRate('rnn', 3e-3);
      await e.step(2);
      const s = await e.snapshot({ forceDetail: true });
      const rnn = await e.exportParams('rnn');
      e.dispose();
      return { s, rnn };
    };
    const log: string[] = [];
    const local = await run();
    const placed = await run(async (index, init) => {
      if (index === RNN) return deferred(init, log);
      const kru = await LocalRunner.create(init);
      const step = kru.step.bind(kru);
      kru.step = (batch, lambda) => {
        log.push('kru start');
        return step(batch, lambda);
      };
      return kru;
    });
    // The KRU is listed first, but the remote model's step must start before the local one computes.
    expect(log).toEqual(Array(5).fill(['rnn start', 'kru start']).flat());
    expect(Array.from(placed.s.steps)).toEqual([1, 2, 3, 4, 5]);
    for (const kind of ['kru', 'rnn'] as const) {
      expect(Array.from(placed.s.series[kind].loss)).toEqual(Array.from(local.s.series[kind].loss));
      expect(Array.from(placed.s.series[kind].gradNormsOverTime)).toEqual(
        Array.from(local.s.series[kind].gradNormsOverTime),
      );
      expect(placed.s.detail[kind].testAccuracy).toBe(local.s.detail[kind].testAccuracy);
      expect(Array.from(placed.s.detail[kind].singularValues)).toEqual(
        Array.from(local.s.detail[kind].singularValues),
      );
    }
    expect(Array.from(placed.rnn.W)).toEqual(Array.from(local.rnn.W));
  });

  it('a placement that fails disposes the models already built and rejects with its message', async () => {
    let disposed = 0;
    const place = async (index: number, init: RunnerInit): Promise<ModelRunner | undefined> => {
      if (index === RNN) throw new Error('the RNN worker failed: no module');
      const r = await LocalRunner.create(init);
      const dispose = r.dispose.bind(r);
      r.dispose = () => {
        disposed++;
        dispose();
      };
      return r;
    };
    expect(KRU).toBe(0);
    await expect(Experiment.create(smallRun(), { place })).rejects.toThrow(
      'the RNN worker failed: no module',
    );
    expect(disposed).toBe(1);
  });
});
