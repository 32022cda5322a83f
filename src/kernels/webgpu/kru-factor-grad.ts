// The backward KRU kernel's factor work, per thread layout: accumulating dW_f over the steps and applying
// W_fᴴ to the gradient chain (./kru-backward.ts puts it in the kernel). In the workgroup layouts the lanes of a
// sequence split each dW_f into partial-sum slots, summed once at the end; in the serial layout one thread
// keeps each dW_f in a private array.
import type { SequenceLayout } from './program';
import { accApplyHSerialFn, applyFactorFn, type FactorAxis } from './kru-wgsl';

/** Partial slots a thread keeps in registers across all steps (more per thread: read-modify-write in `result`). */
const MAX_PRIVATE_SLOTS = 4;

function privateSlots(p: number, C: number, lanes: number): number {
  const m = Math.ceil((p * p * C) / lanes);
  return m <= MAX_PRIVATE_SLOTS ? m : 0;
}

interface GradSlots {
  /** chunks per factor: each of the p² entries of dW_f is accumulated in C_f partial slots */
  chunks: number[];
  /** where factor f's slots start (floats, complex slots as (re, im) pairs) within a sequence's slots */
  slotOff: number[];
  slotsPerSeq: number;
}

function gradSlots(axes: FactorAxis[], N: number, lanes: number): GradSlots {
  const chunks: number[] = [];
  const slotOff: number[] = [];
  let off = 0;
  for (const { p } of axes) {
    const R = N / p;
    const C = Math.max(1, Math.min(R, Math.floor(lanes / (p * p))));
    chunks.push(C);
    slotOff.push(off);
    off += 2 * p * p * C;
  }
  return { chunks, slotOff, slotsPerSeq: off };
}

/**
 * WGSL accumulating dW_f += Σ_rest g[rest, a] · conj(v[rest, b]) into this thread's partial slots
 * s = lid + m·WG (slot s: entry q = s / C, chunk c = s % C, summing rest r ≡ c mod C). The partial sums live
 * in a private array `acc<i>` when few enough, else in `result` at slotBase.
 */
function accumulateFn(
  i: number,
  f: FactorAxis,
  C: number,
  slotOff: number,
  N: number,
  lanes: number,
): string {
  const { p, post } = f;
  const R = N / p;
  const M = privateSlots(p, C, lanes);
  const body = `
          let q = s / ${C};
          let c = s - q * ${C};
          let a = q / P;
          let bcol = q - a * P;
          var sr = 0.0;
          var si = 0.0;
          for (var r = c; r < ${R}; r += ${C}) {
            let r0 = r / POST;
            let po = r - r0 * POST;
            let base = r0 * P * POST + po;
            let gi0 = base + a * POST;
            let vi0 = base + bcol * POST;
            let gr = scGet(g + gi0);
            let gim = scGet(g + ${N} + gi0);
            let vr = scGet(v + vi0);
            let vim = scGet(v + ${N} + vi0);
            sr += gr * vr + gim * vim;
            si += gim * vr - gr * vim;
          }`;
  if (M > 0) {
    return `
      var<private> acc${i} : array<vec2<f32>, ${M}>;
      fn accF${i}(g : i32, v : i32) {
        let P = ${p};
        let POST = ${post};
        for (var m = 0; m < ${M}; m++) {
          let s = laneId() + m * ${lanes};
          if (s < ${p * p * C}) {
            ${body}
            acc${i}[m] += vec2<f32>(sr, si);
          }
        }
      }
      fn flushF${i}() {
        for (var m = 0; m < ${M}; m++) {
          let s = laneId() + m * ${lanes};
          if (s < ${p * p * C}) {
            result[slotBase + ${slotOff} + 2 * s] = acc${i}[m].x;
            result[slotBase + ${slotOff} + 2 * s + 1] = acc${i}[m].y;
          }
        }
      }`;
  }
  return `
      fn accF${i}(g : i32, v : i32) {
        let P = ${p};
        let POST = ${post};
        for (var s = laneId(); s < ${p * p * C}; s += ${lanes}) {
          ${body}
          let slot = slotBase + ${slotOff} + 2 * s;
          result[slot] += sr;
          result[slot + 1] += si;
        }
      }
      fn zeroF${i}() {
        for (var s = laneId(); s < ${p * p * C}; s += ${lanes}) {
          result[slotBase + ${slotOff} + 2 * s] = 0.0;
          result[slotBase + ${slotOff} + 2 * s + 1] = 0.0;
        }
      }
      fn flushF${i}() {}`;
}

/**
 * The backward pass's factor work, which differs by layout: `fns` (WGSL functions), `start` (zeroing),
 * `chainStep(f, g, v, dst)` (one factor of a step: accumulate dW_f from g and v, and dst = W_fᴴ-applied g)
 * and `finish` (write this sequence's dW_f into its row of dFactors, which starts at the WGSL expression
 * `dFactorsRow`, in the packed layout). `slotsPerSeq` sizes the output's partial-sum region (`slotBase`).
 */
export interface FactorGradCode {
  fns: string;
  start: string;
  chainStep: (f: number, g: number, v: number, dst: number) => string;
  finish: (dFactorsRow: string) => string;
  slotsPerSeq: number;
}

export function factorGradCode(axes: FactorAxis[], N: number, threads: SequenceLayout): FactorGradCode {
  if (threads.kind === 'serial') {
    return {
      fns: axes.map((f, i) => accApplyHSerialFn(i, f, N)).join('\n'),
      start: '',
      chainStep: (f, g, v, dst) => `accApplyH${f}(${g}, ${v}, ${dst});`,
      finish: (row) =>
        axes
          .map(
            (f, i) => `for (var q = 0; q < ${f.p * f.p}; q++) {
          result[${row} + ${f.re} + q] = acc${i}[q].x;
          result[${row} + ${f.im} + q] = acc${i}[q].y;
        }`,
          )
          .join('\n        '),
      slotsPerSeq: 0,
    };
  }
  const lanes = threads.lanes;
  const { chunks, slotOff, slotsPerSeq } = gradSlots(axes, N, lanes);
  const zeroSlots = axes
    .map((f, i) => (privateSlots(f.p, chunks[i], lanes) > 0 ? '' : `zeroF${i}();`))
    .join(' ');
  const flushSlots = axes.map((_, i) => `flushF${i}();`).join(' ');
  const reduceSlots = (row: string) =>
    axes
      .map(
        (f, i) => `for (var q = lid; q < ${f.p * f.p}; q += ${lanes}) {
          var sr = 0.0;
          var si = 0.0;
          for (var c = 0; c < ${chunks[i]}; c++) {
            sr += result[slotBase + ${slotOff[i]} + 2 * (q * ${chunks[i]} + c)];
            si += result[slotBase + ${slotOff[i]} + 2 * (q * ${chunks[i]} + c) + 1];
          }
          result[${row} + ${f.re} + q] = sr;
          result[${row} + ${f.im} + q] = si;
        }`,
      )
      .join('\n        ');
  return {
    fns: [
      ...axes.map((f, i) => applyFactorFn(`applyH${i}`, f, N, lanes, true)),
      ...axes.map((f, i) => accumulateFn(i, f, chunks[i], slotOff[i], N, lanes)),
    ].join('\n'),
    start: zeroSlots,
    chainStep: (f, g, v, dst) => `accF${f}(${g}, ${v}); applyH${f}(${g}, ${dst});`,
    finish: (row) => `${flushSlots}
        syncStorage();
        ${reduceSlots(row)}`,
    slotsPerSeq,
  };
}
