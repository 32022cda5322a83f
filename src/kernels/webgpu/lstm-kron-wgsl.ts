// WGSL for the KRU-LSTM's recurrent product (./kru-lstm.ts): four real Kronecker products W_k = R_{k,0} ⊗ … ⊗
// R_{k,F−1}, one per gate block, applied factor by factor along each tensor axis, and their gradient. A
// factor's functions work on all four gates at once: vectors of 4N (gate k at k·N), except the chain's input
// h_{t−1}, which the gates share (a source `stride` of 0 instead of N). Factors in `facIn` are gate-major:
// R_{k,f}[i, j] at k·FS + off_f + i·p_f + j (docs/model.md, "KRU-LSTM"). Real counterpart of ./kru-wgsl.ts.
import { factorLayout } from '../../core/factor-layout';
import type { SequenceLayout } from './program';

export interface GateAxis {
  p: number;
  post: number; // ∏ p_g for g > f: the stride of the factor's axis
  off: number; // where R_{k,f} starts inside gate k's block
}

/** The factors' axes, N = ∏ p_f and FS = Σ p_f² (one gate's block of `factors`). */
export function gateAxes(sizes: number[]): { axes: GateAxis[]; N: number; FS: number } {
  const l = factorLayout(sizes);
  let FS = 0;
  const axes = l.sizes.map((p, f) => {
    const axis = { p, post: l.post[f], off: FS };
    FS += p * p;
    return axis;
  });
  return { axes, N: l.N, FS };
}

/** Accumulators a thread keeps in private memory (more: read-modify-write in `result`). */
const MAX_PRIVATE_SERIAL = 256;
const MAX_PRIVATE_SLOTS = 4;

/** The serial layout's loop over the N/p blocks of a factor's axis (`base`: the block's first element). */
function blocks(f: GateAxis, N: number, body: string): string {
  return `for (var blk = laneId(); blk < ${N / f.p}; blk++) {
            let base = blk + (blk / ${f.post}) * ${(f.p - 1) * f.post};
            ${body}
          }`;
}

/**
 * applyR<f>(src, stride, dst): dst[k·N + e] = ((I ⊗ R_{k,f} ⊗ I) src_k)[e] for the four gates k, src_k at
 * src + k·stride. Workgroup layouts: the lanes split the 4N outputs. Serial: block by block, each input
 * loaded once. (In the serial layout the gate loop starts at laneId(), a 0 the compiler cannot see, so that
 * llvmpipe does not unroll it.)
 */
export function applyGateFactorFns(axes: GateAxis[], N: number, FS: number, threads: SequenceLayout): string {
  return axes
    .map((f, i) => {
      const { p, post, off } = f;
      if (threads.kind !== 'serial')
        return `
      fn applyR${i}(src : i32, stride : i32, dst : i32) {
        for (var e = laneId(); e < ${4 * N}; e += ${threads.lanes}) {
          let k = e / ${N};
          let n = e - k * ${N};
          let i = (n / ${post}) % ${p};
          let s0 = src + k * stride + n - i * ${post};
          let w = k * ${FS} + ${off} + i * ${p};
          var s = 0.0;
          for (var j = 0; j < ${p}; j++) { s += facIn[w + j] * scGet(s0 + j * ${post}); }
          scSet(dst + e, s);
        }
      }`;
      return `
      fn applyR${i}(src : i32, stride : i32, dst : i32) {
        var v : array<f32, ${p}>;
        for (var k = laneId(); k < 4; k++) {
          let w = k * ${FS} + ${off};
          ${blocks(
            f,
            N,
            `for (var j = 0; j < ${p}; j++) { v[j] = scGet(src + k * stride + base + j * ${post}); }
            for (var i = 0; i < ${p}; i++) {
              var s = 0.0;
              for (var j = 0; j < ${p}; j++) { s += facIn[w + i * ${p} + j] * v[j]; }
              scSet(dst + k * ${N} + base + i * ${post}, s);
            }`,
          )}
        }
      }`;
    })
    .join('\n');
}

/**
 * The backward pass's factor work, which differs by layout: `fns` (WGSL functions), `start` (zeroing, at the
 * kernel's start), `chainStep(f, g, v, stride, dst)` (one factor of a step: dR_{k,f} += Σ_blocks g_k v_kᵀ
 * along the axis, and dst = (I ⊗ R_{k,f}ᵀ ⊗ I) g_k; g and dst are 4N vectors, v a source as in applyR) and
 * `finish` (writes this sequence's dR into its row of dFactors). `slotsPerSeq` sizes the workgroup layouts'
 * region of partial sums.
 */
