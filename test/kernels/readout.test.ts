// The read-out and task loss (src/model/loss.ts readoutLoss): the fused kernel on cpu, the tfjs ops elsewhere
// and as the reference. Both against a float64 oracle (readout64, taskLoss64) and its central differences,
// fused against op-by-op on problems large enough for several blocks of rows, with and without SIMD, on
// xent and mse, every position or only the last, some positions without a target; NaN propagation; no leaks.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { centralDiff, readout64, taskLoss64 } from '../support/float64';
import { expectClose, makeRng, uniform } from './helpers';
import { registerFusedKernels } from '../../src/kernels/register';
import { hasReadoutLossKernel, READOUT_LOSS } from '../../src/kernels/ops';
import { setSimdLoops } from '../../src/kernels/cpu/wasm';
import { readoutLoss, usesFusedReadout, type LossTargets } from '../../src/model/loss';
import type { Impl } from '../../src/core/vocabulary';

const backend = await useBackend();
registerFusedKernels();
const fusedHere = hasReadoutLossKernel(backend);

interface Problem {
  B: number;
  T: number;
  W: number;
  K: number;
  loss: 'xent' | 'mse';
  lastStepOnly: boolean;
  H: Float64Array; // [B, T, W]
  V: Float64Array; // [K, W]
  c: Float64Array; // [K]
  /** per read-out row: the target, NaN where there is none */
  targets: Float64Array;
}

function problem(
  seed: number,
  B: number,
  T: number,
  W: number,
  K: number,
  loss: 'xent' | 'mse',
  lastStepOnly: boolean,
  holes = 0,
): Problem {
  const rng = makeRng(seed);
  const R = lastStepOnly ? B : B * T;
  const targets = Float64Array.from({ length: R }, () =>
    rng() < holes ? NaN : loss === 'xent' ? Math.floor(rng() * K) : 2 * rng() - 1,
  );
  return {
    B,
    T,
    W,
    K,
    loss,
    lastStepOnly,
    H: uniform(rng, B * T * W, -1, 1),
    V: uniform(rng, K * W, -1, 1),
    c: uniform(rng, K, -0.5, 0.5),
    targets,
  };
}

/** The rows that are read out, [R, W]. */
function rows64(pr: Problem): Float64Array {
  if (!pr.lastStepOnly) return pr.H;
  const { B, T, W } = pr;
  const out = new Float64Array(B * W);
  for (let b = 0; b < B; b++) out.set(pr.H.subarray((b * T + T - 1) * W, (b * T + T) * W), b * W);
  return out;
}

function loss64(pr: Problem): number {
  const R = pr.targets.length;
  return taskLoss64(readout64(rows64(pr), pr.V, pr.c, R, pr.W), pr.K, pr.targets, pr.loss);
}

function accuracy64(pr: Problem): number {
  const R = pr.targets.length;
  const Y = readout64(rows64(pr), pr.V, pr.c, R, pr.W);
  let hits = 0;
  let count = 0;
  for (let r = 0; r < R; r++) {
    if (Number.isNaN(pr.targets[r])) continue;
    count++;
    let arg = 0;
    for (let k = 1; k < pr.K; k++) if (Y[r * pr.K + k] > Y[r * pr.K + arg]) arg = k;
    if (arg === pr.targets[r]) hits++;
  }
  return hits / Math.max(count, 1);
}

function targetsOf(pr: Problem): LossTargets {
  const w = Float32Array.from(pr.targets, (t) => (Number.isNaN(t) ? 0 : 1));
  return {
    values: tf.tensor1d(Float32Array.from(pr.targets, (t) => (Number.isNaN(t) ? 0 : t))),
    weights: tf.tensor1d(w),
    count: w.reduce((a, b) => a + b, 0),
    lastStepOnly: pr.lastStepOnly,
    loss: pr.loss,
    hasAccuracy: pr.loss === 'xent',
  };
}

interface Result {
  loss: number;
  accuracy: number;
  dH: Float32Array;
  dV: Float32Array;
  dc: Float32Array;
}

/** Loss, accuracy and dH, dV, dc through readoutLoss with `impl`; checks that nothing leaks. */
async function run(pr: Problem, impl: Impl): Promise<Result> {
  const before = tf.memory().numTensors;
  const H = tf.tensor3d(Float32Array.from(pr.H), [pr.B, pr.T, pr.W]);
  const V = tf.tensor2d(Float32Array.from(pr.V), [pr.K, pr.W]);
  const c = tf.tensor1d(Float32Array.from(pr.c));
  const t = targetsOf(pr);
  const f = (h: tf.Tensor, v: tf.Tensor, cc: tf.Tensor) =>
    readoutLoss({ V: v, c: cc }, h as tf.Tensor3D, t, impl).loss;
  const out = tf.tidy(() => readoutLoss({ V, c }, H, t, impl));
  const { value, grads } = tf.valueAndGrads(f)([H, V, c]);
  const [loss, accuracy, valueLoss] = [await out.loss.data(), await out.accuracy.data(), await value.data()];
  expect(valueLoss[0]).toBe(loss[0]);
  const r: Result = {
    loss: loss[0],
    accuracy: accuracy[0],
    dH: (await grads[0].data()) as Float32Array,
    dV: (await grads[1].data()) as Float32Array,
    dc: (await grads[2].data()) as Float32Array,
  };
  tf.dispose([H, V, c, t.values, t.weights, out.loss, out.accuracy, value, ...grads]);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return r;
}

function expectGrads(
  got: Result,
  want: { dH: ArrayLike<number>; dV: ArrayLike<number>; dc: ArrayLike<number> },
) {
  expectClose(got.dH, want.dH, 'dH', 1e-4, 1e-7);
  expectClose(got.dV, want.dV, 'dV', 1e-4, 1e-7);
  expectClose(got.dc, want.dc, 'dc', 1e-4, 1e-7);
}

