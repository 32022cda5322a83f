// Fused LSTM recurrence on WebGPU (docs/model.md, "LSTM"): one dispatch per direction, sequences on threads
// as in the RNN's kernels (./rnn.ts), the cell and gate math shared with the KRU-LSTM (./lstm-wgsl.ts). The
// recurrent product is dense: unit n's lane forms rows n of the four gate blocks of W·h (forward) and
// column n of Wᵀ·dz (backward); h / dz stay in scratch memory between steps, ping-pong.
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { type WebGPUBackend, requireInputs, sequenceLayout } from './program';
import { LSTM_RECURRENCE, LSTM_RECURRENCE_GRAD } from '../ops';
import { gates4, type BackwardHooks, type ForwardHooks } from './lstm-wgsl';
import { runLstmBackward, runLstmForward } from './lstm-run';

/** Forward scratch floats per sequence: h_{t−1} and h_t, ping-pong. */
const forwardScratch = (N: number) => 2 * N;

function forwardHooks(N: number, lanes: number): ForwardHooks {
  return {
    scratch: forwardScratch(N),
    fns: '',
    init: `for (var e = lid; e < ${N}; e += ${lanes}) { scSet(e, 0.0); }`,
    before: `let src = (t % 2) * ${N};
          let dst = ${N} - src;`,
    rec: `for (var j = 0; j < ${N}; j++) {
              z += ${gates4((k) => `wIn[(${k * N} + n) * ${N} + j]`)} * scGet(src + j);
            }`,
    store: 'scSet(dst + n, h);',
  };
}

/** Backward scratch floats: dz_{t+1} and dz_t (4N each, ping-pong), then dc carried to the step before. */
const backwardScratch = (N: number) => 9 * N;

function backwardHooks(N: number): BackwardHooks {
  const N4 = 4 * N;
  return {
    dcAt: 2 * N4,
    fns: '',
    init: '',
    before: `let dst = (t % 2) * ${N4};
          let src = ${N4} - dst;`,
    recGrad: `for (var r = 0; r < ${N4}; r++) { dh += wIn[r * ${N} + n] * scGet(src + r); }`,
    store: ['x', 'y', 'z', 'w'].map((g, k) => `scSet(dst + ${k * N} + n, dz.${g});`).join(' '),
    after: '',
    finish: '',
  };
}

const lstmForward: KernelFunc = (args) => {
  const backend = args.backend as WebGPUBackend;
  const { x, W, U, b, probe } = requireInputs(LSTM_RECURRENCE, args.inputs, ['x', 'W', 'U', 'b', 'probe']);
  const N = W.shape[1];
  const threads = sequenceLayout(backend, N, forwardScratch(N));
  return runLstmForward(
    backend,
    `lstmFwd_${N}`,
    threads,
    { x, U, b, probe },
    [['wIn', W]],
    forwardHooks(N, threads.lanes),
  );
};

const lstmBackward: KernelFunc = (args) => {
  const backend = args.backend as WebGPUBackend;
  const { dH, x, W, U, H, C, G } = requireInputs(LSTM_RECURRENCE_GRAD, args.inputs, [
    'dH',
    'x',
    'W',
    'U',
    'H',
    'C',
    'G',
  ]);
  const [B, T] = x.shape;
  const N = W.shape[1];
  const threads = sequenceLayout(backend, N, backwardScratch(N));
  return runLstmBackward(
    backend,
    `lstmBwd_${N}`,
    threads,
    { dH, x, U, C, G },
    {
      bindings: [['wIn', W]],
      needsDz: true,
      regions: [],
      scratch: backwardScratch(N),
      hooks: () => backwardHooks(N),
      // dW = Σ_{t≥1} dz_t h_{t−1}ᵀ = dZ[:, 1:]ᵀ · H[:, :−1], one tfjs matMul over all (b, t).
      grad: (scope, _result, _out, dZ) => {
        if (T === 1 || !dZ) return scope.zeros([4 * N, N]);
        const dZn = scope.run('Slice', { x: dZ }, { begin: [0, 1, 0], size: [B, T - 1, 4 * N] });
        const Hp = scope.run('Slice', { x: H }, { begin: [0, 0, 0], size: [B, T - 1, N] });
        return scope.matMul(
          scope.reshape(dZn, [B * (T - 1), 4 * N]),
          scope.reshape(Hp, [B * (T - 1), N]),
          true,
          false,
        );
      },
    },
  );
};

export const lstmRecurrenceWebgpu: KernelConfig = {
  kernelName: LSTM_RECURRENCE,
  backendName: 'webgpu',
  kernelFunc: lstmForward,
};

export const lstmRecurrenceGradWebgpu: KernelConfig = {
  kernelName: LSTM_RECURRENCE_GRAD,
  backendName: 'webgpu',
  kernelFunc: lstmBackward,
};
