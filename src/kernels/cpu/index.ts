// tfjs 'cpu' kernels for the fused recurrences: read the inputs' typed arrays straight from the backend's
// data store, run the loops in ./kru.ts, ./rnn.ts, ./lstm.ts and ./kru-lstm.ts, and hand the results back as
// new tensors.
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import {
  DENSE_METRICS,
  KRU_LSTM_RECURRENCE,
  KRU_LSTM_RECURRENCE_GRAD,
  KRU_RECURRENCE,
  KRU_RECURRENCE_GRAD,
  LSTM_RECURRENCE,
  LSTM_RECURRENCE_GRAD,
  READOUT_LOSS,
  READOUT_LOSS_GRAD,
  RNN_RECURRENCE,
  RNN_RECURRENCE_GRAD,
  RMSPROP_UPDATE,
  STEP_METRICS,
  STEP_NORMS,
  UNITARY_PENALTY,
  UNITARY_PENALTY_GRAD,
} from '../ops';
import { readKruAttrs, readRnnActivation, readSizes } from '../attrs';
import { kruBackward, kruForward, type KruDims } from './kru';
import { rnnBackward, rnnForward, type RnnDims } from './rnn';
import { lstmBackward, lstmForward } from './lstm';
import { gateFactorLength, kruLstmBackward, kruLstmForward, type KruLstmDims } from './kru-lstm';
import type { LstmDims, LstmOutputs } from './lstm-cell';
import { factorLayout } from '../../core/factor-layout';
import { readoutLossGradKernel, readoutLossKernel } from './readout-kernels';
import { denseMetricsKernel, stepMetricsKernel } from './step-metrics';
import { pooledCpu } from './output-pool';
import { rmsPropUpdateKernel } from './rmsprop';
import { unitaryPenaltyGradKernel, unitaryPenaltyKernel } from './unitary-penalty';
import { kernelArgs } from './kernel-args';

const { input, values, expectShape } = kernelArgs('fused recurrence');

/** Dims of a KRU call from x [B,T,D] and the sizes, checking every other input's shape. */
function kruDims(inputs: NamedTensorInfoMap, sizes: number[]): KruDims {
  const x = input(inputs, 'x');
  if (x.shape.length !== 3) throw new Error(`KruRecurrence: x must be [B, T, D], got [${x.shape}]`);
  const [B, T, D] = x.shape;
  const { N, packedLength } = factorLayout(sizes);
  expectShape('factors', input(inputs, 'factors'), [packedLength]);
  expectShape('U', input(inputs, 'U'), [2, N, D]);
  expectShape('b', input(inputs, 'b'), [2, N]);
  const beta = input(inputs, 'beta');
  if (beta.shape.length !== 1 || (beta.shape[0] !== 1 && beta.shape[0] !== N)) {
    throw new Error(`KruRecurrence: beta must be [${N}] or [1], got [${beta.shape}]`);
  }
  return { B, T, D, N, sizes };
}

const kruForwardKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = pooledCpu(backend);
  const { sizes, activation } = readKruAttrs(attrs);
  const dims = kruDims(inputs, sizes);
  const probe = input(inputs, 'probe');
  expectShape('probe', probe, [dims.B, dims.T, 2 * dims.N]);
  const v = (name: string) => values(cpu, input(inputs, name));
  const { H, A } = kruForward(dims, activation, {
    x: v('x'),
    factors: v('factors'),
    U: v('U'),
    b: v('b'),
    beta: v('beta'),
    probe: v('probe'),
  });
  const shape = [dims.B, dims.T, 2 * dims.N];
  return [cpu.makeTensorInfo(shape, 'float32', H), cpu.makeTensorInfo(shape, 'float32', A)];
};

const kruGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = pooledCpu(backend);
  const { sizes, activation } = readKruAttrs(attrs);
  const dims = kruDims(inputs, sizes);
  const hShape = [dims.B, dims.T, 2 * dims.N];
  for (const name of ['dH', 'H', 'A']) expectShape(name, input(inputs, name), hShape);
  const v = (name: string) => values(cpu, input(inputs, name));
  const g = kruBackward(dims, activation, {
    dH: v('dH'),
    x: v('x'),
    factors: v('factors'),
    U: v('U'),
    b: v('b'),
    beta: v('beta'),
    H: v('H'),
    A: v('A'),
  });
  const like = (name: string, data: Float32Array) =>
    cpu.makeTensorInfo(input(inputs, name).shape, 'float32', data);
  return [
    like('x', g.dx),
    like('factors', g.dFactors),
    like('U', g.dU),
    like('b', g.db),
    like('beta', g.dBeta),
    cpu.makeTensorInfo(hShape, 'float32', g.dProbe),
  ];
};

