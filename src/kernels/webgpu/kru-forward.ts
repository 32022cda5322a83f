// Fused KRU recurrence on WebGPU, forward: one dispatch; each sequence runs on a workgroup (GPUs) or on one
// thread (CPU implementations of WebGPU), see SequenceLayout. The hidden state stays in scratch memory
// (workgroup memory when it fits, else a region of the output buffer) and W·h is applied factor by factor
// along each tensor axis (O(N·Σp_f) per step, W is never formed). See docs/model.md for layouts and equations.
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
import { KRU_RECURRENCE } from '../ops';
import { COMPLEX_WGSL, OutputRegions, activationWgsl, applyFactorFns, factorAxes } from './kru-wgsl';

/** Scratch floats per sequence: two complex vectors, ping-pong. */
const scratchFloats = (N: number) => 4 * N;

/** The forward kernel's output: H [B,T,2N] | A [B,T,2N] | then, global scratch only, scratch [B,S]. */
function forwardOutput(N: number, threads: SequenceLayout) {
  return new OutputRegions<'H' | 'A' | 'scratch'>([
    { name: 'H', perStep: 2 * N },
    { name: 'A', perStep: 2 * N },
    threads.globalScratch && { name: 'scratch', perSeq: scratchFloats(N) },
  ]);
}

function kruForwardCode(
  sizes: number[],
  act: KruActivation,
  D: number,
  threads: SequenceLayout,
  out: ReturnType<typeof forwardOutput>,
): string {
  const lanes = threads.lanes;
  const { axes, N } = factorAxes(sizes);
  const F = sizes.length;
  const S = scratchFloats(N);
  const zb = (F % 2) * 2 * N; // where W·h ends up after F applications starting from buffer 0
  const applyCalls = axes
    .map((_, i) => `applyF${i}(${(i % 2) * 2 * N}, ${((i + 1) % 2) * 2 * N}); sync();`)
    .join('\n          ');
  return `
      ${layoutWgsl(threads, S)}
      ${TANH_WGSL}
      ${COMPLEX_WGSL}
      ${applyFactorFns(axes, N, threads)}

      fn main(index : i32) {
        ${sequenceIdsWgsl(threads)}
        let B = uniforms.numSeq;
        let T = uniforms.steps;
        let N2 = ${2 * N};
        let offA = ${out.wgsl('A')};
        ${out.has('scratch') ? scratchStartWgsl(threads, out.wgsl('scratch'), S) : ''}
        for (var e = lid; e < N2; e += ${lanes}) { scSet(${zb} + e, 0.0); }
        sync();
        for (var t = 0; t < T; t++) {
          let row = seq * T + t;
          for (var n = lid; n < ${N}; n += ${lanes}) {
            var ar = scGet(${zb} + n) + bIn[n];
            var ai = scGet(${zb + N} + n) + bIn[${N} + n];
            for (var d = 0; d < ${D}; d++) {
              let xv = xIn[row * ${D} + d];
              ar += uIn[n * ${D} + d] * xv;
              ai += uIn[${N * D} + n * ${D} + d] * xv;
            }
            var hr = 0.0;
            var hi = 0.0;
            ${activationWgsl(act)}
            hr += probeIn[row * N2 + n];
            hi += probeIn[row * N2 + ${N} + n];
            result[row * N2 + n] = hr;
            result[row * N2 + ${N} + n] = hi;
            result[offA + row * N2 + n] = ar;
            result[offA + row * N2 + ${N} + n] = ai;
            scSet(n, hr);
            scSet(${N} + n, hi);
          }
          sync();
          ${applyCalls}
        }
      }`;
}

const kruForward: KernelFunc = (args) => {
  const backend = args.backend as WebGPUBackend;
  const { sizes, activation } = readKruAttrs(args.attrs);
  const { x, factors, U, b, beta, probe } = requireInputs(KRU_RECURRENCE, args.inputs, [
    'x',
    'factors',
    'U',
    'b',
    'beta',
    'probe',
  ]);
  const [B, T, D] = x.shape;
  const { N } = factorAxes(sizes);
  const threads = sequenceLayout(backend, N, scratchFloats(N));
  const out = forwardOutput(N, threads);
  const modrelu = activation === 'modrelu';
  const scope = new Scope(backend);
  try {
    const BTN2 = B * T * 2 * N;
    const key = `kruFwd_${sizes.join('x')}_${activation}_${D}`;
    const program = new SequenceProgram(
      key,
      modrelu
        ? ['xIn', 'facIn', 'uIn', 'bIn', 'probeIn', 'betaIn']
        : ['xIn', 'facIn', 'uIn', 'bIn', 'probeIn'],
      out.size(B, T),
      B,
      threads,
      kruForwardCode(sizes, activation, D, threads, out),
    );
    // Only bindings the shader reads may be passed: WebGPU's 'auto' pipeline layout drops unused ones.
    const inputs = modrelu ? [x, factors, U, b, probe, beta] : [x, factors, U, b, probe];
    const result = scope.keep(runSequenceProgram(backend, program, inputs.map(flatView), B, T));
    const H = scope.output(scope.reshape(scope.slice(result, out.at('H', B, T), BTN2), [B, T, 2 * N]));
    const A = scope.output(scope.reshape(scope.slice(result, out.at('A', B, T), BTN2), [B, T, 2 * N]));
    return [H, A];
  } finally {
    scope.dispose();
  }
};

export const kruRecurrenceWebgpu: KernelConfig = {
  kernelName: KRU_RECURRENCE,
  backendName: 'webgpu',
  kernelFunc: kruForward,
};
