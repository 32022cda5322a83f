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

/**
 * y[yo + j] += a·x[xo + j] for from ≤ j < to. The reductions' inner loops are small functions so that V8 optimises
 * them as functions: inline, the worker (a few decompositions a second) entered them through on-stack replacement
 * and Chromium recompiled the whole routine again and again (src/linalg/svd.ts sweepRow).
 */
function addScaled(
  y: Float64Array,
  yo: number,
  x: Float64Array,
  xo: number,
  from: number,
  to: number,
  a: number,
): void {
  for (let j = from; j < to; j++) y[yo + j] += a * x[xo + j];
}

/** Σ_{from ≤ l < to} h[ho + l]·v[l]. */
function dotRange(h: Float64Array, ho: number, v: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let l = from; l < to; l++) s += h[ho + l] * v[l];
  return s;
}

/** Real Householder reduction to upper Hessenberg form, in place (row-major). */
function realHessenberg(h: Float64Array, n: number): void {
  const v = new Float64Array(n);
  const d = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    let sigma = 0;
    for (let i = k + 2; i < n; i++) sigma += h[i * n + k] ** 2;
    if (sigma === 0) continue;
    const x0 = h[(k + 1) * n + k];
    const xnorm = Math.sqrt(x0 * x0 + sigma);
    const alpha = x0 > 0 ? -xnorm : xnorm;
    v.fill(0);
    v[k + 1] = x0 - alpha;
    for (let i = k + 2; i < n; i++) v[i] = h[i * n + k];
    const f = 2 / (v[k + 1] ** 2 + sigma);
    d.fill(0);
    for (let i = k + 1; i < n; i++) addScaled(d, 0, h, i * n, k, n, v[i]);
    for (let i = k + 1; i < n; i++) addScaled(h, i * n, d, 0, k, n, -f * v[i]);
    for (let i = 0; i < n; i++) addScaled(h, i * n, v, 0, k + 1, n, -f * dotRange(h, i * n, v, k + 1, n));
    h[(k + 1) * n + k] = alpha;
    for (let i = k + 2; i < n; i++) h[i * n + k] = 0;
  }
}

/**
 * The double-shift step's reflector on rows k, k+1 (and k+2 unless k = nn − 1) of columns k … nn, and on
 * columns k, k+1 (k+2) of rows l … mmin. Functions of their own so that V8 optimises them as functions: inline,
 * the app's worker (a few decompositions a second) ran them through on-stack replacement that was thrown away
 * at every loop exit (src/linalg/svd.ts sweepRow says more).
 */
function reflectRows(
  a: Float64Array,
  n1: number,
  k: number,
  nn: number,
  q: number,
  r: number,
  x: number,
  y: number,
  z: number,
): void {
  for (let j = k; j <= nn; j++) {
    let p = a[k * n1 + j] + q * a[(k + 1) * n1 + j];
    if (k !== nn - 1) {
      p += r * a[(k + 2) * n1 + j];
      a[(k + 2) * n1 + j] -= p * z;
    }
    a[(k + 1) * n1 + j] -= p * y;
    a[k * n1 + j] -= p * x;
  }
}

function reflectColumns(
  a: Float64Array,
  n1: number,
  k: number,
  l: number,
  mmin: number,
  nn: number,
  q: number,
  r: number,
  x: number,
  y: number,
  z: number,
): void {
  for (let i = l; i <= mmin; i++) {
    let p = x * a[i * n1 + k] + y * a[i * n1 + k + 1];
    if (k !== nn - 1) {
      p += z * a[i * n1 + k + 2];
      a[i * n1 + k + 2] -= p * r;
    }
    a[i * n1 + k + 1] -= p * q;
    a[i * n1 + k] -= p;
  }
}

/**
 * Eigenvalues of a real upper Hessenberg matrix by Francis double-shift QR (the classic EISPACK/“Numerical
 * Recipes” hqr). Real arithmetic keeps complex eigenvalues in exact conjugate pairs, and costs about a quarter
 * of the complex iteration. The matrix is copied to 1-based storage so the indices read like the reference.
 */