function rnnDims(inputs: NamedTensorInfoMap): RnnDims {
  const x = input(inputs, 'x');
  if (x.shape.length !== 3) throw new Error(`RnnRecurrence: x must be [B, T, D], got [${x.shape}]`);
  const [B, T, D] = x.shape;
  const W = input(inputs, 'W');
  const N = W.shape[0];
  expectShape('W', W, [N, N]);
  expectShape('U', input(inputs, 'U'), [N, D]);
  expectShape('b', input(inputs, 'b'), [N]);
  return { B, T, D, N };
}

const rnnForwardKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = pooledCpu(backend);
  const activation = readRnnActivation(attrs);
  const dims = rnnDims(inputs);
  const shape = [dims.B, dims.T, dims.N];
  expectShape('probe', input(inputs, 'probe'), shape);
  const v = (name: string) => values(cpu, input(inputs, name));
  const { H, A } = rnnForward(dims, activation, {
    x: v('x'),
    W: v('W'),
    U: v('U'),
    b: v('b'),
    probe: v('probe'),
  });
  return [cpu.makeTensorInfo(shape, 'float32', H), cpu.makeTensorInfo(shape, 'float32', A)];
};

const rnnGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = pooledCpu(backend);
  const activation = readRnnActivation(attrs);
  const dims = rnnDims(inputs);
  const shape = [dims.B, dims.T, dims.N];
  for (const name of ['dH', 'H', 'A']) expectShape(name, input(inputs, name), shape);
  const v = (name: string) => values(cpu, input(inputs, name));
  const g = rnnBackward(dims, activation, {
    dH: v('dH'),
    x: v('x'),
    W: v('W'),
    U: v('U'),
    b: v('b'),
    H: v('H'),
    A: v('A'),
  });
  const like = (name: string, data: Float32Array) =>
    cpu.makeTensorInfo(input(inputs, name).shape, 'float32', data);
  return [
    like('x', g.dx),
    like('W', g.dW),
    like('U', g.dU),
    like('b', g.db),
    cpu.makeTensorInfo(shape, 'float32', g.dProbe),
  ];
};

/** Dims of an LSTM call from x [B,T,D] and W [4N, N], checking U and b. */
function lstmDims(inputs: NamedTensorInfoMap): LstmDims {
  const x = input(inputs, 'x');
  if (x.shape.length !== 3) throw new Error(`LstmRecurrence: x must be [B, T, D], got [${x.shape}]`);
  const [B, T, D] = x.shape;
  const W = input(inputs, 'W');
  const N = W.shape[1];
  if (W.shape.length !== 2 || W.shape[0] !== 4 * N) {
    throw new Error(`LstmRecurrence: W must be [4N, N] (gate blocks i, f, g, o), got [${W.shape}]`);
  }
  expectShape('U', input(inputs, 'U'), [4 * N, D]);
  expectShape('b', input(inputs, 'b'), [4 * N]);
  return { B, T, D, N };
}

/** Dims of a KRU-LSTM call from x [B,T,D] and the attr sizes, checking factors [4·Σ p_f²], U and b. */
function kruLstmDims(inputs: NamedTensorInfoMap, attrs: NamedAttrMap | undefined): KruLstmDims {
  const sizes = readSizes(attrs, 'KruLstmRecurrence');
  const x = input(inputs, 'x');
  if (x.shape.length !== 3) throw new Error(`KruLstmRecurrence: x must be [B, T, D], got [${x.shape}]`);
  const [B, T, D] = x.shape;
  const N = factorLayout(sizes).N;
  expectShape('factors', input(inputs, 'factors'), [4 * gateFactorLength(sizes)]);
  expectShape('U', input(inputs, 'U'), [4 * N, D]);
  expectShape('b', input(inputs, 'b'), [4 * N]);
  return { B, T, D, N, sizes };
}

type Values = (name: string) => Float32Array;

/**
 * The gated kinds' kernels differ only in the recurrent parameter (W or factors), their dims check and their
 * loops. Forward outputs H, C [B, T, N] and G [B, T, 4N]; the grad kernel reads dH, H, C, G and returns the
 * gradients of x, the recurrent parameter, U, b and the probe.
 */
interface GatedKind<Dims extends LstmDims> {
  recurrent: 'W' | 'factors';
  dims(inputs: NamedTensorInfoMap, attrs: NamedAttrMap | undefined): Dims;
  forward(dims: Dims, v: Values): LstmOutputs;
  /** dx, dRecurrent, dU, db, dProbe */
  backward(dims: Dims, v: Values): Float32Array[];
}

function gatedForwardKernel<Dims extends LstmDims>(kind: GatedKind<Dims>): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const cpu = pooledCpu(backend);
    const dims = kind.dims(inputs, attrs);
    const shape = [dims.B, dims.T, dims.N];
    expectShape('probe', input(inputs, 'probe'), shape);
    const out = kind.forward(dims, (name) => values(cpu, input(inputs, name)));
    return [
      cpu.makeTensorInfo(shape, 'float32', out.H),
      cpu.makeTensorInfo(shape, 'float32', out.C),
      cpu.makeTensorInfo([dims.B, dims.T, 4 * dims.N], 'float32', out.G),
    ];
  };
}

