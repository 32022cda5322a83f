// Reading the fused kernels' attrs, shared by every backend's implementation (attrs arrive untyped).
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { KRU_ACTIVATIONS, RNN_ACTIVATIONS, type KruActivation, type RnnActivation } from '../core/vocabulary';

/** The factor sizes of a Kronecker kernel's call (`kernel` names it in the error). */
export function readSizes(attrs: NamedAttrMap | undefined, kernel: string): number[] {
  const sizes = attrs?.sizes;
  if (
    !Array.isArray(sizes) ||
    sizes.length === 0 ||
    !sizes.every((s) => Number.isInteger(s) && (s as number) >= 1)
  ) {
    throw new Error(`${kernel}: attr sizes must be a non-empty list of positive integers`);
  }
  return sizes as number[];
}

export function readKruAttrs(attrs: NamedAttrMap | undefined): {
  sizes: number[];
  activation: KruActivation;
} {
  const sizes = readSizes(attrs, 'KruRecurrence');
  const activation = attrs?.activation;
  if (typeof activation !== 'string' || !(KRU_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new Error(`KruRecurrence: unknown activation ${String(activation)}`);
  }
  return { sizes, activation: activation as KruActivation };
}

export function readRnnActivation(attrs: NamedAttrMap | undefined): RnnActivation {
  const activation = attrs?.activation;
  if (typeof activation !== 'string' || !(RNN_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new Error(`RnnRecurrence: unknown activation ${String(activation)}`);
  }
  return activation as RnnActivation;
}
