// The recurrent models as parameter sets plus pure functions of them. Parameters are tfjs variables;
// every function takes a parameter map explicitly so that gradients can be taken with respect to it.
import * as tf from '@tensorflow/tfjs-core';
import { haarOrthogonal, haarUnitary } from '../linalg';
import type { Rng } from '../util/rng';
import type { KruLstmSpec, KruSpec, LowRankSpec, LstmSpec, NetSpec, RnnSpec } from './config';
import { isGated, type Impl, type KruInit, type ModelKind, type RnnInit } from '../core/vocabulary';
import { kruRecurrenceReference, rnnRecurrenceReference } from './recurrence-reference';
import { kruLstmRecurrenceReference, lstmRecurrenceReference } from './lstm-reference';
import {
  hasFusedKernels,
  hasFusedLstmKernels,
  hasUnitaryPenaltyKernels,
  kruLstmRecurrenceFused,
  kruRecurrenceFused,
  lstmRecurrenceFused,
  rnnRecurrenceFused,
  unitaryPenaltyFused,
} from '../kernels/ops';
import { factorEnd, factorIm, factorLayout, factorRe, packedLength, product } from '../core/factor-layout';

/** Plain arrays of every parameter, in the layouts of docs/model.md (flat, row-major). */
export type ParamArrays = Record<string, Float32Array>;
export type ParamTensors = Record<string, tf.Tensor>;

