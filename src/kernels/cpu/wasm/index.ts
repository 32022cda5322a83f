// The WebAssembly (SIMD) versions of the fused cpu KRU kernels' two hot loops, for 2×2 factors: applying a
// factor, and its backward. ./kronecker.wat is the source; each call does two batch lanes per instruction,
// ~3× faster than the scalar JS loops in ../kru.ts. Arrays the module reads must live in its memory, so the
// kernels take their float64 scratch from `KroneckerSimd.arrays`. Without WebAssembly SIMD (or with
// setKroneckerSimd(false), which the tests use to cover both paths) the JS loops do all the work.
import { KRONECKER_WASM_BASE64 } from './kronecker-wasm';

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
}

/** backward2 writes its eight sums here (byte 0 of the module's memory); scratch arrays start after. */
const SUMS_BYTES = 64;
const PAGE_BYTES = 65536;

export interface KroneckerSimd {
  readonly exports: Exports;
  /**
   * `count` zeroed float64 arrays of `length` numbers in the module's memory, and a view of the eight sums
   * backward2 writes (Re G00, G01, G10, G11, then Im). They stay valid until the next call, which may grow the
   * memory and detach them: one kernel call at a time uses them.
   */
  workspace(count: number, length: number): { arrays: Float64Array[]; sums: Float64Array };
}

let loaded: Exports | null | undefined;
let enabled = true;

function load(): Exports | null {
  if (loaded !== undefined) return loaded;
  try {
    const bytes = Uint8Array.from(atob(KRONECKER_WASM_BASE64), (c) => c.charCodeAt(0));
    loaded = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
  } catch {
    loaded = null; // no WebAssembly or no SIMD: the JS loops do everything
  }
  return loaded;
}

function workspace(
  ex: Exports,
  count: number,
  length: number,
): { arrays: Float64Array[]; sums: Float64Array } {
  const need = SUMS_BYTES + count * length * 8;
  const have = ex.memory.buffer.byteLength;
  if (need > have) ex.memory.grow(Math.ceil((need - have) / PAGE_BYTES));
  const buffer = ex.memory.buffer;
  const out: Float64Array[] = [];
  for (let i = 0; i < count; i++) {
    const a = new Float64Array(buffer, SUMS_BYTES + i * length * 8, length);
    a.fill(0);
    out.push(a);
  }
  return { arrays: out, sums: new Float64Array(buffer, 0, 8) };
}

/** The SIMD kernels, or null when WebAssembly SIMD is unavailable or switched off. */
export function kroneckerSimd(): KroneckerSimd | null {
  const ex = enabled ? load() : null;
  if (!ex) return null;
  return {
    exports: ex,
    workspace: (count, length) => workspace(ex, count, length),
  };
}

/** Turns the SIMD path on or off (tests run the kernels both ways); returns whether it is now in use. */
export function setKroneckerSimd(on: boolean): boolean {
  enabled = on;
  return kroneckerSimd() !== null;
}
