// Spectral quantities of a model's recurrent matrix, from its parameters: shared by the engine's snapshots and
// the CLI's inspect. The KRU's come from its small factors alone (W is never formed); the RNN's from its W.
import {
  complexEigenvalues,
  complexSingularValues,
  factorDeviation,
  kronComplexProducts,
  kronSpectrumSummary,
  realEigenvalues,
  realSingularValues,
} from '../linalg';
import { factorCopy, factorLayout } from '../core/factor-layout';

/** Beyond this size the RNN's exact spectrum (O(N³) in plain JS) is not computed. */
export const MAX_DENSE_SPECTRUM = 256;

/** Re and im parts of each factor of a packed factor array (float64 copies). */
export function factorParts(
  sizes: number[],
  factors: ArrayLike<number>,
): Array<{ p: number; re: Float64Array; im: Float64Array }> {
  const layout = factorLayout(sizes);
  return sizes.map((p, f) => ({ p, ...factorCopy(factors, layout, f) }));
}

/** Per-factor singular values, each descending. */
export function factorSpectra(sizes: number[], factors: ArrayLike<number>): Float64Array[] {
  return factorParts(sizes, factors).map((f) => complexSingularValues(f.re, f.im, f.p));
}

/**
 * ‖WᴴW − I‖_F² of W = ⊗_f W_f from the factors' singular values, without listing all N products:
 * Σ_tuples (∏σ² − 1)² = ∏_f Σ_i σ_fi⁴ − 2 ∏_f Σ_i σ_fi² + N.
 */
export function kronDeviation(spectra: ArrayLike<number>[]): number {
  let p4 = 1;
  let p2 = 1;
  let n = 1;
  for (const s of spectra) {
    let s2 = 0;
    let s4 = 0;
    for (let i = 0; i < s.length; i++) {
      const v = s[i] * s[i];
      s2 += v;
      s4 += v * v;
    }
    p4 *= s4;
    p2 *= s2;
    n *= s.length;
  }
  return p4 - 2 * p2 + n;
}

/** The per-step summary of a KRU's factors: deviations, ‖W‖₂, every factor's singular values. */
export function kruStepSummary(sizes: number[], factors: ArrayLike<number>) {
  const spectra = factorSpectra(sizes, factors);
  return {
    spectra,
    factorDeviation: spectra.map((s) => factorDeviation(s)),
    fullDeviation: kronDeviation(spectra),
    spectralNorm: spectra.reduce((a, s) => a * s[0], 1),
  };
}

export interface MatrixSpectrum {
  /** All N singular values of W, descending. */
  singularValues: Float64Array;
  eigenRe: Float64Array;
  eigenIm: Float64Array;
}

/** Every singular value and eigenvalue of W = ⊗_f W_f, from the factors. */
export function kruSpectrum(sizes: number[], factors: ArrayLike<number>): MatrixSpectrum {
  const parts = factorParts(sizes, factors);
  const spectra = parts.map((f) => complexSingularValues(f.re, f.im, f.p));
  const eigs = parts.map((f) => complexEigenvalues(f.re, f.im, f.p));
  const eig = kronComplexProducts(
    eigs.map((e) => e.re),
    eigs.map((e) => e.im),
  );
  return { singularValues: kronSpectrumSummary(spectra).singularValues, eigenRe: eig.re, eigenIm: eig.im };
}

/** Singular values and eigenvalues of a real N×N W; null above MAX_DENSE_SPECTRUM. */
export function denseSpectrum(W: ArrayLike<number>, N: number): MatrixSpectrum | null {
  if (N > MAX_DENSE_SPECTRUM) return null;
  const e = realEigenvalues(W, N);
  return { singularValues: realSingularValues(W, N), eigenRe: e.re, eigenIm: e.im };
}
