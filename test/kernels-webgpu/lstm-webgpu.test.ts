// WebGPU-only checks of the gated kinds' kernels (src/kernels/webgpu/lstm*.ts, kru-lstm.ts) in every thread
// layout, against a float64 LSTM written here (the KRU-LSTM's W_k formed explicitly): H, C and G of the forward
// kernel, every gradient against central differences, and the layouts' edges: T = 1, B = 1, a probe that is
// not zero, N above the workgroup size (lanes own several units), factors whose dR does not fit the private
// accumulators, saturated gates. Collected by the webgpu vitest project only.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as support from '../support/backend';
import { centralDiff } from '../support/float64';
import { registerFusedKernels } from '../../src/kernels/register';
import { setWebgpuKernelLayout } from '../../src/kernels/webgpu';
import {
  KRU_LSTM_RECURRENCE,
  LSTM_RECURRENCE,
  kruLstmRecurrenceFused,
  lstmRecurrenceFused,
} from '../../src/kernels/ops';
import { expectClose, makeRng, uniform } from '../kernels/helpers';

if ((await support.useBackend()) !== 'webgpu')
  throw new Error('test/kernels-webgpu runs in the webgpu project only');
registerFusedKernels();

afterAll(() => setWebgpuKernelLayout('auto'));

/** A problem of either kind: `rec` is W [4N, N] (lstm) or the gate-major real factors (kru-lstm). */
interface Problem {
  sizes?: number[];
  rec: Float64Array;
  U: Float64Array;
  b: Float64Array;
  x: Float64Array;
  probe: Float64Array;
  G: Float64Array; // L = Σ H ⊙ G
  N: number;
  B: number;
  T: number;
  D: number;
}

function problem(N: number, B: number, T: number, seed: number, sizes?: number[], scale = 1): Problem {
  const rng = makeRng(seed);
  const D = 2;
  let rec: Float64Array;
  if (sizes) {
    const parts: number[] = [];
    for (let k = 0; k < 4; k++)
      for (const p of sizes) for (let i = 0; i < p * p; i++) parts.push((2 * rng() - 1) * Math.sqrt(3 / p));
    rec = Float64Array.from(parts, (v) => v * scale);
  } else rec = uniform(rng, 4 * N * N, -scale * Math.sqrt(3 / N), scale * Math.sqrt(3 / N));
  return {
    sizes,
    rec,
    U: uniform(rng, 4 * N * D, -0.8 * scale, 0.8 * scale),
    b: uniform(rng, 4 * N, -0.5 * scale, 0.5 * scale),
    x: uniform(rng, B * T * D, -1, 1),
    probe: new Float64Array(B * T * N),
    G: uniform(rng, B * T * N, -1, 1),
    N,
    B,
    T,
    D,
  };
}

/** W [4N, N] with gate k's block R_{k,0} ⊗ … ⊗ R_{k,F−1} (numpy-kron order). */
function kronGates(sizes: number[], factors: Float64Array, N: number): Float64Array {
  const W = new Float64Array(4 * N * N);
  let off = 0;
  for (let k = 0; k < 4; k++) {
    let M = new Float64Array([1]);
    let n = 1;
    for (const p of sizes) {
      const m = n * p;
      const next = new Float64Array(m * m);
      for (let i0 = 0; i0 < n; i0++)
        for (let j0 = 0; j0 < n; j0++)
          for (let i1 = 0; i1 < p; i1++)
            for (let j1 = 0; j1 < p; j1++)
              next[(i0 * p + i1) * m + j0 * p + j1] = M[i0 * n + j0] * factors[off + i1 * p + j1];
      M = next;
      n = m;
      off += p * p;
    }
    W.set(M, k * N * N);
  }
  return W;
}

const sig = (z: number) => 1 / (1 + Math.exp(-z));

