// WebGPU implementations of the fused recurrence kernels (contract: docs/model.md, "Fused kernels").
import { getKernel, registerKernel } from '@tensorflow/tfjs-core';
import { kruRecurrenceWebgpu } from './kru-forward';
import { kruRecurrenceGradWebgpu } from './kru-backward';
import { rnnRecurrenceGradWebgpu, rnnRecurrenceWebgpu } from './rnn';

export { setWebgpuKernelLayout, type LayoutKind } from './program';

const CONFIGS = [kruRecurrenceWebgpu, kruRecurrenceGradWebgpu, rnnRecurrenceWebgpu, rnnRecurrenceGradWebgpu];

/** Registers KruRecurrence(Grad) and RnnRecurrence(Grad) for the 'webgpu' backend; safe to call twice. */
export function registerWebgpuFusedKernels(): void {
  for (const config of CONFIGS) {
    if (!getKernel(config.kernelName, 'webgpu')) registerKernel(config);
  }
}
