// The WGSL both gated kinds share (LSTM and KRU-LSTM, docs/model.md): the cell's forward and its gate
// backward, and the two kernels' skeletons around them. The kinds differ only in the recurrent product
// z += W h_{t-1} and its gradient, which they hand in as hooks (./lstm.ts: dense W [4N, N]; ./kru-lstm.ts:
// four real Kronecker products). Gates are a vec4 (i, f, g, o), blocks in that order in W, U, b and G.
import { TANH_WGSL, type SequenceLayout, layoutWgsl, scratchStartWgsl, sequenceIdsWgsl } from './program';
import { OutputRegions, type RegionSpec } from './kru-wgsl';

/** Numerically safe logistic sigmoid: exp of a non-positive number only. */
export const SIGMOID_WGSL = `
      fn sigmoid(a : f32) -> f32 {
        let e = exp(-abs(a));
        return select(e / (1.0 + e), 1.0 / (1.0 + e), a >= 0.0);
      }`;

const GATES = ['x', 'y', 'z', 'w'] as const;

/** vec4 of `expr(k)` for the gate blocks k = 0..3. */
export function gates4(expr: (k: number) => string): string {
  return `vec4<f32>(${[0, 1, 2, 3].map(expr).join(', ')})`;
}

/**
 * The cell at step t for unit n, from the pre-activations `z` (vec4) and c_{t−1} in `cPrev`: writes h_t, c_t
 * and the gate values into H, C and G and leaves h_t in `h`.
 */
function cellForwardWgsl(N: number): string {
  return `let gate = vec4<f32>(sigmoid(z.x), sigmoid(z.y), safeTanh(z.z), sigmoid(z.w));
            let c = gate.y * cPrev + gate.x * gate.z;
            let h = gate.w * safeTanh(c) + probeIn[row * ${N} + n];
            result[offH + row * ${N} + n] = h;
            result[offC + row * ${N} + n] = c;
            ${GATES.map((g, k) => `result[offG + row * ${4 * N} + ${k * N} + n] = gate.${g};`).join(' ')}`;
}

/**
 * The gate backward at step t for unit n, from the total dh_t in `dh` and f_{t+1}·dc_{t+1} in `dcNext`:
 * leaves dc_t in `dc` and the pre-activation gradients in `dz` (vec4).
 */
function gateBackwardWgsl(N: number): string {
  return `let gv = ${gates4((k) => `GIn[row * ${4 * N} + ${k * N} + n]`)};
            var cPrev = 0.0;
            if (t > 0) { cPrev = CIn[(row - 1) * ${N} + n]; }
            let tc = safeTanh(CIn[row * ${N} + n]);
            let dc = dh * gv.w * (1.0 - tc * tc) + dcNext;
            let dz = vec4<f32>(dc * gv.z, dc * cPrev, dc * gv.x, dh * tc) *
              vec4<f32>(gv.x * (1.0 - gv.x), gv.y * (1.0 - gv.y), 1.0 - gv.z * gv.z, gv.w * (1.0 - gv.w));`;
}

/** The recurrent product's part of the forward kernel. */
export interface ForwardHooks {
  /** floats of scratch per sequence */
  scratch: number;
  fns: string;
  /** before the first step (then a sync) */
  init: string;
  /** at the top of step t, uniform control flow (may sync) */
  before: string;
  /** inside the unit loop: z += (W h_{t−1}) rows n of each gate block */
  rec: string;
  /** inside the unit loop: keeps h (h_t of unit n) for the next step */
  store: string;
}

export type ForwardRegion = 'H' | 'C' | 'G' | 'scratch';

/** The forward kernel's output: H [B,T,N] | C [B,T,N] | G [B,T,4N] | then, global scratch only, scratch. */
export function forwardRegions(N: number, threads: SequenceLayout, scratch: number) {
  return new OutputRegions<ForwardRegion>([
    { name: 'H', perStep: N },
    { name: 'C', perStep: N },
    { name: 'G', perStep: 4 * N },
    threads.globalScratch && { name: 'scratch', perSeq: scratch },
  ]);
}

export function lstmForwardCode(
  N: number,
  D: number,
  threads: SequenceLayout,
  out: OutputRegions<ForwardRegion>,
  hooks: ForwardHooks,
): string {
  return `
      ${layoutWgsl(threads, hooks.scratch)}
      ${TANH_WGSL}
      ${SIGMOID_WGSL}
      ${hooks.fns}

      fn main(index : i32) {
        ${sequenceIdsWgsl(threads)}
        let B = uniforms.numSeq;
        let T = uniforms.steps;
        let offH = ${out.wgsl('H')};
        let offC = ${out.wgsl('C')};
        let offG = ${out.wgsl('G')};
        ${out.has('scratch') ? scratchStartWgsl(threads, out.wgsl('scratch'), hooks.scratch) : ''}
        ${hooks.init}
        sync();
        for (var t = 0; t < T; t++) {
          let row = seq * T + t;
          ${hooks.before}
          for (var n = lid; n < ${N}; n += ${threads.lanes}) {
            var z = ${gates4((k) => `bIn[${k * N} + n]`)};
            for (var d = 0; d < ${D}; d++) {
              z += ${gates4((k) => `uIn[(${k * N} + n) * ${D} + d]`)} * xIn[row * ${D} + d];
            }
            ${hooks.rec}
            var cPrev = 0.0;
            if (t > 0) { cPrev = result[offC + (row - 1) * ${N} + n]; }
            ${cellForwardWgsl(N)}
            ${hooks.store}
          }
          sync();
        }
      }`;
}

