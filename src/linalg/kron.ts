// Spectra of Kronecker products from their factors, without forming the product.
// Singular values (and eigenvalues) of W_0 ⊗ … ⊗ W_{F-1} are all products taking one value from each factor,
// enumerated here in numpy-kron order: the first list is the outermost (slowest-varying) index.

import type { ComplexValues } from './eig';

/** All products taking one element of each list, first list outermost. No lists → [1] (empty product). */
export function kronProducts(lists: ArrayLike<number>[]): Float64Array {
  let out = new Float64Array([1]);
  for (const list of lists) {
    const next = new Float64Array(out.length * list.length);
    let o = 0;
    for (let i = 0; i < out.length; i++) for (let j = 0; j < list.length; j++) next[o++] = out[i] * list[j];
    out = next;
  }
  return out;
}

/** Complex version of kronProducts: list f is (listsRe[f], listsIm[f]). */
export function kronComplexProducts(
  listsRe: ArrayLike<number>[],
  listsIm: ArrayLike<number>[],
): ComplexValues {
  if (listsRe.length !== listsIm.length) throw new Error('kronComplexProducts: re/im list counts differ');
  let re = new Float64Array([1]);
  let im = new Float64Array([0]);
  for (let f = 0; f < listsRe.length; f++) {
    const lr = listsRe[f];
    const li = listsIm[f];
    if (lr.length !== li.length) throw new Error(`kronComplexProducts: list ${f} re/im lengths differ`);
    const nr = new Float64Array(re.length * lr.length);
    const ni = new Float64Array(re.length * lr.length);
    let o = 0;
    for (let i = 0; i < re.length; i++) {
      for (let j = 0; j < lr.length; j++) {
        nr[o] = re[i] * lr[j] - im[i] * li[j];
        ni[o] = re[i] * li[j] + im[i] * lr[j];
        o++;
      }
    }
    re = nr;
    im = ni;
  }
  return { re, im };
}

/** Σ(σ² − 1)² = ‖AᴴA − I‖_F² for a matrix with singular values sv. (σ−1)(σ+1) avoids cancellation near 1. */
export function factorDeviation(sv: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < sv.length; i++) {
    const d = (sv[i] - 1) * (sv[i] + 1);
    total += d * d;
  }
  return total;
}

export interface KronSpectrumSummary {
  /** All N = ∏ p_f singular values of the Kronecker product, descending. */
  singularValues: Float64Array;
  /** ‖W‖₂ = ∏_f max σ_f. */
  spectralNorm: number;
  /** ‖WᴴW − I‖_F² = Σ over all N products s of (s² − 1)². */
  fullDeviation: number;
}

/** Spectrum of W = W_0 ⊗ … ⊗ W_{F-1} from each factor's singular values (any order within a factor). */
export function kronSpectrumSummary(factorSV: Float64Array[]): KronSpectrumSummary {
  const singularValues = kronProducts(factorSV);
  singularValues.sort();
  singularValues.reverse();
  let spectralNorm = 1;
  for (const sv of factorSV) {
    let m = sv.length > 0 ? sv[0] : 0;
    for (let i = 1; i < sv.length; i++) if (sv[i] > m) m = sv[i];
    spectralNorm *= m;
  }
  return { singularValues, spectralNorm, fullDeviation: factorDeviation(singularValues) };
}