function gatedGradKernel<Dims extends LstmDims>(kind: GatedKind<Dims>): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const cpu = pooledCpu(backend);
    const dims = kind.dims(inputs, attrs);
    for (const name of ['dH', 'H', 'C']) expectShape(name, input(inputs, name), [dims.B, dims.T, dims.N]);
    expectShape('G', input(inputs, 'G'), [dims.B, dims.T, 4 * dims.N]);
    const grads = kind.backward(dims, (name) => values(cpu, input(inputs, name)));
    // The probe has H's shape.
    return ['x', kind.recurrent, 'U', 'b', 'dH'].map((name, i) =>
      cpu.makeTensorInfo(input(inputs, name).shape, 'float32', grads[i]),
    );
  };
}

const lstmKind: GatedKind<LstmDims> = {
  recurrent: 'W',
  dims: lstmDims,
  forward: (dims, v) => lstmForward(dims, { x: v('x'), W: v('W'), U: v('U'), b: v('b'), probe: v('probe') }),
  backward: (dims, v) => {
    const g = lstmBackward(dims, {
      dH: v('dH'),
      x: v('x'),
      W: v('W'),
      U: v('U'),
      b: v('b'),
      H: v('H'),
      C: v('C'),
      G: v('G'),
    });
    return [g.dx, g.dW, g.dU, g.db, g.dProbe];
  },
};

const kruLstmKind: GatedKind<KruLstmDims> = {
  recurrent: 'factors',
  dims: kruLstmDims,
  forward: (dims, v) =>
    kruLstmForward(dims, { x: v('x'), factors: v('factors'), U: v('U'), b: v('b'), probe: v('probe') }),
  backward: (dims, v) => {
    const g = kruLstmBackward(dims, {
      dH: v('dH'),
      x: v('x'),
      factors: v('factors'),
      U: v('U'),
      b: v('b'),
      H: v('H'),
      C: v('C'),
      G: v('G'),
    });
    return [g.dx, g.dFactors, g.dU, g.db, g.dProbe];
  },
};

/** ‖x[:, t, :]‖ per t of x [B, T, W], accumulated in float64 (see stepNorms in ../ops.ts). */
const stepNormsKernel: KernelFunc = ({ inputs, backend }) => {
  const cpu = pooledCpu(backend);
  const x = input(inputs, 'x');
  if (x.shape.length !== 3) throw new Error(`StepNorms: x must be [B, T, W], got [${x.shape}]`);
  const [B, T, W] = x.shape;
  const v = values(cpu, x);
  const sums = new Float64Array(T);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * W;
      let s = 0;
      for (let w = 0; w < W; w++) s += v[o + w] * v[o + w];
      sums[t] += s;
    }
  return cpu.makeTensorInfo([T], 'float32', Float32Array.from(sums, Math.sqrt));
};

export const cpuFusedKernelConfigs: KernelConfig[] = [
  { kernelName: KRU_RECURRENCE, backendName: 'cpu', kernelFunc: kruForwardKernel },
  { kernelName: KRU_RECURRENCE_GRAD, backendName: 'cpu', kernelFunc: kruGradKernel },
  { kernelName: RNN_RECURRENCE, backendName: 'cpu', kernelFunc: rnnForwardKernel },
  { kernelName: RNN_RECURRENCE_GRAD, backendName: 'cpu', kernelFunc: rnnGradKernel },
  { kernelName: LSTM_RECURRENCE, backendName: 'cpu', kernelFunc: gatedForwardKernel(lstmKind) },
  { kernelName: LSTM_RECURRENCE_GRAD, backendName: 'cpu', kernelFunc: gatedGradKernel(lstmKind) },
  { kernelName: KRU_LSTM_RECURRENCE, backendName: 'cpu', kernelFunc: gatedForwardKernel(kruLstmKind) },
  { kernelName: KRU_LSTM_RECURRENCE_GRAD, backendName: 'cpu', kernelFunc: gatedGradKernel(kruLstmKind) },
  { kernelName: STEP_NORMS, backendName: 'cpu', kernelFunc: stepNormsKernel },
  { kernelName: READOUT_LOSS, backendName: 'cpu', kernelFunc: readoutLossKernel },
  { kernelName: READOUT_LOSS_GRAD, backendName: 'cpu', kernelFunc: readoutLossGradKernel },
  { kernelName: STEP_METRICS, backendName: 'cpu', kernelFunc: stepMetricsKernel },
  { kernelName: RMSPROP_UPDATE, backendName: 'cpu', kernelFunc: rmsPropUpdateKernel },
  { kernelName: DENSE_METRICS, backendName: 'cpu', kernelFunc: denseMetricsKernel },
  { kernelName: UNITARY_PENALTY, backendName: 'cpu', kernelFunc: unitaryPenaltyKernel },
  { kernelName: UNITARY_PENALTY_GRAD, backendName: 'cpu', kernelFunc: unitaryPenaltyGradKernel },
];
