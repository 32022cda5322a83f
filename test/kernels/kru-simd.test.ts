// The cpu KRU's WebAssembly SIMD path (float32, batch padded to a multiple of 4 lanes, 2×2 and p×p factors)
// against its float64 JS loops at realistic and awkward shapes, and its gradients against central differences
// of the float64 oracle where the padding and the p×p loops are in play. cpu only.
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { kruSimd } from '../../src/kernels/cpu/kru';
import { setSimdLoops, simdLoops } from '../../src/kernels/cpu/wasm';
import { expectClose, expectKruGrads, fusedKru, kruProblem, type KruAct } from './helpers';

const backend = await useBackend();
registerFusedKernels();
const ACTS: KruAct[] = ['crelu', 'modrelu', 'tanh', 'linear'];

async function both(sizes: number[], act: KruAct, B: number, T: number, D: number, seed: number) {
  const pr = kruProblem(sizes, act, B, T, D, seed);
  pr.probe = Float64Array.from(pr.G, (g) => 0.05 * g);
  expect(setSimdLoops(true)).toBe(true);
  expect(kruSimd(pr.N)).not.toBeNull();
  const simd = await fusedKru(pr);
  setSimdLoops(false);
  expect(kruSimd(pr.N)).toBeNull();
  const js = await fusedKru(pr);
  setSimdLoops(true);
  return { simd, js };
}

describe.skipIf(backend !== 'cpu')('cpu KRU: SIMD (float32) against the JS loops (float64)', () => {
  afterAll(() => {
    setSimdLoops(true);
  });
  // Tolerance relative to each output's largest value: float32 through T steps (the modReLU case at T = 40
  // differs from float64 by up to 8e-5 in dx).
  const shapes: [string, number[], number, number, number, number?][] = [
    ['N = 64, 2×…×2, B = 32, T = 12', [2, 2, 2, 2, 2, 2], 32, 12, 2],
    // The row buffers hold blocks of steps (~512 KB): blocks of 32 steps here, and of 8 at N = 256.
    ['N = 64, B = 30 (padded), T = 40: two blocks of steps', [2, 2, 2, 2, 2, 2], 30, 40, 2, 3e-4],
    ['N = 256, [4, 4, 4, 4], B = 32, T = 13: two blocks', [4, 4, 4, 4], 32, 13, 2],
    ['N = 8, [4, 2], B = 5 (padded to 8)', [4, 2], 5, 4, 3],
    ['N = 24, [2, 3, 4], B = 6 (padded to 8)', [2, 3, 4], 6, 3, 1],
    ['N = 4, [1, 2, 2], B = 1', [1, 2, 2], 1, 5, 2],
  ];
  for (const [name, sizes, B, T, D, rtol = 2e-5] of shapes)
    for (const act of ACTS)
      it(`${name}, ${act}`, async () => {
        const { simd, js } = await both(sizes, act, B, T, D, 7 + B + ACTS.indexOf(act));
        expectClose(simd.H, js.H, 'H', 2e-5, 1e-6);
        const names = ['dx', 'dFactors', 'dU', 'db', 'dBeta', 'dProbe'];
        simd.g.forEach((g, i) => expectClose(g, js.g[i], names[i], rtol, 1e-6));
      });
});

describe.skipIf(backend !== 'cpu')('cpu KRU SIMD scratch', () => {
  it('does not depend on what the module memory held (its large arrays are not zeroed)', async () => {
    const run = async () => (await both([2, 2, 2], 'modrelu', 5, 6, 2, 33)).simd;
    const clean = await run();
    simdLoops()!.typedWorkspace([4_000_000], [], true).f32[0].fill(NaN);
    const poisoned = await run();
    expect(Array.from(poisoned.H)).toEqual(Array.from(clean.H));
    poisoned.g.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(clean.g[i])));
  });
});

describe.skipIf(backend !== 'cpu')('cpu KRU SIMD gradients vs central differences', () => {
  it('padded batch, p×p and 2×2 factors, modReLU with β per unit', async () => {
    expect(setSimdLoops(true)).toBe(true);
    const pr = kruProblem([4, 2], 'modrelu', 3, 4, 2, 91);
    expect(kruSimd(pr.N)).not.toBeNull();
    expectKruGrads(pr, (await fusedKru(pr)).g);
  });
  it('tanh, three factors, B = 5', async () => {
    const pr = kruProblem([2, 2, 2], 'tanh', 5, 3, 2, 92);
    expectKruGrads(pr, (await fusedKru(pr)).g);
  });
});