export interface GateFactorGrad {
  fns: string;
  start: string;
  chainStep: (f: number, g: number, v: number, stride: number, dst: number) => string;
  finish: string;
  slotsPerSeq: number;
}

/** Serial layout: one thread per sequence, dR in private arrays (or, large factors, in its dFactors row). */
function serialGrad(axes: GateAxis[], N: number, FS: number, row: string): GateFactorGrad {
  const inPrivate = axes.map(({ p }) => 4 * p * p <= MAX_PRIVATE_SERIAL);
  const fns = axes.map((f, i) => {
    const { p, post, off } = f;
    const acc = (q: string) => (inPrivate[i] ? `acc${i}[${q}]` : `result[dRow + ${off} + ${q}]`);
    // acc index of (k, a, b): k·p² + a·p + b in private; k·FS + a·p + b in the dFactors row.
    const gateStride = inPrivate[i] ? p * p : FS;
    return `
      ${inPrivate[i] ? `var<private> acc${i} : array<f32, ${4 * p * p}>;` : ''}
      fn accApplyRT${i}(g0 : i32, v0 : i32, stride : i32, dst : i32) {
        var g : array<f32, ${p}>;
        var v : array<f32, ${p}>;
        for (var k = laneId(); k < 4; k++) {
          let w = k * ${FS} + ${off};
          let a0 = k * ${gateStride};
          ${blocks(
            f,
            N,
            `for (var m = 0; m < ${p}; m++) {
              g[m] = scGet(g0 + k * ${N} + base + m * ${post});
              v[m] = scGet(v0 + k * stride + base + m * ${post});
            }
            for (var a = 0; a < ${p}; a++) {
              for (var c = 0; c < ${p}; c++) { ${acc(`a0 + a * ${p} + c`)} += g[a] * v[c]; }
            }
            for (var j = 0; j < ${p}; j++) {
              var s = 0.0;
              for (var a = 0; a < ${p}; a++) { s += facIn[w + a * ${p} + j] * g[a]; }
              scSet(dst + k * ${N} + base + j * ${post}, s);
            }`,
          )}
        }
      }`;
  });
  const start = inPrivate.some((x) => !x)
    ? `dRow = ${row};
        for (var q = laneId(); q < ${4 * FS}; q++) { result[dRow + q] = 0.0; }`
    : '';
  const finish = axes
    .map(({ p, off }, i) =>
      inPrivate[i]
        ? `for (var q = laneId(); q < ${4 * p * p}; q++) {
          let k = q / ${p * p};
          result[${row} + k * ${FS} + ${off} + q - k * ${p * p}] = acc${i}[q];
        }`
        : '',
    )
    .join('\n        ');
  return {
    fns: ['var<private> dRow : i32;', ...fns].join('\n'),
    start,
    chainStep: (f, g, v, stride, dst) => `accApplyRT${f}(${g}, ${v}, ${stride}, ${dst});`,
    finish,
    slotsPerSeq: 0,
  };
}

/**
 * Workgroup layouts: the 4p² entries of dR_{·,f} are split into C_f partial sums each (the blocks r ≡ c mod
 * C_f), one slot per lane where possible; a lane keeps its slots in registers across the steps when it has
 * few, else in `result`; `finish` sums the slots.
 */
function slotPlan(axes: GateAxis[], N: number, lanes: number) {
  let slotOff = 0;
  const plan = axes.map(({ p }) => {
    const Q = 4 * p * p; // entries
    const C = Math.max(1, Math.min(N / p, Math.floor(lanes / Q))); // partial sums per entry
    const M = Math.ceil((Q * C) / lanes); // slots per lane
    const at = slotOff;
    slotOff += Q * C;
    return { Q, C, M, at };
  });
  return { plan, slotsPerSeq: slotOff };
}

