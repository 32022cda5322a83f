// Sweeps (src/engine/sweep.ts): every point trains on the same batches as a run of that model alone, the
// summary numbers are the ones the engine's own rows give, progress counts add up, and a cancelled sweep keeps
// the points that finished. Tiny models (N = 4, T = 4, batch 2) so the file runs in seconds on every backend.
import { beforeAll, describe, expect, it } from 'vitest';
import { testBackendName, useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { Experiment } from '../../src/engine/experiment';
import {
  CURVE_POINTS,
  factorisationsOf,
  logGrid,
  planSweep,
  runSweep,
  tailWindow,
  type SweepProgress,
  type SweepSpec,
} from '../../src/engine/sweep';
import type { ModelSeries, RunConfig } from '../../src/engine/types';
import type { ModelRunner } from '../../src/engine/model-runner';
import { StackGroup } from '../../src/engine/sweep-stack';
import { Rng } from '../../src/util/rng';
import * as tf from '@tensorflow/tfjs-core';
import { paramCounts } from '../../src/model/models';
import { defaultModel, defaultRunConfig } from '../../src/settings';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

const { models: _unused, ...run } = {
  ...defaultRunConfig(),
  task: { name: 'copy' as const, T: 2, permuted: false },
  batch: 2,
  seed: 7,
};
void _unused;
const kru = { ...defaultModel('kru', 4), factors: [2, 2] };

function lambdaSweep(values: number[], steps: number, groupSize?: number): SweepSpec {
  return { run, model: kru, grid: { kind: 'lambda', values }, steps, groupSize };
}

/** Every row of one model's series over several snapshots, concatenated. */
function collect(): { add(s: ModelSeries): void; rows: ModelSeries[] } {
  const rows: ModelSeries[] = [];
  return { rows, add: (s) => rows.push(s) };
}

// Only the first test depends on the backend (its numbers against a run alone); the others test the sweep's
// bookkeeping, which is the same on every backend, and each new shape costs seconds of shader compilation on
// webgpu: they run in the cpu project only.
const bookkeeping = it.skipIf(testBackendName() === 'webgpu');

/**
 * Bit for bit on cpu. On webgpu a stacked group's ops have other shapes than a model's alone, and its shaders
 * may sum in another order: equal to float32 rounding there.
 */
function sameNumbers(got: Float32Array, want: Float32Array): void {
  if (testBackendName() === 'cpu') {
    expect(got).toEqual(want);
    return;
  }
  expect(got.length).toBe(want.length);
  const worst = Math.max(...got.map((v, i) => Math.abs(v - want[i]) / Math.max(1e-6, Math.abs(want[i]))));
  expect(worst).toBeLessThan(1e-5);
}
const sameNumber = (got: number | null, want: number) =>
  sameNumbers(Float32Array.of(got ?? NaN), Float32Array.of(want));

const cat = (parts: Float32Array[]) => Float32Array.from(parts.flatMap((p) => Array.from(p)));

describe('runSweep over λ', () => {
  it('trains each point exactly as a run of that model alone would, and summarises its own rows', async () => {
    const steps = 12;
    const swept = new Map<string, ReturnType<typeof collect>>();
    // Groups of 2: the third point trains in a second Experiment, and must still see the same batches.
    const out = await runSweep(lambdaSweep([0, 0.1, 1], steps, 2), {
      reportEvery: 5,
      onSnapshot: (group, snap) => {
        for (const p of group) {
          if (!swept.has(p.label)) swept.set(p.label, collect());
          swept.get(p.label)!.add(snap.series[p.id]);
        }
      },
    });
    expect(out.cancelled).toBe(false);
    expect(out.results.map((r) => r.label)).toEqual(['λ=0', 'λ=0.1', 'λ=1']);

    for (const lambda of [0.1, 1]) {
      const alone = await Experiment.create({ ...run, models: [{ ...kru, lambda }] });
      await alone.step(steps);
      const s = (await alone.snapshot()).series.kru;
      alone.dispose();
      const mine = swept.get(`λ=${lambda}`)!.rows;
      sameNumbers(cat(mine.map((r) => r.loss)), s.loss);
      sameNumbers(cat(mine.map((r) => r.fullDeviation)), s.fullDeviation);

      // The summary from the single run's rows: means over the last tailWindow steps, last-step values.
      const r = out.results.find((x) => x.lambda === lambda)!;
      const W = tailWindow(steps);
      const T = s.gradNormsOverTime.length / steps;
      const tail = (f: (i: number) => number) => {
        let sum = 0;
        for (let i = steps - W; i < steps; i++) sum += f(i);
        return sum / W;
      };
      expect(r.window).toBe(W);
      expect(r.finalLoss).toBeCloseTo(
        tail((i) => s.loss[i]),
        6,
      );
      expect(r.accuracy).toBeCloseTo(
        tail((i) => s.accuracy[i]),
        6,
      );
      sameNumber(r.fullDeviation, s.fullDeviation[steps - 1]);
      sameNumber(r.spectralNorm, s.spectralNorm[steps - 1]);
      const g1 = tail((i) => s.gradNormsOverTime[i * T]);
      const gT = tail((i) => s.gradNormsOverTime[i * T + T - 1]);
      expect(r.gradRatio).toBeCloseTo(g1 / gT, 5);
      expect(r.curve.steps).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
      sameNumbers(Float32Array.from(r.curve.loss), s.loss);
      expect(r.params).toEqual(paramCounts(alone.netSpec('kru')));
      expect(r.msPerStep).toBeGreaterThan(0);
      expect(r.diverged).toBeNull();
    }
    // λ = 0 leaves the factors free, λ = 1 pulls them to unitary: the first point is no closer to unitary.
    expect(out.results[0].fullDeviation!).toBeGreaterThanOrEqual(out.results[2].fullDeviation! * 0.999);
  });

  bookkeeping('counts progress in point-steps, and finishes with nothing left', async () => {
    const seen: SweepProgress[] = [];
    const out = await runSweep(lambdaSweep([0, 0.01, 0.1], 4, 2), {
      reportEvery: 2,
      onProgress: (p) => seen.push(p),
    });
    expect(seen.map((p) => p.stepsDone)).toEqual([4, 8, 10, 12]);
    expect(seen.map((p) => p.pointsDone)).toEqual([0, 2, 2, 3]);
    for (const p of seen) {
      expect(p.stepsTotal).toBe(12);
      expect(p.pointsTotal).toBe(3);
      expect(p.remainingMs).toBeGreaterThanOrEqual(0);
    }
    expect(seen.at(-1)!.remainingMs).toBe(0);
    expect(out.progress.stepsDone).toBe(12);
  });

  bookkeeping('keeps the finished points of a cancelled sweep and stops between steps', async () => {
    const control = new AbortController();
    const out = await runSweep(lambdaSweep([0, 0.01, 0.1], 6, 1), {
      reportEvery: 1,
      signal: control.signal,
      // Cancel two steps into the second point.
      onProgress: (p) => (p.stepsDone === 8 ? control.abort() : undefined),
    });
    expect(out.cancelled).toBe(true);
    expect(out.results.map((r) => r.label)).toEqual(['λ=0']);
    expect(out.progress.stepsDone).toBe(8);
    expect(out.progress.pointsDone).toBe(1);

    const before = new AbortController();
    before.abort();
    const none = await runSweep(lambdaSweep([0, 1], 3), { signal: before.signal });
    expect(none).toMatchObject({ cancelled: true, results: [] });
  });
});

describe('a stacked group (sweep-stack.ts)', () => {
  /** Every number a run of these models gives for `steps` steps: rows, final weights, held-out loss. */
  async function everything(config: RunConfig, steps: number, stacked: boolean) {
    const e = await Experiment.create(config, stacked ? { place: new StackGroup().place } : {});
    await e.step(steps);
    const snap = await e.snapshot({ forceDetail: true });
    const params = await Promise.all(config.models.map((m) => e.exportParams(m.id)));
    const task = e.task;
    const batch = task.trainBatch(new Rng(99), config.batch);
    const evaluated = await Promise.all(
      config.models.map(async (_, i) => {
        // What the runner itself answers (Experiment only asks it for a held-out set, which these tasks lack).
        const runner = (e as unknown as { slots: Array<{ runner: ModelRunner }> }).slots[i].runner;
        return runner.evaluate(batch);
      }),
    );
    const tensors = tf.memory().numTensors;
    e.dispose();
    return { series: snap.series, params, evaluated, tensors };
  }

  // Each optimiser, clipping, the strict polar step, modReLU's β, the mse loss read at the last step only, and
  // factors of two sizes (two runs in the penalty): the stacked group gives every number the models give alone.
  bookkeeping.each([
    ['rmsprop, copy (xent at many positions), clipping', 'copy', 'rmsprop', { clip: 0.05 }],
    [
      'adam, adding (mse at the last step), modReLU, factors 2×4',
      'adding',
      'adam',
      { activation: 'modrelu', factors: [2, 4], hidden: 8 },
    ],
    ['sgd, strictly unitary, tanh', 'copy', 'sgd', { strict: true, activation: 'tanh', lr: 0.05 }],
  ] as const)('is bit for bit k separate models: %s', async (_, taskName, optimizer, patch) => {
    const base = { ...kru, ...patch } as typeof kru;
    const models = [0, 0.1, 3].map((lambda, i) => ({ ...base, id: `m${i}`, label: `m${i}`, lambda }));
    const config = {
      ...run,
      task: { name: taskName, T: 3, permuted: false },
      optimizer,
      models,
    } as RunConfig;
    const alone = await everything(config, 5, false);
    const stacked = await everything(config, 5, true);
    expect(stacked.series).toEqual(alone.series);
    expect(stacked.params).toEqual(alone.params);
    expect(stacked.evaluated).toEqual(alone.evaluated);
    // The group's tensors are the runners' own: fewer, and nothing left behind per step.
    expect(stacked.tensors).toBeLessThanOrEqual(alone.tensors);
  });

  bookkeeping('leaks no tensors over many steps', async () => {
    const models = [0, 1].map((lambda, i) => ({ ...kru, id: `m${i}`, label: `m${i}`, lambda }));
    const e = await Experiment.create({ ...run, models }, { place: new StackGroup().place });
    await e.step(2);
    await e.snapshot();
    const before = tf.memory().numTensors;
    await e.step(30);
    await e.snapshot();
    expect(tf.memory().numTensors).toBe(before);
    e.dispose();
  });
});

describe('runSweep over factorisations', () => {
  bookkeeping(
    'trains each factorisation of N alone, with its parameter count and its own ms per step',
    async () => {
      const model = { ...defaultModel('kru', 8), factors: [2, 2, 2] };
      const values = factorisationsOf(8);
      expect(values).toEqual([[2, 2, 2], [8]]);
      const spec: SweepSpec = { run, model, grid: { kind: 'factors', values }, steps: 3 };
      expect(planSweep(spec).configs).toHaveLength(2); // one point per run: each is timed alone
      const out = await runSweep(spec);
      expect(out.results.map((r) => r.label)).toEqual(['2×2×2', '8']);
      expect(out.results.map((r) => r.params.recurrent)).toEqual([2 * 3 * 4, 2 * 64]);
      for (const r of out.results) {
        expect(r.msPerStep).toBeGreaterThan(0);
        expect(r.finalLoss).not.toBeNull();
      }
    },
  );
});

describe('planSweep and the grids', () => {
  it('refuses bad grids with a message naming the point', () => {
    const bad =
      (grid: SweepSpec['grid'], extra: Partial<SweepSpec> = {}) =>
      () =>
        planSweep({ run, model: kru, grid, steps: 2, ...extra });
    expect(
      bad({
        kind: 'factors',
        values: [
          [2, 2],
          [2, 3],
        ],
      }),
    ).toThrow(/2×3 multiply to 6, not N = 4/);
    expect(bad({ kind: 'lambda', values: [0, -1] })).toThrow(/λ=−1: .*must be a number ≥ 0/);
    expect(bad({ kind: 'lambda', values: Array<number>(13).fill(0) })).toThrow(/1 to 12 grid points/);
    expect(bad({ kind: 'lambda', values: [] })).toThrow(/1 to 12 grid points/);
    expect(bad({ kind: 'lambda', values: [0] }, { steps: 0 })).toThrow(/steps must be a positive integer/);
    expect(bad({ kind: 'lambda', values: [0] }, { groupSize: 9 })).toThrow(/groupSize/);
  });

  it('groups up to 8 points per run, all with the run seed', () => {
    const { configs } = planSweep(lambdaSweep(logGrid(1e-4, 10, 12), 1));
    expect(configs.map((c) => c.models.length)).toEqual([8, 4]);
    expect(new Set(configs.map((c) => c.seed))).toEqual(new Set([7]));
  });

  it('makes log grids and factorisations', () => {
    expect(logGrid(1e-4, 10, 12)).toEqual([
      0, 1e-4, 3.16e-4, 1e-3, 3.16e-3, 0.01, 0.0316, 0.1, 0.316, 1, 3.16, 10,
    ]);
    expect(logGrid(1e-3, 10, 5, false)).toEqual([1e-3, 0.01, 0.1, 1, 10]);
    expect(factorisationsOf(64)).toEqual([[2, 2, 2, 2, 2, 2], [4, 4, 4], [8, 8], [64]]);
    expect(factorisationsOf(12)).toEqual([[2, 2, 3], [12]]);
    expect(tailWindow(1)).toBe(1);
    expect(tailWindow(95)).toBe(10);
    expect(tailWindow(5000)).toBe(50);
    expect(CURVE_POINTS).toBe(200);
  });
});
