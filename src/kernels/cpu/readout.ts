// Fused read-out and task loss (docs/model.md, "Losses") on plain typed arrays: y = V h + c at the positions
// that are read out, the mean loss over the positions with a target, the accuracy, and the gradients dH, dV,
// dc. On copy every position has a target, so the read-out is a [B·T, 2N] × [2N, K] product and the loss a
// softmax over B·T rows: as tfjs ops that is ~50 calls whose per-element JS cost (and three BatchMatMuls)
// dominated a step outside the recurrence. The tfjs cpu kernels in ./index.ts wrap these loops. The two
// products run as WebAssembly SIMD (./readout.wat, four float32 lanes) on blocks of rows copied into the
// module's memory, where the engine has it and the kernels' SIMD switch (./wasm) is on; else as the JS loops.

import { READOUT_WASM_BASE64 } from './readout-wasm';
import { simdLoops } from './wasm';
import { outputArray, outputCopy } from './output-pool';

export interface ReadoutDims {
  /** Sequences, positions per sequence, state width, classes (1 for mse). */
  B: number;
  T: number;
  W: number;
  K: number;
  /** Only the last position of each sequence is read out (then R = B rows, else R = B·T). */
  lastStepOnly: boolean;
}

export type ReadoutLossKind = 'xent' | 'mse';

/** Rows read out: B when lastStepOnly, else B·T. */
export function readoutRows(d: ReadoutDims): number {
  return d.lastStepOnly ? d.B : d.B * d.T;
}

/** Offset in H [B, T, W] of read-out row r. */
function rowOffset(d: ReadoutDims, r: number): number {
  return (d.lastStepOnly ? r * d.T + d.T - 1 : r) * d.W;
}

export interface ReadoutForwardInputs {
  H: Float32Array; // [B, T, W]
  V: Float32Array; // [K, W]
  c: Float32Array; // [K]
  values: Float32Array; // [R]: class index (xent) or target value (mse); 0 where there is none
  weights: Float32Array; // [R]: 1 where the row has a target, else 0
}

export interface ReadoutForwardOutputs {
  loss: number;
  /** Fraction of the weighted rows whose argmax is the target (NaN when not asked for). */
  accuracy: number;
  /** ∂loss/∂Y [R, K]: what the backward needs, apart from H and V. */
  G: Float32Array;
}

/**
 * Y[r, k] = c[k] + Σ_j V[k, j]·H[row r, j] for every read-out row, into Y (float64, [R, K]). Four classes at a
 * time share each load of h; the accumulators are float64.
 */
function readoutProductJs(
  d: ReadoutDims,
  H: Float32Array,
  V: Float32Array,
  c: Float32Array,
  Y: Float64Array,
) {
  const { W, K } = d;
  const R = readoutRows(d);
  for (let r = 0; r < R; r++) {
    const ho = rowOffset(d, r);
    const yo = r * K;
    let k = 0;
    for (; k + 3 < K; k += 4) {
      const v0 = k * W,
        v1 = v0 + W,
        v2 = v1 + W,
        v3 = v2 + W;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let j = 0; j < W; j++) {
        const h = H[ho + j];
        s0 += V[v0 + j] * h;
        s1 += V[v1 + j] * h;
        s2 += V[v2 + j] * h;
        s3 += V[v3 + j] * h;
      }
      Y[yo + k] = c[k] + s0;
      Y[yo + k + 1] = c[k + 1] + s1;
      Y[yo + k + 2] = c[k + 2] + s2;
      Y[yo + k + 3] = c[k + 3] + s3;
    }
    for (; k < K; k++) {
      const v0 = k * W;
      let s = 0;
      for (let j = 0; j < W; j++) s += V[v0 + j] * H[ho + j];
      Y[yo + k] = c[k] + s;
    }
  }
}

