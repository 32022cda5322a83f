// Registers the fused recurrence kernels (cpu here, webgpu from ./webgpu) and the read-out kernel's gradient
// (the recurrences' gradients are their ops' own: ./ops.ts). Idempotent: safe to call from every entry point
// and test file.
import * as tf from '@tensorflow/tfjs-core';
import { cpuFusedKernelConfigs } from './cpu';
import { READOUT_LOSS, READOUT_LOSS_GRAD } from './ops';
import { registerWebgpuFusedKernels } from './webgpu';

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
  if (tf.getGradient(READOUT_LOSS) == null) tf.registerGradient(readoutLossGrad);
  registerWebgpuFusedKernels();
}
