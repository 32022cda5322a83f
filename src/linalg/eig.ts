// Eigenvalues of general square matrices: balance → Householder reduction to upper Hessenberg form →
// explicitly shifted QR with Givens rotations and Wilkinson shifts, in complex arithmetic.
//
// Only eigenvalues are needed, so once a subdiagonal entry becomes negligible the two diagonal blocks are
// independent (the matrix is block upper-triangular) and each QR step touches only the active window.
//
// Output order (deterministic): descending modulus; eigenvalues whose moduli agree to within
// 1e-9·(largest modulus) are treated as one modulus group and ordered by ascending angle in (−π, π].
// The grouping matters for (nearly) unitary matrices, where every |λ| is 1 up to rounding.

import { assertLength } from './dense';

export interface ComplexValues {
  re: Float64Array;
  im: Float64Array;
}

const EPS = Number.EPSILON;
const RADIX = 2;
const MODULUS_GROUP_TOL = 1e-9;

function abs1(re: number, im: number): number {
  return Math.abs(re) + Math.abs(im);
}

/** Principal complex square root, written out to avoid cancellation. */
function csqrt(x: number, y: number): [number, number] {
  const r = Math.hypot(x, y);
  if (r === 0) return [0, 0];
  const t = Math.sqrt((r + Math.abs(x)) / 2);
  if (x >= 0) return [t, y / (2 * t)];
  return [Math.abs(y) / (2 * t), y < 0 ? -t : t];
}

/**
 * Parlett–Reinsch balancing with exact power-of-two scalings (diagonal similarity, so eigenvalues are
 * unchanged). Without it, badly scaled matrices lose accuracy in the QR iteration.
 */
function balance(hr: Float64Array, hi: Float64Array, n: number): void {
  const sq = RADIX * RADIX;
  for (let pass = 0; pass < 100; pass++) {
    let done = true;
    for (let i = 0; i < n; i++) {
      let c = 0;
      let r = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        c += abs1(hr[j * n + i], hi[j * n + i]);
        r += abs1(hr[i * n + j], hi[i * n + j]);
      }
      if (c === 0 || r === 0) continue;
      const s = c + r;
      let f = 1;
      let g = r / RADIX;
      while (c < g && f < 1e150) {
        f *= RADIX;
        c *= sq;
      }
      g = r * RADIX;
      while (c > g && f > 1e-150) {
        f /= RADIX;
        c /= sq;
      }
      if ((c + r) / f < 0.95 * s) {
        done = false;
        const inv = 1 / f;
        for (let j = 0; j < n; j++) {
          hr[i * n + j] *= inv;
          hi[i * n + j] *= inv;
          hr[j * n + i] *= f;
          hi[j * n + i] *= f;
        }
      }
    }
    if (done) break;
  }
}

/** In-place unitary similarity to upper Hessenberg form with complex Householder reflectors. */
function hessenberg(hr: Float64Array, hi: Float64Array, n: number): void {
  const vr = new Float64Array(n);
  const vi = new Float64Array(n);
  const dr = new Float64Array(n);
  const di = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    let sigma = 0;
    for (let i = k + 2; i < n; i++) sigma += hr[i * n + k] ** 2 + hi[i * n + k] ** 2;
    if (sigma === 0) continue;
    const x0r = hr[(k + 1) * n + k];
    const x0i = hi[(k + 1) * n + k];
    const ax0 = Math.hypot(x0r, x0i);
    const xnorm = Math.sqrt(ax0 * ax0 + sigma);
    // α = −e^{i·arg x0}‖x‖ so that v0 = x0 − α does not cancel.
    const ar = ax0 === 0 ? -xnorm : (-x0r / ax0) * xnorm;
    const ai = ax0 === 0 ? 0 : (-x0i / ax0) * xnorm;
    vr.fill(0);
    vi.fill(0);
    vr[k + 1] = x0r - ar;
    vi[k + 1] = x0i - ai;
    for (let i = k + 2; i < n; i++) {
      vr[i] = hr[i * n + k];
      vi[i] = hi[i * n + k];
    }
    const vtv = vr[k + 1] ** 2 + vi[k + 1] ** 2 + sigma;
    const f = 2 / vtv;
    // Left: A ← A − f·v·(vᴴA) on rows k+1.., columns k..
    dr.fill(0);
    di.fill(0);
    for (let i = k + 1; i < n; i++) {
      const pr = vr[i];
      const pi = -vi[i];
      const oi = i * n;
      for (let j = k; j < n; j++) {
        const ar2 = hr[oi + j];
        const ai2 = hi[oi + j];
        dr[j] += pr * ar2 - pi * ai2;
        di[j] += pr * ai2 + pi * ar2;
      }
    }
    for (let i = k + 1; i < n; i++) {
      const pr = f * vr[i];
      const pi = f * vi[i];
      const oi = i * n;
      for (let j = k; j < n; j++) {
        hr[oi + j] -= pr * dr[j] - pi * di[j];
        hi[oi + j] -= pr * di[j] + pi * dr[j];
      }
    }
    // Right: A ← A − f·(A v)·vᴴ on all rows, columns k+1..
    for (let i = 0; i < n; i++) {
      const oi = i * n;
      let sr = 0;
      let si = 0;
      for (let l = k + 1; l < n; l++) {
        const ar2 = hr[oi + l];
        const ai2 = hi[oi + l];
        sr += ar2 * vr[l] - ai2 * vi[l];
        si += ar2 * vi[l] + ai2 * vr[l];
      }
      sr *= f;
      si *= f;
      for (let l = k + 1; l < n; l++) {
        // subtract s·conj(v_l)
        hr[oi + l] -= sr * vr[l] + si * vi[l];
        hi[oi + l] -= si * vr[l] - sr * vi[l];
      }
    }
    hr[(k + 1) * n + k] = ar;
    hi[(k + 1) * n + k] = ai;
    for (let i = k + 2; i < n; i++) {
      hr[i * n + k] = 0;
      hi[i * n + k] = 0;
    }
  }
}

