// tfjs 'cpu' kernels for the fused read-out and task loss (../ops.ts readoutLossFused): read the inputs' typed
// arrays from the backend's data store, run the loops in ./readout.ts, hand the results back as new tensors.
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import type { ReadoutLossAttrs } from '../ops';
import { readoutBackward, readoutForward, readoutRows, type ReadoutDims } from './readout';
import { pooledCpu } from './output-pool';
import { kernelArgs } from './kernel-args';

const { input, values, expectShape } = kernelArgs('ReadoutLoss');

/** The attrs (they arrive untyped), checked. */
export function readReadoutAttrs(attrs: NamedAttrMap | undefined): ReadoutLossAttrs {
  const { loss, count, lastStepOnly, accuracy } = attrs ?? {};
  if (loss !== 'xent' && loss !== 'mse') throw new Error(`ReadoutLoss: unknown loss ${String(loss)}`);
  if (typeof count !== 'number' || !(count >= 0))
    throw new Error('ReadoutLoss: attr count must be a number ≥ 0');
  if (typeof lastStepOnly !== 'boolean' || typeof accuracy !== 'boolean')
    throw new Error('ReadoutLoss: attrs lastStepOnly and accuracy must be booleans');
  return { loss: loss as ReadoutLossAttrs['loss'], count, lastStepOnly, accuracy };
}

/** Dims from H [B, T, W] and V [K, W], checking c (and K = 1 for mse). */
function readoutDims(inputs: NamedTensorInfoMap, a: ReadoutLossAttrs): ReadoutDims {
  const H = input(inputs, 'H');
  const V = input(inputs, 'V');
  if (H.shape.length !== 3) throw new Error(`ReadoutLoss: H must be [B, T, W], got [${H.shape}]`);
  const [B, T, W] = H.shape;
  if (V.shape.length !== 2 || V.shape[1] !== W)
    throw new Error(`ReadoutLoss: V must be [K, ${W}], got [${V.shape}]`);
  const K = V.shape[0];
  if (a.loss === 'mse' && K !== 1) throw new Error(`ReadoutLoss: mse needs one output, V has ${K}`);
  return { B, T, W, K, lastStepOnly: a.lastStepOnly };
}

/** Outputs: loss [], accuracy [] (NaN unless asked for), G = ∂loss/∂y [R, K] (for the gradient only). */
export const readoutLossKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = pooledCpu(backend);
  const a = readReadoutAttrs(attrs);
  const d = readoutDims(inputs, a);
  const R = readoutRows(d);
  expectShape('c', input(inputs, 'c'), [d.K]);
  expectShape('values', input(inputs, 'values'), [R]);
  expectShape('weights', input(inputs, 'weights'), [R]);
  const v = (name: string) => values(cpu, input(inputs, name));
  const out = readoutForward(
    d,
    { H: v('H'), V: v('V'), c: v('c'), values: v('values'), weights: v('weights') },
    a.count,
    a.loss,
    a.accuracy,
  );
  return [
    cpu.makeTensorInfo([], 'float32', Float32Array.of(out.loss)),
    cpu.makeTensorInfo([], 'float32', Float32Array.of(out.accuracy)),
    cpu.makeTensorInfo([R, d.K], 'float32', out.G),
  ];
};

/** Inputs dLoss [], H, V, G; outputs dH (H's shape), dV, dc. */
export const readoutLossGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = pooledCpu(backend);
  const a = readReadoutAttrs(attrs);
  const d = readoutDims(inputs, a);
  expectShape('G', input(inputs, 'G'), [readoutRows(d), d.K]);
  const dLoss = input(inputs, 'dLoss');
  expectShape('dLoss', dLoss, []);
  const v = (name: string) => values(cpu, input(inputs, name));
  const g = readoutBackward(d, v('dLoss')[0], v('H'), v('V'), v('G'));
  return [
    cpu.makeTensorInfo([d.B, d.T, d.W], 'float32', g.dH),
    cpu.makeTensorInfo([d.K, d.W], 'float32', g.dV),
    cpu.makeTensorInfo([d.K], 'float32', g.dc),
  ];
};