function gaussian(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

/** Σ_f p_f²: the length of one gate's real factors in a KRU-LSTM. */
export function realFactorsLength(sizes: readonly number[]): number {
  return sizes.reduce((n, p) => n + p * p, 0);
}

/** Shapes of every parameter of a model, in a fixed order (the order of gradient groups and of the file). */
export function paramShapes(spec: NetSpec): Record<string, number[]> {
  const { hidden: N, inputSize: D, outputSize: K } = spec;
  switch (spec.kind) {
    case 'kru': {
      const shapes: Record<string, number[]> = {
        factors: [packedLength(spec.factors)],
        U: [2, N, D],
        b: [2, N],
      };
      if (spec.activation === 'modrelu') shapes.beta = [N];
      shapes.V = [K, 2 * N];
      shapes.c = [K];
      return shapes;
    }
    case 'rnn':
      return { W: [N, N], U: [N, D], b: [N], V: [K, N], c: [K] };
    case 'lowrank':
      return { A: [N, spec.rank], B: [spec.rank, N], U: [N, D], b: [N], V: [K, N], c: [K] };
    case 'lstm':
      return { W: [4 * N, N], U: [4 * N, D], b: [4 * N], V: [K, N], c: [K] };
    case 'kru-lstm':
      return { factors: [4 * realFactorsLength(spec.factors)], U: [4 * N, D], b: [4 * N], V: [K, N], c: [K] };
  }
}

/** The parameters that make the recurrent matrices (the rest are the input, bias and read-out). */
const RECURRENT: Record<ModelKind, string[]> = {
  kru: ['factors'],
  rnn: ['W'],
  lowrank: ['A', 'B'],
  lstm: ['W'],
  'kru-lstm': ['factors'],
};

/** Recurrent and total number of real parameters. */
export function paramCounts(spec: NetSpec): { recurrent: number; total: number } {
  const shapes = paramShapes(spec);
  const total = Object.values(shapes).reduce((s, sh) => s + product(sh), 0);
  const recurrent = RECURRENT[spec.kind].reduce((s, n) => s + product(shapes[n]), 0);
  return { recurrent, total };
}

export function initKruArrays(spec: KruSpec, init: KruInit, rng: Rng): ParamArrays {
  const { hidden: N, inputSize: D, outputSize: K } = spec;
  const layout = factorLayout(spec.factors);
  const factors = new Float32Array(layout.packedLength);
  layout.sizes.forEach((p, f) => {
    const re = factorRe(factors, layout, f);
    const im = factorIm(factors, layout, f);
    if (init.kind === 'unitary') {
      const q = haarUnitary(rng, p);
      re.set(q.re);
      im.set(q.im);
    } else {
      // Re then Im from one stream of draws.
      re.set(gaussian(rng, p * p, init.scale));
      im.set(gaussian(rng, p * p, init.scale));
    }
  });
  const out: ParamArrays = {
    factors,
    U: gaussian(rng, 2 * N * D, 1 / Math.sqrt(D)),
    b: new Float32Array(2 * N),
  };
  if (spec.activation === 'modrelu') out.beta = new Float32Array(N);
  out.V = gaussian(rng, K * 2 * N, 1 / Math.sqrt(2 * N));
  out.c = new Float32Array(K);
  return out;
}

export function initRnnArrays(spec: RnnSpec, init: RnnInit, rng: Rng): ParamArrays {
  const { hidden: N, inputSize: D, outputSize: K } = spec;
  let W: Float32Array;
  if (init.kind === 'gaussian') W = gaussian(rng, N * N, init.gain / Math.sqrt(N));
  else if (init.kind === 'orthogonal') W = Float32Array.from(haarOrthogonal(rng, N));
  else {
    W = new Float32Array(N * N);
    for (let i = 0; i < N; i++) W[i * N + i] = 1;
  }
  return {
    W,
    U: gaussian(rng, N * D, 1 / Math.sqrt(D)),
    b: new Float32Array(N),
    V: gaussian(rng, K * N, 1 / Math.sqrt(N)),
    c: new Float32Array(K),
  };
}

/** The LSTM's W or U: entries uniform in [−1/√N, 1/√N] (PyTorch's default). */
function uniformInit(rng: Rng, n: number, N: number): Float32Array {
  const a = 1 / Math.sqrt(N);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * a;
  return out;
}

/** b = 0 except the forget block [N, 2N): 1 (docs/model.md, "LSTM"). */
function lstmBias(N: number): Float32Array {
  const b = new Float32Array(4 * N);
  b.fill(1, N, 2 * N);
  return b;
}

export function initLstmArrays(spec: LstmSpec, rng: Rng): ParamArrays {
  const { hidden: N, inputSize: D, outputSize: K } = spec;
  return {
    W: uniformInit(rng, 4 * N * N, N),
    U: uniformInit(rng, 4 * N * D, N),
    b: lstmBias(N),
    V: gaussian(rng, K * N, 1 / Math.sqrt(N)),
    c: new Float32Array(K),
  };
}

/** Every gate's factors Haar orthogonal, so each W_k = ⊗_f R_{k,f} starts orthogonal. */
export function initKruLstmArrays(spec: KruLstmSpec, rng: Rng): ParamArrays {
  const { hidden: N, inputSize: D, outputSize: K } = spec;
  const factors = new Float32Array(4 * realFactorsLength(spec.factors));
  let off = 0;
  for (let k = 0; k < 4; k++)
    for (const p of spec.factors) {
      factors.set(haarOrthogonal(rng, p), off);
      off += p * p;
    }
  return {
    factors,
    U: uniformInit(rng, 4 * N * D, N),
    b: lstmBias(N),
    V: gaussian(rng, K * N, 1 / Math.sqrt(N)),
    c: new Float32Array(K),
  };
}

/**
 * A, B ~ N(0, gain/N): A and B then have singular values ≈ √gain (for r ≪ N), so W = A·B has its r non-zero
 * singular values ≈ gain, as an orthogonal RNN's W scaled by gain has on its range. (Matching the RNN's entry
 * variance gain²/N instead would put all of W's energy in r directions: ‖W‖₂ ≈ gain·√(N/r).)
 */
export function initLowRankArrays(spec: LowRankSpec, gain: number, rng: Rng): ParamArrays {
  const { hidden: N, inputSize: D, outputSize: K, rank: r } = spec;
  const s = Math.sqrt(gain / N);
  return {
    A: gaussian(rng, N * r, s),
    B: gaussian(rng, r * N, s),
    U: gaussian(rng, N * D, 1 / Math.sqrt(D)),
    b: new Float32Array(N),
    V: gaussian(rng, K * N, 1 / Math.sqrt(N)),
    c: new Float32Array(K),
  };
}

/** Width of the hidden state as stored: 2N for the KRU ([Re | Im]), N for the real kinds. */
export function stateWidth(spec: NetSpec): number {
  return spec.kind === 'kru' ? 2 * spec.hidden : spec.hidden;
}

/** Whether the fused kernels will be used for this kind and impl on the current backend. */
export function usesFused(impl: Impl, kind: ModelKind): boolean {
  if (impl !== 'fused') return false;
  return isGated(kind) ? hasFusedLstmKernels() : hasFusedKernels();
}

/** Hidden states H [B, T, width]; probe (zeros) has the same shape and receives ∂L/∂h_t. */
export function hiddenStates(
  spec: NetSpec,
  p: ParamTensors,
  x: tf.Tensor3D,
  probe: tf.Tensor3D,
  impl: Impl,
): tf.Tensor3D {
  const fused = usesFused(impl, spec.kind);
  switch (spec.kind) {
    case 'kru': {
      const beta = (p.beta as tf.Tensor1D | undefined) ?? tf.zeros([1]);
      const attrs = { sizes: spec.factors, activation: spec.activation };
      const args = [
        x,
        p.factors as tf.Tensor1D,
        p.U as tf.Tensor3D,
        p.b as tf.Tensor2D,
        beta as tf.Tensor1D,
        probe,
      ] as const;
      return fused ? kruRecurrenceFused(...args, attrs) : kruRecurrenceReference(...args, attrs);
    }
    case 'rnn':
    case 'lowrank': {
      // The low-rank W = A·B is formed once per step (N·r·N); its gradient reaches A and B through the product.
      const W: tf.Tensor2D =
        spec.kind === 'rnn' ? (p.W as tf.Tensor2D) : tf.matMul(p.A as tf.Tensor2D, p.B as tf.Tensor2D);
      const args = [x, W, p.U as tf.Tensor2D, p.b as tf.Tensor1D, probe] as const;
      const attrs = { activation: spec.activation };
      return fused ? rnnRecurrenceFused(...args, attrs) : rnnRecurrenceReference(...args, attrs);
    }
    case 'lstm': {
      const args = [x, p.W as tf.Tensor2D, p.U as tf.Tensor2D, p.b as tf.Tensor1D, probe] as const;
      return fused ? lstmRecurrenceFused(...args) : lstmRecurrenceReference(...args);
    }
    case 'kru-lstm': {
      const args = [x, p.factors as tf.Tensor1D, p.U as tf.Tensor2D, p.b as tf.Tensor1D, probe] as const;
      const attrs = { sizes: spec.factors };
      return fused ? kruLstmRecurrenceFused(...args, attrs) : kruLstmRecurrenceReference(...args, attrs);
    }
  }
}

/** y = V h + c for the given rows of H (flattened to [B·T, width]): [rows, K]. */
export function readout(p: ParamTensors, Hflat: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(Hflat, p.V as tf.Tensor2D, false, true), p.c) as tf.Tensor2D;
}

