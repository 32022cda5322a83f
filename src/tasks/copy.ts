// Copy memory (Arjovsky, Shah & Bengio 2016, the form used by the KRU paper, Jose et al. 2018 §5.2).
//
// One sequence for delay T has length T + 20 (positions 0-based):
//   0 … 9          ten symbols, each uniform over the alphabet of 8
//   10 … T+8       T − 1 blanks
//   T+9            the delimiter ("now recall")
//   T+10 … T+19    ten blanks, during which the model must output the ten symbols in order
//
// Input coding (one-hot, D = 10): channel 0 = blank, channels 1…8 = symbols 1…8, channel 9 = delimiter.
// Target coding (class index, K = 9): 0 = blank, 1…8 = symbols 1…8 (the same index as the input channel).
// Targets: class 0 at positions 0 … T+9, then the ten symbols at T+10 … T+19. Every position has a target
// (no NaN), so the cross-entropy and the accuracy are averaged over all T + 20 positions; the accuracy is
// therefore dominated by the easy blanks (a memoryless model already scores (T+10)/(T+20) + 10/(8(T+20))).
//
// Memoryless baseline: the best input-independent predictor outputs "blank" with certainty at the first
// T + 10 positions (loss 0) and the uniform distribution over the 8 symbols at the last 10 (loss ln 8 each),
// so its mean loss is 10·ln 8 / (T + 20).
//
// Random draws, per sequence b = 0…B−1 in order: 10 × rng.int(8). Nothing else.
import type { Rng } from '../util/rng';
import type { Batch, Task } from './types';
import { checkBatchSize } from './util';

export const COPY_ALPHABET = 8;
export const COPY_LENGTH = 10;
export const COPY_BLANK = 0;
export const COPY_DELIMITER = COPY_ALPHABET + 1; // input channel 9
export const COPY_INPUT_SIZE = COPY_ALPHABET + 2; // 10
export const COPY_CLASSES = COPY_ALPHABET + 1; // 9

export interface CopyTask extends Task {
  readonly name: 'copy';
  /** The delay T (sequence length T + 20). */
  readonly delay: number;
  /** 0-based position of the delimiter: T + 9. */
  readonly delimiterPosition: number;
}

/** Memoryless baseline 10·ln 8 / (T + 20). */
export function copyBaseline(T: number): number {
  return (COPY_LENGTH * Math.log(COPY_ALPHABET)) / (T + 2 * COPY_LENGTH);
}

export function createCopyTask(T: number): CopyTask {
  if (!Number.isSafeInteger(T) || T < 1) {
    throw new Error(`copy task: the delay T must be an integer ≥ 1, got ${T}`);
  }
  const L = T + 2 * COPY_LENGTH;
  const D = COPY_INPUT_SIZE;
  const delimiterPosition = T + COPY_LENGTH - 1;
  const recallStart = T + COPY_LENGTH;

  function trainBatch(rng: Rng, B: number): Batch {
    checkBatchSize('copy', B);
    const x = new Float32Array(B * L * D);
    const targets = new Float32Array(B * L); // zeros = class 0 (blank) everywhere
    for (let b = 0; b < B; b++) {
      const xb = b * L * D;
      const tb = b * L;
      for (let i = 0; i < COPY_LENGTH; i++) {
        const s = 1 + rng.int(COPY_ALPHABET);
        x[xb + i * D + s] = 1;
        targets[tb + recallStart + i] = s;
      }
      for (let t = COPY_LENGTH; t < L; t++) x[xb + t * D + COPY_BLANK] = 1;
      x[xb + delimiterPosition * D + COPY_BLANK] = 0;
      x[xb + delimiterPosition * D + COPY_DELIMITER] = 1;
    }
    return { B, T: L, D, x, targets };
  }

  return {
    name: 'copy',
    delay: T,
    delimiterPosition,
    inputSize: D,
    outputSize: COPY_CLASSES,
    loss: 'xent',
    seqLength: L,
    baseline: copyBaseline(T),
    hasAccuracy: true,
    trainBatch,
  };
}