/** H, C [B,T,N] and G [B,T,4N] in float64 (docs/model.md, "LSTM"). */
function forward64(pr: Problem): { H: Float64Array; C: Float64Array; Gt: Float64Array } {
  const { N, B, T, D } = pr;
  const W = pr.sizes ? kronGates(pr.sizes, pr.rec, N) : pr.rec;
  const H = new Float64Array(B * T * N);
  const C = new Float64Array(B * T * N);
  const Gt = new Float64Array(B * T * 4 * N);
  for (let s = 0; s < B; s++)
    for (let t = 0; t < T; t++) {
      const row = s * T + t;
      for (let n = 0; n < N; n++) {
        const z = [0, 1, 2, 3].map((k) => {
          const r = k * N + n;
          let v = pr.b[r];
          for (let d = 0; d < D; d++) v += pr.U[r * D + d] * pr.x[row * D + d];
          if (t > 0) for (let j = 0; j < N; j++) v += W[r * N + j] * H[(row - 1) * N + j];
          return v;
        });
        const g = [sig(z[0]), sig(z[1]), Math.tanh(z[2]), sig(z[3])];
        const c = g[1] * (t > 0 ? C[(row - 1) * N + n] : 0) + g[0] * g[2];
        C[row * N + n] = c;
        H[row * N + n] = g[3] * Math.tanh(c) + pr.probe[row * N + n];
        g.forEach((v, k) => (Gt[row * 4 * N + k * N + n] = v));
      }
    }
  return { H, C, Gt };
}

function loss64(pr: Problem): number {
  const { H } = forward64(pr);
  let s = 0;
  for (let i = 0; i < H.length; i++) s += H[i] * pr.G[i];
  return s;
}

interface Run {
  out: Float32Array[]; // H, C, G of the forward kernel
  g: Float32Array[]; // dx, dRec, dU, db, dProbe
}

/** Both kernels of the problem's kind, read back; checks that every tensor is freed. */
async function run(pr: Problem): Promise<Run> {
  const { N, B, T, D } = pr;
  const before = tf.memory().numTensors;
  const x = tf.tensor3d(Float32Array.from(pr.x), [B, T, D]);
  const rec = pr.sizes
    ? tf.tensor1d(Float32Array.from(pr.rec))
    : tf.tensor2d(Float32Array.from(pr.rec), [4 * N, N]);
  const U = tf.tensor2d(Float32Array.from(pr.U), [4 * N, D]);
  const b = tf.tensor1d(Float32Array.from(pr.b));
  const probe = tf.tensor3d(Float32Array.from(pr.probe), [B, T, N]);
  const G = tf.tensor3d(Float32Array.from(pr.G), [B, T, N]);
  const inputs: tf.NamedTensorMap = pr.sizes ? { x, factors: rec, U, b, probe } : { x, W: rec, U, b, probe };
  const attrs: tf.NamedAttrMap = pr.sizes ? { sizes: pr.sizes } : {};
  const outs = tf
    .engine()
    .runKernel<tf.Tensor[]>(pr.sizes ? KRU_LSTM_RECURRENCE : LSTM_RECURRENCE, inputs, attrs);
  const h = (...a: tf.Tensor[]) =>
    pr.sizes
      ? kruLstmRecurrenceFused(
          a[0] as tf.Tensor3D,
          a[1] as tf.Tensor1D,
          a[2] as tf.Tensor2D,
          a[3] as tf.Tensor1D,
          a[4] as tf.Tensor3D,
          { sizes: pr.sizes },
        )
      : lstmRecurrenceFused(
          a[0] as tf.Tensor3D,
          a[1] as tf.Tensor2D,
          a[2] as tf.Tensor2D,
          a[3] as tf.Tensor1D,
          a[4] as tf.Tensor3D,
        );
  const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(h(...a), G)))([x, rec, U, b, probe]);
  const result = {
    out: (await Promise.all(outs.map((t) => t.data()))) as Float32Array[],
    g: (await Promise.all(grads.map((t) => t.data()))) as Float32Array[],
  };
  tf.dispose([...outs, ...grads, x, rec, U, b, probe, G]);
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