/** Eigenvalues of an upper Hessenberg matrix (destroyed) by shifted QR on the active window. */
function hessenbergQR(
  hr: Float64Array,
  hi: Float64Array,
  n: number,
  outRe: Float64Array,
  outIm: Float64Array,
): void {
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm = Math.max(norm, abs1(hr[i], hi[i]));
  const cs = new Float64Array(n);
  const snr = new Float64Array(n);
  const sni = new Float64Array(n);
  const maxIter = 30 * Math.max(10, n);
  let iterTotal = 0;
  let iter = 0;
  let top = n - 1;
  while (top >= 0) {
    // Find the start l of the active window ending at `top`.
    let l = top;
    while (l > 0) {
      const sub = abs1(hr[l * n + l - 1], hi[l * n + l - 1]);
      let scale = abs1(hr[(l - 1) * n + l - 1], hi[(l - 1) * n + l - 1]) + abs1(hr[l * n + l], hi[l * n + l]);
      if (scale === 0) scale = norm;
      if (sub <= EPS * scale) {
        hr[l * n + l - 1] = 0;
        hi[l * n + l - 1] = 0;
        break;
      }
      l--;
    }
    if (l === top) {
      outRe[top] = hr[top * n + top];
      outIm[top] = hi[top * n + top];
      top--;
      iter = 0;
      continue;
    }
    const ar = hr[(top - 1) * n + top - 1];
    const ai = hi[(top - 1) * n + top - 1];
    const br = hr[(top - 1) * n + top];
    const bi = hi[(top - 1) * n + top];
    const cr = hr[top * n + top - 1];
    const ci = hi[top * n + top - 1];
    const dr = hr[top * n + top];
    const di = hi[top * n + top];
    // Eigenvalues of the trailing 2×2 [[a, b], [c, d]]: m ± sqrt(((a−d)/2)² + b·c).
    const mr = (ar + dr) / 2;
    const mi = (ai + di) / 2;
    const hr2 = (ar - dr) / 2;
    const hi2 = (ai - di) / 2;
    const [qr, qi] = csqrt(hr2 * hr2 - hi2 * hi2 + br * cr - bi * ci, 2 * hr2 * hi2 + br * ci + bi * cr);
    if (l === top - 1) {
      // A 2×2 window: its eigenvalues directly.
      outRe[top] = mr - qr;
      outIm[top] = mi - qi;
      outRe[top - 1] = mr + qr;
      outIm[top - 1] = mi + qi;
      top -= 2;
      iter = 0;
      continue;
    }
    if (iterTotal++ > maxIter) throw new Error('complexEigenvalues: QR iteration did not converge');
    iter++;
    // Wilkinson shift: the trailing 2×2 eigenvalue nearer to d. Exceptional shifts break rare cycles.
    let mur: number;
    let mui: number;
    if (iter % 11 === 10) {
      mur = dr + abs1(cr, ci) + abs1(hr[(top - 1) * n + top - 2], hi[(top - 1) * n + top - 2]);
      mui = di;
    } else {
      const e1 = abs1(mr + qr - dr, mi + qi - di);
      const e2 = abs1(mr - qr - dr, mi - qi - di);
      mur = e1 <= e2 ? mr + qr : mr - qr;
      mui = e1 <= e2 ? mi + qi : mi - qi;
    }
    for (let k = l; k <= top; k++) {
      hr[k * n + k] -= mur;
      hi[k * n + k] -= mui;
    }
    // H − μI = QR: Givens G_k = [[c, s], [−conj(s), c]] (c real) zeroes H[k+1, k] against H[k, k].
    for (let k = l; k < top; k++) {
      const xr = hr[k * n + k];
      const xi = hi[k * n + k];
      const yr = hr[(k + 1) * n + k];
      const yi = hi[(k + 1) * n + k];
      const ax = Math.hypot(xr, xi);
      const rho = Math.hypot(ax, yr, yi);
      let c: number;
      let sr: number;
      let si: number;
      if (rho === 0) {
        c = 1;
        sr = 0;
        si = 0;
      } else if (ax === 0) {
        c = 0;
        sr = 1;
        si = 0;
      } else {
        c = ax / rho;
        // s = (x/|x|)·conj(y)/ρ
        const ur = xr / ax;
        const ui = xi / ax;
        sr = (ur * yr + ui * yi) / rho;
        si = (ui * yr - ur * yi) / rho;
      }
      cs[k] = c;
      snr[k] = sr;
      sni[k] = si;
      const ok = k * n;
      const ok1 = (k + 1) * n;
      for (let j = k; j <= top; j++) {
        const pr = hr[ok + j];
        const pi = hi[ok + j];
        const qr2 = hr[ok1 + j];
        const qi2 = hi[ok1 + j];
        // row k ← c·p + s·q ; row k+1 ← −conj(s)·p + c·q
        hr[ok + j] = c * pr + sr * qr2 - si * qi2;
        hi[ok + j] = c * pi + sr * qi2 + si * qr2;
        hr[ok1 + j] = -(sr * pr + si * pi) + c * qr2;
        hi[ok1 + j] = -(sr * pi - si * pr) + c * qi2;
      }
      hr[ok1 + k] = 0;
      hi[ok1 + k] = 0;
    }
    // R·Qᴴ: column k ← c·col_k + conj(s)·col_{k+1}; column k+1 ← −s·col_k + c·col_{k+1}.
    for (let k = l; k < top; k++) {
      const c = cs[k];
      const sr = snr[k];
      const si = sni[k];
      const last = Math.min(k + 1, top);
      for (let i = l; i <= last; i++) {
        const o = i * n;
        const pr = hr[o + k];
        const pi = hi[o + k];
        const qr2 = hr[o + k + 1];
        const qi2 = hi[o + k + 1];
        hr[o + k] = c * pr + sr * qr2 + si * qi2;
        hi[o + k] = c * pi + sr * qi2 - si * qr2;
        hr[o + k + 1] = -(sr * pr - si * pi) + c * qr2;
        hi[o + k + 1] = -(sr * pi + si * pr) + c * qi2;
      }
    }
    for (let k = l; k <= top; k++) {
      hr[k * n + k] += mur;
      hi[k * n + k] += mui;
    }
  }
}

