// Shared plumbing for the fused WebGPU recurrence kernels: a WebGPUProgram whose WGSL is written by hand
// (sequences mapped onto threads by a SequenceLayout, flat output buffer) and small helpers that run stock
// tfjs kernels on the backend directly (kernel functions may call other kernel functions, never public ops:
// those would be taped and scoped by the engine).
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
 * How the fused kernels map sequences onto threads.
 * - 'workgroup': one workgroup per sequence; its threads split each step's vector and meet at barriers, the
 *   scratch vectors in workgroup memory. For GPUs, where barriers are cheap and N-wide parallelism matters.
 * - 'workgroup-global': the same with the scratch in a region of the output buffer (large N).
 * - 'serial': one thread per sequence, no barriers, scratch in the output buffer. For WebGPU implemented on
 *   the CPU (llvmpipe, SwiftShader): there a barrier is a coroutine switch of every SIMD group, which cost
 *   more than the arithmetic, while SIMD lanes across sequences come free.
 */
export type LayoutKind = 'workgroup' | 'workgroup-global' | 'serial';

export interface SequenceLayout {
  kind: LayoutKind;
  /** threads sharing one sequence: the stride of every per-sequence loop */
  lanes: number;
  /** invocations per workgroup */
  workgroupSize: number;
  /** whether the scratch vectors live in the output buffer (else in workgroup memory) */
  globalScratch: boolean;
}

/** Sequences per workgroup in the serial layout: llvmpipe's SIMD width for f32 with 256-bit vectors. */
const SERIAL_WORKGROUP = 8;

let forcedLayout: LayoutKind | undefined;
/** Tests and benchmarks force a layout; 'auto' lets the adapter decide (sequenceLayout). */
export function setWebgpuKernelLayout(kind: LayoutKind | 'auto'): void {
  forcedLayout = kind === 'auto' ? undefined : kind;
}

/** True for a CPU implementation of WebGPU (the fallback adapter, or llvmpipe's "software" architecture). */
export function isSoftwareDevice(device: GPUDevice): boolean {
  const info = (device as { adapterInfo?: { isFallbackAdapter?: boolean; architecture?: string } })
    .adapterInfo;
  return info?.isFallbackAdapter === true || info?.architecture === 'software';
}

/** The layout for a kernel whose steps work on vectors of n elements with `scratchFloats` of scratch. */
export function sequenceLayout(backend: WebGPUBackend, n: number, scratchFloats: number): SequenceLayout {
  const kind = forcedLayout ?? autoLayout(backend, scratchFloats);
  if (kind === 'serial') {
    return { kind, lanes: 1, workgroupSize: SERIAL_WORKGROUP, globalScratch: true };
  }
  const wg = workgroupSizeFor(n);
  return { kind, lanes: wg, workgroupSize: wg, globalScratch: kind === 'workgroup-global' };
}

function autoLayout(backend: WebGPUBackend, scratchFloats: number): LayoutKind {
  if (isSoftwareDevice(backend.device)) return 'serial';
  const limit = Math.min(backend.device.limits.maxComputeWorkgroupStorageSize, 16384);
  return scratchFloats * 4 <= limit ? 'workgroup' : 'workgroup-global';
}

/**
 * WGSL helpers every sequence kernel uses: laneId() (this thread's lane within its sequence) and, for a
 * scratch array of `floats` f32 per sequence, scGet/scSet, sync() (orders scratch between the lanes of a
 * sequence) and syncStorage() (orders `result`). In global scratch the array lives in `result` from offset
 * `scBase`, a private variable the kernel sets first thing. The serial layout has one lane per sequence, so
 * both syncs are empty (and must be: barriers need uniform control flow, and threads past the last sequence
 * return early), and laneId() is `uniforms.zero`, a 0 the compiler cannot see: with a literal 0 llvmpipe
 * fully unrolled every per-sequence loop (an early serial backward KRU shader at N=64 took 35 s to compile
 * instead of 13 s).
 */
export function layoutWgsl(layout: SequenceLayout, floats: number): string {
  const scratch = layout.globalScratch
    ? `
      var<private> scBase : i32;
      fn scGet(i : i32) -> f32 { return result[scBase + i]; }
      fn scSet(i : i32, v : f32) { result[scBase + i] = v; }`
    : `
      var<workgroup> sc : array<f32, ${Math.max(floats, 1)}>;
      fn scGet(i : i32) -> f32 { return sc[i]; }
      fn scSet(i : i32, v : f32) { sc[i] = v; }`;
  const serial = layout.kind === 'serial';
  const sync = serial
    ? ''
    : layout.globalScratch
      ? 'storageBarrier(); workgroupBarrier();'
      : 'workgroupBarrier();';
  return `${scratch}
      fn laneId() -> i32 { return ${serial ? 'uniforms.zero' : 'i32(localId.x)'}; }
      fn sync() { ${sync} }
      fn syncStorage() { ${serial ? '' : 'storageBarrier();'} }`;
}

/**
 * WGSL setting where this sequence's scratch starts, given the scratch region (`floats` per sequence, B
 * sequences) at offset `region` of the output buffer; nothing for workgroup memory.
 */
export function scratchStartWgsl(layout: SequenceLayout, region: string, floats: number): string {
  return layout.globalScratch ? `scBase = ${region} + seq * ${floats};` : '';
}

/** WGSL statements opening main(): lid, seq and (serial layout) the early return past the last sequence. */
export function sequenceIdsWgsl(layout: SequenceLayout): string {
  return layout.kind === 'serial'
    ? `let lid = laneId();
        let seq = i32(globalId.x);
        if (seq >= uniforms.numSeq) { return; }`
    : `let lid = laneId();
        let seq = i32(workgroupId.x);`;
}

/** Numerically safe tanh (the builtin may overflow to NaN for large |x| on some drivers). */
export const TANH_WGSL = `
      fn safeTanh(a : f32) -> f32 {
        let e = exp(-2.0 * abs(a));
        return sign(a) * (1.0 - e) / (1.0 + e);
      }`;

/** A program running each sequence on `layout.lanes` threads and writing a flat float32 output of `outputSize`. */
export class SequenceProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] } = { x: [0] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  uniforms = 'numSeq : i32, steps : i32, zero : i32,';
  size = false;
  private readonly code: string;

  constructor(
    key: string,
    variableNames: string[],
    outputSize: number,
    numSeq: number,
    layout: SequenceLayout,
    code: string,
  ) {
    this.shaderKey = `${key}_${layout.kind}_${layout.workgroupSize}`;
    this.variableNames = variableNames;
    this.outputShape = [outputSize];
    this.dispatch = [Math.ceil((numSeq * layout.lanes) / layout.workgroupSize), 1, 1];
    this.workgroupSize = [layout.workgroupSize, 1, 1];
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
    { type: 'int32', data: [0] },
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
