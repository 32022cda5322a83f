// Each kind's regulariser and the recurrent matrix its views show (docs/model.md): the KRU's W = ⊗ W_f; the
// RNN's W; the low-rank RNN's W = A·B; the LSTM's forget-gate block W_f; the KRU-LSTM's forget-gate
// W_f = ⊗ R_{f,·}. Factored kinds hand their shown factors over in the KRU's complex packed layout (a real
// factor with zero imaginary part), so every factor view and summary serves both.
import * as tf from '@tensorflow/tfjs-core';
import type { KruLstmSpec, NetSpec } from './config';
import type { Impl } from '../core/vocabulary';
import type { ParamArrays, ParamTensors } from './models';
import { realFactorsLength, unitaryPenalty } from './models';
import { factorLayout } from '../core/factor-layout';

/** The forget gate is the second of the four gate blocks (i, f, g, o). */
const FORGET = 1;

/**
 * R = Σ over gates k and factors f of ‖R_{k,f}ᵀR_{k,f} − I‖_F². Every gate has the same factor sizes, so a run
 * of equal-sized consecutive factors is one [4·run, p, p] batch: a 2×…×2 KRU-LSTM costs ~8 ops, not ~20 per
 * factor.
 */
export function orthogonalFactorPenalty(spec: KruLstmSpec, factors: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const sizes = spec.factors;
    const perGate = tf.reshape(factors, [4, realFactorsLength(sizes)]);
    const terms: tf.Scalar[] = [];
    let f = 0;
    let start = 0;
    while (f < sizes.length) {
      const p = sizes[f];
      let run = 1;
      while (f + run < sizes.length && sizes[f + run] === p) run++;
      const R = tf.reshape(tf.slice(perGate, [0, start], [4, run * p * p]), [4 * run, p, p]);
      const gram = tf.sub(tf.matMul(R, R, true, false), tf.eye(p));
      terms.push(tf.sum(tf.square(gram)) as tf.Scalar);
      start += run * p * p;
      f += run;
    }
    return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
  });
}

/** The penalty λ multiplies: the KRU's unitary one, the KRU-LSTM's orthogonal one, 0 for the others. */
export function regularizer(spec: NetSpec, p: ParamTensors, impl: Impl = 'reference'): tf.Scalar {
  if (spec.kind === 'kru') return unitaryPenalty(spec, p.factors as tf.Tensor1D, impl);
  if (spec.kind === 'kru-lstm') return orthogonalFactorPenalty(spec, p.factors as tf.Tensor1D);
  return tf.scalar(0);
}

/**
 * For each entry of the complex packed layout of the KRU-LSTM's forget-gate factors, where it comes from in
 * [...factors, 0]: a real part from the gate's block, an imaginary part from the trailing zero.
 */
function forgetGateIndex(sizes: readonly number[]): Int32Array {
  const layout = factorLayout(sizes);
  const gate = realFactorsLength(sizes);
  const zero = 4 * gate;
  const index = new Int32Array(layout.packedLength).fill(zero);
  let real = FORGET * gate;
  sizes.forEach((p, f) => {
    for (let i = 0; i < p * p; i++) index[layout.offsets[f] + i] = real + i;
    real += p * p;
  });
  return index;
}

/** The shown factors (complex packed layout) of a factored kind; null for the dense kinds. */
export function shownFactors(spec: NetSpec, p: ParamTensors): tf.Tensor1D | null {
  if (spec.kind === 'kru') return tf.clone(p.factors as tf.Tensor1D);
  if (spec.kind !== 'kru-lstm') return null;
  return tf.tidy(() => {
    const padded = tf.concat([p.factors as tf.Tensor1D, tf.zeros([1])]);
    return tf.gather(padded, tf.tensor1d(forgetGateIndex(spec.factors), 'int32')) as tf.Tensor1D;
  });
}

/** The shown N×N matrix of a dense kind; null for the factored kinds. */
export function shownDense(spec: NetSpec, p: ParamTensors): tf.Tensor2D | null {
  const N = spec.hidden;
  switch (spec.kind) {
    case 'rnn':
      return p.W as tf.Tensor2D;
    case 'lowrank':
      return tf.matMul(p.A as tf.Tensor2D, p.B as tf.Tensor2D);
    case 'lstm':
      return tf.slice(p.W as tf.Tensor2D, [FORGET * N, 0], [N, N]);
    default:
      return null;
  }
}

/** shownFactors on plain arrays. */
export function shownFactorsHost(spec: NetSpec, params: ParamArrays): Float32Array | null {
  if (spec.kind === 'kru') return params.factors;
  if (spec.kind !== 'kru-lstm') return null;
  const index = forgetGateIndex(spec.factors);
  const src = params.factors;
  return Float32Array.from(index, (i) => (i < src.length ? src[i] : 0));
}

/** shownDense on plain arrays (row-major N×N). */
export function shownDenseHost(spec: NetSpec, params: ParamArrays): Float32Array | null {
  const N = spec.hidden;
  switch (spec.kind) {
    case 'rnn':
      return params.W;
    case 'lowrank': {
      const { A, B } = params;
      const r = spec.rank;
      const W = new Float32Array(N * N);
      for (let i = 0; i < N; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < r; k++) s += A[i * r + k] * B[k * N + j];
          W[i * N + j] = s;
        }
      return W;
    }
    case 'lstm':
      return params.W.slice(FORGET * N * N, (FORGET + 1) * N * N);
    default:
      return null;
  }
}
