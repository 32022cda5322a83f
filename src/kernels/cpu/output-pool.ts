// Reuse of the fused kernels' large outputs ([B, T, 2N] arrays: H, A, ∂L/∂H, ∂L/∂P) from one training step to
// the next. Each step allocates several of them afresh and frees them at its end; at N = 1024 each is 26 MB, and
// glibc gives freed blocks that large back to the OS, so every step paid ~13,000 page faults (~100 ms of a
// 250 ms step, bench/results.md). Chromium's allocator does the same from a few hundred kB: in the app's worker
// at the default run (0.4–0.8 MB outputs) page faults were ~30% of a step. Kept here, an array's pages stay mapped.
//
// An array goes back to the pool only when tfjs's cpu backend drops its data and nothing else can still hold it:
// the backend is wrapped so that a read of the array (readSync: dataSync, data, bufferSync) or a tensor made on a
// view of it (a contiguous slice is a subarray) marks it as escaped, and an escaped array is left to the
// garbage collector.
//
// Small arrays are pooled too: each ArrayBuffer is an external allocation that V8 frees in a background sweep
// after the garbage collection that finds it dead, at a cost per buffer. At ~170 new buffers a training step the
// training worker's young-generation sweeps took 50–60 ms of CPU every ~0.6 s in a Chromium trace, bursts on the
// core the page's main thread runs on.
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DataId } from '@tensorflow/tfjs-core';

/** Below minLength elements arrays are allocated as usual (on-heap typed arrays need no sweep); tests set it. */
export const poolSettings = { minLength: 16 };
/** The pool keeps at most this many bytes of free arrays, dropping the oldest beyond it. */
const POOL_MAX_BYTES = 512 << 20;

type State = 'out' | 'registered';

class OutputPool {
  private free: Float32Array[] = [];
  private freeBytes = 0;
  /** Arrays handed out and not escaped, by buffer: 'out' until the kernel's tensor is made, then 'registered'. */
  private owned = new WeakMap<ArrayBufferLike, State>();

  take(length: number, zero: boolean): Float32Array {
    if (length < poolSettings.minLength) return new Float32Array(length);
    const i = this.free.findIndex((a) => a.length === length);
    let a: Float32Array;
    if (i >= 0) {
      a = this.free[i];
      this.free.splice(i, 1);
      this.freeBytes -= a.byteLength;
      if (zero) a.fill(0);
    } else a = new Float32Array(length);
    this.owned.set(a.buffer, 'out');
    return a;
  }

  /** A tensor is being made on `values`: the kernel's own output the first time, a view or a share after. */
  registered(values: unknown): void {
    const buffer = bufferOf(values);
    if (!buffer) return;
    const s = this.owned.get(buffer);
    if (s === 'out' && (values as Float32Array).byteLength === buffer.byteLength)
      this.owned.set(buffer, 'registered');
    else if (s) this.owned.delete(buffer);
  }

  escaped(values: unknown): void {
    const buffer = bufferOf(values);
    if (buffer) this.owned.delete(buffer);
  }

  /** The backend dropped `values`: keep the array if it is ours and never escaped. */
  give(values: unknown): void {
    const buffer = bufferOf(values);
    if (!buffer || this.owned.get(buffer) !== 'registered') return;
    this.owned.delete(buffer);
    const a = values as Float32Array;
    this.free.push(a);
    this.freeBytes += a.byteLength;
    while (this.freeBytes > POOL_MAX_BYTES) this.freeBytes -= this.free.shift()!.byteLength;
  }

  /** Free arrays held, for tests. */
  get size(): number {
    return this.free.length;
  }
}

function bufferOf(values: unknown): ArrayBufferLike | null {
  return values instanceof Float32Array ? values.buffer : null;
}

const pool = new OutputPool();

/**
 * A float32 array for a kernel's output of `length` elements. `zero`: the kernel relies on zeros (it writes only
 * some elements); false when it writes every element. Reused only on a backend passed to poolOutputs.
 */
export function outputArray(length: number, zero: boolean): Float32Array {
  return pool.take(length, zero);
}

/** outputArray holding `values` converted to float32 (a float64 accumulator, a view of WebAssembly memory). */
export function outputCopy(values: Float32Array | Float64Array): Float32Array {
  const a = pool.take(values.length, false);
  a.set(values);
  return a;
}

export function pooledFreeArrays(): number {
  return pool.size;
}

const wrapped = new WeakSet<MathBackendCPU>();

/** Wraps the cpu backend's data methods (once per backend) so that outputArray's arrays come back. */
function poolOutputs(cpu: MathBackendCPU): void {
  if (wrapped.has(cpu)) return;
  wrapped.add(cpu);
  const { disposeData, readSync, write } = cpu;
  // Every tensor's data enters through write (makeTensorInfo calls it too).
  cpu.write = function (values, shape, dtype) {
    pool.registered(values);
    return write.call(this, values, shape, dtype);
  };
  cpu.readSync = function (dataId: DataId) {
    const v = readSync.call(this, dataId);
    pool.escaped(v);
    return v;
  };
  cpu.disposeData = function (dataId: DataId, force?: boolean) {
    const values = this.data.get(dataId)?.values;
    const freed = disposeData.call(this, dataId, force);
    if (freed && values && !this.data.has(dataId)) pool.give(values);
    return freed;
  };
}

/** The kernel's backend as the cpu backend, its data methods wrapped for the pool. */
export function pooledCpu(backend: unknown): MathBackendCPU {
  const cpu = backend as MathBackendCPU;
  poolOutputs(cpu);
  return cpu;
}
