// Adding problem (Hochreiter & Schmidhuber 1997, in the form of Arjovsky et al. 2016 used by the KRU paper).
//
// A sequence of length T has D = 2 input channels: channel 0 holds numbers uniform in [0, 1); channel 1 is a
// mask with exactly two 1s, one at a position uniform in the first half [0, ⌊T/2⌋) and one uniform in the
// second half [⌊T/2⌋, T). The target is the sum of the two marked numbers, at the last step only (K = 1, MSE);
// every other position's target is NaN.
//
// Baseline: the best constant prediction is E[sum] = 1, whose MSE is Var(U₁ + U₂) = 2 · 1/12 = 1/6 ≈ 0.1667.
//
// Random draws, per sequence b = 0…B−1 in order: T × rng.next() (the numbers, t = 0…T−1), then
// rng.int(⌊T/2⌋) (first marker), then rng.int(T − ⌊T/2⌋) (second marker, offset by ⌊T/2⌋).
import type { Rng } from '../util/rng';
import type { Batch, Task } from './types';
import { checkBatchSize } from './util';

/** Var(U₁ + U₂) for independent U(0, 1): the MSE of the constant prediction 1. */
export const ADDING_BASELINE = 1 / 6;

export interface AddingTask extends Task {
  readonly name: 'adding';
}

export function createAddingTask(T: number): AddingTask {
  if (!Number.isSafeInteger(T) || T < 2) {
    throw new Error(`adding task: the length T must be an integer ≥ 2, got ${T}`);
  }
  const D = 2;
  const half = Math.floor(T / 2);

  function trainBatch(rng: Rng, B: number): Batch {
    checkBatchSize('adding', B);
    const x = new Float32Array(B * T * D);
    const targets = new Float32Array(B * T).fill(NaN);
    for (let b = 0; b < B; b++) {
      const xb = b * T * D;
      for (let t = 0; t < T; t++) x[xb + t * D] = rng.next();
      const i = rng.int(half);
      const j = half + rng.int(T - half);
      x[xb + i * D + 1] = 1;
      x[xb + j * D + 1] = 1;
      targets[b * T + T - 1] = x[xb + i * D] + x[xb + j * D];
    }
    return { B, T, D, x, targets };
  }

  return {
    name: 'adding',
    inputSize: D,
    outputSize: 1,
    loss: 'mse',
    seqLength: T,
    baseline: ADDING_BASELINE,
    hasAccuracy: false,
    trainBatch,
  };
}