/**
 * R = Σ_f ‖W_fᴴW_f − I‖_F². Runs of equal-sized consecutive factors are handled as one batch ([F, p, p]
 * batched matMuls), so a 2×2×…×2 KRU costs ~15 ops and their gradients instead of ~40 per factor: per-op
 * dispatch, not arithmetic, is the cost of small tensors in tfjs.
 * WᴴW = (ReᵀRe + ImᵀIm) + i(ReᵀIm − ImᵀRe). With impl 'fused', one kernel and one gradient kernel where the
 * backend has them (src/kernels/cpu/unitary-penalty.ts).
 */
export function unitaryPenalty(spec: KruSpec, factors: tf.Tensor1D, impl: Impl = 'reference'): tf.Scalar {
  if (impl === 'fused' && hasUnitaryPenaltyKernels())
    return tf.tidy(() => tf.reshape(unitaryPenaltyFused(tf.reshape(factors, [1, -1]), spec.factors), []));
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    const layout = factorLayout(spec.factors);
    const { sizes, F } = layout;
    let f = 0;
    while (f < F) {
      const p = sizes[f];
      let run = 1;
      while (f + run < F && sizes[f + run] === p) run++;
      // Equal-sized neighbours are contiguous [Re | Im] blocks (src/core/factor-layout): one [run, 2, p, p] view.
      const start = layout.offsets[f];
      const group = tf.reshape(tf.slice(factors, start, factorEnd(layout, f + run - 1) - start), [
        run,
        2,
        p,
        p,
      ]);
      const re = tf.reshape(tf.slice(group, [0, 0, 0, 0], [run, 1, p, p]), [run, p, p]);
      const im = tf.reshape(tf.slice(group, [0, 1, 0, 0], [run, 1, p, p]), [run, p, p]);
      const gramRe = tf.sub(
        tf.add(tf.matMul(re, re, true, false), tf.matMul(im, im, true, false)),
        tf.eye(p),
      );
      const gramIm = tf.sub(tf.matMul(re, im, true, false), tf.matMul(im, re, true, false));
      terms.push(tf.add(tf.sum(tf.square(gramRe)), tf.sum(tf.square(gramIm))) as tf.Scalar);
      f += run;
    }
    return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
  });
}

/** ‖WᵀW − I‖_F² of a dense real matrix. */
export function orthogonalDeviation(W: tf.Tensor2D): tf.Scalar {
  return tf.tidy(
    () => tf.sum(tf.square(tf.sub(tf.matMul(W, W, true, false), tf.eye(W.shape[0])))) as tf.Scalar,
  );
}
