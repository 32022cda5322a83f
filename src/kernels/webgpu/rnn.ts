// Fused dense RNN recurrence on WebGPU: one dispatch per direction; each sequence's threads (a workgroup, or
// one thread in the serial layout) own rows of W·h (forward) or columns of Wᵀ·da (backward); h / da stay in
// scratch memory between steps.
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

import type { RnnActivation } from '../../core/vocabulary';
import { readRnnActivation } from '../attrs';

function rnnForwardCode(N: number, D: number, act: RnnActivation, layout: SequenceLayout): string {
  const lanes = layout.lanes;
  const sigma = act === 'tanh' ? 'safeTanh(a)' : act === 'relu' ? 'max(a, 0.0)' : 'a';
  return `
      ${layoutWgsl(layout, 2 * N)}
      ${TANH_WGSL}

      fn main(index : i32) {
        ${sequenceIdsWgsl(layout)}
        let B = uniforms.numSeq;
        let T = uniforms.steps;
        let offA = B * T * ${N};
        ${scratchStartWgsl(layout, `2 * B * T * ${N}`, 2 * N)}
        for (var i = lid; i < ${N}; i += ${lanes}) { scSet(i, 0.0); }
        sync();
        for (var t = 0; t < T; t++) {
          let row = seq * T + t;
          let src = (t % 2) * ${N};
          let dst = ${N} - src;
          for (var i = lid; i < ${N}; i += ${lanes}) {
            var a = bIn[i];
            for (var j = 0; j < ${N}; j++) { a += wIn[i * ${N} + j] * scGet(src + j); }
            for (var d = 0; d < ${D}; d++) { a += uIn[i * ${D} + d] * xIn[row * ${D} + d]; }
            let h = ${sigma} + probeIn[row * ${N} + i];
            result[row * ${N} + i] = h;
            result[offA + row * ${N} + i] = a;
            scSet(dst + i, h);
          }
          sync();
        }
      }`;
}

function rnnBackwardCode(N: number, D: number, act: RnnActivation, layout: SequenceLayout): string {
  const lanes = layout.lanes;
  const serial = layout.kind === 'serial';
  const deriv =
    act === 'tanh'
      ? '{ let th = safeTanh(a); da = dh * (1.0 - th * th); }'
      : act === 'relu'
        ? 'da = select(0.0, dh, a > 0.0);'
        : 'da = dh;';
  // Output layout (rnnBackward reads the same offsets): dA [B,T,N] | dP [B,T,N] | serial only: dx [B,T,D] |
  // dU per sequence [B,N·D] | db per sequence [B,N] | scratch [B,2N] (global). As in the KRU's kernel, the
  // serial layout forms dx, dU and db itself: tfjs's matMul and sum over [B·T, N] cost ~20 ms each on llvmpipe.
  return `
      ${layoutWgsl(layout, 2 * N)}
      ${TANH_WGSL}

      fn main(index : i32) {
        ${sequenceIdsWgsl(layout)}
        let B = uniforms.numSeq;
        let T = uniforms.steps;
        let offP = B * T * ${N};
        ${
          serial
            ? `let offDx = 2 * B * T * ${N};
        let offDu = offDx + B * T * ${D} + seq * ${N * D};
        let offDb = offDx + B * T * ${D} + B * ${N * D} + seq * ${N};
        ${scratchStartWgsl(layout, `offDx + B * T * ${D} + B * ${N * D + N}`, 2 * N)}
        for (var e = lid; e < ${N * D}; e++) { result[offDu + e] = 0.0; }
        for (var e = lid; e < ${N}; e++) { result[offDb + e] = 0.0; }`
            : scratchStartWgsl(layout, `2 * B * T * ${N}`, 2 * N)
        }
        for (var t = T - 1; t >= 0; t--) {
          let row = seq * T + t;
          let dst = (t % 2) * ${N};
          let src = ${N} - dst;
          let hasNext = t < T - 1;
          ${
            // Zeroed explicitly: Dawn over llvmpipe did not re-zero an uninitialised loop-scoped array each step.
            serial
              ? `var dx : array<f32, ${D}>;
          for (var d = 0; d < ${D}; d++) { dx[d] = 0.0; }`
              : ''
          }
          for (var j = lid; j < ${N}; j += ${lanes}) {
            var dh = dhIn[row * ${N} + j];
            if (hasNext) {
              for (var i = 0; i < ${N}; i++) { dh += wIn[i * ${N} + j] * scGet(src + i); }
            }
            result[offP + row * ${N} + j] = dh;
            let a = aIn[row * ${N} + j];
            var da = 0.0;
            ${deriv}
            result[row * ${N} + j] = da;
            ${
              serial
                ? `result[offDb + j] += da;
            for (var d = 0; d < ${D}; d++) {
              result[offDu + j * ${D} + d] += da * xIn[row * ${D} + d];
              dx[d] += da * uIn[j * ${D} + d];
            }`
                : ''
            }
            scSet(dst + j, da);
          }
          ${serial ? `for (var d = 0; d < ${D}; d++) { result[offDx + row * ${D} + d] = dx[d]; }` : ''}
          sync();
        }
      }`;
}

