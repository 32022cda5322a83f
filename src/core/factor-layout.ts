// The packed layout of a KRU's Kronecker factors: the one place that knows it. Imports nothing of the project.
//
// W = W_0 ⊗ … ⊗ W_{F−1}, factor f a complex p_f×p_f matrix. All factors live in one flat array ("packed"):
// for each factor in order, its p_f² real parts (row-major) then its p_f² imaginary parts:
//
//   [ Re W_0 | Im W_0 | Re W_1 | Im W_1 | … | Re W_{F−1} | Im W_{F−1} ]
//     ^offsets[0]      ^offsets[1]                                     ^packedLength = 2·Σ p_f²
//
// so Re W_f[i, j] = packed[offsets[f] + i·p_f + j] and Im W_f[i, j] = packed[imOffsets[f] + i·p_f + j],
// imOffsets[f] = offsets[f] + p_f². Gradients with respect to the factors share the layout. The hidden size is
// N = ∏ p_f; viewing a hidden vector as a p_0×…×p_{F−1} tensor (first factor outermost, numpy-kron order),
// factor f acts on the index n = (l·p_f + i)·post[f] + r with l < pre[f] = ∏_{g<f} p_g, r < post[f] = ∏_{g>f} p_g.

/** ∏ xs (1 for none). */
export function product(xs: readonly number[]): number {
  let n = 1;
  for (const x of xs) n *= x;
  return n;
}

/** 2·Σ p_f²: the length of the packed factor array for these sizes. */
export function packedLength(sizes: readonly number[]): number {
  let n = 0;
  for (const p of sizes) n += 2 * p * p;
  return n;
}

export interface FactorLayout {
  /** p_f, one per factor */
  readonly sizes: readonly number[];
  /** number of factors */
  readonly F: number;
  /** hidden size ∏ p_f */
  readonly N: number;
  /** where Re W_f starts in the packed array (also where factor f starts) */
  readonly offsets: readonly number[];
  /** where Im W_f starts: offsets[f] + p_f² */
  readonly imOffsets: readonly number[];
  /** 2·Σ p_f² */
  readonly packedLength: number;
  /** ∏_{g<f} p_g: the number of blocks along the axes before factor f */
  readonly pre: readonly number[];
  /** ∏_{g>f} p_g: the stride of factor f's axis in a hidden vector */
  readonly post: readonly number[];
}

/** The layout for factor sizes p_0 … p_{F−1} (positive integers). */
export function factorLayout(sizes: readonly number[]): FactorLayout {
  for (const p of sizes) {
    if (!Number.isInteger(p) || p < 1)
      throw new RangeError(`factor sizes must be positive integers, got [${sizes}]`);
  }
  const N = product(sizes);
  const offsets: number[] = [];
  const imOffsets: number[] = [];
  const pre: number[] = [];
  const post: number[] = [];
  let off = 0;
  let L = 1;
  for (const p of sizes) {
    offsets.push(off);
    imOffsets.push(off + p * p);
    pre.push(L);
    post.push(N / (L * p));
    off += 2 * p * p;
    L *= p;
  }
  return { sizes: [...sizes], F: sizes.length, N, offsets, imOffsets, packedLength: off, pre, post };
}

/** One past the last entry of factor f (its Im block's end): offsets[f] + 2·p_f². */
export function factorEnd(layout: FactorLayout, f: number): number {
  return layout.imOffsets[f] + layout.sizes[f] * layout.sizes[f];
}

/** Float arrays with zero-copy views. */
export type FloatArray = Float32Array | Float64Array;

function checkPacked(packed: ArrayLike<number>, layout: FactorLayout): void {
  if (packed.length !== layout.packedLength) {
    throw new RangeError(
      `packed factors: expected ${layout.packedLength} values for sizes [${layout.sizes}], got ${packed.length}`,
    );
  }
}

/** Re W_f as a view (row-major p_f×p_f) into the packed array. */
export function factorRe<A extends FloatArray>(packed: A, layout: FactorLayout, f: number): A {
  checkPacked(packed, layout);
  return packed.subarray(layout.offsets[f], layout.imOffsets[f]) as A;
}

/** Im W_f as a view (row-major p_f×p_f) into the packed array. */
export function factorIm<A extends FloatArray>(packed: A, layout: FactorLayout, f: number): A {
  checkPacked(packed, layout);
  return packed.subarray(layout.imOffsets[f], factorEnd(layout, f)) as A;
}

/** W_f as float64 copies of its (re, im) parts, from any array-like packed factors (plain arrays included). */
export function factorCopy(
  packed: ArrayLike<number>,
  layout: FactorLayout,
  f: number,
): { re: Float64Array; im: Float64Array } {
  checkPacked(packed, layout);
  const pp = layout.sizes[f] * layout.sizes[f];
  const re = new Float64Array(pp);
  const im = new Float64Array(pp);
  const o = layout.offsets[f];
  const oi = layout.imOffsets[f];
  for (let k = 0; k < pp; k++) {
    re[k] = packed[o + k];
    im[k] = packed[oi + k];
  }
  return { re, im };
}

/** Factor sizes 2×2×…×2 when hidden is a power of two, else one hidden×hidden factor. */
export function defaultFactors(hidden: number): number[] {
  const f: number[] = [];
  let n = hidden;
  while (n > 1 && n % 2 === 0) {
    f.push(2);
    n /= 2;
  }
  if (n > 1) f.push(n);
  return f.length ? f : [1];
}
