// WebGPU implementations of the fused recurrence kernels (contract: docs/model.md, "Fused kernels").
import { getKernel, registerKernel } from '@tensorflow/tfjs-core';
import { kruRecurrenceWebgpu } from './kru-forward';
import { kruRecurrenceGradWebgpu } from './kru-backward';
import { rnnRecurrenceGradWebgpu, rnnRecurrenceWebgpu } from './rnn';
import { lstmRecurrenceGradWebgpu, lstmRecurrenceWebgpu } from './lstm';
import { kruLstmRecurrenceGradWebgpu, kruLstmRecurrenceWebgpu } from './kru-lstm';

export { setWebgpuKernelLayout, type LayoutKind } from './program';

const CONFIGS = [
  kruRecurrenceWebgpu,
  kruRecurrenceGradWebgpu,
  rnnRecurrenceWebgpu,
  rnnRecurrenceGradWebgpu,
  lstmRecurrenceWebgpu,
  lstmRecurrenceGradWebgpu,
  kruLstmRecurrenceWebgpu,
  kruLstmRecurrenceGradWebgpu,
];

/**
 * Registers KruRecurrence(Grad), RnnRecurrence(Grad), LstmRecurrence(Grad) and KruLstmRecurrence(Grad) for the
 * 'webgpu' backend; safe to call twice.
 */
export function registerWebgpuFusedKernels(): void {
  for (const config of CONFIGS) {
    if (!getKernel(config.kernelName, 'webgpu')) registerKernel(config);
  }
}
