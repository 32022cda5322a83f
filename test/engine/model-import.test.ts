// A model file opened as a run: the model starts from the file's weights exactly, trains on, and picks a task
// its inputs and outputs fit; files that fit no task, or are not model files, are refused in one line.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { smallRun } from '../support/run';
import { Experiment } from '../../src/engine/experiment';
import { runFromModelFile } from '../../src/engine/model-import';
import { registerFusedKernels } from '../../src/kernels/register';
import { defaultModel, type ModelSpec } from '../../src/settings';
import type { KruLstmModelSpec, LowRankModelSpec } from '../../src/settings/table';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

async function trainedFile(config = smallRun(), id = 'kru'): Promise<unknown> {
  const e = await Experiment.create(config);
  await e.step(3);
  const file = JSON.parse(JSON.stringify(await e.exportModel(id)));
  e.dispose();
  return file;
}

describe('opening a model file', () => {
  // Every kind: the KRU and RNN of smallRun, and each other kind at N = 8 (the KRU-LSTM with factors 2,4).
  const others: ModelSpec[] = [
    defaultModel('lstm', 8),
    { ...(defaultModel('kru-lstm', 8) as KruLstmModelSpec), factors: [2, 4], lambda: 0.125 },
    { ...(defaultModel('lowrank', 8) as LowRankModelSpec), rank: 3, activation: 'relu' },
  ];
  for (const id of ['kru', 'rnn', 'lstm', 'kru-lstm', 'lowrank']) {
    it(`starts the ${id} from the file's weights and trains on`, async () => {
      const models = [...smallRun().models, ...others];
      const file = await trainedFile(smallRun({ optimizer: 'adam', models }), id);
      const base = smallRun({ seed: 5, optimizer: 'adam' });
      const { config, checkpoint } = runFromModelFile(file, base);
      expect(config.models).toHaveLength(1);
      expect(config.models[0]).toMatchObject({ kind: id, hidden: 8 });
      const given = models.find((m) => m.id === id)!;
      // the file's settings (factors, activation, rank, λ) carried over; the kind's defaults for the rest
      for (const k of ['factors', 'activation', 'rank', 'lambda'] as const)
        expect((config.models[0] as Record<string, unknown>)[k], k).toEqual(
          (given as Record<string, unknown>)[k],
        );
      expect(config.task).toEqual(base.task);
      const e = await Experiment.create(config, { checkpoint });
      expect(JSON.parse(JSON.stringify(await e.exportModel(config.models[0].id)))).toEqual(file);
      await e.step(2);
      const s = await e.snapshot();
      expect(Array.from(s.steps)).toEqual([1, 2]);
      expect(Number.isFinite(s.series[config.models[0].id].loss[1])).toBe(true);
      e.dispose();
    });
  }

  it("keeps the file's λ and factors, and picks a task the model fits", async () => {
    const copy = smallRun({
      task: { name: 'copy', T: 4, permuted: false },
      models: [{ ...defaultModel('kru', 16), factors: [4, 4], lambda: 0.25 }],
    });
    const file = await trainedFile(copy);
    const { config } = runFromModelFile(file, smallRun()); // the base is on the adding problem
    expect(config.task.name).toBe('copy');
    expect(config.models[0]).toMatchObject({ kind: 'kru', hidden: 16, factors: [4, 4], lambda: 0.25 });
  });

  it('refuses a model that fits no task, and what is not a model file', async () => {
    const file = (await trainedFile()) as {
      inputSize: number;
      params: { U: { re: number[][]; im: number[][] } };
    };
    const odd = {
      ...file,
      inputSize: 3,
      params: {
        ...file.params,
        U: { re: file.params.U.re.map((r) => [...r, 0]), im: file.params.U.im.map((r) => [...r, 0]) },
      },
    };
    expect(() => runFromModelFile(odd, smallRun())).toThrow(
      /reads 3 inputs and writes 1 outputs, which fits none/,
    );
    expect(() => runFromModelFile({ hello: 1 }, smallRun())).toThrow(Error);
  });
});
