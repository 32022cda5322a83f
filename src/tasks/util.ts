// Small helpers shared by the task generators.
import { Rng } from '../util/rng';

export function checkBatchSize(task: string, B: number): void {
  if (!Number.isSafeInteger(B) || B < 1) {
    throw new Error(`${task} task: the batch size must be an integer ≥ 1, got ${B}`);
  }
}

/** A Fisher–Yates shuffle of 0…n−1 drawn from a fresh Rng(seed) (n − 1 calls to rng.int). */
export function seededPermutation(n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = p[i];
    p[i] = p[j];
    p[j] = tmp;
  }
  return p;
}