/** Sorts eigenvalues in the documented order (see the file header). */
export function sortEigenvalues(re: ArrayLike<number>, im: ArrayLike<number>): ComplexValues {
  const n = re.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  const mod = Array.from({ length: n }, (_, i) => Math.hypot(re[i], im[i]));
  const ang = Array.from({ length: n }, (_, i) => {
    const a = Math.atan2(im[i], re[i]);
    return a === -Math.PI ? Math.PI : a;
  });
  idx.sort((a, b) => mod[b] - mod[a] || ang[a] - ang[b] || a - b);
  const tol = MODULUS_GROUP_TOL * (n > 0 ? mod[idx[0]] : 0);
  // Chain consecutive moduli within tol into one group; order each group by angle.
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || mod[idx[i - 1]] - mod[idx[i]] > tol) {
      if (i - start > 1) {
        const group = idx.slice(start, i).sort((a, b) => ang[a] - ang[b] || mod[b] - mod[a] || a - b);
        for (let g = 0; g < group.length; g++) idx[start + g] = group[g];
      }
      start = i;
    }
  }
  const oRe = new Float64Array(n);
  const oIm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    oRe[i] = re[idx[i]];
    oIm[i] = im[idx[i]];
  }
  return { re: oRe, im: oIm };
}

/** Eigenvalues of a general complex n×n row-major matrix, sorted as documented above. */
export function complexEigenvalues(re: ArrayLike<number>, im: ArrayLike<number>, n: number): ComplexValues {
  assertLength('complexEigenvalues re', re, n * n);
  assertLength('complexEigenvalues im', im, n * n);
  const hr = Float64Array.from(re);
  const hi = Float64Array.from(im);
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(hr[i]) || !Number.isFinite(hi[i])) {
      return { re: new Float64Array(n).fill(NaN), im: new Float64Array(n).fill(NaN) };
    }
  }
  balance(hr, hi, n);
  hessenberg(hr, hi, n);
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  hessenbergQR(hr, hi, n, outRe, outIm);
  return sortEigenvalues(outRe, outIm);
}

/** Eigenvalues of a real n×n row-major matrix (complex-conjugate pairs included), sorted as documented. */
export function realEigenvalues(a: ArrayLike<number>, n: number): ComplexValues {
  assertLength('realEigenvalues', a, n * n);
  return complexEigenvalues(a, new Float64Array(n * n), n);
}
