// Singular values by one-sided (Hestenes) Jacobi.
//
// Why this method: it only needs plane rotations of pairs of vectors, is short enough to audit, and computes
// every singular value (small ones included) to high relative accuracy, which matters because the explorer
// shows how far each σ is from 1. Singular values of A equal those of Aᵀ, so we orthogonalise the *rows* of
// the row-major input (contiguous in memory) instead of its columns. When the rows are mutually orthogonal,
// the row norms are the singular values.
//
// The complex version runs the same iteration in complex arithmetic (not the 2p×2p real embedding), so each σ
// appears once and the 2×2 case finishes after a single rotation.

import { assertLength } from './dense';

const EPS = Number.EPSILON;
const MAX_SWEEPS = 60;

function sortDescending(values: Float64Array): Float64Array {
  values.sort();
  values.reverse();
  return values;
}

/** Largest |entry| over one or two arrays; used to scale into a safe range before squaring. */
function maxAbs(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
    else if (Number.isNaN(v)) return NaN;
  }
  if (b) {
    for (let i = 0; i < b.length; i++) {
      const v = Math.abs(b[i]);
      if (v > m) m = v;
      else if (Number.isNaN(v)) return NaN;
    }
  }
  return m;
}

/** t = tan θ of the Jacobi rotation that zeroes the off-diagonal γ of [[α, γ], [γ, β]] (smaller root). */
function jacobiTangent(alpha: number, beta: number, gamma: number): number {
  const zeta = (beta - alpha) / (2 * gamma);
  const az = Math.abs(zeta);
  // For huge ζ, sqrt(1+ζ²) would overflow; t ≈ 1/(2ζ) there.
  const t = az > 1e150 ? 1 / (2 * az) : 1 / (az + Math.sqrt(1 + zeta * zeta));
  return zeta < 0 ? -t : t;
}

/** Σ_{from ≤ k < n} w[a + k]·w[b + k] (a function of its own for V8: see sweepRow). */
function dotFrom(w: Float64Array, a: number, b: number, from: number, n: number): number {
  let s = 0;
  for (let k = from; k < n; k++) s += w[a + k] * w[b + k];
  return s;
}

/** w[dst + k] −= f·w[src + k] for from ≤ k < n. */
function subtractFrom(w: Float64Array, dst: number, src: number, from: number, n: number, f: number): void {
  for (let k = from; k < n; k++) w[dst + k] -= f * w[src + k];
}

/**
 * Preconditioner (Drmač & Veselić): with B = Aᵀ (whose columns are A's contiguous rows), factor
 * B·P = Q·R by Householder with column pivoting and return the upper-triangular R row-major. R has A's
 * singular values, and Jacobi on R's rows converges in fewer sweeps than on A's. `w` is overwritten.
 */
function pivotedTriangularFactor(w: Float64Array, n: number): Float64Array {
  const norms = new Float64Array(n);
  const initial = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const s = dotFrom(w, j * n, j * n, 0, n);
    norms[j] = s;
    initial[j] = s;
  }
  for (let j = 0; j < n; j++) {
    // Pivot: the remaining vector with the largest remaining (components j..n-1) norm goes to slot j.
    let best = j;
    for (let i = j + 1; i < n; i++) if (norms[i] > norms[best]) best = i;
    if (best !== j) {
      const ob = best * n;
      const oj = j * n;
      for (let k = 0; k < n; k++) {
        const tmp = w[oj + k];
        w[oj + k] = w[ob + k];
        w[ob + k] = tmp;
      }
      let tmp = norms[j];
      norms[j] = norms[best];
      norms[best] = tmp;
      tmp = initial[j];
      initial[j] = initial[best];
      initial[best] = tmp;
    }
    const oj = j * n;
    const sigma = dotFrom(w, oj, oj, j, n);
    if (sigma === 0) continue;
    const x0 = w[oj + j];
    const normX = Math.sqrt(sigma);
    const alpha = x0 > 0 ? -normX : normX;
    // Reflector H = I − v vᵀ / (vᵀv / 2)... stored in place: v = x − α e_j, vᵀv = 2(σ − α x0).
    const v0 = x0 - alpha;
    const vtv = 2 * (sigma - alpha * x0);
    w[oj + j] = v0;
    for (let i = j + 1; i < n; i++) {
      const oi = i * n;
      subtractFrom(w, oi, oj, j, n, (2 * dotFrom(w, oj, oi, j, n)) / vtv);
      // Downdate the remaining norm; recompute when cancellation has eaten its accuracy.
      const r = w[oi + j];
      norms[i] -= r * r;
      if (norms[i] <= 1e-8 * initial[i]) {
        const s = dotFrom(w, oi, oi, j + 1, n);
        norms[i] = s;
        initial[i] = s;
      }
    }
    w[oj + j] = alpha;
    for (let k = j + 1; k < n; k++) w[oj + k] = 0;
  }
  // Vector j now holds column j of R (entries 0..j); transpose so R's rows are contiguous.
  const r = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let k = 0; k <= j; k++) r[k * n + j] = w[j * n + k];
  return r;
}

/**
 * The loops of the Jacobi sweep live in small functions of their own: called thousands of times per
 * decomposition, V8 optimises them as functions. Written inline, the app's worker (a few decompositions a second)
 * ran them through on-stack replacement that was thrown away at every loop exit: ~1,000 deoptimisations and
 * ~100 recompilations a second on the page's spare core.
 */
function dot(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[k] * b[k];
  return s;
}

