// WebAssembly SIMD versions of the fused cpu kernels' hot loops (source: ./loops.wat): a 2×2 KRU factor's
// application and backward (../kru.ts), the dense RNN's and LSTM's C += A·Bᵀ (../rnn.ts, ../lstm.ts), and the
// LSTM's sigmoid and tanh (../lstm-cell.ts); ~3× the speed of the JS loops. The module can only read its own
// memory, so the kernels take their float64 scratch from `SimdLoops.workspace`. Without WebAssembly SIMD (or
// after setSimdLoops(false), which the tests use to cover both paths) the JS loops do all the work.
import { LOOPS_WASM_BASE64 } from './loops-wasm';

interface Exports {
  memory: WebAssembly.Memory;
  apply2(
    xr: number,
    xi: number,
    yr: number,
    yi: number,
    L: number,
    RB: number,
    a: number,
    ai: number,
    b: number,
    bi: number,
    c: number,
    ci: number,
    d: number,
    di: number,
  ): void;
  backward2(
    xr: number,
    xi: number,
    dyr: number,
    dyi: number,
    dxr: number,
    dxi: number,
    L: number,
    RB: number,
    a: number,
    ai: number,
    b: number,
    bi: number,
    c: number,
    ci: number,
    d: number,
    di: number,
    g: number,
  ): void;
  gemmABt(
    C: number,
    A: number,
    B: number,
    I: number,
    J: number,
    K: number,
    lda: number,
    ldb: number,
    ldc: number,
  ): void;
  /** The LSTM's activations in place over n float64 numbers at byte offset p. */
  sigmoids(p: number, n: number): void;
  tanhs(p: number, n: number): void;
}

/** backward2 writes its eight sums here (byte 0 of the module's memory); scratch arrays start after. */
const SUMS_BYTES = 64;
const PAGE_BYTES = 65536;

export interface SimdLoops {
  readonly exports: Exports;
  /**
   * Zeroed float64 arrays of the given lengths in the module's memory, and a view of the eight sums backward2
   * writes (Re G00, G01, G10, G11, then Im). They stay valid until the next call, which may grow the memory
   * (detaching them) or move to a fresh instance: one kernel call at a time uses them, and calls `exports`
   * only after taking its workspace.
   */
  workspace(lengths: number[]): Workspace;
}

export interface Workspace {
  arrays: Float64Array[];
  /** null outside the SIMD module's memory */
  sums: Float64Array | null;
}

/**
 * WebAssembly memory only grows: after one large model (the RNN at N = 4096 needs ~270 MB) a worker would keep
 * it for good. When a call needs less than a quarter of memory above this size, it gets a fresh instance (the
 * compiled module is kept; instantiating is cheap) and the old memory is left to the garbage collector.
 */
const SHRINK_ABOVE_BYTES = 64 * 1024 * 1024;

let compiled: WebAssembly.Module | null | undefined;
let instance: Exports | null = null;
let enabled = true;

function compile(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = Uint8Array.from(atob(LOOPS_WASM_BASE64), (c) => c.charCodeAt(0));
    compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null; // no WebAssembly or no SIMD: the JS loops do everything
  }
  return compiled;
}

function instantiate(module: WebAssembly.Module): Exports {
  return new WebAssembly.Instance(module, {}).exports as unknown as Exports;
}

function workspace(module: WebAssembly.Module, lengths: number[]): Workspace {
  const need = SUMS_BYTES + lengths.reduce((n, l) => n + l * 8, 0);
  let ex = (instance ??= instantiate(module));
  if (ex.memory.buffer.byteLength > SHRINK_ABOVE_BYTES && need * 4 < ex.memory.buffer.byteLength) {
    ex = instance = instantiate(module);
  }
  const have = ex.memory.buffer.byteLength;
  if (need > have) ex.memory.grow(Math.ceil((need - have) / PAGE_BYTES));
  const buffer = ex.memory.buffer;
  const arrays: Float64Array[] = [];
  let offset = SUMS_BYTES;
  for (const length of lengths) {
    const a = new Float64Array(buffer, offset, length);
    a.fill(0);
    arrays.push(a);
    offset += length * 8;
  }
  return { arrays, sums: new Float64Array(buffer, 0, 8) };
}

/** Bytes of WebAssembly memory the SIMD loops hold now (0 before their first use). */
export function simdMemoryBytes(): number {
  return instance ? instance.memory.buffer.byteLength : 0;
}

/** A kernel call's float64 scratch: in the SIMD module's memory when `simd` is given, else ordinary arrays. */
export function scratch(simd: SimdLoops | null, lengths: number[]): Workspace {
  if (simd) return simd.workspace(lengths);
  return { arrays: lengths.map((l) => new Float64Array(l)), sums: null };
}

/** The SIMD kernels, or null when WebAssembly SIMD is unavailable or switched off. */
export function simdLoops(): SimdLoops | null {
  const module = enabled ? compile() : null;
  if (!module) return null;
  return {
    // The instance in use: a workspace() call may have replaced it.
    get exports() {
      return (instance ??= instantiate(module));
    },
    workspace: (lengths) => workspace(module, lengths),
  };
}

/** Turns the SIMD path on or off (tests run the kernels both ways); returns whether it is now in use. */
export function setSimdLoops(on: boolean): boolean {
  enabled = on;
  return simdLoops() !== null;
}