/**
 * Loss, accuracy and ∂loss/∂Y from the predictions Y [R, K], with the conventions of src/model/loss.ts: the
 * mean over the rows with weight 1 (divided by max(count, 1)); every row's loss is multiplied by its weight, so
 * a NaN anywhere in Y makes the loss NaN, as the op-by-op path does. xent: log-sum-exp − y_target; mse (K = 1):
 * (y − target)². Accuracy: the first largest class (tfjs's argMax, on float32 values) against the target.
 */
export function readoutLossFromY(
  d: ReadoutDims,
  Y: Float64Array,
  values: Float32Array,
  weights: Float32Array,
  count: number,
  kind: ReadoutLossKind,
  withAccuracy: boolean,
): ReadoutForwardOutputs {
  const { K } = d;
  const R = readoutRows(d);
  const scale = 1 / Math.max(count, 1);
  const G = new Float32Array(R * K);
  let total = 0;
  let hits = 0;
  if (kind === 'mse') {
    for (let r = 0; r < R; r++) {
      const w = weights[r];
      const e = Y[r * K] - values[r];
      total += w * e * e;
      G[r * K] = 2 * w * e * scale;
    }
  } else {
    for (let r = 0; r < R; r++) {
      const o = r * K;
      const w = weights[r];
      const target = values[r] | 0;
      let mx = Y[o];
      for (let k = 1; k < K; k++) mx = Math.max(mx, Y[o + k]);
      // exp(y − max) once per class, kept in G until it becomes the gradient.
      let z = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(Y[o + k] - mx);
        G[o + k] = e;
        z += e;
      }
      // tf.oneHot leaves a row all zero for an index outside [0, K): its loss is then the log-sum-exp alone.
      const inRange = target >= 0 && target < K;
      total += w * (mx + Math.log(z) - (inRange ? Y[o + target] : 0));
      const gw = (w * scale) / z;
      for (let k = 0; k < K; k++) G[o + k] *= gw;
      if (inRange) G[o + target] -= w * scale;
      if (withAccuracy) {
        let best = Math.fround(Y[o]);
        let arg = 0;
        for (let k = 1; k < K; k++) {
          const y = Math.fround(Y[o + k]);
          if (y > best) {
            best = y;
            arg = k;
          }
        }
        if (arg === target) hits += w;
      }
    }
  }
  return { loss: total * scale, accuracy: withAccuracy ? hits * scale : NaN, G };
}

export function readoutForward(
  d: ReadoutDims,
  inp: ReadoutForwardInputs,
  count: number,
  kind: ReadoutLossKind,
  withAccuracy: boolean,
): ReadoutForwardOutputs {
  const Y = new Float64Array(readoutRows(d) * d.K);
  readoutProduct(d, inp.H, inp.V, inp.c, Y);
  return readoutLossFromY(d, Y, inp.values, inp.weights, count, kind, withAccuracy);
}

export interface ReadoutGrads {
  dH: Float32Array; // [B, T, W], zero at the positions not read out
  dV: Float32Array; // [K, W]
  dc: Float32Array; // [K]
}

/**
 * With dY = dLoss·G: dH[row r] = Σ_k dY[r, k]·V[k], dV[k] = Σ_r dY[r, k]·H[row r], dc[k] = Σ_r dY[r, k]. One
 * pass over the rows does both products (a row of H and its row of dH stay in cache), four classes at a time.
 */
