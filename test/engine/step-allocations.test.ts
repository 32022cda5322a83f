// A training step of the default run makes no new float32 arrays of 1 kB or more in the engine or the cpu
// kernels once warmed up: their outputs come from the output pool (src/kernels/cpu/output-pool.ts) and the models
// share the batch's array. Each new array is an ArrayBuffer that V8 frees in a background sweep, and on this
// 2-core machine those sweeps (their page releases) land beside the page's main thread (docs/performance.md).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { Experiment } from '../../src/engine/experiment';
import { defaultRunConfig } from '../../src/settings';
import { registerFusedKernels } from '../../src/kernels/register';

const backend = await useBackend();
beforeAll(() => registerFusedKernels());

const Original = Float32Array;
const originalSlice = Float32Array.prototype.slice;
afterEach(() => {
  globalThis.Float32Array = Original;
  Float32Array.prototype.slice = originalSlice;
});

/** Float32Arrays of ≥ 1 kB made while `run` runs, by the source file (under src/) that made them. */
async function bigArraysBy(run: () => Promise<void>): Promise<Map<string, number>> {
  const made = new Map<string, number>();
  const note = (a: Float32Array) => {
    if (a.byteLength < 1024) return;
    const frame = (new Error().stack ?? '')
      .split('\n')
      .find((l) => /\/src\/(?!util)/.test(l) && !l.includes('Proxy'));
    const file = frame?.match(/\/(src\/[^:]+)/)?.[1] ?? 'outside src';
    made.set(file, (made.get(file) ?? 0) + 1);
  };
  globalThis.Float32Array = new Proxy(Original, {
    construct(target, args: unknown[]) {
      const a = Reflect.construct(target, args) as Float32Array;
      if (!(args[0] instanceof ArrayBuffer)) note(a); // a view allocates nothing
      return a;
    },
  });
  Float32Array.prototype.slice = function (this: Float32Array, ...args: [number?, number?]) {
    const a = originalSlice.apply(this, args);
    note(a);
    return a;
  };
  try {
    await run();
  } finally {
    globalThis.Float32Array = Original;
    Float32Array.prototype.slice = originalSlice;
  }
  return made;
}

describe.skipIf(backend !== 'cpu')('a training step of the default run', () => {
  it('makes no float32 array of 1 kB or more in the engine or the kernels, only the task its batch', async () => {
    const e = await Experiment.create(defaultRunConfig());
    await e.step(10); // warm-up: the pool fills
    await e.snapshot();
    const made = await bigArraysBy(() => e.step(20));
    e.dispose();
    // The pool makes an array when it has none of that length free: after a snapshot read the parameters (an
    // array that was read is never reused), not every step.
    const poolMisses = made.get('src/kernels/cpu/output-pool.ts') ?? 0;
    made.delete('src/kernels/cpu/output-pool.ts');
    expect(poolMisses).toBeLessThanOrEqual(4);
    const engineOrKernels = [...made].filter(([file]) => /^src\/(engine|kernels|model)\//.test(file));
    expect(engineOrKernels).toEqual([]);
    // The check sees allocations at all: the adding task makes each batch's inputs and targets afresh.
    expect(made.get('src/tasks/adding.ts')).toBe(40);
  });
});