const GRAD_NAMES = ['dx', 'dRec', 'dU', 'db', 'dProbe'];
const params = (pr: Problem) => [pr.x, pr.rec, pr.U, pr.b, pr.probe];

/** The forward kernel's H, C, G against float64, every gradient against central differences. */
function expectAll(pr: Problem, r: Run): void {
  const want = forward64(pr);
  expectClose(r.out[0], want.H, 'H', 1e-4);
  expectClose(r.out[1], want.C, 'C', 1e-4);
  expectClose(r.out[2], want.Gt, 'G', 1e-4);
  params(pr).forEach((arr, i) =>
    expectClose(
      r.g[i],
      centralDiff(arr, () => loss64(pr)),
      GRAD_NAMES[i],
    ),
  );
}

/** As expectAll with the gradients checked at `count` entries per parameter (large problems). */
function expectSampled(pr: Problem, r: Run, count: number): void {
  const want = forward64(pr);
  expectClose(r.out[0], want.H, 'H', 1e-4);
  expectClose(r.out[1], want.C, 'C', 1e-4);
  const rng = makeRng(99);
  params(pr).forEach((arr, i) => {
    const idx = [...new Set(Array.from({ length: count }, () => Math.floor(rng() * arr.length)))];
    const sub = Float64Array.from(idx, (j) => arr[j]);
    const diff = centralDiff(sub, () => {
      idx.forEach((j, q) => (arr[j] = sub[q]));
      return loss64(pr);
    });
    idx.forEach((j, q) => (arr[j] = sub[q]));
    expectClose(
      Float32Array.from(idx, (j) => r.g[i][j]),
      diff,
      GRAD_NAMES[i],
    );
  });
}

const withProbe = (pr: Problem) => {
  pr.probe = Float64Array.from(pr.G, (v) => 0.1 * v);
  return pr;
};

for (const mode of ['workgroup', 'workgroup-global', 'serial'] as const)
  describe(`gated kinds' webgpu kernels, layout ${mode}`, () => {
    const go = (pr: Problem) => {
      setWebgpuKernelLayout(mode);
      return run(pr);
    };

    it('LSTM N=3 B=2 T=3', async () => {
      const pr = problem(3, 2, 3, 1);
      expectAll(pr, await go(pr));
    });
    it('LSTM N=5 B=1 T=1, probe not zero', async () => {
      const pr = withProbe(problem(5, 1, 1, 2));
      expectAll(pr, await go(pr));
    });
    it('LSTM with saturated gates (|z| up to ~60): finite and exact', async () => {
      const pr = problem(4, 2, 3, 3, undefined, 20);
      const r = await go(pr);
      for (const a of [...r.out, ...r.g]) expect(a.every(Number.isFinite)).toBe(true);
      expectAll(pr, r);
    });

    for (const [sizes, B, T] of [
      [[2, 3], 2, 3],
      [[3, 1, 2], 1, 2],
      [[4], 2, 1],
      // 4·81 entries of dR: above the lanes' register slots and the serial thread's private accumulators.
      [[9], 2, 2],
    ] as [number[], number, number][])
      it(`KRU-LSTM [${sizes}] B=${B} T=${T}${T === 1 ? ', probe not zero' : ''}`, async () => {
        const N = sizes.reduce((a, p) => a * p, 1);
        const pr = problem(N, B, T, 10 + sizes.length, sizes);
        if (T === 1) withProbe(pr);
        expectAll(pr, await go(pr));
      });

    // N = 260 > 256 lanes: lanes own two units, and the factor loops stride over 4N.
    it('LSTM N=260 B=1 T=2', async () => {
      const pr = withProbe(problem(260, 1, 2, 4));
      expectSampled(pr, await go(pr), 6);
    });
    it('KRU-LSTM [65, 4] B=2 T=2', async () => {
      const pr = problem(260, 2, 2, 5, [65, 4]);
      expectSampled(pr, await go(pr), 6);
    });
  });
