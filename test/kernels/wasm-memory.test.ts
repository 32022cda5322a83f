// The SIMD loops' WebAssembly memory: it grows to the largest call, and a later call that needs far less gets
// a fresh instance, so a worker does not keep hundreds of MB after one large model. The kernels must give the
// same results before and after the swap (bit for bit), and agree with the JS loops (float32 against float64).
import { afterAll, describe, expect, it } from 'vitest';
import { kruForward } from '../../src/kernels/cpu/kru';
import { setSimdLoops, simdLoops, simdMemoryBytes } from '../../src/kernels/cpu/wasm';
import { Rng } from '../../src/util/rng';

function smallKru(): Float32Array {
  const rng = new Rng(5);
  const r = (n: number) => Float32Array.from({ length: n }, () => rng.next() - 0.5);
  const [B, T, D, N] = [4, 6, 2, 8];
  const dims = { B, T, D, N, sizes: [2, 2, 2] };
  return kruForward(dims, 'modrelu', {
    x: r(B * T * D),
    factors: r(3 * 8),
    U: r(2 * N * D),
    b: r(2 * N),
    beta: r(1),
    probe: new Float32Array(B * T * 2 * N),
  }).H;
}

describe('SIMD loops memory', () => {
  afterAll(() => {
    setSimdLoops(true);
  });

  it('grows for a large call and is replaced by a small instance for a small one', () => {
    const simd = simdLoops();
    expect(simd).not.toBeNull();
    const big = simd!.workspace([12_500_000]); // 100 MB of float64
    expect(big.arrays[0].length).toBe(12_500_000);
    expect(simdMemoryBytes()).toBeGreaterThanOrEqual(100_000_000);
    simd!.workspace([1000]);
    expect(simdMemoryBytes()).toBeLessThan(1_000_000);
  });

  it('gives the same kernel results after the swap, close to the JS loops', () => {
    const before = smallKru();
    simdLoops()!.workspace([12_500_000]);
    const firstAfterLarge = smallKru(); // its own workspace is small: the swap happens inside this call
    simdLoops()!.workspace([10]);
    const afterShrink = smallKru();
    setSimdLoops(false);
    const js = smallKru();
    setSimdLoops(true);
    expect(Array.from(afterShrink)).toEqual(Array.from(before));
    expect(Array.from(firstAfterLarge)).toEqual(Array.from(before));
    // The SIMD loops compute in float32, the JS loops in float64.
    for (let i = 0; i < js.length; i++) expect(Math.abs(afterShrink[i] - js[i])).toBeLessThan(1e-5);
  });
});
