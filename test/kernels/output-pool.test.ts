// The cpu kernels' output pool (src/kernels/cpu/output-pool.ts): a training step's large outputs are reused by the
// next step, the numbers are those of fresh arrays, and an array that left tfjs (read, or viewed by a slice) is
// never reused under its holder. The pool's threshold is lowered so that small problems exercise it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { rnnRecurrenceFused } from '../../src/kernels/ops';
import { poolSettings, pooledFreeArrays } from '../../src/kernels/cpu/output-pool';

const backend = await useBackend();
registerFusedKernels();

const B = 3,
  T = 5,
  D = 2,
  N = 8;

function problem(seed: number) {
  const r = (shape: number[], s: number) => tf.randomUniform(shape, -0.5, 0.5, 'float32', seed + s);
  return {
    x: r([B, T, D], 1) as tf.Tensor3D,
    W: r([N, N], 2) as tf.Tensor2D,
    U: r([N, D], 3) as tf.Tensor2D,
    b: r([N], 4) as tf.Tensor1D,
    probe: tf.zeros([B, T, N]) as tf.Tensor3D,
  };
}

/** One fused forward and backward (L = Σ H ⊙ G): H and every gradient, as plain arrays. */
function step(p: ReturnType<typeof problem>, G: tf.Tensor3D): Float32Array[] {
  return tf.tidy(() => {
    const f = (x: tf.Tensor, W: tf.Tensor, U: tf.Tensor, b: tf.Tensor, probe: tf.Tensor) =>
      rnnRecurrenceFused(
        x as tf.Tensor3D,
        W as tf.Tensor2D,
        U as tf.Tensor2D,
        b as tf.Tensor1D,
        probe as tf.Tensor3D,
        { activation: 'tanh' },
      );
    const H = f(p.x, p.W, p.U, p.b, p.probe);
    const { grads } = tf.valueAndGrads((...a: tf.Tensor[]) =>
      tf.sum(tf.mul(f(a[0], a[1], a[2], a[3], a[4]), G)),
    )([p.x, p.W, p.U, p.b, p.probe]);
    return [H, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

describe.skipIf(backend !== 'cpu')('cpu output pool', () => {
  const saved = poolSettings.minLength;
  beforeAll(() => {
    poolSettings.minLength = B * T; // every [B, T, ·] output is pooled
  });
  afterAll(() => {
    poolSettings.minLength = saved;
  });

  it('reuses the outputs of a finished step and computes the same numbers as fresh arrays', () => {
    const p = problem(7);
    const G = tf.randomNormal([B, T, N], 0, 1, 'float32', 9) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const first = step(p, G);
    expect(pooledFreeArrays()).toBeGreaterThan(0);
    const second = step(p, G);
    const q = problem(8);
    const third = step(q, G); // other numbers into reused arrays
    poolSettings.minLength = Infinity;
    const fresh = step(q, G);
    poolSettings.minLength = B * T;
    expect(second).toEqual(first);
    expect(third).toEqual(fresh);
    expect(third[0]).not.toEqual(first[0]);
    tf.dispose([...Object.values(q)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...Object.values(p), G]);
  });

  it('never reuses an array that was read or is viewed by a slice', () => {
    const p = problem(11);
    const H = rnnRecurrenceFused(p.x, p.W, p.U, p.b, p.probe, { activation: 'tanh' });
    const read = H.dataSync(); // the backend's own array
    const copy = Float32Array.from(read);
    const H2 = rnnRecurrenceFused(p.x, p.W, p.U, p.b, p.probe, { activation: 'tanh' });
    const view = tf.slice(H2, [0, 0, 0], [1, T, N]); // contiguous: a subarray of H2's array
    const viewCopy = view.dataSync().slice();
    H.dispose();
    H2.dispose();
    const q = problem(12);
    const G = tf.randomNormal([B, T, N], 0, 1, 'float32', 13) as tf.Tensor3D;
    for (let i = 0; i < 3; i++) step(q, G);
    expect(read).toEqual(copy);
    expect(view.dataSync()).toEqual(viewCopy);
    tf.dispose([view, G, ...Object.values(p), ...Object.values(q)]);
  });
});
