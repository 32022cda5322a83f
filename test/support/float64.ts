// A plain-TypeScript float64 forward pass of both models, written straight from docs/model.md with an
// explicitly formed W (no factor-by-factor trick), so it is independent of the code it checks. Tests take
// central finite differences of it: float32 differences are too noisy for gradient checks.

export interface KruParams64 {
  sizes: number[];
  activation: 'crelu' | 'modrelu' | 'tanh' | 'linear';
  factors: Float64Array; // [Σ 2 p²]: per factor Re (row-major) then Im
  U: Float64Array; // [2, N, D]
  b: Float64Array; // [2, N]
  beta: Float64Array; // [N] (modrelu) or [1]
  V?: Float64Array; // [K, 2N]
  c?: Float64Array; // [K]
}

export interface RnnParams64 {
  activation: 'tanh' | 'relu' | 'linear';
  W: Float64Array; // [N, N]
  U: Float64Array; // [N, D]
  b: Float64Array; // [N]
  V?: Float64Array; // [K, N]
  c?: Float64Array; // [K]
}

export const MODRELU_EPS = 1e-6;

/** Explicit W = W_0 ⊗ … ⊗ W_{F-1} as (re, im) N×N row-major arrays. */
export function kronExplicit(
  sizes: number[],
  factors: ArrayLike<number>,
): { re: Float64Array; im: Float64Array; n: number } {
  let re = new Float64Array([1]);
  let im = new Float64Array([0]);
  let n = 1;
  let off = 0;
  for (const p of sizes) {
    const fr = Array.from({ length: p * p }, (_, k) => factors[off + k]);
    const fi = Array.from({ length: p * p }, (_, k) => factors[off + p * p + k]);
    off += 2 * p * p;
    const m = n * p;
    const nr = new Float64Array(m * m);
    const ni = new Float64Array(m * m);
    for (let i0 = 0; i0 < n; i0++)
      for (let j0 = 0; j0 < n; j0++)
        for (let i1 = 0; i1 < p; i1++)
          for (let j1 = 0; j1 < p; j1++) {
            const ar = re[i0 * n + j0],
              ai = im[i0 * n + j0];
            const br = fr[i1 * p + j1],
              bi = fi[i1 * p + j1];
            const idx = (i0 * p + i1) * m + (j0 * p + j1);
            nr[idx] = ar * br - ai * bi;
            ni[idx] = ar * bi + ai * br;
          }
    re = nr;
    im = ni;
    n = m;
  }
  return { re, im, n };
}

function kruActivation(
  act: KruParams64['activation'],
  ar: number,
  ai: number,
  beta: number,
): [number, number] {
  switch (act) {
    case 'crelu':
      return [Math.max(ar, 0), Math.max(ai, 0)];
    case 'tanh':
      return [Math.tanh(ar), Math.tanh(ai)];
    case 'linear':
      return [ar, ai];
    case 'modrelu': {
      const m = Math.sqrt(ar * ar + ai * ai + MODRELU_EPS);
      const s = m + beta;
      return s > 0 ? [(s / m) * ar, (s / m) * ai] : [0, 0];
    }
  }
}

/** KRU hidden states H [B, T, 2N]; probe (optional) [B, T, 2N] is added after the activation. */
export function kruForward64(
  p: KruParams64,
  x: ArrayLike<number>,
  B: number,
  T: number,
  D: number,
  probe?: ArrayLike<number>,
): Float64Array {
  const { re: Wr, im: Wi, n: N } = kronExplicit(p.sizes, p.factors);
  const H = new Float64Array(B * T * 2 * N);
  for (let bi = 0; bi < B; bi++) {
    let hr = new Float64Array(N);
    let hi = new Float64Array(N);
    for (let t = 0; t < T; t++) {
      const nr = new Float64Array(N);
      const ni = new Float64Array(N);
      for (let i = 0; i < N; i++) {
        let sr = p.b[i],
          si = p.b[N + i];
        for (let j = 0; j < N; j++) {
          sr += Wr[i * N + j] * hr[j] - Wi[i * N + j] * hi[j];
          si += Wr[i * N + j] * hi[j] + Wi[i * N + j] * hr[j];
        }
        for (let d = 0; d < D; d++) {
          const xv = x[(bi * T + t) * D + d];
          sr += p.U[i * D + d] * xv;
          si += p.U[N * D + i * D + d] * xv;
        }
        const [or, oi] = kruActivation(p.activation, sr, si, p.activation === 'modrelu' ? p.beta[i] : 0);
        const base = (bi * T + t) * 2 * N;
        nr[i] = or + (probe ? probe[base + i] : 0);
        ni[i] = oi + (probe ? probe[base + N + i] : 0);
      }
      hr = nr;
      hi = ni;
      H.set(hr, (bi * T + t) * 2 * N);
      H.set(hi, (bi * T + t) * 2 * N + N);
    }
  }
  return H;
}