/** The recurrent product's part of the backward kernel. */
export interface BackwardHooks {
  /** where in scratch dc_t is carried to the step before (N floats, each touched by its unit's lane only) */
  dcAt: number;
  fns: string;
  /** before the last step (no sync follows) */
  init: string;
  /** at the top of step t, uniform control flow */
  before: string;
  /** inside the unit loop, when t < T−1: dh += (Wᵀ dz_{t+1}) row n */
  recGrad: string;
  /** inside the unit loop: keeps dz (and whatever else the product needs of unit n) for after the sync */
  store: string;
  /** after the unit loop's sync, uniform control flow */
  after: string;
  /** after the last step */
  finish: string;
}

export type BackwardRegion = 'dP' | 'dZ' | 'dx' | 'dU' | 'db' | 'scratch';

/**
 * The backward kernel's output: dP [B,T,N] | dZ [B,T,4N] (the gates' pre-activation gradients: workgroup
 * layouts, or when the product's gradient is formed from them) | serial: dx [B,T,D] | dU per sequence
 * [B,4N·D] | db per sequence [B,4N] | the product's regions | scratch [B,S] (global). As in the RNN's and
 * the KRU's kernels, the serial layout forms dx, dU and db itself: tfjs's matMul and sum cost ~20 ms each
 * on llvmpipe.
 */
export function backwardRegions<K extends string>(
  N: number,
  D: number,
  threads: SequenceLayout,
  needsDz: boolean,
  product: RegionSpec<K>[],
  scratch: number,
) {
  const serial = threads.kind === 'serial';
  return new OutputRegions<BackwardRegion | K>([
    { name: 'dP', perStep: N },
    (!serial || needsDz) && { name: 'dZ', perStep: 4 * N },
    serial && { name: 'dx', perStep: D },
    serial && { name: 'dU', perSeq: 4 * N * D },
    serial && { name: 'db', perSeq: 4 * N },
    ...product,
    threads.globalScratch && { name: 'scratch', perSeq: scratch },
  ]);
}

export function lstmBackwardCode<K extends string>(
  N: number,
  D: number,
  threads: SequenceLayout,
  out: OutputRegions<BackwardRegion | K>,
  scratch: number,
  hooks: BackwardHooks,
): string {
  const serial = threads.kind === 'serial';
  const serialStart = () => `let offDx = ${out.wgsl('dx')};
        let offDu = ${out.wgsl('dU')} + seq * ${4 * N * D};
        let offDb = ${out.wgsl('db')} + seq * ${4 * N};
        for (var e = lid; e < ${4 * N * D}; e++) { result[offDu + e] = 0.0; }
        for (var e = lid; e < ${4 * N}; e++) { result[offDb + e] = 0.0; }`;
  // Serial: db += dz, dU += dz xᵀ, dx += Uᵀ dz for this unit.
  const serialAccumulate = `${GATES.map((g, k) => `result[offDb + ${k * N} + n] += dz.${g};`).join(' ')}
            for (var d = 0; d < ${D}; d++) {
              let xv = xIn[row * ${D} + d];
              ${GATES.map((g, k) => `result[offDu + (${k * N} + n) * ${D} + d] += dz.${g} * xv;`).join(' ')}
              dx[d] += dot(dz, ${gates4((k) => `uIn[(${k * N} + n) * ${D} + d]`)});
            }`;
  const storeDz = GATES.map((g, k) => `result[offZ + row * ${4 * N} + ${k * N} + n] = dz.${g};`).join(' ');
  return `
      ${layoutWgsl(threads, scratch)}
      ${TANH_WGSL}
      ${hooks.fns}

      fn main(index : i32) {
        ${sequenceIdsWgsl(threads)}
        let B = uniforms.numSeq;
        let T = uniforms.steps;
        let offP = ${out.wgsl('dP')};
        ${out.has('dZ') ? `let offZ = ${out.wgsl('dZ')};` : ''}
        ${serial ? serialStart() : ''}
        ${out.has('scratch') ? scratchStartWgsl(threads, out.wgsl('scratch'), scratch) : ''}
        ${hooks.init}
        for (var t = T - 1; t >= 0; t--) {
          let row = seq * T + t;
          let hasNext = t < T - 1;
          ${hooks.before}
          ${
            // Zeroed explicitly: Dawn over llvmpipe did not re-zero an uninitialised loop-scoped array each step.
            serial
              ? `var dx : array<f32, ${D}>;
          for (var d = 0; d < ${D}; d++) { dx[d] = 0.0; }`
              : ''
          }
          for (var n = lid; n < ${N}; n += ${threads.lanes}) {
            var dh = dhIn[row * ${N} + n];
            var dcNext = 0.0;
            if (hasNext) {
              ${hooks.recGrad}
              dcNext = scGet(${hooks.dcAt} + n) * GIn[(row + 1) * ${4 * N} + ${N} + n];
            }
            result[offP + row * ${N} + n] = dh;
            ${gateBackwardWgsl(N)}
            scSet(${hooks.dcAt} + n, dc);
            ${out.has('dZ') ? storeDz : ''}
            ${serial ? serialAccumulate : ''}
            ${hooks.store}
          }
          ${serial ? `for (var d = 0; d < ${D}; d++) { result[offDx + row * ${D} + d] = dx[d]; }` : ''}
          sync();
          ${hooks.after}
        }
        ${hooks.finish}
      }`;
}
