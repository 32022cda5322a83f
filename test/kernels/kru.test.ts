// Fused KRU kernels against the float64 oracle (explicitly formed W): forward H for several factorisations,
// activations and shapes; every gradient, dProbe included, against central differences of L = Σ H ⊙ G.
// On cpu everything runs twice: with the WebAssembly SIMD loops for 2×2 factors, and with the JS loops only.
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { kruForward64 } from '../support/float64';
import { registerFusedKernels } from '../../src/kernels/register';
import { hasFusedKernels, kruRecurrenceFused } from '../../src/kernels/ops';
import { setSimdLoops } from '../../src/kernels/cpu/wasm';
import {
  expectClose,
  expectKruGrads,
  fusedKru,
  kruProblem,
  kruTensors,
  type KruAct,
  type KruProblem,
} from './helpers';

const backend = await useBackend();
registerFusedKernels();
const ready = hasFusedKernels(backend);

const SIZES = [[2, 2], [2, 3], [3, 2, 2], [4], [1, 2]];
const ACTS: KruAct[] = ['crelu', 'modrelu', 'tanh', 'linear'];

async function fusedH(pr: KruProblem): Promise<Float32Array> {
  const t = kruTensors(pr);
  const H = kruRecurrenceFused(t.x, t.factors, t.U, t.b, t.beta, t.probe, {
    sizes: pr.p.sizes,
    activation: pr.p.activation,
  });
  // Read before disposing: on webgpu the read is asynchronous and needs the tensor alive.
  const out = (await H.data()) as Float32Array;
  tf.dispose([H, ...Object.values(t)]);
  return out;
}

describe(`fused KRU on ${backend}`, () => {
  it('has its kernels registered', () => {
    expect(ready).toBe(true);
  });
});

// The SIMD loops take 2×2 factors whose blocks are an even number of numbers long; B = 1 and 3 leave odd
// blocks to the JS loops, so those shapes mix both in one call.
for (const simd of backend === 'cpu' ? [true, false] : [true])
  describe(`fused KRU on ${backend}${backend === 'cpu' ? (simd ? ', SIMD' : ', JS loops only') : ''}`, () => {
    beforeAll(() => {
      // On cpu the SIMD half must really run: setSimdLoops reports whether the module loaded.
      if (backend === 'cpu') expect(setSimdLoops(simd)).toBe(simd);
    });
    afterAll(() => {
      setSimdLoops(true);
    });

    describe.skipIf(!ready)('forward', () => {
      for (const sizes of SIZES)
        for (const act of ACTS)
          it(`H matches float64 for sizes [${sizes}] ${act}`, async () => {
            for (const [B, T, seed] of [
              [1, 1, 1],
              [2, 5, 2],
              [3, 4, 3],
            ]) {
              const pr = kruProblem(sizes, act, B, T, 3, 100 * seed + sizes.length);
              const want = kruForward64(pr.p, pr.x, B, T, 3, pr.probe);
              expectClose(await fusedH(pr), want, `H B=${B} T=${T}`, 1e-4);
            }
          });

      it('adds the probe after the activation and feeds it forward', async () => {
        const pr = kruProblem([2, 3], 'modrelu', 2, 4, 2, 7);
        pr.probe = Float64Array.from(pr.G, (g) => 0.1 * g);
        expectClose(await fusedH(pr), kruForward64(pr.p, pr.x, 2, 4, 2, pr.probe), 'H with probe', 1e-4);
      });
    });

    describe.skipIf(!ready)('gradients vs central differences', () => {
      const cases: [number[], KruAct][] = [];
      for (const sizes of SIZES) for (const act of ACTS) cases.push([sizes, act]);
      for (const [sizes, act] of cases)
        it(`sizes [${sizes}] ${act}`, async () => {
          const pr = kruProblem(sizes, act, 2, 4, 3, 17 + sizes.length * 5 + ACTS.indexOf(act));
          expectKruGrads(pr, (await fusedKru(pr)).g);
        });
      it('sizes [2, 2, 2] modrelu, B = 3 (odd blocks beside even ones)', async () => {
        const pr = kruProblem([2, 2, 2], 'modrelu', 3, 3, 2, 41);
        expectKruGrads(pr, (await fusedKru(pr)).g);
      });
    });
  });
