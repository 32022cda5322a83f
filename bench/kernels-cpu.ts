// Timing of the fused cpu recurrences, forward + backward: one tf.valueAndGrads of H over every input with
// dy = G given, so the time is the two fused kernels plus engine bookkeeping (a loss like Σ H ⊙ G would add
// tfjs's generic element-wise kernels, ~30% of the total at N = 64). T = 100, B = 32, D = 2, 2×2 KRU
// factors. Not a test: run with
//   node scripts/run-ts.mjs bench/kernels-cpu.ts [N ...]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { registerFusedKernels } from '../src/kernels/register';
import { kruRecurrenceFused, rnnRecurrenceFused } from '../src/kernels/ops';
import { factorIm, factorLayout, factorRe } from '../src/core/factor-layout';

const T = 100,
  B = 32,
  D = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Median wall and CPU time of step(); CPU time is the steadier number on a shared machine. */
async function time(label: string, step: () => tf.Tensor, budgetMs: number): Promise<number> {
  for (let i = 0; i < 2; i++) {
    const v = step();
    await v.data();
    v.dispose();
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  const start = performance.now();
  while (wall.length < 3 || (performance.now() - start < budgetMs && wall.length < 30)) {
    const t0 = performance.now();
    const c0 = cpuMs();
    const v = step();
    await v.data();
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
    v.dispose();
  }
  const m = median(wall);
  console.log(
    `${label}: wall ${m.toFixed(1)} ms, cpu ${median(cpu).toFixed(1)} ms (median of ${wall.length})`,
  );
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
    // Random unitary 2×2 factors [[a, −b̄], [b, ā]] as at initialisation: random non-unitary factors make
    // the states decay into float denormals (very slow arithmetic) or blow up, which is not a real workload.
    const layout = factorLayout(sizes);
    const fv = new Float32Array(layout.packedLength);
    for (let f = 0; f < F; f++) {
      const g = Array.from({ length: 4 }, () => Math.random() * 2 - 1);
      const nrm = Math.hypot(...g);
      const [ar, ai, br, bi] = g.map((v) => v / nrm);
      factorRe(fv, layout, f).set([ar, -br, br, ar]); // row-major
      factorIm(fv, layout, f).set([ai, bi, bi, -ai]);
    }
    const factors = tf.tensor1d(fv);
    const Uk = tf.randomNormal([2, N, D], 0, 0.5) as tf.Tensor3D;
    const bk = tf.zeros([2, N]) as tf.Tensor2D;
    const beta = tf.zeros([1]) as tf.Tensor1D;
    const pk = tf.zeros([B, T, 2 * N]) as tf.Tensor3D;
    const Gk = tf.randomUniform([B, T, 2 * N], -1, 1) as tf.Tensor3D;
    const kru = (xx: tf.Tensor, f: tf.Tensor, U: tf.Tensor, b: tf.Tensor, be: tf.Tensor, p: tf.Tensor) =>
      kruRecurrenceFused(
        xx as tf.Tensor3D,
        f as tf.Tensor1D,
        U as tf.Tensor3D,
        b as tf.Tensor2D,
        be as tf.Tensor1D,
        p as tf.Tensor3D,
        { sizes, activation: 'crelu' },
      );
    results[`kru${N}`] = await time(
      `KRU N=${N} fwd+bwd`,
      () =>
        tf.tidy(() => {
          const { value, grads } = tf.valueAndGrads(kru)([x, factors, Uk, bk, beta, pk], Gk);
          // Touch H and dFactors so nothing is skipped; these two reductions are tiny.
          return tf.add(tf.sum(value), tf.sum(grads[1]));
        }),
      3000,
    );
    const W = tf.randomNormal([N, N], 0, 1 / Math.sqrt(N)) as tf.Tensor2D;
    const Ur = tf.randomNormal([N, D], 0, 0.5) as tf.Tensor2D;
    const br = tf.zeros([N]) as tf.Tensor1D;
    const pr = tf.zeros([B, T, N]) as tf.Tensor3D;
    const Gr = tf.randomUniform([B, T, N], -1, 1) as tf.Tensor3D;
    const rnn = (xx: tf.Tensor, w: tf.Tensor, U: tf.Tensor, b: tf.Tensor, p: tf.Tensor) =>
      rnnRecurrenceFused(
        xx as tf.Tensor3D,
        w as tf.Tensor2D,
        U as tf.Tensor2D,
        b as tf.Tensor1D,
        p as tf.Tensor3D,
        {
          activation: 'tanh',
        },
      );
    results[`rnn${N}`] = await time(
      `RNN N=${N} fwd+bwd`,
      () =>
        tf.tidy(() => {
          const { value, grads } = tf.valueAndGrads(rnn)([x, W, Ur, br, pr], Gr);
          return tf.add(tf.sum(value), tf.sum(grads[1]));
        }),
      N >= 1024 ? 1 : 3000,
    );
    tf.dispose([x, factors, Uk, bk, beta, pk, Gk, W, Ur, br, pr, Gr]);
  }
  if (results.kru1024 && results.kru128)
    console.log(`KRU N=1024 / N=128: ${(results.kru1024 / results.kru128).toFixed(2)}`);
}

void main();
