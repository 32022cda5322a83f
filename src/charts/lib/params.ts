// Text for the parameter table (pure; unit-tested). Its numbers are written by format.ts.

/** "2×2 ⊗ 2×2 ⊗ 4×4"; long runs are shortened to the first two, "…" and the last, with the count. */
export function factorShapes(sizes: readonly number[], maxShown = 5): string {
  const parts = sizes.map((p) => `${p}×${p}`);
  if (parts.length <= maxShown) return parts.join(' ⊗ ');
  return `${parts[0]} ⊗ ${parts[1]} ⊗ … ⊗ ${parts[parts.length - 1]} (${parts.length} factors)`;
}

export interface RecurrentCounts {
  N: number;
  /** N² (RNN). */
  dense: number;
  /** 2·Σ p_f² (KRU: real and imaginary part of every factor entry). */
  kronecker: number;
  /** "2·(2² + 2² + …)" */
  sumText: string;
}

export function recurrentCounts(sizes: readonly number[]): RecurrentCounts {
  const N = sizes.reduce((a, p) => a * p, 1);
  const kronecker = 2 * sizes.reduce((a, p) => a + p * p, 0);
  const squares = sizes.map((p) => `${p}²`);
  const sumText = `2·(${squares.length > 5 ? `${squares.slice(0, 3).join(' + ')} + … (${squares.length} terms)` : squares.join(' + ')})`;
  return { N, dense: N * N, kronecker, sumText };
}
