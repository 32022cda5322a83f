// Fused dense-RNN kernels against the float64 oracle: forward H, and every gradient (dProbe included)
// against central differences of L = Σ H ⊙ G. On cpu everything runs twice: with the WebAssembly SIMD
// product (rows in fours, columns and k in twos; the shapes below leave edges of every kind to the JS
// loops) and with the JS loops only.
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { rnnForward64 } from '../support/float64';
import { registerFusedKernels } from '../../src/kernels/register';
import { hasFusedKernels, rnnRecurrenceFused } from '../../src/kernels/ops';
import { setSimdLoops } from '../../src/kernels/cpu/wasm';
import { expectClose, expectRnnGrads, fusedRnn, rnnProblem, rnnTensors, type RnnAct } from './helpers';

const backend = await useBackend();
registerFusedKernels();
const ready = hasFusedKernels(backend);

const ACTS: RnnAct[] = ['tanh', 'relu', 'linear'];

describe(`fused RNN on ${backend}`, () => {
  it('has its kernels registered', () => {
    expect(ready).toBe(true);
  });
});

for (const simd of backend === 'cpu' ? [true, false] : [true])
  describe(`fused RNN on ${backend}${backend === 'cpu' ? (simd ? ', SIMD' : ', JS loops only') : ''}`, () => {
    beforeAll(() => {
      if (backend === 'cpu') expect(setSimdLoops(simd)).toBe(simd);
    });
    afterAll(() => {
      setSimdLoops(true);
    });

    describe.skipIf(!ready)('forward', () => {
      for (const act of ACTS)
        for (const [N, B, T] of [
          [1, 1, 1],
          [5, 2, 4],
          [8, 3, 6],
          [7, 1, 3],
          [8, 5, 3],
          [9, 4, 3],
        ])
          it(`H matches float64: ${act} N=${N} B=${B} T=${T}`, async () => {
            const pr = rnnProblem(N, act, B, T, 3, N * 31 + T);
            if (N === 8) pr.probe = Float64Array.from(pr.G, (g) => 0.1 * g); // the probe is added and fed forward
            const t = rnnTensors(pr);
            const H = rnnRecurrenceFused(t.x, t.W, t.U, t.b, t.probe, { activation: act });
            const got = await H.data();
            tf.dispose([H, ...Object.values(t)]);
            expectClose(got, rnnForward64(pr.p, pr.x, B, T, 3, pr.probe), 'H', 1e-4);
          });
    });

    describe.skipIf(!ready)('gradients vs central differences', () => {
      for (const act of ACTS)
        for (const [N, B, T] of [
          [5, 2, 4],
          [6, 3, 5],
          [7, 5, 3],
        ])
          it(`${act} N=${N} B=${B} T=${T}`, async () => {
            const pr = rnnProblem(N, act, B, T, 3, 1000 + N * 7 + ACTS.indexOf(act));
            expectRnnGrads(pr, (await fusedRnn(pr)).g);
          });
    });
  });