/** [a; b] ← [c −s; s c]·[a; b], element by element. */
function rotate(a: Float64Array, b: Float64Array, n: number, c: number, s: number): void {
  for (let k = 0; k < n; k++) {
    const x = a[k];
    const y = b[k];
    a[k] = c * x - s * y;
    b[k] = s * x + c * y;
  }
}

/** Rotates row i against every later row that is not yet orthogonal to it; true when any was. */
function sweepRow(rows: Float64Array[], norms: Float64Array, i: number, n: number, tol: number): boolean {
  const ri = rows[i];
  let rotated = false;
  for (let j = i + 1; j < n; j++) {
    const alpha = norms[i];
    const beta = norms[j];
    if (alpha === 0 || beta === 0) continue;
    const rj = rows[j];
    const gamma = dot(ri, rj, n);
    if (Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
    rotated = true;
    const t = jacobiTangent(alpha, beta, gamma);
    const c = 1 / Math.sqrt(1 + t * t);
    rotate(ri, rj, n, c, c * t);
    norms[i] = alpha - t * gamma;
    norms[j] = beta + t * gamma;
  }
  return rotated;
}

/**
 * Descending singular values of a real n×n row-major matrix.
 */
export function realSingularValues(a: ArrayLike<number>, n: number): Float64Array {
  assertLength('realSingularValues', a, n * n);
  if (n === 0) return new Float64Array(0);
  const scale = maxAbs(a);
  if (Number.isNaN(scale)) return new Float64Array(n).fill(NaN);
  if (scale === 0 || !Number.isFinite(scale)) {
    return scale === 0 ? new Float64Array(n) : new Float64Array(n).fill(Infinity);
  }
  const w0 = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) w0[i] = a[i] / scale;
  // Two preconditioning passes (A → R₁ → R₂) cut the sweep count for random n=128 from ~12 to ~9.
  const w = pivotedTriangularFactor(pivotedTriangularFactor(w0, n), n);
  // Per-row views: V8 optimises plain indexing of a small typed array better than offset arithmetic.
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) rows.push(w.subarray(i * n, (i + 1) * n));
  const tol = EPS * n;
  const norms = new Float64Array(n);

  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    // Fresh norms each sweep so the cheap running updates below cannot drift.
    for (let i = 0; i < n; i++) norms[i] = dot(rows[i], rows[i], n);
    let rotated = false;
    for (let i = 0; i < n - 1; i++) if (sweepRow(rows, norms, i, n, tol)) rotated = true;
    if (!rotated) break;
  }

  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(dot(rows[i], rows[i], n)) * scale;
  return sortDescending(out);
}

/**
 * Descending singular values of a complex p×p row-major matrix given as separate real and imaginary parts.
 */
export function complexSingularValues(re: ArrayLike<number>, im: ArrayLike<number>, p: number): Float64Array {
  assertLength('complexSingularValues re', re, p * p);
  assertLength('complexSingularValues im', im, p * p);
  const n = p;
  if (n === 0) return new Float64Array(0);
  const scale = maxAbs(re, im);
  if (Number.isNaN(scale)) return new Float64Array(n).fill(NaN);
  if (scale === 0 || !Number.isFinite(scale)) {
    return scale === 0 ? new Float64Array(n) : new Float64Array(n).fill(Infinity);
  }
  const wr = new Float64Array(n * n);
  const wi = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) {
    wr[i] = re[i] / scale;
    wi[i] = im[i] / scale;
  }
  const tol = EPS * n;
  const norms = new Float64Array(n);

  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const oi = i * n;
      for (let k = 0; k < n; k++) s += wr[oi + k] * wr[oi + k] + wi[oi + k] * wi[oi + k];
      norms[i] = s;
    }
    let rotated = false;
    for (let i = 0; i < n - 1; i++) {
      const oi = i * n;
      for (let j = i + 1; j < n; j++) {
        const alpha = norms[i];
        const beta = norms[j];
        if (alpha === 0 || beta === 0) continue;
        const oj = j * n;
        // γ = r_iᴴ r_j
        let gr = 0;
        let gi = 0;
        for (let k = 0; k < n; k++) {
          const xr = wr[oi + k];
          const xi = wi[oi + k];
          const yr = wr[oj + k];
          const yi = wi[oj + k];
          gr += xr * yr + xi * yi;
          gi += xr * yi - xi * yr;
        }
        const g = Math.hypot(gr, gi);
        if (g <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // Rotating r_j by the phase e^{-iφ} (φ = arg γ) makes the pair's inner product real and positive;
        // then the real Jacobi rotation applies unchanged.
        const pr = gr / g;
        const pi = -gi / g;
        const t = jacobiTangent(alpha, beta, g);
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let k = 0; k < n; k++) {
          const xr = wr[oi + k];
          const xi = wi[oi + k];
          const yr0 = wr[oj + k];
          const yi0 = wi[oj + k];
          const yr = yr0 * pr - yi0 * pi;
          const yi = yr0 * pi + yi0 * pr;
          wr[oi + k] = c * xr - s * yr;
          wi[oi + k] = c * xi - s * yi;
          wr[oj + k] = s * xr + c * yr;
          wi[oj + k] = s * xi + c * yi;
        }
        norms[i] = alpha - t * g;
        norms[j] = beta + t * g;
      }
    }
    if (!rotated) break;
  }

  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const oi = i * n;
    for (let k = 0; k < n; k++) s += wr[oi + k] * wr[oi + k] + wi[oi + k] * wi[oi + k];
    out[i] = Math.sqrt(s) * scale;
  }
  return sortDescending(out);
}
