// Haar-distributed random unitary/orthogonal matrices from the project's seeded Rng.
//
// Method: Gram–Schmidt on the columns of a Gaussian matrix gives the QR factor whose R has a positive real
// diagonal, i.e. Q·diag(r_ii/|r_ii|) with the phase fix already applied, which is Haar-distributed. Each
// projection is done twice ("twice is enough"), so QᴴQ = I to rounding level (~1e-15), not just ~κ·eps.

import type { Rng } from '../util/rng';
import type { ComplexMatrix } from './dense';

/**
 * Haar unitary p×p, row-major (re, im). Draw order: row-major entries, Re then Im of each, N(0, 1/2) each.
 */
export function haarUnitary(rng: Rng, p: number): ComplexMatrix {
  const re = new Float64Array(p * p);
  const im = new Float64Array(p * p);
  for (let i = 0; i < p * p; i++) {
    re[i] = rng.normal() * Math.SQRT1_2;
    im[i] = rng.normal() * Math.SQRT1_2;
  }
  for (let j = 0; j < p; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < j; q++) {
        // coefficient = q_qᴴ v_j
        let cr = 0;
        let ci = 0;
        for (let k = 0; k < p; k++) {
          const xr = re[k * p + q];
          const xi = im[k * p + q];
          const yr = re[k * p + j];
          const yi = im[k * p + j];
          cr += xr * yr + xi * yi;
          ci += xr * yi - xi * yr;
        }
        for (let k = 0; k < p; k++) {
          const xr = re[k * p + q];
          const xi = im[k * p + q];
          re[k * p + j] -= cr * xr - ci * xi;
          im[k * p + j] -= cr * xi + ci * xr;
        }
      }
    }
    let norm = 0;
    for (let k = 0; k < p; k++) norm += re[k * p + j] ** 2 + im[k * p + j] ** 2;
    norm = Math.sqrt(norm);
    // A Gaussian matrix is singular with probability 0; the norm can only be 0 for a broken Rng.
    if (!(norm > 0)) throw new Error('haarUnitary: degenerate Gaussian draw');
    for (let k = 0; k < p; k++) {
      re[k * p + j] /= norm;
      im[k * p + j] /= norm;
    }
  }
  return { re, im };
}

/** Haar orthogonal n×n, row-major. Draw order: row-major entries, N(0, 1) each. */
export function haarOrthogonal(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) a[i] = rng.normal();
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < j; q++) {
        let c = 0;
        for (let k = 0; k < n; k++) c += a[k * n + q] * a[k * n + j];
        for (let k = 0; k < n; k++) a[k * n + j] -= c * a[k * n + q];
      }
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += a[k * n + j] ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 0)) throw new Error('haarOrthogonal: degenerate Gaussian draw');
    for (let k = 0; k < n; k++) a[k * n + j] /= norm;
  }
  return a;
}