function realHessenbergQR(h0: Float64Array, n: number, wr: Float64Array, wi: Float64Array): void {
  const n1 = n + 1;
  const a = new Float64Array(n1 * n1);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[(i + 1) * n1 + j + 1] = h0[i * n + j];
  let anorm = 0;
  for (let i = 1; i <= n; i++) for (let j = Math.max(i - 1, 1); j <= n; j++) anorm += Math.abs(a[i * n1 + j]);
  let nn = n;
  let t = 0;
  while (nn >= 1) {
    let its = 0;
    let l: number;
    do {
      for (l = nn; l >= 2; l--) {
        let s = Math.abs(a[(l - 1) * n1 + l - 1]) + Math.abs(a[l * n1 + l]);
        if (s === 0) s = anorm;
        if (Math.abs(a[l * n1 + l - 1]) + s === s) {
          a[l * n1 + l - 1] = 0;
          break;
        }
      }
      let x = a[nn * n1 + nn];
      if (l === nn) {
        wr[nn - 1] = x + t;
        wi[nn - 1] = 0;
        nn--;
      } else {
        let y = a[(nn - 1) * n1 + nn - 1];
        let w = a[nn * n1 + nn - 1] * a[(nn - 1) * n1 + nn];
        if (l === nn - 1) {
          // Trailing 2×2 block: a real pair or a conjugate pair.
          const p = 0.5 * (y - x);
          const q = p * p + w;
          let z = Math.sqrt(Math.abs(q));
          x += t;
          if (q >= 0) {
            z = p + (p >= 0 ? z : -z);
            wr[nn - 2] = wr[nn - 1] = x + z;
            if (z !== 0) wr[nn - 1] = x - w / z;
            wi[nn - 2] = wi[nn - 1] = 0;
          } else {
            wr[nn - 2] = wr[nn - 1] = x + p;
            wi[nn - 2] = z;
            wi[nn - 1] = -z;
          }
          nn -= 2;
        } else {
          if (its >= 60) throw new Error('realEigenvalues: QR iteration did not converge');
          if (its % 10 === 0 && its > 0) {
            // Exceptional shift.
            t += x;
            for (let i = 1; i <= nn; i++) a[i * n1 + i] -= x;
            const s = Math.abs(a[nn * n1 + nn - 1]) + Math.abs(a[(nn - 1) * n1 + nn - 2]);
            y = x = 0.75 * s;
            w = -0.4375 * s * s;
          }
          ++its;
          let m: number;
          let p = 0;
          let q = 0;
          let r = 0;
          let z: number;
          for (m = nn - 2; m >= l; m--) {
            z = a[m * n1 + m];
            r = x - z;
            let s = y - z;
            p = (r * s - w) / a[(m + 1) * n1 + m] + a[m * n1 + m + 1];
            q = a[(m + 1) * n1 + m + 1] - z - r - s;
            r = a[(m + 2) * n1 + m + 1];
            s = Math.abs(p) + Math.abs(q) + Math.abs(r);
            p /= s;
            q /= s;
            r /= s;
            if (m === l) break;
            const u = Math.abs(a[m * n1 + m - 1]) * (Math.abs(q) + Math.abs(r));
            const v =
              Math.abs(p) *
              (Math.abs(a[(m - 1) * n1 + m - 1]) + Math.abs(z) + Math.abs(a[(m + 1) * n1 + m + 1]));
            if (u + v === v) break;
          }
          for (let i = m + 2; i <= nn; i++) {
            a[i * n1 + i - 2] = 0;
            if (i !== m + 2) a[i * n1 + i - 3] = 0;
          }
          for (let k = m; k <= nn - 1; k++) {
            if (k !== m) {
              p = a[k * n1 + k - 1];
              q = a[(k + 1) * n1 + k - 1];
              r = 0;
              if (k !== nn - 1) r = a[(k + 2) * n1 + k - 1];
              x = Math.abs(p) + Math.abs(q) + Math.abs(r);
              if (x !== 0) {
                p /= x;
                q /= x;
                r /= x;
              }
            }
            const norm = Math.sqrt(p * p + q * q + r * r);
            const s = p >= 0 ? norm : -norm;
            if (s !== 0) {
              if (k === m) {
                if (l !== m) a[k * n1 + k - 1] = -a[k * n1 + k - 1];
              } else a[k * n1 + k - 1] = -s * x;
              p += s;
              x = p / s;
              y = q / s;
              z = r / s;
              q /= p;
              r /= p;
              reflectRows(a, n1, k, nn, q, r, x, y, z);
              reflectColumns(a, n1, k, l, nn < k + 3 ? nn : k + 3, nn, q, r, x, y, z);
            }
          }
        }
      }
    } while (l < nn - 1);
  }
}

/**
 * Eigenvalues of a real n×n row-major matrix, sorted as documented above. Real balancing, Hessenberg
 * reduction and Francis double-shift QR: complex eigenvalues come out as exact conjugate pairs.
 */
export function realEigenvalues(a: ArrayLike<number>, n: number): ComplexValues {
  assertLength('realEigenvalues', a, n * n);
  const h = Float64Array.from(a);
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(h[i]))
      return { re: new Float64Array(n).fill(NaN), im: new Float64Array(n).fill(NaN) };
  }
  // The complex balancing with a zero imaginary part is exactly the real one (only power-of-two scalings).
  balance(h, new Float64Array(n * n), n);
  realHessenberg(h, n);
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  realHessenbergQR(h, n, wr, wi);
  return sortEigenvalues(wr, wi);
}
