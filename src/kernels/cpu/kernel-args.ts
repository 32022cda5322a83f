// Reading a cpu kernel's inputs, with errors that name the kernel: one copy for every kernel file here.
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

export function inputOf(inputs: NamedTensorInfoMap, name: string, kernel: string): TensorInfo {
  const t = inputs[name];
  if (t == null) throw new Error(`${kernel}: missing input '${name}'`);
  return t;
}

/** The input's own float32 array in the backend (not a copy: read it, never write it). */
export function floatsOf(backend: MathBackendCPU, t: TensorInfo, kernel: string): Float32Array {
  const v = backend.data.get(t.dataId).values;
  if (!(v instanceof Float32Array)) throw new Error(`${kernel}: expected float32 data, got ${t.dtype}`);
  return v;
}

export function expectShapeOf(kernel: string, name: string, t: TensorInfo, shape: number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw new Error(`${kernel}: ${name} has shape [${t.shape}], expected [${shape}]`);
  }
}

/** The three, with the kernel's name bound (the name its errors carry). */
export function kernelArgs(kernel: string) {
  return {
    input: (inputs: NamedTensorInfoMap, name: string) => inputOf(inputs, name, kernel),
    values: (backend: MathBackendCPU, t: TensorInfo) => floatsOf(backend, t, kernel),
    expectShape: (name: string, t: TensorInfo, shape: number[]) => expectShapeOf(kernel, name, t, shape),
  };
}
