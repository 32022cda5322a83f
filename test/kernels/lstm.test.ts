// The gated kinds, LSTM and KRU-LSTM (docs/model.md), against the float64 oracle (KRU-LSTM: each gate's W_k
// formed explicitly): forward H of the fused op for several shapes and factorisations, the probe included;
// every gradient of L = Σ H ⊙ G (dProbe included) against central differences; the op-by-op reference the same
// way; fused against reference on a bigger case; no tensor leaks. On cpu the fused parts run twice: with the
// WebAssembly SIMD product and with the JS loops only. Backends without the gated kernels skip the fused parts.
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { kruLstmForward64, lstmForward64 } from '../support/float64';
import { registerFusedKernels } from '../../src/kernels/register';
import { hasFusedLstmKernels } from '../../src/kernels/ops';
import { scratch, setSimdLoops, simdLoops } from '../../src/kernels/cpu/wasm';
import { sigmoid } from '../../src/kernels/cpu/lstm-cell';
import {
  expectClose,
  expectKruLstmGrads,
  expectLstmGrads,
  kruLstmH,
  kruLstmProblem,
  kruLstmTensors,
  lstmH,
  lstmProblem,
  lstmTensors,
  runKruLstm,
  runLstm,
  type GatedImpl,
} from './helpers';

const backend = await useBackend();
registerFusedKernels();
const ready = hasFusedLstmKernels(backend);

// [N, B, T]: N = 1, odd N, B = 1, T = 1, and B·N edges of every kind for the SIMD product.
const LSTM_SHAPES = [
  [1, 1, 1],
  [1, 3, 4],
  [5, 2, 4],
  [7, 1, 3],
  [8, 3, 1],
  [6, 5, 3],
];
// [sizes, B, T]
const KRU_LSTM_SHAPES: [number[], number, number][] = [
  [[2, 2], 2, 4],
  [[3, 2], 1, 3],
  [[2, 1, 2], 3, 2],
  [[4], 2, 1],
  [[1], 2, 3],
];

/** The probe is added to h_t and fed forward: non-zero in every other case. */
function probeLike(G: Float64Array, on: boolean): Float64Array {
  return on ? Float64Array.from(G, (g) => 0.1 * g) : new Float64Array(G.length);
}

async function read(H: tf.Tensor, inputs: tf.Tensor[]): Promise<Float32Array> {
  const out = (await H.data()) as Float32Array;
  tf.dispose([H, ...inputs]);
  return out;
}

function lstmForwardCases(impl: GatedImpl): void {
  LSTM_SHAPES.forEach(([N, B, T], c) =>
    it(`LSTM H matches float64: N=${N} B=${B} T=${T}`, async () => {
      const pr = lstmProblem(N, B, T, 3, 10 + c);
      pr.probe = probeLike(pr.G, c % 2 === 1);
      const t = lstmTensors(pr);
      const H = lstmH(impl)(t.x, t.W, t.U, t.b, t.probe);
      expectClose(await read(H, Object.values(t)), lstmForward64(pr.p, pr.x, B, T, 3, pr.probe), 'H', 1e-4);
    }),
  );
  KRU_LSTM_SHAPES.forEach(([sizes, B, T], c) =>
    it(`KRU-LSTM H matches float64: sizes [${sizes}] B=${B} T=${T}`, async () => {
      const pr = kruLstmProblem(sizes, B, T, 2, 20 + c);
      pr.probe = probeLike(pr.G, c % 2 === 0);
      const t = kruLstmTensors(pr);
      const H = kruLstmH(impl, sizes)(t.x, t.factors, t.U, t.b, t.probe);
      const want = kruLstmForward64(pr.p, pr.x, B, T, 2, pr.probe);
      expectClose(await read(H, Object.values(t)), want, 'H', 1e-4);
    }),
  );
}

function gradientCases(impl: GatedImpl): void {
  for (const [N, B, T] of [
    [1, 2, 3],
    [5, 2, 4],
    [6, 3, 3],
  ])
    it(`LSTM N=${N} B=${B} T=${T}`, async () => {
      const pr = lstmProblem(N, B, T, 3, 100 + N);
      pr.probe = probeLike(pr.G, N === 5);
      expectLstmGrads(pr, (await runLstm(pr, impl)).g);
    });
  for (const [sizes, B, T] of KRU_LSTM_SHAPES)
    it(`KRU-LSTM sizes [${sizes}] B=${B} T=${T}`, async () => {
      const pr = kruLstmProblem(sizes, B, T, 2, 200 + sizes.length);
      expectKruLstmGrads(pr, (await runKruLstm(pr, impl)).g);
    });
}