function readoutBackwardJs(
  d: ReadoutDims,
  dLoss: number,
  H: Float32Array,
  V: Float32Array,
  G: Float32Array,
  dH: Float32Array,
  dV64: Float64Array,
  dc64: Float64Array,
): void {
  const { W, K } = d;
  const R = readoutRows(d);
  const acc = new Float64Array(W);
  for (let r = 0; r < R; r++) {
    const ho = rowOffset(d, r);
    const go = r * K;
    acc.fill(0);
    let k = 0;
    for (; k + 3 < K; k += 4) {
      const g0 = dLoss * G[go + k],
        g1 = dLoss * G[go + k + 1],
        g2 = dLoss * G[go + k + 2],
        g3 = dLoss * G[go + k + 3];
      dc64[k] += g0;
      dc64[k + 1] += g1;
      dc64[k + 2] += g2;
      dc64[k + 3] += g3;
      const v0 = k * W,
        v1 = v0 + W,
        v2 = v1 + W,
        v3 = v2 + W;
      for (let j = 0; j < W; j++) {
        const h = H[ho + j];
        acc[j] += g0 * V[v0 + j] + g1 * V[v1 + j] + g2 * V[v2 + j] + g3 * V[v3 + j];
        dV64[v0 + j] += g0 * h;
        dV64[v1 + j] += g1 * h;
        dV64[v2 + j] += g2 * h;
        dV64[v3 + j] += g3 * h;
      }
    }
    for (; k < K; k++) {
      const g = dLoss * G[go + k];
      dc64[k] += g;
      const v0 = k * W;
      for (let j = 0; j < W; j++) {
        acc[j] += g * V[v0 + j];
        dV64[v0 + j] += g * H[ho + j];
      }
    }
    dH.set(acc, ho);
  }
}

/**
 * With dY = dLoss·G: dH[row r] = Σ_k dY[r, k]·V[k], dV[k] = Σ_r dY[r, k]·H[row r], dc[k] = Σ_r dY[r, k]
 * (dV and dc summed in float64).
 */
export function readoutBackward(
  d: ReadoutDims,
  dLoss: number,
  H: Float32Array,
  V: Float32Array,
  G: Float32Array,
): ReadoutGrads {
  const { B, T, W, K } = d;
  const dH = outputArray(B * T * W, true);
  const dV64 = new Float64Array(K * W);
  const dc64 = new Float64Array(K);
  const ex = readoutSimd();
  if (ex) readoutBackwardSimd(ex, d, dLoss, H, V, G, dH, dV64, dc64);
  else readoutBackwardJs(d, dLoss, H, V, G, dH, dV64, dc64);
  return { dH, dV: outputCopy(dV64), dc: outputCopy(dc64) };
}

/** Y[r, k] = c[k] + Σ_j V[k, j]·H[row r, j] for every read-out row, into Y (float64, [R, K]). */
export function readoutProduct(
  d: ReadoutDims,
  H: Float32Array,
  V: Float32Array,
  c: Float32Array,
  Y: Float64Array,
) {
  const ex = readoutSimd();
  if (ex) readoutProductSimd(ex, d, H, V, c, Y);
  else readoutProductJs(d, H, V, c, Y);
}

// ---- WebAssembly SIMD ----

interface ReadoutExports {
  memory: WebAssembly.Memory;
  forward(Y: number, H: number, V: number, R: number, K: number, W: number, W4: number): void;
  backward(
    dH: number,
    dV: number,
    H: number,
    V: number,
    G: number,
    R: number,
    K: number,
    W: number,
    W4: number,
  ): void;
}

/** Rows per block: ~256 KB of H, so a block of H and of dH stay in the L2 cache and the memory stays small. */
const BLOCK_FLOATS = 65536;
const PAGE_BYTES = 65536;

let compiled: WebAssembly.Module | null | undefined;
let instance: ReadoutExports | null = null;

/** The read-out's SIMD loops, or null without WebAssembly SIMD or while the kernels' SIMD switch is off. */
function readoutSimd(): ReadoutExports | null {
  if (simdLoops() === null) return null;
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Uint8Array.from(atob(READOUT_WASM_BASE64), (ch) => ch.charCodeAt(0)));
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return null;
  return (instance ??= new WebAssembly.Instance(compiled, {}).exports as unknown as ReadoutExports);
}

