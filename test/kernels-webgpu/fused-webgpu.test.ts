// WebGPU-only checks of the fused kernels (src/kernels/webgpu) against the float64 oracle, in every thread
// layout: a workgroup per sequence with its scratch in workgroup memory or (large N) in global memory, and one
// thread per sequence (CPU implementations of WebGPU). Collected by the webgpu vitest project only.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as support from '../support/backend';
import { centralDiff, kruForward64, rnnForward64 } from '../support/float64';
import { registerFusedKernels } from '../../src/kernels/register';
import { registerWebgpuFusedKernels, setWebgpuKernelLayout } from '../../src/kernels/webgpu';
import {
  expectClose,
  expectKruGrads,
  expectRnnGrads,
  fusedKru,
  fusedRnn,
  kruLoss64,
  kruProblem,
  rnnLoss64,
  rnnProblem,
  type KruAct,
  type RnnAct,
} from '../kernels/helpers';

if ((await support.useBackend()) !== 'webgpu')
  throw new Error('test/kernels-webgpu runs in the webgpu project only');
registerFusedKernels();
registerWebgpuFusedKernels();
registerWebgpuFusedKernels(); // idempotent

afterAll(() => setWebgpuKernelLayout('auto'));

const KRU_SIZES = [[2, 2], [2, 3], [3, 2, 2], [4]];
const KRU_ACTS: KruAct[] = ['crelu', 'modrelu', 'tanh', 'linear'];
const RNN_ACTS: RnnAct[] = ['tanh', 'relu', 'linear'];

for (const mode of ['workgroup', 'workgroup-global', 'serial'] as const) {
  describe(`webgpu fused kernels, layout ${mode}`, () => {
    // [12]: 144 dW entries exceed the per-thread register slots, so the partial sums go to global memory.
    const kruCases: [number[], KruAct][] = KRU_SIZES.flatMap((sizes) =>
      KRU_ACTS.map((act): [number[], KruAct] => [sizes, act]),
    );
    kruCases.push([[12], 'crelu'], [[12], 'modrelu']);
    for (const [sizes, act] of kruCases)
      it(`KRU [${sizes}] ${act}: H and every gradient`, async () => {
        setWebgpuKernelLayout(mode);
        const B = 2 + (sizes.length % 2);
        const T = 3 + sizes.length;
        const pr = kruProblem(sizes, act, B, T, 2, 31 + sizes.length * 7 + KRU_ACTS.indexOf(act));
        const before = tf.memory().numTensors;
        const { H, g } = await fusedKru(pr);
        expect(tf.memory().numTensors).toBe(before);
        expectClose(H, kruForward64(pr.p, pr.x, B, T, 2, pr.probe), 'H', 1e-4);
        expectKruGrads(pr, g);
      });

    for (const N of [3, 5])
      for (const act of RNN_ACTS)
        it(`RNN N=${N} ${act}: H and every gradient`, async () => {
          setWebgpuKernelLayout(mode);
          const B = 2;
          const T = N + 1;
          const pr = rnnProblem(N, act, B, T, 2, 91 + N * 3 + RNN_ACTS.indexOf(act));
          const before = tf.memory().numTensors;
          const { H, g } = await fusedRnn(pr);
          expect(tf.memory().numTensors).toBe(before);
          expectClose(H, rnnForward64(pr.p, pr.x, B, T, 2, pr.probe), 'H', 1e-4);
          expectRnnGrads(pr, g);
        });

    it('T = 1 and a probe that is not zero', async () => {
      setWebgpuKernelLayout(mode);
      const pr = kruProblem([2, 3], 'modrelu', 2, 1, 2, 5);
      pr.probe = Float64Array.from(pr.G, (v) => 0.1 * v);
      const { H, g } = await fusedKru(pr);
      expectClose(H, kruForward64(pr.p, pr.x, 2, 1, 2, pr.probe), 'H', 1e-4);
      expectClose(
        g[1],
        centralDiff(pr.p.factors, () => kruLoss64(pr)),
        'dFactors',
      );
      const rp = rnnProblem(4, 'tanh', 3, 1, 2, 6);
      const r = await fusedRnn(rp);
      expectClose(
        r.g[1],
        centralDiff(rp.p.W, () => rnnLoss64(rp)),
        'dW',
      );
    });
  });
}
