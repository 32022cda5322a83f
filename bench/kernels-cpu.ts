// Timing of the fused cpu recurrences, forward + backward: one tf.valueAndGrads of H over every input with
// dy = G given, so the time is the two fused kernels plus engine bookkeeping (a loss like Σ H ⊙ G would add
// tfjs's generic element-wise kernels, ~30% of the total at N = 64). T = 100, B = 32, D = 2, 2×2 KRU
// factors, with the GFLOP/s that makes of the step's arithmetic (bench/peer.ts, stepFlops). The gated kinds (LSTM, KRU-LSTM with 2×2 real factors) are timed fused and op-by-op (the
// reference in src/model/lstm-reference.ts), with the ratio. Not a test: run with
//   node scripts/run-ts.mjs bench/kernels-cpu.ts [N ...] [--models kru,rnn,lstm,kru-lstm]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { registerFusedKernels } from '../src/kernels/register';
import {
  kruLstmRecurrenceFused,
  kruRecurrenceFused,
  lstmRecurrenceFused,
  rnnRecurrenceFused,
} from '../src/kernels/ops';
import { kruLstmRecurrenceReference, lstmRecurrenceReference } from '../src/model/lstm-reference';
import { factorIm, factorLayout, factorRe } from '../src/core/factor-layout';
import { stepFlops } from './peer';

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
async function time(
  label: string,
  step: () => tf.Tensor,
  budgetMs: number,
): Promise<{ wall: number; cpu: number }> {
  // Warm up for a second (two calls at least): V8 runs WebAssembly with its baseline compiler until a function
  // is hot enough to be optimised, and at N = 64 two calls leave the loops 3× slower than they end up.
  const w0 = performance.now();
  for (let i = 0; i < 2 || (i < 200 && performance.now() - w0 < 1000); i++) {
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
  const m = { wall: median(wall), cpu: median(cpu) };
  console.log(
    `${label}: wall ${m.wall.toFixed(1)} ms, cpu ${m.cpu.toFixed(1)} ms (median of ${wall.length})`,
  );
  return m;
}

async function main() {
  await tf.setBackend('cpu');
  registerFusedKernels();
  const args = process.argv.slice(2);
  const m = args.indexOf('--models');
  const models = m >= 0 ? args[m + 1].split(',') : ['kru', 'rnn', 'lstm', 'kru-lstm'];
  const Ns = args.filter((a, i) => /^\d+$/.test(a) && i !== m + 1).map(Number);
  const results: Record<string, number> = {};
  for (const N of Ns.length ? Ns : [64, 128, 256, 1024]) {
    if (models.includes('lstm') && N <= 256) await benchLstm(N);
    if (models.includes('kru-lstm') && N <= 256) await benchKruLstm(N);
    if (!models.includes('kru') && !models.includes('rnn')) continue;
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
    if (models.includes('kru')) {
      const m = await time(
        `KRU N=${N} fwd+bwd`,
        () =>
          tf.tidy(() => {
            const { value, grads } = tf.valueAndGrads(kru)([x, factors, Uk, bk, beta, pk], Gk);
            // Touch H and dFactors so nothing is skipped; these two reductions are tiny.
            return tf.add(tf.sum(value), tf.sum(grads[1]));
          }),
        3000,
      );
      // The step's arithmetic (bench/peer.ts) is all in these two kernels but the read-out's O(N).
      const mflop = stepFlops(N, B, T, D) / 1e6;
      console.log(
        `  ${mflop.toFixed(0)} MFLOP: ${(mflop / m.wall).toFixed(1)} GFLOP/s (wall), ${(mflop / m.cpu).toFixed(1)} (cpu)`,
      );
      results[`kru${N}`] = m.wall;
    }
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
    if (models.includes('rnn'))
      results[`rnn${N}`] = (
        await time(
          `RNN N=${N} fwd+bwd`,
          () =>
            tf.tidy(() => {
              const { value, grads } = tf.valueAndGrads(rnn)([x, W, Ur, br, pr], Gr);
              return tf.add(tf.sum(value), tf.sum(grads[1]));
            }),
          N >= 1024 ? 1 : 3000,
        )
      ).wall;
    tf.dispose([x, factors, Uk, bk, beta, pk, Gk, W, Ur, br, pr, Gr]);
  }
  if (results.kru1024 && results.kru128)
    console.log(`KRU N=1024 / N=128: ${(results.kru1024 / results.kru128).toFixed(2)}`);
}

type Recurrence = (...inputs: tf.Tensor[]) => tf.Tensor;

/** Fused and op-by-op forward + backward of one gated kind, and their ratio. */
async function fusedAgainstReference(
  label: string,
  fused: Recurrence,
  reference: Recurrence,
  inputs: tf.Tensor[],
  G: tf.Tensor,
) {
  const step = (h: Recurrence) => () =>
    tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads(h)(inputs, G);
      return tf.add(tf.sum(value), tf.sum(grads[1]));
    });
  const f = await time(`${label} fused fwd+bwd`, step(fused), 3000);
  const r = await time(`${label} reference fwd+bwd`, step(reference), 3000);
  console.log(
    `${label}: reference / fused = ${(r.wall / f.wall).toFixed(1)} (wall), ${(r.cpu / f.cpu).toFixed(1)} (cpu)`,
  );
}