function workgroupGrad(
  axes: GateAxis[],
  N: number,
  FS: number,
  lanes: number,
  row: string,
  slotsAt: string,
): GateFactorGrad {
  const fns: string[] = ['var<private> slotBase : i32;'];
  const start: string[] = [`slotBase = ${slotsAt};`];
  const flush: string[] = [];
  const reduce: string[] = [];
  const { plan, slotsPerSeq } = slotPlan(axes, N, lanes);
  axes.forEach(({ p, post, off }, i) => {
    const { Q, C, M, at } = plan[i];
    const R = N / p;
    const slot = (s: string) => `result[slotBase + ${at} + ${s}]`;
    const body = `let q = s / ${C};
          let c = s - q * ${C};
          let k = q / ${p * p};
          let a = (q - k * ${p * p}) / ${p};
          let bcol = q - k * ${p * p} - a * ${p};
          var sum = 0.0;
          for (var r = c; r < ${R}; r += ${C}) {
            let base = r + (r / ${post}) * ${(p - 1) * post};
            sum += scGet(g0 + k * ${N} + base + a * ${post}) * scGet(v0 + k * stride + base + bcol * ${post});
          }`;
    if (M <= MAX_PRIVATE_SLOTS) {
      fns.push(`
      var<private> acc${i} : array<f32, ${M}>;
      fn accR${i}(g0 : i32, v0 : i32, stride : i32) {
        for (var m = 0; m < ${M}; m++) {
          let s = laneId() + m * ${lanes};
          if (s < ${Q * C}) {
            ${body}
            acc${i}[m] += sum;
          }
        }
      }`);
      flush.push(`for (var m = 0; m < ${M}; m++) {
          let s = lid + m * ${lanes};
          if (s < ${Q * C}) { ${slot('s')} = acc${i}[m]; }
        }`);
    } else {
      fns.push(`
      fn accR${i}(g0 : i32, v0 : i32, stride : i32) {
        for (var s = laneId(); s < ${Q * C}; s += ${lanes}) {
          ${body}
          ${slot('s')} += sum;
        }
      }`);
      start.push(`for (var s = lid; s < ${Q * C}; s += ${lanes}) { ${slot('s')} = 0.0; }`);
    }
    reduce.push(`for (var q = lid; q < ${Q}; q += ${lanes}) {
          var sum = 0.0;
          for (var c = 0; c < ${C}; c++) { sum += ${slot(`q * ${C} + c`)}; }
          let k = q / ${p * p};
          result[${row} + k * ${FS} + ${off} + q - k * ${p * p}] = sum;
        }`);
  });
  // Transposed application: out[j] = Σ_a R[a, j] g[a] along the axis.
  axes.forEach(({ p, post, off }, i) =>
    fns.push(`
      fn applyRT${i}(g0 : i32, dst : i32) {
        for (var e = laneId(); e < ${4 * N}; e += ${lanes}) {
          let k = e / ${N};
          let n = e - k * ${N};
          let j = (n / ${post}) % ${p};
          let s0 = g0 + e - j * ${post};
          let w = k * ${FS} + ${off} + j;
          var s = 0.0;
          for (var a = 0; a < ${p}; a++) { s += facIn[w + a * ${p}] * scGet(s0 + a * ${post}); }
          scSet(dst + e, s);
        }
      }`),
  );
  return {
    fns: fns.join('\n'),
    start: start.join('\n        '),
    chainStep: (f, g, v, stride, dst) => `accR${f}(${g}, ${v}, ${stride}); applyRT${f}(${g}, ${dst});`,
    finish: `${flush.join('\n        ')}
        syncStorage();
        ${reduce.join('\n        ')}`,
    slotsPerSeq,
  };
}

/** Slots per sequence the workgroup layouts need (0 for serial), to size the output before the WGSL. */
export function gateGradSlots(axes: GateAxis[], N: number, threads: SequenceLayout): number {
  return threads.kind === 'serial' ? 0 : slotPlan(axes, N, threads.lanes).slotsPerSeq;
}

/**
 * The factor work for `threads`: this sequence's row of dFactors starts at the WGSL expression `row` and (in
 * the workgroup layouts) its partial sums at `slotsAt`, both in main()'s variables.
 */
export function gateFactorGrad(
  axes: GateAxis[],
  N: number,
  FS: number,
  threads: SequenceLayout,
  row: string,
  slotsAt: string,
): GateFactorGrad {
  return threads.kind === 'serial'
    ? serialGrad(axes, N, FS, row)
    : workgroupGrad(axes, N, FS, threads.lanes, row, slotsAt);
}