const rnnForward: KernelFunc = (args) => {
  const backend = args.backend as WebGPUBackend;
  const activation = readRnnActivation(args.attrs);
  const { x, W, U, b, probe } = requireInputs('RnnRecurrence', args.inputs, ['x', 'W', 'U', 'b', 'probe']);
  const [B, T, D] = x.shape;
  const N = b.shape[0];
  const layout = sequenceLayout(backend, N, 2 * N);
  const scope = new Scope(backend);
  try {
    const BTN = B * T * N;
    const outSize = 2 * BTN + (layout.globalScratch ? B * 2 * N : 0);
    const program = new SequenceProgram(
      `rnnFwd_${N}_${D}_${activation}`,
      ['xIn', 'wIn', 'uIn', 'bIn', 'probeIn'],
      outSize,
      B,
      layout,
      rnnForwardCode(N, D, activation, layout),
    );
    const out = scope.keep(runSequenceProgram(backend, program, [x, W, U, b, probe].map(flatView), B, T));
    const H = scope.output(scope.reshape(scope.slice(out, 0, BTN), [B, T, N]));
    const A = scope.output(scope.reshape(scope.slice(out, BTN, BTN), [B, T, N]));
    return [H, A];
  } finally {
    scope.dispose();
  }
};

const rnnBackward: KernelFunc = (args) => {
  const backend = args.backend as WebGPUBackend;
  const activation = readRnnActivation(args.attrs);
  const { dH, x, W, U, H, A } = requireInputs('RnnRecurrenceGrad', args.inputs, [
    'dH',
    'x',
    'W',
    'U',
    'H',
    'A',
  ]);
  const [B, T, D] = x.shape;
  const N = W.shape[0];
  const layout = sequenceLayout(backend, N, 2 * N);
  const serial = layout.kind === 'serial';
  const scope = new Scope(backend);
  try {
    const BTN = B * T * N;
    const offDx = 2 * BTN;
    const offDu = offDx + B * T * D;
    const offDb = offDu + B * N * D;
    const outSize = (serial ? offDb + B * N : 2 * BTN) + (layout.globalScratch ? B * 2 * N : 0);
    // Only bindings the shader reads may be passed: WebGPU's 'auto' pipeline layout drops unused ones.
    const program = new SequenceProgram(
      `rnnBwd_${N}_${activation}_${D}`,
      serial ? ['dhIn', 'wIn', 'aIn', 'xIn', 'uIn'] : ['dhIn', 'wIn', 'aIn'],
      outSize,
      B,
      layout,
      rnnBackwardCode(N, D, activation, layout),
    );
    const out = scope.keep(
      runSequenceProgram(backend, program, (serial ? [dH, W, A, x, U] : [dH, W, A]).map(flatView), B, T),
    );
    const dA3 = scope.reshape(scope.slice(out, 0, BTN), [B, T, N]);
    const dA = scope.reshape(dA3, [B * T, N]);
    const dProbe = scope.output(scope.reshape(scope.slice(out, BTN, BTN), [B, T, N]));
    // Non-recurrent parts as dense products over all (b, t): dx = dA·U, dU = dAᵀ·X, db = Σ dA (formed by the
    // serial kernel itself) and dW = Σ_{t≥1} da_t h_{t-1}ᵀ = dA[:, 1:]ᵀ · H[:, :-1].
    const dx = scope.output(
      serial
        ? scope.reshape(scope.slice(out, offDx, B * T * D), [B, T, D])
        : scope.reshape(scope.matMul(dA, U), [B, T, D]),
    );
    const dU = scope.output(
      serial
        ? scope.reshape(scope.sum(scope.reshape(scope.slice(out, offDu, B * N * D), [B, N * D]), 0), [N, D])
        : scope.matMul(dA, scope.reshape(x, [B * T, D]), true, false),
    );
    const db = scope.output(
      serial ? scope.sum(scope.reshape(scope.slice(out, offDb, B * N), [B, N]), 0) : scope.sum(dA, 0),
    );
    let dW;
    if (T > 1) {
      const dAn = scope.run('Slice', { x: dA3 }, { begin: [0, 1, 0], size: [B, T - 1, N] });
      const Hp = scope.run('Slice', { x: H }, { begin: [0, 0, 0], size: [B, T - 1, N] });
      dW = scope.output(
        scope.matMul(scope.reshape(dAn, [B * (T - 1), N]), scope.reshape(Hp, [B * (T - 1), N]), true, false),
      );
    } else {
      dW = scope.output(scope.zeros([N, N]));
    }
    return [dx, dW, dU, db, dProbe];
  } finally {
    scope.dispose();
  }
};

export const rnnRecurrenceWebgpu: KernelConfig = {
  kernelName: 'RnnRecurrence',
  backendName: 'webgpu',
  kernelFunc: rnnForward,
};

export const rnnRecurrenceGradWebgpu: KernelConfig = {
  kernelName: 'RnnRecurrenceGrad',
  backendName: 'webgpu',
  kernelFunc: rnnBackward,
};