describe(`gated kinds on ${backend}`, () => {
  it('has the LSTM kernels registered on cpu', () => {
    if (backend === 'cpu') expect(ready).toBe(true);
  });

  it.runIf(backend === 'cpu')('the SIMD sigmoid and tanh agree with Math.exp and Math.tanh', () => {
    const simdOn = simdLoops();
    expect(simdOn).not.toBeNull();
    if (!simdOn) return;
    const zs = [0, -0, 1e-300, -1e-12, 0.5, -3, 20, -20, 40, -40, 700, -700, 1e3, -1e3, Infinity, -Infinity];
    for (let i = 0; i < 999; i++) zs.push((i % 2 ? -1 : 1) * 10 ** (-6 + (8 * i) / 999)); // odd count: the lone last
    const [a, b] = scratch(simdOn, [zs.length, zs.length]).arrays;
    a.set(zs);
    b.set(zs);
    simdOn.exports.sigmoids(a.byteOffset, zs.length);
    simdOn.exports.tanhs(b.byteOffset, zs.length);
    zs.forEach((z, i) => {
      const s = sigmoid(z);
      // Below exp(−700) ≈ 1e−304 the SIMD exp stops (no denormals): an absolute error of 1e−304.
      expect(Math.abs(a[i] - s), `s(${z})`).toBeLessThanOrEqual(1e-13 * s + 1e-303);
      expect(Math.abs(b[i] - Math.tanh(z)), `tanh(${z})`).toBeLessThanOrEqual(
        1e-13 * Math.abs(Math.tanh(z)) + 1e-15,
      );
    });
    a[0] = NaN;
    b[0] = NaN;
    simdOn.exports.sigmoids(a.byteOffset, 1);
    simdOn.exports.tanhs(b.byteOffset, 1);
    expect([a[0], b[0]]).toEqual([NaN, NaN]);
  });

  it.runIf(backend === 'cpu')('refuses inputs of the wrong shape, saying which', () => {
    const t = lstmTensors(lstmProblem(3, 2, 2, 2, 1));
    const W = tf.zeros([13, 3]) as tf.Tensor2D;
    expect(() => lstmH('fused')(t.x, W, t.U, t.b, t.probe)).toThrow(/W must be \[4N, N\].*got \[13,3\]/);
    const k = kruLstmTensors(kruLstmProblem([2, 2], 2, 2, 2, 1));
    const f = tf.zeros([15]);
    expect(() => kruLstmH('fused', [2, 2])(k.x, f, k.U, k.b, k.probe)).toThrow(
      /factors has shape \[15\], expected \[32\]/,
    );
    expect(() => kruLstmH('fused', [2, 3])(k.x, k.factors, k.U, k.b, k.probe)).toThrow(/factors/);
    tf.dispose([W, f, ...Object.values(t), ...Object.values(k)]);
  });

  // The reference uses no fused kernel and no SIMD loop: once per backend.
  describe('op-by-op reference: forward', () => lstmForwardCases('reference'));
  describe('op-by-op reference: gradients vs central differences', () => gradientCases('reference'));
});

