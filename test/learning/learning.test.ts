// Learning behaviour on the cpu backend (seeded, so deterministic): the KRU beats the adding problem's
// constant-prediction baseline, and the soft constraint does what the paper says: a large λ drives
// R = Σ‖W_fᴴW_f − I‖² towards 0, while λ = 0 leaves it where the task puts it.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { Experiment } from '../../src/engine/experiment';
import { defaultModel, defaultRunConfig, type KruModelSpec, type RunConfig } from '../../src/settings';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

function kruOnly(task: RunConfig['task'], seed: number, kru: Partial<KruModelSpec>): RunConfig {
  return { ...defaultRunConfig(), task, seed, models: [{ ...defaultModel('kru', 16), ...kru }] };
}

describe('learning', () => {
  it('a KRU gets below the 0.167 baseline on the adding problem (T = 50)', async () => {
    const e = await Experiment.create(kruOnly({ name: 'adding', T: 50, permuted: false }, 1, { lr: 3e-3 }));
    await e.step(500);
    await e.snapshot();
    await e.step(100);
    const s = await e.snapshot();
    const last100 = mean(s.series.kru.loss);
    console.log(
      `adding T=50, KRU N=16: mean loss over steps 501–600 = ${last100.toFixed(4)} (baseline ${s.baseline.toFixed(4)})`,
    );
    expect(s.baseline).toBeCloseTo(1 / 6, 6);
    expect(last100).toBeLessThan(0.165);
    e.dispose();
  });

  it('a large λ drives R towards 0 while λ = 0 does not', async () => {
    const run = async (lambda: number) => {
      const e = await Experiment.create(
        kruOnly({ name: 'adding', T: 10, permuted: false }, 2, {
          init: { kind: 'gaussian', scale: 0.5 },
          lambda,
          lr: 3e-3,
        }),
      );
      await e.step(150);
      const s = await e.snapshot();
      e.dispose();
      const reg = s.series.kru.reg;
      return { first: reg[0], last: reg[reg.length - 1] };
    };
    const strong = await run(10);
    const none = await run(0);
    console.log(
      `R after 150 steps: λ=10 ${strong.first.toFixed(3)} → ${strong.last.toExponential(2)}; λ=0 ${none.first.toFixed(3)} → ${none.last.toFixed(3)}`,
    );
    expect(strong.first).toBeCloseTo(none.first, 5); // same seed, same start
    expect(strong.last).toBeLessThan(0.02 * strong.first);
    expect(none.last).toBeGreaterThan(0.3 * none.first);
  });
});
