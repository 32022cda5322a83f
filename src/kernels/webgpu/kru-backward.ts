// Fused KRU recurrence on WebGPU, backward (BPTT): one dispatch, sequences on threads as in the forward
// (./kru-forward.ts). Each step recomputes the factor chain W_f…W_0 h_{t−1} from H in scratch and runs the
// gradient back through it (./kru-factor-grad.ts). See docs/model.md for layouts and equations.
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import {
  type WebGPUBackend,
  SequenceProgram,
  Scope,
  TANH_WGSL,
  flatView,
  requireInputs,
  runSequenceProgram,
  type SequenceLayout,
  layoutWgsl,
  sequenceIdsWgsl,
  scratchStartWgsl,
  sequenceLayout,
} from './program';
import type { KruActivation } from '../../core/vocabulary';
import { readKruAttrs } from '../attrs';
import { KRU_RECURRENCE_GRAD } from '../ops';
import { COMPLEX_WGSL, OutputRegions, activationGradWgsl, applyFactorFns, factorAxes } from './kru-wgsl';
import { factorGradCode, type FactorGradCode } from './kru-factor-grad';

/** Scratch floats per sequence: the chain's F inputs and two ping-pong vectors for the gradient chain. */
const scratchFloats = (N: number, F: number) => (F + 2) * 2 * N;

type BackwardRegion = 'dP' | 'dFactors' | 'dBeta' | 'dx' | 'dU' | 'db' | 'dA' | 'slots' | 'scratch';

/**
 * The backward kernel's output, the one statement of it (the WGSL and the slicing below both read it):
 * dP [B,T,2N] | dFactors [B,FS] (a packed factor gradient per sequence) | dBeta [B,N] (modrelu) | then
 * workgroup layouts: dA [B,T,2N] | dW partial slots [B, slotsPerSeq];
 * serial: dx [B,T,D] | dU per sequence [B,2N·D] | db per sequence [B,2N] | finally scratch [B,S] (global).
 * The serial layout forms dx, dU and db itself: one thread owns all of a sequence's dA, and tfjs's matMul
 * and sum over [B·T, 2N] cost ~20 ms each on llvmpipe.
 */
function backwardOutput(
  N: number,
  FS: number,
  D: number,
  F: number,
  modrelu: boolean,
  threads: SequenceLayout,
  slotsPerSeq: number,
): OutputRegions<BackwardRegion> {
  const N2 = 2 * N;
  const serial = threads.kind === 'serial';
  return new OutputRegions<BackwardRegion>([
    { name: 'dP', perStep: N2 },
    { name: 'dFactors', perSeq: FS },
    modrelu && { name: 'dBeta', perSeq: N },
    serial && { name: 'dx', perStep: D },
    serial && { name: 'dU', perSeq: N2 * D },
    serial && { name: 'db', perSeq: N2 },
    !serial && { name: 'dA', perStep: N2 },
    !serial && { name: 'slots', perSeq: slotsPerSeq },
    threads.globalScratch && { name: 'scratch', perSeq: scratchFloats(N, F) },
  ]);
}