function rnnActivation(act: RnnParams64['activation'], a: number): number {
  return act === 'tanh' ? Math.tanh(a) : act === 'relu' ? Math.max(a, 0) : a;
}

/** RNN hidden states H [B, T, N]. */
export function rnnForward64(
  p: RnnParams64,
  x: ArrayLike<number>,
  B: number,
  T: number,
  D: number,
  probe?: ArrayLike<number>,
): Float64Array {
  const N = p.b.length;
  const H = new Float64Array(B * T * N);
  for (let bi = 0; bi < B; bi++) {
    let h = new Float64Array(N);
    for (let t = 0; t < T; t++) {
      const nh = new Float64Array(N);
      for (let i = 0; i < N; i++) {
        let s = p.b[i];
        for (let j = 0; j < N; j++) s += p.W[i * N + j] * h[j];
        for (let d = 0; d < D; d++) s += p.U[i * D + d] * x[(bi * T + t) * D + d];
        nh[i] = rnnActivation(p.activation, s) + (probe ? probe[(bi * T + t) * N + i] : 0);
      }
      h = nh;
      H.set(h, (bi * T + t) * N);
    }
  }
  return H;
}

/** Read-out y = V h + c for every (b, t): [B*T, K]. */
export function readout64(
  H: Float64Array,
  V: Float64Array,
  c: Float64Array,
  rows: number,
  width: number,
): Float64Array {
  const K = c.length;
  const Y = new Float64Array(rows * K);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < K; k++) {
      let s = c[k];
      for (let j = 0; j < width; j++) s += V[k * width + j] * H[r * width + j];
      Y[r * K + k] = s;
    }
  return Y;
}

/**
 * Batch-mean task loss over the positions that have a target. targets: [B*T], NaN where there is no loss;
 * class indices for 'xent', real values for 'mse'.
 */
export function taskLoss64(
  Y: Float64Array,
  K: number,
  targets: ArrayLike<number>,
  loss: 'xent' | 'mse',
): number {
  let total = 0;
  let count = 0;
  for (let r = 0; r < targets.length; r++) {
    const tgt = targets[r];
    if (Number.isNaN(tgt)) continue;
    count++;
    if (loss === 'mse') {
      total += (Y[r * K] - tgt) ** 2;
    } else {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, Y[r * K + k]);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(Y[r * K + k] - mx);
      total += Math.log(z) + mx - Y[r * K + tgt];
    }
  }
  return count ? total / count : 0;
}

/** R = Σ_f ‖W_fᴴW_f − I‖_F². */
export function unitaryPenalty64(sizes: number[], factors: ArrayLike<number>): number {
  let off = 0;
  let R = 0;
  for (const p of sizes) {
    const re = (i: number, j: number) => factors[off + i * p + j];
    const im = (i: number, j: number) => factors[off + p * p + i * p + j];
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++) {
        // (WᴴW)_ij = Σ_k conj(W_ki) W_kj
        let sr = i === j ? -1 : 0;
        let si = 0;
        for (let k = 0; k < p; k++) {
          sr += re(k, i) * re(k, j) + im(k, i) * im(k, j);
          si += re(k, i) * im(k, j) - im(k, i) * re(k, j);
        }
        R += sr * sr + si * si;
      }
    off += 2 * p * p;
  }
  return R;
}

