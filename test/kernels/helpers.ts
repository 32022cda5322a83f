// Shared fixtures for the fused-kernel tests: seeded random problems, the float64 losses they are checked
// against, a norm-relative comparison (float32 kernels vs float64 oracle), and one fused forward + backward
// with its gradient checks (the cpu/webgpu tests and the webgpu layout tests all use them).
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  centralDiff,
  kruForward64,
  kruLstmForward64,
  lstmForward64,
  rnnForward64,
  type KruLstmParams64,
  type KruParams64,
  type LstmParams64,
  type RnnParams64,
} from '../support/float64';
import {
  kruLstmRecurrenceFused,
  kruRecurrenceFused,
  lstmRecurrenceFused,
  rnnRecurrenceFused,
  type KruFusedAttrs,
} from '../../src/kernels/ops';
import { kruLstmRecurrenceReference, lstmRecurrenceReference } from '../../src/model/lstm-reference';
import { factorIm, factorLayout, factorRe } from '../../src/core/factor-layout';

/** Deterministic uniform generator (mulberry32), independent of the code under test. */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(rng: () => number, n: number, lo: number, hi: number): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

export type KruAct = KruParams64['activation'];
export type RnnAct = RnnParams64['activation'];

export interface KruProblem {
  p: KruParams64;
  x: Float64Array;
  probe: Float64Array;
  G: Float64Array; // fixed weights of the scalar L = Σ H ⊙ G
  B: number;
  T: number;
  D: number;
  N: number;
}

export function kruProblem(
  sizes: number[],
  activation: KruAct,
  B: number,
  T: number,
  D: number,
  seed: number,
): KruProblem {
  const rng = makeRng(seed);
  const layout = factorLayout(sizes);
  const N = layout.N;
  // Entries ~ U(−s, s) with s chosen so each factor has norm ≈ 1: states neither blow up nor vanish.
  const factors = new Float64Array(layout.packedLength);
  layout.sizes.forEach((p, f) => {
    const s = Math.sqrt(3 / (2 * p));
    // Re then Im, one stream of draws.
    for (const part of [factorRe(factors, layout, f), factorIm(factors, layout, f)]) {
      for (let k = 0; k < part.length; k++) part[k] = (2 * rng() - 1) * s;
    }
  });
  const p: KruParams64 = {
    sizes,
    activation,
    factors,
    U: uniform(rng, 2 * N * D, -0.8, 0.8),
    b: uniform(rng, 2 * N, -0.3, 0.3),
    // modReLU: offsets of both signs so that both branches (s > 0 and s ≤ 0) are exercised.
    beta: activation === 'modrelu' ? uniform(rng, N, -0.4, 0.2) : new Float64Array(1),
  };
  return {
    p,
    x: uniform(rng, B * T * D, -1, 1),
    probe: new Float64Array(B * T * 2 * N),
    G: uniform(rng, B * T * 2 * N, -1, 1),
    B,
    T,
    D,
    N,
  };
}

export function kruLoss64(pr: KruProblem): number {
  const H = kruForward64(pr.p, pr.x, pr.B, pr.T, pr.D, pr.probe);
  let s = 0;
  for (let i = 0; i < H.length; i++) s += H[i] * pr.G[i];
  return s;
}

export interface RnnProblem {
  p: RnnParams64;
  x: Float64Array;
  probe: Float64Array;
  G: Float64Array;
  B: number;
  T: number;
  D: number;
  N: number;
}

export function rnnProblem(
  N: number,
  activation: RnnAct,
  B: number,
  T: number,
  D: number,
  seed: number,
): RnnProblem {
  const rng = makeRng(seed);
  const s = Math.sqrt(3 / N) * 1.1; // spectral radius ≈ 1
  return {
    p: {
      activation,
      W: uniform(rng, N * N, -s, s),
      U: uniform(rng, N * D, -0.8, 0.8),
      b: uniform(rng, N, -0.3, 0.3),
    },
    x: uniform(rng, B * T * D, -1, 1),
    probe: new Float64Array(B * T * N),
    G: uniform(rng, B * T * N, -1, 1),
    B,
    T,
    D,
    N,
  };
}

export function rnnLoss64(pr: RnnProblem): number {
  const H = rnnForward64(pr.p, pr.x, pr.B, pr.T, pr.D, pr.probe);
  let s = 0;
  for (let i = 0; i < H.length; i++) s += H[i] * pr.G[i];
  return s;
}