function kruBackwardCode(
  sizes: number[],
  act: KruActivation,
  D: number,
  threads: SequenceLayout,
  grads: FactorGradCode,
  out: OutputRegions<BackwardRegion>,
): string {
  const lanes = threads.lanes;
  const serial = threads.kind === 'serial';
  const { axes, N, FS } = factorAxes(sizes);
  const F = sizes.length;
  const N2 = 2 * N;
  const S = scratchFloats(N, F);
  const V = (f: number) => f * N2; // inputs of each factor application (chain of h_{t-1})
  const G = (k: number) => (F + (k % 2)) * N2; // ping-pong for the gradient chain
  const gFinal = G(F);
  const modrelu = act === 'modrelu';
  const fwdChain: string[] = [];
  for (let f = 0; f + 1 < F; f++) fwdChain.push(`applyF${f}(${V(f)}, ${V(f + 1)}); sync();`);
  const bwdChain: string[] = [];
  for (let k = 0; k < F; k++) {
    const f = F - 1 - k;
    bwdChain.push(`${grads.chainStep(f, G(k), V(f), G(k + 1))} sync();`);
  }
  // dP is the first region (offset 0): written at result[row * N2 + …].
  return `
      ${layoutWgsl(threads, S)}
      ${TANH_WGSL}
      ${COMPLEX_WGSL}
      var<private> slotBase : i32;
      ${applyFactorFns(axes, N, threads)}
      ${grads.fns}

      fn main(index : i32) {
        ${sequenceIdsWgsl(threads)}
        let B = uniforms.numSeq;
        let T = uniforms.steps;
        let N2 = ${N2};
        let offF = ${out.wgsl('dFactors')};
        ${modrelu ? `let offBeta = ${out.wgsl('dBeta')};` : ''}
        ${
          serial
            ? `let offDx = ${out.wgsl('dx')};
        let offDu = ${out.wgsl('dU')} + seq * ${N2 * D};
        let offDb = ${out.wgsl('db')} + seq * ${N2};
        for (var e = lid; e < ${N2 * D}; e++) { result[offDu + e] = 0.0; }
        for (var e = lid; e < ${N2}; e++) { result[offDb + e] = 0.0; }`
            : `let offA = ${out.wgsl('dA')};
        slotBase = ${out.wgsl('slots')} + seq * ${grads.slotsPerSeq};`
        }
        ${out.has('scratch') ? scratchStartWgsl(threads, out.wgsl('scratch'), S) : ''}
        ${grads.start}
        ${modrelu ? `for (var n = lid; n < ${N}; n += ${lanes}) { result[offBeta + seq * ${N} + n] = 0.0; }` : ''}
        for (var t = T - 1; t >= 0; t--) {
          let row = seq * T + t;
          let hasNext = t < T - 1;
          ${
            // Zeroed explicitly: Dawn over llvmpipe did not re-zero an uninitialised loop-scoped array each step.
            serial
              ? `var dx : array<f32, ${D}>;
          for (var d = 0; d < ${D}; d++) { dx[d] = 0.0; }`
              : ''
          }
          for (var n = lid; n < ${N}; n += ${lanes}) {
            var dhr = dhIn[row * N2 + n];
            var dhi = dhIn[row * N2 + ${N} + n];
            if (hasNext) {
              dhr += scGet(${gFinal} + n);
              dhi += scGet(${gFinal + N} + n);
            }
            result[row * N2 + n] = dhr;
            result[row * N2 + ${N} + n] = dhi;
            let ar = aIn[row * N2 + n];
            let ai = aIn[row * N2 + ${N} + n];
            var dar = 0.0;
            var dai = 0.0;
            ${modrelu ? 'var dbeta = 0.0;' : ''}
            ${activationGradWgsl(act)}
            ${modrelu ? `result[offBeta + seq * ${N} + n] += dbeta;` : ''}
            ${
              serial
                ? `result[offDb + n] += dar;
            result[offDb + ${N} + n] += dai;
            for (var d = 0; d < ${D}; d++) {
              let xv = xIn[row * ${D} + d];
              result[offDu + n * ${D} + d] += dar * xv;
              result[offDu + ${N * D} + n * ${D} + d] += dai * xv;
              dx[d] += dar * uIn[n * ${D} + d] + dai * uIn[${N * D} + n * ${D} + d];
            }`
                : `result[offA + row * N2 + n] = dar;
            result[offA + row * N2 + ${N} + n] = dai;`
            }
            scSet(${G(0)} + n, dar);
            scSet(${G(0) + N} + n, dai);
            if (t > 0) {
              scSet(${V(0)} + n, hIn[(row - 1) * N2 + n]);
              scSet(${V(0) + N} + n, hIn[(row - 1) * N2 + ${N} + n]);
            }
          }
          ${serial ? `for (var d = 0; d < ${D}; d++) { result[offDx + row * ${D} + d] = dx[d]; }` : ''}
          sync();
          if (t > 0) {
            ${fwdChain.join('\n            ')}
            ${bwdChain.join('\n            ')}
          }
        }
        ${grads.finish(`offF + seq * ${FS}`)}
      }`;
}

