// Shared plumbing for the fused WebGPU recurrence kernels: a WebGPUProgram whose WGSL is written by hand
// (one workgroup per sequence, flat output buffer) and small helpers that run stock tfjs kernels on the
// backend directly (kernel functions may call other kernel functions, never public ops: those would be
// taped and scoped by the engine).
import { getKernel, type NamedAttrMap, type TensorInfo, util } from '@tensorflow/tfjs-core';
// Type-only import: the package entry point registers the backend as a side effect, so no values are
// imported from it here; WebGPUBackend and WebGPUProgram are the public types of its API.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export type { WebGPUBackend };

/** Threads per workgroup: a power of two covering n elements, between 32 and 256. */
export function workgroupSizeFor(n: number): number {
  let wg = 32;
  while (wg < n && wg < 256) wg *= 2;
  return wg;
}

/**
 * Where a kernel keeps its per-sequence scratch vectors. 'auto' uses workgroup memory when it fits the
 * device limit and a region of the output buffer otherwise; 'global' forces the latter (tests use it to
 * exercise the large-N path at small sizes).
 */
export type ScratchMode = 'auto' | 'global';
let scratchMode: ScratchMode = 'auto';
export function setWebgpuScratchMode(mode: ScratchMode): void {
  scratchMode = mode;
}

export function fitsWorkgroupMemory(backend: WebGPUBackend, floats: number): boolean {
  if (scratchMode === 'global') return false;
  const limit = Math.min(backend.device.limits.maxComputeWorkgroupStorageSize, 16384);
  return floats * 4 <= limit;
}

/**
 * WGSL helpers for a scratch array of `floats` f32 per sequence: scGet/scSet/sync. In workgroup mode the
 * array lives in workgroup memory; in global mode it lives in `result` from offset `scBase` (a private
 * variable the kernel sets first thing), and sync() must order storage memory.
 */
export function scratchWgsl(workgroup: boolean, floats: number): string {
  if (workgroup) {
    return `
      var<workgroup> sc : array<f32, ${Math.max(floats, 1)}>;
      var<private> scBase : i32;
      fn scGet(i : i32) -> f32 { return sc[i]; }
      fn scSet(i : i32, v : f32) { sc[i] = v; }
      fn sync() { workgroupBarrier(); }`;
  }
  return `
      var<private> scBase : i32;
      fn scGet(i : i32) -> f32 { return result[scBase + i]; }
      fn scSet(i : i32, v : f32) { result[scBase + i] = v; }
      fn sync() { storageBarrier(); workgroupBarrier(); }`;
}

/** Numerically safe tanh (the builtin may overflow to NaN for large |x| on some drivers). */
export const TANH_WGSL = `
      fn safeTanh(a : f32) -> f32 {
        let e = exp(-2.0 * abs(a));
        return sign(a) * (1.0 - e) / (1.0 + e);
      }`;

/** A program with one workgroup per sequence writing a flat float32 output of `outputSize` elements. */
export class SequenceProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] } = { x: [0] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  uniforms = 'numSeq : i32, steps : i32,';
  size = false;
  private readonly code: string;

  constructor(
    key: string,
    variableNames: string[],
    outputSize: number,
    numSeq: number,
    wg: number,
    code: string,
  ) {
    this.shaderKey = key;
    this.variableNames = variableNames;
    this.outputShape = [outputSize];
    this.dispatch = [numSeq, 1, 1];
    this.workgroupSize = [wg, 1, 1];
    this.code = code;
  }

  getUserCode(): string {
    return this.code;
  }
}

export function runSequenceProgram(
  backend: WebGPUBackend,
  program: SequenceProgram,
  inputs: TensorInfo[],
  numSeq: number,
  steps: number,
): TensorInfo {
  return backend.runWebGPUProgram(program, inputs, 'float32', [
    { type: 'int32', data: [numSeq] },
    { type: 'int32', data: [steps] },
  ]);
}

/** Runs a stock kernel registered for webgpu and returns its single output. */
export function runBackendKernel(
  backend: WebGPUBackend,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(name, 'webgpu');
  if (!kernel) throw new Error(`webgpu kernel ${name} is not registered`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  // tfjs kernel functions return TensorInfo | TensorInfo[]; all the ones used here return one.
  return Array.isArray(out) ? out[0] : (out as TensorInfo);
}

/** Collects intermediates so a kernel can free them all before it returns. */
export class Scope {
  private readonly owned: TensorInfo[] = [];
  constructor(private readonly backend: WebGPUBackend) {}

  keep<T extends TensorInfo>(t: T): T {
    this.owned.push(t);
    return t;
  }

  run(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    return this.keep(runBackendKernel(this.backend, name, inputs, attrs));
  }

  slice(x: TensorInfo, begin: number, size: number): TensorInfo {
    return this.run('Slice', { x }, { begin: [begin], size: [size] });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** C = op(A) · op(B) for 2-D A and B (run as a batch of one). */
  matMul(a: TensorInfo, b: TensorInfo, transposeA = false, transposeB = false): TensorInfo {
    const a3 = this.reshape(a, [1, ...a.shape]);
    const b3 = this.reshape(b, [1, ...b.shape]);
    const c3 = this.run('BatchMatMul', { a: a3, b: b3 }, { transposeA, transposeB });
    return this.reshape(c3, c3.shape.slice(1));
  }

  sum(x: TensorInfo, axis: number): TensorInfo {
    return this.run('Sum', { x }, { axis: [axis], keepDims: false });
  }

  zeros(shape: number[]): TensorInfo {
    return this.keep(
      this.backend.makeTensorInfo(shape, 'float32', new Float32Array(util.sizeFromShape(shape))),
    );
  }

  /** An output: it survives dispose() (the engine takes ownership). */
  output(x: TensorInfo): TensorInfo {
    const i = this.owned.indexOf(x);
    if (i >= 0) this.owned.splice(i, 1);
    return x;
  }

  dispose(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }
}

/** A read-only view of an input with another shape (same buffer; for program inputs only). */
export function view(x: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: x.dataId, dtype: x.dtype, shape };
}

/** Looks up required kernel inputs by name. */
export function requireInputs<K extends string>(
  kernel: string,
  inputs: Record<string, TensorInfo | undefined>,
  names: readonly K[],
): Record<K, TensorInfo> {
  const out = {} as Record<K, TensorInfo>;
  for (const n of names) {
    const t = inputs[n];
    if (!t) throw new Error(`${kernel}: missing input ${n}`);
    out[n] = t;
  }
  return out;
}

export function flatView(t: TensorInfo): TensorInfo {
  return view(t, [util.sizeFromShape(t.shape)]);
}