/** max |actual − expected| ≤ rtol · max |expected| + atol (norm-relative: float32 vs float64). */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
  rtol = 1e-3,
  atol = 1e-5,
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let err = 0;
  let scale = 0;
  let worst = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    if (!(e <= err)) {
      err = e;
      worst = i;
    }
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  const tol = rtol * scale + atol;
  expect(
    err,
    `${label}: max error ${err} at ${worst} (got ${actual[worst]}, want ${expected[worst]}), scale ${scale}`,
  ).toBeLessThanOrEqual(tol);
}

export function kruTensors(pr: KruProblem) {
  const { B, T, D, N } = pr;
  return {
    x: tf.tensor3d(Float32Array.from(pr.x), [B, T, D]),
    factors: tf.tensor1d(Float32Array.from(pr.p.factors)),
    U: tf.tensor3d(Float32Array.from(pr.p.U), [2, N, D]),
    b: tf.tensor2d(Float32Array.from(pr.p.b), [2, N]),
    beta: tf.tensor1d(Float32Array.from(pr.p.beta)),
    probe: tf.tensor3d(Float32Array.from(pr.probe), [B, T, 2 * N]),
    G: tf.tensor3d(Float32Array.from(pr.G), [B, T, 2 * N]),
  };
}

export function rnnTensors(pr: RnnProblem) {
  const { B, T, D, N } = pr;
  return {
    x: tf.tensor3d(Float32Array.from(pr.x), [B, T, D]),
    W: tf.tensor2d(Float32Array.from(pr.p.W), [N, N]),
    U: tf.tensor2d(Float32Array.from(pr.p.U), [N, D]),
    b: tf.tensor1d(Float32Array.from(pr.p.b)),
    probe: tf.tensor3d(Float32Array.from(pr.probe), [B, T, N]),
    G: tf.tensor3d(Float32Array.from(pr.G), [B, T, N]),
  };
}

/** L = Σ H ⊙ G of the fused KRU, as a function of (x, factors, U, b, beta, probe) for tf.grads. */
export function kruSumLoss(G: tf.Tensor, attrs: KruFusedAttrs) {
  return (x: tf.Tensor, factors: tf.Tensor, U: tf.Tensor, b: tf.Tensor, beta: tf.Tensor, probe: tf.Tensor) =>
    tf.sum(
      tf.mul(
        kruRecurrenceFused(
          x as tf.Tensor3D,
          factors as tf.Tensor1D,
          U as tf.Tensor3D,
          b as tf.Tensor2D,
          beta as tf.Tensor1D,
          probe as tf.Tensor3D,
          attrs,
        ),
        G,
      ),
    ) as tf.Scalar;
}

/** The fused KRU's H and every gradient of L = Σ H ⊙ G, read back (tensors freed); grads in input order. */
export async function fusedKru(pr: KruProblem): Promise<{ H: Float32Array; g: Float32Array[] }> {
  const t = kruTensors(pr);
  const attrs = { sizes: pr.p.sizes, activation: pr.p.activation };
  const H = kruRecurrenceFused(t.x, t.factors, t.U, t.b, t.beta, t.probe, attrs);
  const grads = tf.grads(kruSumLoss(t.G, attrs))([t.x, t.factors, t.U, t.b, t.beta, t.probe]);
  // Read before disposing: on webgpu the read is asynchronous and needs the tensors alive.
  const out = {
    H: (await H.data()) as Float32Array,
    g: (await Promise.all(grads.map((g) => g.data()))) as Float32Array[],
  };
  tf.dispose([H, ...grads, ...Object.values(t)]);
  return out;
}

/** The fused RNN's H and every gradient of L = Σ H ⊙ G (x, W, U, b, probe), read back. */
export async function fusedRnn(pr: RnnProblem): Promise<{ H: Float32Array; g: Float32Array[] }> {
  const t = rnnTensors(pr);
  const attrs = { activation: pr.p.activation };
  const H = rnnRecurrenceFused(t.x, t.W, t.U, t.b, t.probe, attrs);
  const grads = tf.grads((x, W, U, b, probe) =>
    tf.sum(
      tf.mul(
        rnnRecurrenceFused(
          x as tf.Tensor3D,
          W as tf.Tensor2D,
          U as tf.Tensor2D,
          b as tf.Tensor1D,
          probe as tf.Tensor3D,
          attrs,
        ),
        t.G,
      ),
    ),
  )([t.x, t.W, t.U, t.b, t.probe]);
  const out = {
    H: (await H.data()) as Float32Array,
    g: (await Promise.all(grads.map((g) => g.data()))) as Float32Array[],
  };
  tf.dispose([H, ...grads, ...Object.values(t)]);
  return out;
}