const kruBackward: KernelFunc = (args) => {
  const backend = args.backend as WebGPUBackend;
  const { sizes, activation } = readKruAttrs(args.attrs);
  const { dH, x, factors, U, beta, H, A } = requireInputs(KRU_RECURRENCE_GRAD, args.inputs, [
    'dH',
    'x',
    'factors',
    'U',
    'beta',
    'H',
    'A',
  ]);
  const [B, T, D] = x.shape;
  const { axes, N, FS } = factorAxes(sizes);
  const F = sizes.length;
  const threads = sequenceLayout(backend, N, scratchFloats(N, F));
  const serial = threads.kind === 'serial';
  const modrelu = activation === 'modrelu';
  const grads = factorGradCode(axes, N, threads);
  const out = backwardOutput(N, FS, D, F, modrelu, threads, grads.slotsPerSeq);
  const at = (name: BackwardRegion) => out.at(name, B, T);
  const scope = new Scope(backend);
  try {
    const BTN2 = B * T * 2 * N;
    // Only bindings the shader reads may be passed: WebGPU's 'auto' pipeline layout drops unused ones.
    const names = ['dhIn', 'facIn', 'hIn', 'aIn'];
    const inputs = [dH, factors, H, A];
    if (modrelu) {
      names.push('betaIn');
      inputs.push(beta);
    }
    if (serial) {
      names.push('xIn', 'uIn');
      inputs.push(x, U);
    }
    const program = new SequenceProgram(
      `kruBwd_${sizes.join('x')}_${activation}_${D}`,
      names,
      out.size(B, T),
      B,
      threads,
      kruBackwardCode(sizes, activation, D, threads, grads, out),
    );
    const result = scope.keep(runSequenceProgram(backend, program, inputs.map(flatView), B, T));
    /** Region `name` as [B, width] summed over the sequences, reshaped to `shape`. */
    const perSeqSum = (name: BackwardRegion, width: number, shape: number[]) =>
      scope.reshape(scope.sum(scope.reshape(scope.slice(result, at(name), B * width), [B, width]), 0), shape);
    const dProbe = scope.output(scope.reshape(scope.slice(result, at('dP'), BTN2), [B, T, 2 * N]));
    const dFactors = scope.output(perSeqSum('dFactors', FS, [FS]));
    const dBeta = scope.output(modrelu ? perSeqSum('dBeta', N, [N]) : scope.zeros(beta.shape));
    if (serial) {
      const dx = scope.output(scope.reshape(scope.slice(result, at('dx'), B * T * D), [B, T, D]));
      const dU = scope.output(perSeqSum('dU', 2 * N * D, [2, N, D]));
      const db = scope.output(perSeqSum('db', 2 * N, [2, N]));
      return [dx, dFactors, dU, db, dBeta, dProbe];
    }
    // The non-recurrent parts are plain dense products over all (b, t): with U2 = U as [2N, D] (Re rows then
    // Im rows, matching the hidden layout), dx = dA·U2, dU = dAᵀ·X, db = Σ dA.
    const dA = scope.reshape(scope.slice(result, at('dA'), BTN2), [B * T, 2 * N]);
    const U2 = scope.reshape(U, [2 * N, D]);
    const X2 = scope.reshape(x, [B * T, D]);
    const dx = scope.output(scope.reshape(scope.matMul(dA, U2), [B, T, D]));
    const dU = scope.output(scope.reshape(scope.matMul(dA, X2, true, false), [2, N, D]));
    const db = scope.output(scope.reshape(scope.sum(dA, 0), [2, N]));
    return [dx, dFactors, dU, db, dBeta, dProbe];
  } finally {
    scope.dispose();
  }
};

export const kruRecurrenceGradWebgpu: KernelConfig = {
  kernelName: KRU_RECURRENCE_GRAD,
  backendName: 'webgpu',
  kernelFunc: kruBackward,
};
