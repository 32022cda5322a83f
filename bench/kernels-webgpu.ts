// ms per forward + backward of the fused webgpu recurrences alone (no read-out, loss or optimiser):
//   node scripts/run-ts.mjs bench/kernels-webgpu.ts [N ...]
// B = 32, T = 100, D = 2; KRU with 2×2×…×2 factors (crelu), RNN tanh. Median of 5 after 2 warm-ups.
import * as tf from '@tensorflow/tfjs-core';
import * as support from '../test/support/backend';
import { registerFusedKernels } from '../src/kernels/register';
import { kruRecurrenceFused, rnnRecurrenceFused } from '../src/kernels/ops';
import { registerWebgpuFusedKernels } from '../src/kernels/webgpu';
import { defaultFactors } from '../src/core/factor-layout';
import { packedLength } from '../src/core/factor-layout';

process.env.KRU_BACKEND = 'webgpu';
await support.useBackend();
registerFusedKernels();
registerWebgpuFusedKernels();

const B = 32;
const T = 100;
const D = 2;
const Ns = process.argv.slice(2).map(Number);

async function time(step: () => tf.Tensor[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const out = step();
    await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
    if (i >= 2) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

for (const N of Ns.length ? Ns : [64, 128]) {
  const sizes = defaultFactors(N);
  const x = tf.randomNormal([B, T, D]) as tf.Tensor3D;
  const factors = tf.randomNormal([packedLength(sizes)], 0, 0.5) as tf.Tensor1D;
  const U = tf.randomNormal([2, N, D], 0, 0.5) as tf.Tensor3D;
  const b = tf.zeros([2, N]) as tf.Tensor2D;
  const beta = tf.zeros([1]) as tf.Tensor1D;
  const probe = tf.zeros([B, T, 2 * N]) as tf.Tensor3D;
  const G = tf.randomNormal([B, T, 2 * N]);
  const attrs = { sizes, activation: 'crelu' as const };
  const kru = await time(() =>
    tf.grads((x_, f_, U_, b_, p_) =>
      tf.sum(
        tf.mul(
          kruRecurrenceFused(
            x_ as tf.Tensor3D,
            f_ as tf.Tensor1D,
            U_ as tf.Tensor3D,
            b_ as tf.Tensor2D,
            beta,
            p_ as tf.Tensor3D,
            attrs,
          ),
          G,
        ),
      ),
    )([x, factors, U, b, probe]),
  );
  const W = tf.randomNormal([N, N], 0, 1 / Math.sqrt(N)) as tf.Tensor2D;
  const Ur = tf.randomNormal([N, D], 0, 0.5) as tf.Tensor2D;
  const br = tf.zeros([N]) as tf.Tensor1D;
  const probeR = tf.zeros([B, T, N]) as tf.Tensor3D;
  const GR = tf.randomNormal([B, T, N]);
  const rnn = await time(() =>
    tf.grads((x_, W_, U_, b_, p_) =>
      tf.sum(
        tf.mul(
          rnnRecurrenceFused(
            x_ as tf.Tensor3D,
            W_ as tf.Tensor2D,
            U_ as tf.Tensor2D,
            b_ as tf.Tensor1D,
            p_ as tf.Tensor3D,
            { activation: 'tanh' },
          ),
          GR,
        ),
      ),
    )([x, W, Ur, br, probeR]),
  );
  console.log(
    `N=${N} T=${T} B=${B}: KRU fused fwd+bwd ${kru.toFixed(1)} ms, RNN fused fwd+bwd ${rnn.toFixed(1)} ms`,
  );
  tf.dispose([x, factors, U, b, beta, probe, G, W, Ur, br, probeR, GR]);
}
console.log('tensors left', tf.memory().numTensors);