/** The LSTM as initialised (docs/model.md): W, U uniform in ±1/√N, b = 0 but the forget block 1. */
async function benchLstm(N: number) {
  const s = 1 / Math.sqrt(N);
  const x = tf.randomUniform([B, T, D], -1, 1);
  const W = tf.randomUniform([4 * N, N], -s, s);
  const U = tf.randomUniform([4 * N, D], -s, s);
  const b = tf.tidy(() => tf.concat([tf.zeros([N]), tf.ones([N]), tf.zeros([2 * N])]));
  const probe = tf.zeros([B, T, N]);
  const G = tf.randomUniform([B, T, N], -1, 1);
  const args = (a: tf.Tensor[]) =>
    [
      a[0] as tf.Tensor3D,
      a[1] as tf.Tensor2D,
      a[2] as tf.Tensor2D,
      a[3] as tf.Tensor1D,
      a[4] as tf.Tensor3D,
    ] as const;
  await fusedAgainstReference(
    `LSTM N=${N}`,
    (...a) => lstmRecurrenceFused(...args(a)),
    (...a) => lstmRecurrenceReference(...args(a)),
    [x, W, U, b, probe],
    G,
  );
  tf.dispose([x, W, U, b, probe, G]);
}

/** The KRU-LSTM with 2×2 real factors, each a random rotation (orthogonal, as at initialisation). */
async function benchKruLstm(N: number) {
  const sizes = Array.from({ length: Math.log2(N) }, () => 2);
  const fv: number[] = [];
  for (let k = 0; k < 4 * sizes.length; k++) {
    const a = 2 * Math.PI * Math.random();
    fv.push(Math.cos(a), -Math.sin(a), Math.sin(a), Math.cos(a));
  }
  const s = 1 / Math.sqrt(N);
  const x = tf.randomUniform([B, T, D], -1, 1);
  const factors = tf.tensor1d(fv);
  const U = tf.randomUniform([4 * N, D], -s, s);
  const b = tf.tidy(() => tf.concat([tf.zeros([N]), tf.ones([N]), tf.zeros([2 * N])]));
  const probe = tf.zeros([B, T, N]);
  const G = tf.randomUniform([B, T, N], -1, 1);
  const args = (a: tf.Tensor[]) =>
    [
      a[0] as tf.Tensor3D,
      a[1] as tf.Tensor1D,
      a[2] as tf.Tensor2D,
      a[3] as tf.Tensor1D,
      a[4] as tf.Tensor3D,
    ] as const;
  await fusedAgainstReference(
    `KRU-LSTM N=${N}`,
    (...a) => kruLstmRecurrenceFused(...args(a), { sizes }),
    (...a) => kruLstmRecurrenceReference(...args(a), { sizes }),
    [x, factors, U, b, probe],
    G,
  );
  tf.dispose([x, factors, U, b, probe, G]);
}

void main();
