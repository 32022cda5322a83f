// Fused KRU-LSTM recurrence on WebGPU (docs/model.md, "KRU-LSTM"): the LSTM's kernels (./lstm-wgsl.ts, the
// cell and gate math shared with ./lstm.ts) with the recurrent product W_k h, W_k = R_{k,0} ⊗ … ⊗ R_{k,F−1}
// real, applied factor by factor to all four gates at once (./lstm-kron-wgsl.ts); W_k is never formed. As in
// the KRU's backward, each step recomputes the factor chain of h_{t−1} from H and runs the gradient back
// through it, accumulating dR_{k,f} in the kernel.
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { type SequenceLayout, type WebGPUBackend, requireInputs, sequenceLayout } from './program';
import { KRU_LSTM_RECURRENCE, KRU_LSTM_RECURRENCE_GRAD } from '../ops';
import { readSizes } from '../attrs';
import { gates4, type BackwardHooks, type ForwardHooks } from './lstm-wgsl';
import { runLstmBackward, runLstmForward } from './lstm-run';
import { applyGateFactorFns, gateAxes, gateFactorGrad, gateGradSlots } from './lstm-kron-wgsl';

/** Forward scratch floats per sequence: h_{t−1} (N), then two 4N vectors for the factor chain, ping-pong. */
const forwardScratch = (N: number) => 9 * N;

function forwardHooks(sizes: number[], threads: SequenceLayout): ForwardHooks {
  const { axes, N, FS } = gateAxes(sizes);
  const Z = (f: number) => N + (f % 2) * 4 * N; // where factor f's application writes
  // h_{t−1} at 0 (shared by the gates: stride 0), then the chain's 4N vectors (stride N).
  const chain = axes
    .map((_, f) => `applyR${f}(${f === 0 ? 0 : Z(f - 1)}, ${f === 0 ? 0 : N}, ${Z(f)}); sync();`)
    .join('\n            ');
  const zFinal = Z(axes.length - 1);
  return {
    scratch: forwardScratch(N),
    fns: applyGateFactorFns(axes, N, FS, threads),
    init: '',
    // h_0 = 0: no product at the first step.
    before: `if (t > 0) {
            ${chain}
          }`,
    rec: `if (t > 0) { z += ${gates4((k) => `scGet(${zFinal + k * N} + n)`)}; }`,
    store: 'scSet(n, h);',
  };
}

/**
 * Backward scratch floats: v_0 = h_{t−1} (N) | the chain's inputs v_1 … v_{F−1} (4N each) | the gradient
 * chain's two 4N vectors (ping-pong; the first holds dz_t) | dc carried to the step before (N).
 */
const backwardScratch = (N: number, F: number) => 2 * N + 4 * N * (F + 1);

type KronRegion = 'dFactors' | 'slots';

const kruLstmForward: KernelFunc = (args) => {
  const backend = args.backend as WebGPUBackend;
  const sizes = readSizes(args.attrs, 'KruLstmRecurrence');
  const { x, factors, U, b, probe } = requireInputs(KRU_LSTM_RECURRENCE, args.inputs, [
    'x',
    'factors',
    'U',
    'b',
    'probe',
  ]);
  const { N } = gateAxes(sizes);
  const threads = sequenceLayout(backend, N, forwardScratch(N));
  return runLstmForward(
    backend,
    `kruLstmFwd_${sizes.join('x')}`,
    threads,
    { x, U, b, probe },
    [['facIn', factors]],
    forwardHooks(sizes, threads),
  );
};

const kruLstmBackward: KernelFunc = (args) => {
  const backend = args.backend as WebGPUBackend;
  const sizes = readSizes(args.attrs, 'KruLstmRecurrence');
  const { dH, x, factors, U, H, C, G } = requireInputs(KRU_LSTM_RECURRENCE_GRAD, args.inputs, [
    'dH',
    'x',
    'factors',
    'U',
    'H',
    'C',
    'G',
  ]);
  const [B, T] = x.shape;
  const { axes, N, FS } = gateAxes(sizes);
  const F = axes.length;
  const scratch = backwardScratch(N, F);
  const threads = sequenceLayout(backend, N, scratch);
  const slots = gateGradSlots(axes, N, threads);
  const V = (f: number) => (f === 0 ? 0 : N + (f - 1) * 4 * N); // input of factor f's application
  const stride = (f: number) => (f === 0 ? 0 : N);
  const Gk = (k: number) => N + (F - 1 + (k % 2)) * 4 * N; // gradient chain, ping-pong
  const gFinal = Gk(F);
  return runLstmBackward<KronRegion>(
    backend,
    `kruLstmBwd_${sizes.join('x')}`,
    threads,
    { dH, x, U, C, G },
    {
      bindings: [
        ['facIn', factors],
        ['hIn', H],
      ],
      needsDz: false,
      regions: [
        { name: 'dFactors', perSeq: 4 * FS },
        ...(slots ? [{ name: 'slots' as const, perSeq: slots }] : []),
      ],
      scratch,
      hooks: (out): BackwardHooks => {
        const grads = gateFactorGrad(
          axes,
          N,
          FS,
          threads,
          `${out.wgsl('dFactors')} + seq * ${4 * FS}`,
          out.has('slots') ? `${out.wgsl('slots')} + seq * ${slots}` : '',
        );
        const fwdChain: string[] = [];
        for (let f = 0; f + 1 < F; f++)
          fwdChain.push(`applyR${f}(${V(f)}, ${stride(f)}, ${V(f + 1)}); sync();`);
        const bwdChain: string[] = [];
        for (let k = 0; k < F; k++) {
          const f = F - 1 - k;
          bwdChain.push(`${grads.chainStep(f, Gk(k), V(f), stride(f), Gk(k + 1))} sync();`);
        }
        return {
          dcAt: scratch - N,
          fns: `${applyGateFactorFns(axes, N, FS, threads)}
      ${grads.fns}`,
          init: grads.start,
          before: '',
          // dh_t += Σ_k W_kᵀ dz_{t+1,k}: the gradient chain leaves each gate's term in gFinal.
          recGrad: `dh += ${[0, 1, 2, 3].map((k) => `scGet(${gFinal + k * N} + n)`).join(' + ')};`,
          store: `${['x', 'y', 'z', 'w'].map((g, k) => `scSet(${Gk(0) + k * N} + n, dz.${g});`).join(' ')}
            if (t > 0) { scSet(${V(0)} + n, hIn[(row - 1) * ${N} + n]); }`,
          after: `if (t > 0) {
            ${[...fwdChain, ...bwdChain].join('\n            ')}
          }`,
          finish: grads.finish,
        };
      },
      grad: (scope, result, out) =>
        scope.reshape(
          scope.sum(scope.reshape(scope.slice(result, out.at('dFactors', B, T), B * 4 * FS), [B, 4 * FS]), 0),
          [4 * FS],
        ),
    },
  );
};

export const kruLstmRecurrenceWebgpu: KernelConfig = {
  kernelName: KRU_LSTM_RECURRENCE,
  backendName: 'webgpu',
  kernelFunc: kruLstmForward,
};

export const kruLstmRecurrenceGradWebgpu: KernelConfig = {
  kernelName: KRU_LSTM_RECURRENCE_GRAD,
  backendName: 'webgpu',
  kernelFunc: kruLstmBackward,
};
