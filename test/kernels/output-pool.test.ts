// The cpu kernels' output pool (src/kernels/cpu/output-pool.ts): a training step's large outputs are reused by the
// next step, the numbers are those of fresh arrays, and an array that left tfjs (read, or viewed by a slice) is
// never reused under its holder. The pool's threshold is lowered so that small problems exercise it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { rnnRecurrenceFused } from '../../src/kernels/ops';
import { poolSettings, pooledFreeArrays } from '../../src/kernels/cpu/output-pool';
import { fusedRnn, rnnProblem, rnnTensors } from './helpers';

const backend = await useBackend();
registerFusedKernels();

const B = 3,
  T = 5,
  D = 2,
  N = 8;

describe.skipIf(backend !== 'cpu')('cpu output pool', () => {
  const saved = poolSettings.minLength;
  beforeAll(() => {
    poolSettings.minLength = B * T; // every [B, T, ·] output is pooled
  });
  afterAll(() => {
    poolSettings.minLength = saved;
  });

  it('reuses the outputs of a finished step and computes the same numbers as fresh arrays', async () => {
    const p = rnnProblem(N, 'tanh', B, T, D, 7);
    const q = rnnProblem(N, 'tanh', B, T, D, 8);
    const before = tf.memory().numTensors;
    const first = await fusedRnn(p);
    expect(pooledFreeArrays()).toBeGreaterThan(0);
    const second = await fusedRnn(p);
    const third = await fusedRnn(q); // other numbers into reused arrays
    poolSettings.minLength = Infinity;
    const fresh = await fusedRnn(q);
    poolSettings.minLength = B * T;
    expect(second).toEqual(first);
    expect(third).toEqual(fresh);
    expect(third.H).not.toEqual(first.H);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('never reuses an array that was read or is viewed by a slice', async () => {
    const t = rnnTensors(rnnProblem(N, 'tanh', B, T, D, 11));
    const attrs = { activation: 'tanh' } as const;
    const H = rnnRecurrenceFused(t.x, t.W, t.U, t.b, t.probe, attrs);
    const read = H.dataSync(); // the backend's own array
    const copy = Float32Array.from(read);
    const H2 = rnnRecurrenceFused(t.x, t.W, t.U, t.b, t.probe, attrs);
    const view = tf.slice(H2, [0, 0, 0], [1, T, N]); // contiguous: a subarray of H2's array
    const viewCopy = view.dataSync().slice();
    tf.dispose([H, H2, ...Object.values(t)]);
    const q = rnnProblem(N, 'tanh', B, T, D, 12);
    for (let i = 0; i < 3; i++) await fusedRnn(q);
    expect(read).toEqual(copy);
    expect(view.dataSync()).toEqual(viewCopy);
    view.dispose();
  });
});