for (const simd of backend === 'cpu' ? [true, false] : [true])
  describe.skipIf(!ready)(
    `fused gated kinds on ${backend}${backend === 'cpu' ? (simd ? ', SIMD' : ', JS loops only') : ''}`,
    () => {
      beforeAll(() => {
        // On cpu the SIMD half must really run: setSimdLoops reports whether the module loaded.
        if (backend === 'cpu') expect(setSimdLoops(simd)).toBe(simd);
      });
      afterAll(() => {
        setSimdLoops(true);
      });

      describe('forward', () => lstmForwardCases('fused'));
      describe('gradients vs central differences', () => gradientCases('fused'));

      describe('extreme values', () => {
        it('saturated gates (|z| ~ 1e3) give finite states and gradients that match float64', async () => {
          const pr = lstmProblem(5, 2, 4, 3, 31);
          pr.p.b = Float64Array.from(pr.p.b, (v) => 2000 * v);
          const { H, g } = await runLstm(pr, 'fused');
          expectClose(H, lstmForward64(pr.p, pr.x, 2, 4, 3, pr.probe), 'H', 1e-4);
          for (const a of g) expect(a.every(Number.isFinite)).toBe(true);
        });
        it('a NaN input reaches every later state of its sequence and no other', async () => {
          const pr = kruLstmProblem([2, 2], 2, 3, 2, 32);
          pr.x[1 * 2] = NaN; // batch 0, t = 1
          const t = kruLstmTensors(pr);
          const H = await read(
            kruLstmH('fused', [2, 2])(t.x, t.factors, t.U, t.b, t.probe),
            Object.values(t),
          );
          const at = (b: number, step: number) =>
            Array.from(H.subarray((b * 3 + step) * 4, (b * 3 + step + 1) * 4));
          expect(at(0, 0).every(Number.isFinite)).toBe(true);
          for (const step of [1, 2]) expect(at(0, step).every(Number.isNaN)).toBe(true);
          for (const step of [0, 1, 2]) expect(at(1, step).every(Number.isFinite)).toBe(true);
        });
      });

      describe('fused against the reference on a bigger case', () => {
        const close = (a: { H: Float32Array; g: Float32Array[] }, b: typeof a, names: string[]) => {
          expectClose(a.H, b.H, 'H', 1e-4);
          // Both are float32 over T = 12 steps of 4N × N products: compare norm-relative.
          a.g.forEach((g, i) => expectClose(g, b.g[i], names[i], 2e-4, 1e-6));
        };
        it('LSTM N=16 B=4 T=12', async () => {
          const pr = lstmProblem(16, 4, 12, 5, 7);
          pr.probe = probeLike(pr.G, true);
          close(await runLstm(pr, 'fused'), await runLstm(pr, 'reference'), [
            'dx',
            'dW',
            'dU',
            'db',
            'dProbe',
          ]);
        });
        it('KRU-LSTM sizes [2, 4, 2] B=4 T=12', async () => {
          const pr = kruLstmProblem([2, 4, 2], 4, 12, 5, 8);
          close(await runKruLstm(pr, 'fused'), await runKruLstm(pr, 'reference'), [
            'dx',
            'dFactors',
            'dU',
            'db',
            'dProbe',
          ]);
        });
      });

      describe('no tensor leaks', () => {
        async function noLeak(h: (...a: tf.Tensor[]) => tf.Tensor, args: tf.Tensor[], G: tf.Tensor) {
          const run = () =>
            tf.tidy(() => {
              const { value, grads } = tf.valueAndGrads((...a: tf.Tensor[]) => tf.sum(tf.mul(h(...a), G)))(
                args,
              );
              return tf.addN([value, ...grads.map((g) => tf.sum(g))]);
            });
          const warm = run();
          await warm.data();
          warm.dispose();
          const before = tf.memory().numTensors;
          for (let i = 0; i < 2; i++) {
            const v = run();
            await v.data();
            v.dispose();
          }
          expect(tf.memory().numTensors).toBe(before);
          // A gradient for one input only: the others are pruned and their tensors disposed.
          const g = tf.tidy(() =>
            tf.grad((a: tf.Tensor) => tf.sum(tf.mul(h(...args.slice(0, 1), a, ...args.slice(2)), G)))(
              args[1],
            ),
          );
          expect(g.shape).toEqual(args[1].shape);
          g.dispose();
          expect(tf.memory().numTensors).toBe(before);
        }
        it('LSTM', async () => {
          const t = lstmTensors(lstmProblem(4, 2, 3, 2, 3));
          await noLeak(lstmH('fused'), [t.x, t.W, t.U, t.b, t.probe], t.G);
          tf.dispose(Object.values(t));
        });
        it('KRU-LSTM', async () => {
          const t = kruLstmTensors(kruLstmProblem([2, 2], 2, 3, 2, 3));
          await noLeak(kruLstmH('fused', [2, 2]), [t.x, t.factors, t.U, t.b, t.probe], t.G);
          tf.dispose(Object.values(t));
        });
      });
    },
  );
