// Timing of the fused cpu recurrences, forward + backward (one tf.valueAndGrads of Σ H ⊙ G over every
// input), T = 100, B = 32, D = 2, 2×2 KRU factors. Not a test: run with
//   node scripts/run-ts.mjs test/kernels/bench-cpu.ts [N ...]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { registerFusedKernels } from '../../src/kernels/register';
import { kruRecurrenceFused, rnnRecurrenceFused } from '../../src/kernels/ops';

const T = 100,
  B = 32,
  D = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(label: string, step: () => tf.Tensor, budgetMs: number): Promise<number> {
  for (let i = 0; i < 2; i++) {
    const v = step();
    await v.data();
    v.dispose();
  }
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < budgetMs && times.length < 30)) {
    const t0 = performance.now();
    const v = step();
    await v.data();
    times.push(performance.now() - t0);
    v.dispose();
  }
  const m = median(times);
  console.log(`${label}: ${m.toFixed(1)} ms (median of ${times.length})`);
  return m;
}

async function main() {
  await tf.setBackend('cpu');
  registerFusedKernels();
  const Ns = process.argv.slice(2).map(Number);
  const results: Record<string, number> = {};
  for (const N of Ns.length ? Ns : [64, 128, 256, 1024]) {
    const F = Math.log2(N);
    const sizes = Array.from({ length: F }, () => 2);
    const x = tf.randomUniform([B, T, D], -1, 1) as tf.Tensor3D;
    const factors = tf.randomNormal([8 * F], 0, 0.5) as tf.Tensor1D;
    const Uk = tf.randomNormal([2, N, D], 0, 0.5) as tf.Tensor3D;
    const bk = tf.zeros([2, N]) as tf.Tensor2D;
    const beta = tf.zeros([1]) as tf.Tensor1D;
    const pk = tf.zeros([B, T, 2 * N]) as tf.Tensor3D;
    const Gk = tf.randomUniform([B, T, 2 * N], -1, 1);
    const kru = (xx: tf.Tensor, f: tf.Tensor, U: tf.Tensor, b: tf.Tensor, be: tf.Tensor, p: tf.Tensor) =>
      tf.sum(
        tf.mul(
          kruRecurrenceFused(
            xx as tf.Tensor3D,
            f as tf.Tensor1D,
            U as tf.Tensor3D,
            b as tf.Tensor2D,
            be as tf.Tensor1D,
            p as tf.Tensor3D,
            { sizes, activation: 'crelu' },
          ),
          Gk,
        ),
      );
    results[`kru${N}`] = await time(
      `KRU N=${N} fwd+bwd`,
      () =>
        tf.tidy(() => {
          const { value, grads } = tf.valueAndGrads(kru)([x, factors, Uk, bk, beta, pk]);
          return tf.add(value, tf.sum(grads[1]));
        }),
      3000,
    );
    const W = tf.randomNormal([N, N], 0, 1 / Math.sqrt(N)) as tf.Tensor2D;
    const Ur = tf.randomNormal([N, D], 0, 0.5) as tf.Tensor2D;
    const br = tf.zeros([N]) as tf.Tensor1D;
    const pr = tf.zeros([B, T, N]) as tf.Tensor3D;
    const Gr = tf.randomUniform([B, T, N], -1, 1);
    const rnn = (xx: tf.Tensor, w: tf.Tensor, U: tf.Tensor, b: tf.Tensor, p: tf.Tensor) =>
      tf.sum(
        tf.mul(
          rnnRecurrenceFused(
            xx as tf.Tensor3D,
            w as tf.Tensor2D,
            U as tf.Tensor2D,
            b as tf.Tensor1D,
            p as tf.Tensor3D,
            { activation: 'tanh' },
          ),
          Gr,
        ),
      );
    results[`rnn${N}`] = await time(
      `RNN N=${N} fwd+bwd`,
      () =>
        tf.tidy(() => {
          const { value, grads } = tf.valueAndGrads(rnn)([x, W, Ur, br, pr]);
          return tf.add(value, tf.sum(grads[1]));
        }),
      3000,
    );
    tf.dispose([x, factors, Uk, bk, beta, pk, Gk, W, Ur, br, pr, Gr]);
  }
  if (results.kru1024 && results.kru128)
    console.log(`KRU N=1024 / N=128: ${(results.kru1024 / results.kru128).toFixed(2)}`);
}

void main();