/** Every KRU gradient against central differences of the float64 loss; dProbe is the total ∂L/∂h_t. */
export function expectKruGrads(pr: KruProblem, g: Float32Array[]): void {
  const f = () => kruLoss64(pr);
  expectClose(g[0], centralDiff(pr.x, f), 'dx');
  expectClose(g[1], centralDiff(pr.p.factors, f), 'dFactors');
  expectClose(g[2], centralDiff(pr.p.U, f), 'dU');
  expectClose(g[3], centralDiff(pr.p.b, f), 'db');
  if (pr.p.activation === 'modrelu') expectClose(g[4], centralDiff(pr.p.beta, f), 'dBeta');
  else expect(Array.from(g[4])).toEqual([0]);
  expectClose(g[5], centralDiff(pr.probe, f), 'dProbe');
}

/** g[i] (a kernel's gradient with respect to input i) against central differences of the float64 loss f. */
function expectGradsOf(f: () => number, g: Float32Array[], wrt: Array<[string, Float64Array]>): void {
  wrt.forEach(([name, a], i) => expectClose(g[i], centralDiff(a, f), name));
}

/** Every RNN gradient against central differences of the float64 loss. */
export function expectRnnGrads(pr: RnnProblem, g: Float32Array[]): void {
  const { x, p, probe } = pr;
  expectGradsOf(() => rnnLoss64(pr), g, [
    ['dx', x],
    ['dW', p.W],
    ['dU', p.U],
    ['db', p.b],
    ['dProbe', probe],
  ]);
}

// The gated kinds (docs/model.md, "LSTM" and "KRU-LSTM"): W [4N, N] or gate-major real factors [4·Σ p²].

export interface LstmProblem {
  p: LstmParams64;
  x: Float64Array;
  probe: Float64Array;
  G: Float64Array;
  B: number;
  T: number;
  D: number;
  N: number;
}

export interface KruLstmProblem {
  p: KruLstmParams64;
  x: Float64Array;
  probe: Float64Array;
  G: Float64Array;
  B: number;
  T: number;
  D: number;
  N: number;
}

/** Each gate block's spectral radius ≈ 1 and pre-activations of order 1: the gates are neither stuck nor flat. */
export function lstmProblem(N: number, B: number, T: number, D: number, seed: number): LstmProblem {
  const rng = makeRng(seed);
  const s = Math.sqrt(3 / N);
  return {
    p: {
      W: uniform(rng, 4 * N * N, -s, s),
      U: uniform(rng, 4 * N * D, -0.8, 0.8),
      b: uniform(rng, 4 * N, -0.5, 0.5),
    },
    x: uniform(rng, B * T * D, -1, 1),
    probe: new Float64Array(B * T * N),
    G: uniform(rng, B * T * N, -1, 1),
    B,
    T,
    D,
    N,
  };
}