/** Central differences of the float64 loss in H, V and c. */
function numeric(pr: Problem) {
  const f = () => loss64(pr);
  return { dH: centralDiff(pr.H, f), dV: centralDiff(pr.V, f), dc: centralDiff(pr.c, f) };
}

const small: Array<[string, Problem]> = [
  ['xent, every position', problem(1, 3, 5, 6, 9, 'xent', false)],
  ['xent, some positions without a target', problem(2, 3, 5, 7, 5, 'xent', false, 0.4)],
  ['xent, last step only', problem(3, 4, 6, 5, 3, 'xent', true)],
  ['mse, last step only', problem(4, 4, 6, 8, 1, 'mse', true)],
  ['mse, some positions without a target', problem(5, 2, 7, 3, 1, 'mse', false, 0.3)],
  ['xent, two classes, one unit', problem(6, 2, 3, 1, 2, 'xent', false)],
];

const impls: Impl[] = fusedHere ? ['fused', 'reference'] : ['fused'];

describe(`readoutLoss on ${backend}`, () => {
  afterAll(() => setSimdLoops(true));

  it(`runs the fused kernel exactly where it is registered (${fusedHere ? 'here' : 'not here'})`, () => {
    expect(usesFusedReadout('fused')).toBe(fusedHere);
    expect(usesFusedReadout('reference')).toBe(false);
    expect(tf.getKernel(READOUT_LOSS, 'cpu')).toBeDefined();
  });

  for (const impl of impls)
    for (const [name, pr] of small)
      it(`${impl}: ${name} matches float64 and its central differences`, async () => {
        const r = await run(pr, impl);
        const want = loss64(pr);
        expect(Math.abs(r.loss - want)).toBeLessThanOrEqual(1e-5 * Math.abs(want) + 1e-6);
        if (pr.loss === 'xent') expect(r.accuracy).toBeCloseTo(accuracy64(pr), 6);
        else expect(r.accuracy).toBeNaN();
        expectGrads(r, numeric(pr));
      });

  describe.skipIf(!fusedHere)('the fused kernel against the op-by-op path', () => {
    // W = 250: a block of rows holds 262, so 280 rows take two blocks, and W mod 4 = 2 columns go to JS.
    const large: Array<[string, Problem]> = [
      ['copy-like xent over two blocks', problem(11, 4, 70, 250, 9, 'xent', false, 0.1)],
      ['xent, last step only, W mod 4 = 3', problem(12, 32, 50, 131, 10, 'xent', true)],
      ['mse, last step only, W = 128', problem(13, 32, 50, 128, 1, 'mse', true)],
      ['mse at every position, W = 64', problem(14, 8, 40, 64, 1, 'mse', false)],
    ];
    for (const simd of [true, false])
      for (const [name, pr] of large)
        it(`${name}, SIMD ${simd ? 'on' : 'off'}`, async () => {
          setSimdLoops(simd);
          const fused = await run(pr, 'fused');
          const ref = await run(pr, 'reference');
          expect(Math.abs(fused.loss - ref.loss)).toBeLessThanOrEqual(2e-6 * Math.abs(ref.loss) + 1e-7);
          if (pr.loss === 'xent') expect(Math.abs(fused.accuracy - ref.accuracy)).toBeLessThanOrEqual(0.01);
          expectGrads(fused, ref);
          expect(Math.abs(fused.loss - loss64(pr))).toBeLessThanOrEqual(1e-5 * loss64(pr));
        });

    it('SIMD on and off agree closely', async () => {
      const pr = problem(21, 4, 70, 250, 9, 'xent', false, 0.1);
      setSimdLoops(true);
      const a = await run(pr, 'fused');
      setSimdLoops(false);
      const b = await run(pr, 'fused');
      setSimdLoops(true);
      expect(Math.abs(a.loss - b.loss)).toBeLessThanOrEqual(1e-6 * Math.abs(b.loss));
      expectGrads(a, b);
    });

    it('a NaN at a position without a target still makes the loss NaN, as the ops do', async () => {
      const pr = problem(31, 2, 4, 6, 3, 'xent', false);
      pr.targets[1] = NaN;
      pr.H[1 * pr.W + 2] = NaN; // row 1 (b = 0, t = 1), which has no target
      for (const impl of impls) expect((await run(pr, impl)).loss, impl).toBeNaN();
    });

    it('refuses inputs of the wrong shape', () => {
      const H = tf.zeros([2, 3, 4]) as tf.Tensor3D;
      const t: LossTargets = {
        values: tf.zeros([6]) as tf.Tensor1D,
        weights: tf.ones([6]) as tf.Tensor1D,
        count: 6,
        lastStepOnly: false,
        loss: 'mse',
        hasAccuracy: false,
      };
      const V2 = tf.zeros([2, 4]);
      const V5 = tf.zeros([1, 5]);
      const V1 = tf.zeros([1, 4]);
      const c = [tf.zeros([2]), tf.zeros([1])];
      const before = tf.memory().numTensors;
      expect(() => readoutLoss({ V: V2, c: c[0] }, H, t, 'fused')).toThrow(/mse needs one output/);
      expect(() => readoutLoss({ V: V5, c: c[1] }, H, t, 'fused')).toThrow(/V must be/);
      expect(() => readoutLoss({ V: V1, c: c[1] }, H, { ...t, lastStepOnly: true }, 'fused')).toThrow(
        /values/,
      );
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([H, t.values, t.weights, V2, V5, V1, ...c]);
    });
  });
});