/** Float32 views of consecutive regions of the module's memory (grown to fit); valid until the next call. */
function regions(ex: ReadoutExports, lengths: number[]): Float32Array[] {
  const need = lengths.reduce((n, l) => n + 4 * l, 0);
  const have = ex.memory.buffer.byteLength;
  if (need > have) ex.memory.grow(Math.ceil((need - have) / PAGE_BYTES));
  const out: Float32Array[] = [];
  let offset = 0;
  for (const l of lengths) {
    out.push(new Float32Array(ex.memory.buffer, offset, l));
    offset += 4 * l;
  }
  return out;
}

function blockRows(W: number): number {
  return Math.max(1, Math.floor(BLOCK_FLOATS / W));
}

/** Copies read-out rows r0 … r0+n−1 of H into dst (contiguous [n, W]). */
function copyRows(d: ReadoutDims, H: Float32Array, r0: number, n: number, dst: Float32Array): void {
  const W = d.W;
  if (!d.lastStepOnly) dst.set(H.subarray(r0 * W, (r0 + n) * W));
  else for (let i = 0; i < n; i++) dst.set(H.subarray(rowOffset(d, r0 + i), rowOffset(d, r0 + i) + W), i * W);
}

function readoutProductSimd(
  ex: ReadoutExports,
  d: ReadoutDims,
  H: Float32Array,
  V: Float32Array,
  c: Float32Array,
  Y: Float64Array,
): void {
  const { W, K } = d;
  const R = readoutRows(d);
  const W4 = W - (W % 4);
  const rb = Math.min(R, blockRows(W));
  const [Vm, Ym, Hm] = regions(ex, [K * W, rb * K, rb * W]);
  Vm.set(V);
  for (let r0 = 0; r0 < R; r0 += rb) {
    const n = Math.min(rb, R - r0);
    copyRows(d, H, r0, n, Hm);
    ex.forward(Ym.byteOffset, Hm.byteOffset, Vm.byteOffset, n, K, W, W4);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < K; k++) {
        let s = Ym[i * K + k];
        for (let j = W4; j < W; j++) s += V[k * W + j] * Hm[i * W + j];
        Y[(r0 + i) * K + k] = c[k] + s;
      }
  }
}

function readoutBackwardSimd(
  ex: ReadoutExports,
  d: ReadoutDims,
  dLoss: number,
  H: Float32Array,
  V: Float32Array,
  G: Float32Array,
  dH: Float32Array,
  dV64: Float64Array,
  dc64: Float64Array,
): void {
  const { W, K } = d;
  const R = readoutRows(d);
  const W4 = W - (W % 4);
  const rb = Math.min(R, blockRows(W));
  const [Vm, dVm, Gm, Hm, dHm] = regions(ex, [K * W, K * W, rb * K, rb * W, rb * W]);
  Vm.set(V);
  for (let r0 = 0; r0 < R; r0 += rb) {
    const n = Math.min(rb, R - r0);
    copyRows(d, H, r0, n, Hm);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < K; k++) {
        const g = dLoss * G[(r0 + i) * K + k];
        Gm[i * K + k] = g;
        dc64[k] += g;
      }
    dVm.fill(0);
    ex.backward(dHm.byteOffset, dVm.byteOffset, Hm.byteOffset, Vm.byteOffset, Gm.byteOffset, n, K, W, W4);
    // The last W mod 4 columns, then the block's rows out and its dV (summed in float32 over one block) in.
    for (let i = 0; i < n; i++)
      for (let j = W4; j < W; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const g = Gm[i * K + k];
          s += g * V[k * W + j];
          dV64[k * W + j] += g * Hm[i * W + j];
        }
        dHm[i * W + j] = s;
      }
    if (!d.lastStepOnly) dH.set(dHm.subarray(0, n * W), r0 * W);
    else for (let i = 0; i < n; i++) dH.set(dHm.subarray(i * W, (i + 1) * W), rowOffset(d, r0 + i));
    for (let k = 0; k < K; k++) for (let j = 0; j < W4; j++) dV64[k * W + j] += dVm[k * W + j];
  }
}