/** Factor entries ~ U(−s, s) with each factor's norm ≈ 1, as in kruProblem. */
export function kruLstmProblem(
  sizes: number[],
  B: number,
  T: number,
  D: number,
  seed: number,
): KruLstmProblem {
  const rng = makeRng(seed);
  const N = factorLayout(sizes).N;
  const parts: number[] = [];
  for (let k = 0; k < 4; k++)
    for (const q of sizes) {
      const s = Math.sqrt(3 / q);
      for (let i = 0; i < q * q; i++) parts.push((2 * rng() - 1) * s);
    }
  return {
    p: {
      sizes,
      factors: Float64Array.from(parts),
      U: uniform(rng, 4 * N * D, -0.8, 0.8),
      b: uniform(rng, 4 * N, -0.5, 0.5),
    },
    x: uniform(rng, B * T * D, -1, 1),
    probe: new Float64Array(B * T * N),
    G: uniform(rng, B * T * N, -1, 1),
    B,
    T,
    D,
    N,
  };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function lstmLoss64(pr: LstmProblem): number {
  return dot(lstmForward64(pr.p, pr.x, pr.B, pr.T, pr.D, pr.probe), pr.G);
}

export function kruLstmLoss64(pr: KruLstmProblem): number {
  return dot(kruLstmForward64(pr.p, pr.x, pr.B, pr.T, pr.D, pr.probe), pr.G);
}

export function lstmTensors(pr: LstmProblem) {
  const { B, T, D, N } = pr;
  return {
    x: tf.tensor3d(Float32Array.from(pr.x), [B, T, D]),
    W: tf.tensor2d(Float32Array.from(pr.p.W), [4 * N, N]),
    U: tf.tensor2d(Float32Array.from(pr.p.U), [4 * N, D]),
    b: tf.tensor1d(Float32Array.from(pr.p.b)),
    probe: tf.tensor3d(Float32Array.from(pr.probe), [B, T, N]),
    G: tf.tensor3d(Float32Array.from(pr.G), [B, T, N]),
  };
}

export function kruLstmTensors(pr: KruLstmProblem) {
  const { B, T, D, N } = pr;
  return {
    x: tf.tensor3d(Float32Array.from(pr.x), [B, T, D]),
    factors: tf.tensor1d(Float32Array.from(pr.p.factors)),
    U: tf.tensor2d(Float32Array.from(pr.p.U), [4 * N, D]),
    b: tf.tensor1d(Float32Array.from(pr.p.b)),
    probe: tf.tensor3d(Float32Array.from(pr.probe), [B, T, N]),
    G: tf.tensor3d(Float32Array.from(pr.G), [B, T, N]),
  };
}

/** Which implementation of a gated kind a test runs: the fused op or the op-by-op reference. */
export type GatedImpl = 'fused' | 'reference';

/** H of the LSTM, as a function of (x, W, U, b, probe) for tf.grads. */
export function lstmH(impl: GatedImpl) {
  const op = impl === 'fused' ? lstmRecurrenceFused : lstmRecurrenceReference;
  return (x: tf.Tensor, W: tf.Tensor, U: tf.Tensor, b: tf.Tensor, probe: tf.Tensor) =>
    op(x as tf.Tensor3D, W as tf.Tensor2D, U as tf.Tensor2D, b as tf.Tensor1D, probe as tf.Tensor3D);
}

/** H of the KRU-LSTM, as a function of (x, factors, U, b, probe) for tf.grads. */
export function kruLstmH(impl: GatedImpl, sizes: number[]) {
  const op = impl === 'fused' ? kruLstmRecurrenceFused : kruLstmRecurrenceReference;
  return (x: tf.Tensor, factors: tf.Tensor, U: tf.Tensor, b: tf.Tensor, probe: tf.Tensor) =>
    op(x as tf.Tensor3D, factors as tf.Tensor1D, U as tf.Tensor2D, b as tf.Tensor1D, probe as tf.Tensor3D, {
      sizes,
    });
}

/** H and every gradient of L = Σ H ⊙ G (grads in input order), read back; every tensor freed. */
async function gatedRun(
  h: (...args: tf.Tensor[]) => tf.Tensor,
  args: tf.Tensor[],
  G: tf.Tensor,
): Promise<{ H: Float32Array; g: Float32Array[] }> {
  const H = h(...args);
  const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(h(...a), G)))(args);
  // Read before disposing: on webgpu the read is asynchronous and needs the tensors alive.
  const out = {
    H: (await H.data()) as Float32Array,
    g: (await Promise.all(grads.map((g) => g.data()))) as Float32Array[],
  };
  tf.dispose([H, ...grads]);
  return out;
}

/** The LSTM's H and gradients (x, W, U, b, probe) by the fused op or the reference. */
export async function runLstm(
  pr: LstmProblem,
  impl: GatedImpl,
): Promise<{ H: Float32Array; g: Float32Array[] }> {
  const t = lstmTensors(pr);
  const out = await gatedRun(lstmH(impl), [t.x, t.W, t.U, t.b, t.probe], t.G);
  tf.dispose(Object.values(t));
  return out;
}

/** The KRU-LSTM's H and gradients (x, factors, U, b, probe) by the fused op or the reference. */
export async function runKruLstm(
  pr: KruLstmProblem,
  impl: GatedImpl,
): Promise<{ H: Float32Array; g: Float32Array[] }> {
  const t = kruLstmTensors(pr);
  const out = await gatedRun(kruLstmH(impl, pr.p.sizes), [t.x, t.factors, t.U, t.b, t.probe], t.G);
  tf.dispose(Object.values(t));
  return out;
}

/** Every LSTM gradient against central differences of the float64 loss; dProbe is the total ∂L/∂h_t. */
export function expectLstmGrads(pr: LstmProblem, g: Float32Array[]): void {
  const { x, p, probe } = pr;
  expectGradsOf(() => lstmLoss64(pr), g, [
    ['dx', x],
    ['dW', p.W],
    ['dU', p.U],
    ['db', p.b],
    ['dProbe', probe],
  ]);
}

/** Every KRU-LSTM gradient against central differences of the float64 loss. */
export function expectKruLstmGrads(pr: KruLstmProblem, g: Float32Array[]): void {
  const { x, p, probe } = pr;
  expectGradsOf(() => kruLstmLoss64(pr), g, [
    ['dx', x],
    ['dFactors', p.factors],
    ['dU', p.U],
    ['db', p.b],
    ['dProbe', probe],
  ]);
}
