// Pixel-by-pixel digits: the browser-sized stand-in for the paper's pixel-by-pixel (and permuted) MNIST.
//
// Data: "Optical Recognition of Handwritten Digits" (E. Alpaydin, C. Kaynak, 1998), UCI Machine Learning
// Repository, CC BY 4.0 — the 1,797 8×8 images distributed with scikit-learn. Shipped as
// public/data/digits.u8 (see public/data/README.md): 1,797 records of 65 bytes, 64 pixels 0…16 (row-major)
// then the label 0…9. No header. This module is pure (no node:fs): the browser fetches the file and calls
// parseDigits; Node uses loadDigitsNode from ./digits-node.
//
// Task: 64 steps, D = 1 (pixel / 16, in [0, 1]), K = 10, cross-entropy at the last step only (other targets NaN).
// Split: a Fisher–Yates shuffle of the record indices drawn from Rng(DIGITS_SPLIT_SEED); the first
// n − testSize shuffled records are the training split, the last testSize (default 300: 1,497 / 300) the test
// split. Permuted variant: step t reads pixel DIGITS_PERMUTATION[t], a Fisher–Yates shuffle of 0…63 drawn
// from Rng(DIGITS_PERMUTATION_SEED); the same for every run, batch and the test set.
// Baseline: the entropy (nats) of the training split's label distribution — the cross-entropy of the best
// input-independent predictor on training batches (which are drawn uniformly from the training split);
// ≈ 2.302, just under ln 10.
// Random draws per batch: B × rng.int(trainSize) (which training record fills row b, with replacement).
import type { Rng } from '../util/rng';
import type { Batch, Task } from './types';
import { checkBatchSize, seededPermutation } from './util';

export const DIGITS_PIXELS = 64;
export const DIGITS_RECORD_BYTES = DIGITS_PIXELS + 1;
export const DIGITS_MAX_PIXEL = 16;
export const DIGITS_CLASSES = 10;
/** Rows in the shipped file. */
export const DIGITS_COUNT = 1797;
export const DIGITS_TEST_SIZE = 300;
export const DIGITS_SPLIT_SEED = 20180710;
export const DIGITS_PERMUTATION_SEED = 1705101420;
/** Path of the shipped file relative to the public folder (the app's base URL). */
export const DIGITS_FILE = 'data/digits.u8';

export interface DigitsData {
  /** Number of images n. */
  count: number;
  /** [n, 64] row-major 8×8 images, values 0…16. */
  pixels: Uint8Array;
  /** [n] labels 0…9. */
  labels: Uint8Array;
}

/** Parses the digits.u8 format (n records of 64 pixels 0…16 then a label 0…9); throws a clear Error. */
export function parseDigits(bytes: Uint8Array): DigitsData {
  const what = 'digits data';
  if (!(bytes instanceof Uint8Array)) throw new Error(`${what}: expected a Uint8Array`);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new Error(`${what}: the bytes are gzip-compressed; decompress them first (expected raw digits.u8)`);
  }
  if (bytes.length === 0 || bytes.length % DIGITS_RECORD_BYTES !== 0) {
    throw new Error(
      `${what}: expected a non-empty multiple of ${DIGITS_RECORD_BYTES} bytes (records of 64 pixels + label), ` +
        `got ${bytes.length} bytes`,
    );
  }
  const count = bytes.length / DIGITS_RECORD_BYTES;
  const pixels = new Uint8Array(count * DIGITS_PIXELS);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * DIGITS_RECORD_BYTES;
    for (let p = 0; p < DIGITS_PIXELS; p++) {
      const v = bytes[o + p];
      if (v > DIGITS_MAX_PIXEL) {
        throw new Error(`${what}: record ${i}, pixel ${p} is ${v}, outside 0…${DIGITS_MAX_PIXEL}`);
      }
      pixels[i * DIGITS_PIXELS + p] = v;
    }
    const label = bytes[o + DIGITS_PIXELS];
    if (label >= DIGITS_CLASSES) {
      throw new Error(`${what}: record ${i} has label ${label}, outside 0…${DIGITS_CLASSES - 1}`);
    }
    labels[i] = label;
  }
  return { count, pixels, labels };
}

