// WebAssembly SIMD versions of the fused cpu kernels' hot loops (source: ./loops.wat): the KRU's whole
// recurrence in float32 (../kru.ts), the dense RNN's and LSTM's C += A·Bᵀ (../gemm.ts) and the LSTM's sigmoid
// and tanh (../lstm-cell.ts). The module can only read its own memory, so the kernels take their scratch from
// `SimdLoops.workspace` / `typedWorkspace`. Without WebAssembly SIMD (or after setSimdLoops(false), which the
// tests use to cover both paths) the JS loops do all the work.
import { LOOPS_WASM_BASE64 } from './loops-wasm';

interface Exports {
  memory: WebAssembly.Memory;
  /** The KRU's float32 loops (../kru.ts; loops.wat says what each computes). */
  kapply2(
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
  kbackward2(
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
    gi: number,
  ): void;
  kapplyp(
    xr: number,
    xi: number,
    yr: number,
    yi: number,
    L: number,
    p: number,
    RB: number,
    wr: number,
    wi: number,
  ): void;
  kbackwardp(
    xr: number,
    xi: number,
    dyr: number,
    dyi: number,
    dxr: number,
    dxi: number,
    L: number,
    p: number,
    RB: number,
    wr: number,
    wi: number,
    g: number,
    gi: number,
  ): void;
  ktoState(rows: number, rs: number, re: number, im: number, N: number, Bp: number): void;
  ktoRows(re: number, im: number, rows: number, rs: number, N: number, Bp: number, add: number): void;
  kforwardElem(
    A: number,
    H: number,
    rs: number,
    x: number,
    t: number,
    T: number,
    D: number,
    Ut: number,
    bias: number,
    beta: number,
    N: number,
    Bp: number,
    act: number,
  ): void;
  kbackwardElem(
    dH: number,
    A: number,
    rs: number,
    x: number,
    t: number,
    T: number,
    D: number,
    Ut: number,
    beta: number,
    dx: number,
    gb: number,
    gU: number,
    gB: number,
    acc: number,
    N: number,
    Bp: number,
    act: number,
  ): void;
  kflush(tmp: number, acc: number, n: number): void;
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

const PAGE_BYTES = 65536;

export interface SimdLoops {
  readonly exports: Exports;
  /**
   * Zeroed float64 arrays of the given lengths in the module's memory. They stay valid until the next call,
   * which may grow the memory (detaching them) or move to a fresh instance: one kernel call at a time uses
   * them, and calls `exports` only after taking its workspace.
   */
  workspace(lengths: number[]): Workspace;
  /**
   * Float32 and float64 arrays, each 16-byte aligned, valid as workspace()'s are: zeroed, or with `dirty`
   * holding whatever the memory held (for arrays the caller overwrites: zeroing 50 MB costs ~5 ms).
   */
  typedWorkspace(f32: number[], f64: number[], dirty?: boolean): { f32: Float32Array[]; f64: Float64Array[] };
}

export interface Workspace {
  arrays: Float64Array[];
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

/** The module's memory, grown (or replaced by a fresh instance) to hold `need` bytes. */
function memoryFor(module: WebAssembly.Module, need: number): ArrayBuffer {
  let ex = (instance ??= instantiate(module));
  if (ex.memory.buffer.byteLength > SHRINK_ABOVE_BYTES && need * 4 < ex.memory.buffer.byteLength) {
    ex = instance = instantiate(module);
  }
  const have = ex.memory.buffer.byteLength;
  if (need > have) ex.memory.grow(Math.ceil((need - have) / PAGE_BYTES));
  return ex.memory.buffer;
}

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

function typedWorkspace(
  module: WebAssembly.Module,
  f32: number[],
  f64: number[],
  dirty = false,
): { f32: Float32Array[]; f64: Float64Array[] } {
  const need = [...f32.map((l) => l * 4), ...f64.map((l) => l * 8)].reduce((n, b) => n + align16(b), 0);
  const buffer = memoryFor(module, need);
  let offset = 0;
  const take = <A extends Float32Array | Float64Array>(make: (o: number) => A, bytes: number): A => {
    const a = make(offset);
    if (!dirty) a.fill(0);
    offset += align16(bytes);
    return a;
  };
  return {
    f32: f32.map((l) => take((o) => new Float32Array(buffer, o, l), l * 4)),
    f64: f64.map((l) => take((o) => new Float64Array(buffer, o, l), l * 8)),
  };
}

function workspace(module: WebAssembly.Module, lengths: number[]): Workspace {
  return { arrays: typedWorkspace(module, [], lengths).f64 };
}

/** Bytes of WebAssembly memory the SIMD loops hold now (0 before their first use). */
export function simdMemoryBytes(): number {
  return instance ? instance.memory.buffer.byteLength : 0;
}

/** A kernel call's float64 scratch: in the SIMD module's memory when `simd` is given, else ordinary arrays. */
export function scratch(simd: SimdLoops | null, lengths: number[]): Workspace {
  if (simd) return simd.workspace(lengths);
  return { arrays: lengths.map((l) => new Float64Array(l)) };
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
    typedWorkspace: (f32, f64, dirty) => typedWorkspace(module, f32, f64, dirty),
  };
}

/** Turns the SIMD path on or off (tests run the kernels both ways); returns whether it is now in use. */
export function setSimdLoops(on: boolean): boolean {
  enabled = on;
  return simdLoops() !== null;
}
