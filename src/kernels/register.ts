// Registers the fused recurrence kernels (cpu here, webgpu from ./webgpu) and one gradient per forward
// kernel. Idempotent: safe to call from every entry point and test file.
import * as tf from '@tensorflow/tfjs-core';
import { cpuFusedKernelConfigs } from './cpu';
import {
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
} from './ops';
import { registerWebgpuFusedKernels } from './webgpu';

/**
 * The gradient closures hand out tensors computed eagerly by ONE grad-kernel call: the engine runs each
 * closure in its own tidy, so tensors created lazily inside one closure could not be shared with another.
 * Tensors for inputs that need no gradient are disposed by the engine's enclosing backward tidy.
 */
const kruGrad: tf.GradConfig = {
  kernelName: KRU_RECURRENCE,
  inputsToSave: ['x', 'factors', 'U', 'b', 'beta'],
  outputsToSave: [true, true], // H (the chain is recomputed from it) and A (for σ')
  gradFunc: (dy, saved, attrs) => {
    const [x, factors, U, b, beta, H, A] = saved;
    // dy[1], the gradient w.r.t. A, is ignored: the ops never expose A. tfjs passes null for an output
    // that does not reach the loss.
    const dH = (Array.isArray(dy) ? dy[0] : dy) ?? tf.zerosLike(H);
    const [dx, dFactors, dU, db, dBeta, dProbe] = tf
      .engine()
      .runKernel<tf.Tensor[]>(KRU_RECURRENCE_GRAD, { dH, x, factors, U, b, beta, H, A }, attrs);
    return {
      x: () => dx,
      factors: () => dFactors,
      U: () => dU,
      b: () => db,
      beta: () => dBeta,
      probe: () => dProbe,
    };
  },
};

const rnnGrad: tf.GradConfig = {
  kernelName: RNN_RECURRENCE,
  inputsToSave: ['x', 'W', 'U', 'b'],
  outputsToSave: [true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, W, U, b, H, A] = saved;
    const dH = (Array.isArray(dy) ? dy[0] : dy) ?? tf.zerosLike(H);
    const [dx, dW, dU, db, dProbe] = tf
      .engine()
      .runKernel<tf.Tensor[]>(RNN_RECURRENCE_GRAD, { dH, x, W, U, b, H, A }, attrs);
    return { x: () => dx, W: () => dW, U: () => dU, b: () => db, probe: () => dProbe };
  },
};

const lstmGrad: tf.GradConfig = {
  kernelName: LSTM_RECURRENCE,
  inputsToSave: ['x', 'W', 'U', 'b'],
  outputsToSave: [true, true, true], // H, C (cell states) and G (gate values)
  gradFunc: (dy, saved) => {
    const [x, W, U, b, H, C, G] = saved;
    const dH = (Array.isArray(dy) ? dy[0] : dy) ?? tf.zerosLike(H);
    const [dx, dW, dU, db, dProbe] = tf
      .engine()
      .runKernel<tf.Tensor[]>(LSTM_RECURRENCE_GRAD, { dH, x, W, U, b, H, C, G }, {});
    return { x: () => dx, W: () => dW, U: () => dU, b: () => db, probe: () => dProbe };
  },
};

const kruLstmGrad: tf.GradConfig = {
  kernelName: KRU_LSTM_RECURRENCE,
  inputsToSave: ['x', 'factors', 'U', 'b'],
  outputsToSave: [true, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, factors, U, b, H, C, G] = saved;
    const dH = (Array.isArray(dy) ? dy[0] : dy) ?? tf.zerosLike(H);
    const [dx, dFactors, dU, db, dProbe] = tf
      .engine()
      .runKernel<tf.Tensor[]>(KRU_LSTM_RECURRENCE_GRAD, { dH, x, factors, U, b, H, C, G }, attrs);
    return { x: () => dx, factors: () => dFactors, U: () => dU, b: () => db, probe: () => dProbe };
  },
};

/**
 * The read-out-and-loss kernel's outputs are the loss, the accuracy (no gradient) and G = ∂loss/∂y, which the
 * grad kernel turns into dH, dV, dc for the incoming ∂/∂loss. The targets get no gradient.
 */
const readoutLossGrad: tf.GradConfig = {
  kernelName: READOUT_LOSS,
  inputsToSave: ['H', 'V'],
  outputsToSave: [false, false, true],
  gradFunc: (dy, saved, attrs) => {
    const [H, V, G] = saved;
    const dLoss = (Array.isArray(dy) ? dy[0] : dy) ?? tf.scalar(0);
    const [dH, dV, dc] = tf.engine().runKernel<tf.Tensor[]>(READOUT_LOSS_GRAD, { dLoss, H, V, G }, attrs);
    const none = (name: string) => () => {
      throw new Error(`ReadoutLoss: no gradient with respect to ${name}`);
    };
    return { H: () => dH, V: () => dV, c: () => dc, values: none('values'), weights: none('weights') };
  },
};

let registered = false;

export function registerFusedKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of cpuFusedKernelConfigs) {
    if (tf.getKernel(config.kernelName, config.backendName) == null) tf.registerKernel(config);
  }
  for (const grad of [kruGrad, rnnGrad, lstmGrad, kruLstmGrad, readoutLossGrad]) {
    if (tf.getGradient(grad.kernelName) == null) tf.registerGradient(grad);
  }
  registerWebgpuFusedKernels();
}