/** Central finite difference of f with respect to every entry of arr (restored afterwards). */
export function centralDiff(arr: Float64Array, f: () => number, eps = 1e-6): Float64Array {
  const g = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    arr[i] = v + eps;
    const fp = f();
    arr[i] = v - eps;
    const fm = f();
    arr[i] = v;
    g[i] = (fp - fm) / (2 * eps);
  }
  return g;
}

export interface LstmParams64 {
  W: Float64Array; // [4N, N], gate blocks i, f, g, o
  U: Float64Array; // [4N, D]
  b: Float64Array; // [4N]
}

export interface KruLstmParams64 {
  sizes: number[];
  factors: Float64Array; // [4·Σ p²]: gate-major, per gate each factor row-major (real)
  U: Float64Array; // [4N, D]
  b: Float64Array; // [4N]
}

function sigmoid64(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** LSTM hidden states H [B, T, N] (docs/model.md, "LSTM"); probe (optional) [B, T, N] is added to h_t only. */
export function lstmForward64(
  p: LstmParams64,
  x: ArrayLike<number>,
  B: number,
  T: number,
  D: number,
  probe?: ArrayLike<number>,
): Float64Array {
  const N = p.b.length / 4;
  const H = new Float64Array(B * T * N);
  for (let bi = 0; bi < B; bi++) {
    let h = new Float64Array(N);
    let c = new Float64Array(N);
    for (let t = 0; t < T; t++) {
      const z = new Float64Array(4 * N);
      for (let r = 0; r < 4 * N; r++) {
        let s = p.b[r];
        for (let j = 0; j < N; j++) s += p.W[r * N + j] * h[j];
        for (let d = 0; d < D; d++) s += p.U[r * D + d] * x[(bi * T + t) * D + d];
        z[r] = s;
      }
      const nh = new Float64Array(N);
      const nc = new Float64Array(N);
      for (let n = 0; n < N; n++) {
        const i = sigmoid64(z[n]),
          f = sigmoid64(z[N + n]),
          g = Math.tanh(z[2 * N + n]),
          o = sigmoid64(z[3 * N + n]);
        nc[n] = f * c[n] + i * g;
        nh[n] = o * Math.tanh(nc[n]) + (probe ? probe[(bi * T + t) * N + n] : 0);
      }
      h = nh;
      c = nc;
      H.set(h, (bi * T + t) * N);
    }
  }
  return H;
}

/** Explicit real R_0 ⊗ … ⊗ R_{F−1} (numpy-kron order) from factors packed row-major from `offset` on. */
export function realKronExplicit(sizes: number[], factors: ArrayLike<number>, offset: number): Float64Array {
  let W = new Float64Array([1]);
  let n = 1;
  let off = offset;
  for (const p of sizes) {
    const m = n * p;
    const next = new Float64Array(m * m);
    for (let i0 = 0; i0 < n; i0++)
      for (let j0 = 0; j0 < n; j0++)
        for (let i1 = 0; i1 < p; i1++)
          for (let j1 = 0; j1 < p; j1++)
            next[(i0 * p + i1) * m + (j0 * p + j1)] = W[i0 * n + j0] * factors[off + i1 * p + j1];
    off += p * p;
    W = next;
    n = m;
  }
  return W;
}

/** KRU-LSTM hidden states H [B, T, N]: the LSTM with W's gate blocks W_k formed explicitly as Kronecker products. */
export function kruLstmForward64(
  p: KruLstmParams64,
  x: ArrayLike<number>,
  B: number,
  T: number,
  D: number,
  probe?: ArrayLike<number>,
): Float64Array {
  const S = p.sizes.reduce((s, q) => s + q * q, 0);
  const N = p.b.length / 4;
  const W = new Float64Array(4 * N * N);
  for (let k = 0; k < 4; k++) W.set(realKronExplicit(p.sizes, p.factors, k * S), k * N * N);
  return lstmForward64({ W, U: p.U, b: p.b }, x, B, T, D, probe);
}