/** Inverse of parseDigits (used by tests; scripts/make-digits.mjs writes the same layout). */
export function encodeDigits(data: DigitsData): Uint8Array {
  const out = new Uint8Array(data.count * DIGITS_RECORD_BYTES);
  for (let i = 0; i < data.count; i++) {
    out.set(data.pixels.subarray(i * DIGITS_PIXELS, (i + 1) * DIGITS_PIXELS), i * DIGITS_RECORD_BYTES);
    out[i * DIGITS_RECORD_BYTES + DIGITS_PIXELS] = data.labels[i];
  }
  return out;
}

/** The fixed pixel order of the permuted variant: step t reads pixel DIGITS_PERMUTATION[t]. */
export const DIGITS_PERMUTATION: Int32Array = seededPermutation(DIGITS_PIXELS, DIGITS_PERMUTATION_SEED);

export interface DigitsTaskOptions {
  permuted?: boolean;
  /** Size of the test split (default 300); the rest is the training split. */
  testSize?: number;
}

export interface DigitsTask extends Task {
  readonly name: 'digits' | 'digits-permuted';
  readonly permuted: boolean;
  /** Record indices of the training split (in shuffled order). */
  readonly trainIndices: Int32Array;
  /** Record indices of the test split (in shuffled order; testSet() rows follow it). */
  readonly testIndices: Int32Array;
  /** Pixel read at each step: DIGITS_PERMUTATION when permuted, else 0…63. */
  readonly order: Int32Array;
  testSet(): Batch;
}

function labelEntropy(labels: Uint8Array, indices: Int32Array): number {
  const counts = new Float64Array(DIGITS_CLASSES);
  for (let i = 0; i < indices.length; i++) counts[labels[indices[i]]]++;
  let h = 0;
  for (const c of counts) {
    if (c > 0) {
      const p = c / indices.length;
      h -= p * Math.log(p);
    }
  }
  return h;
}

export function createDigitsTask(data: DigitsData, options: DigitsTaskOptions = {}): DigitsTask {
  if (!data || !(data.pixels instanceof Uint8Array) || !(data.labels instanceof Uint8Array)) {
    throw new Error(
      'digits task: digits data is missing (load it with loadDigitsNode or fetch + parseDigits)',
    );
  }
  const n = data.count;
  if (data.pixels.length !== n * DIGITS_PIXELS || data.labels.length !== n) {
    throw new Error(
      `digits task: inconsistent digits data (count ${n}, ${data.pixels.length} pixels, ${data.labels.length} labels)`,
    );
  }
  const permuted = options.permuted ?? false;
  const testSize = options.testSize ?? DIGITS_TEST_SIZE;
  if (!Number.isSafeInteger(testSize) || testSize < 1 || testSize >= n) {
    throw new Error(`digits task: the test size must be an integer in 1…${n - 1}, got ${testSize}`);
  }
  const shuffled = seededPermutation(n, DIGITS_SPLIT_SEED);
  const trainIndices = shuffled.slice(0, n - testSize);
  const testIndices = shuffled.slice(n - testSize);
  const order = permuted
    ? DIGITS_PERMUTATION.slice()
    : Int32Array.from({ length: DIGITS_PIXELS }, (_, i) => i);
  const T = DIGITS_PIXELS;
  const { pixels, labels } = data;

  function fill(x: Float32Array, targets: Float32Array, b: number, record: number): void {
    const src = record * DIGITS_PIXELS;
    for (let t = 0; t < T; t++) x[b * T + t] = pixels[src + order[t]] / DIGITS_MAX_PIXEL;
    targets[b * T + T - 1] = labels[record];
  }

  function trainBatch(rng: Rng, B: number): Batch {
    checkBatchSize('digits', B);
    const x = new Float32Array(B * T);
    const targets = new Float32Array(B * T).fill(NaN);
    for (let b = 0; b < B; b++) fill(x, targets, b, trainIndices[rng.int(trainIndices.length)]);
    return { B, T, D: 1, x, targets };
  }

  function testSet(): Batch {
    const B = testIndices.length;
    const x = new Float32Array(B * T);
    const targets = new Float32Array(B * T).fill(NaN);
    for (let b = 0; b < B; b++) fill(x, targets, b, testIndices[b]);
    return { B, T, D: 1, x, targets };
  }

  return {
    name: permuted ? 'digits-permuted' : 'digits',
    permuted,
    trainIndices,
    testIndices,
    order,
    inputSize: 1,
    outputSize: DIGITS_CLASSES,
    loss: 'xent',
    seqLength: T,
    baseline: labelEntropy(labels, trainIndices),
    hasAccuracy: true,
    trainBatch,
    testSet,
  };
}
