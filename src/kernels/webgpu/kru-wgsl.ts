// WGSL snippet builders shared by the fused KRU kernels (./kru-forward.ts, ./kru-backward.ts): one factor
// applied along its tensor axis (per thread layout), complex products, the activations and their Jacobians,
// and the flat output buffer's regions. Everything here returns WGSL text; nothing touches the backend.
import { factorLayout } from '../../core/factor-layout';
import { MODRELU_EPS, type KruActivation } from '../../core/vocabulary';
import type { SequenceLayout } from './program';

/** modReLU's ε as a WGSL float literal. */
const WGSL_MODRELU_EPS = MODRELU_EPS.toExponential();

/** What the WGSL of one factor needs: its size, the stride of its axis, and where it sits in `facIn`. */
export interface FactorAxis {
  p: number;
  post: number; // ∏ p_g for g > f
  re: number; // offset of Re W_f in the packed factors (src/core/factor-layout)
  im: number; // offset of Im W_f
}

/** The factors' axes, N = ∏ p_f and FS = the packed factors' length, from the sizes. */
export function factorAxes(sizes: number[]): { axes: FactorAxis[]; N: number; FS: number } {
  const l = factorLayout(sizes);
  const axes = l.sizes.map((p, f) => ({ p, post: l.post[f], re: l.offsets[f], im: l.imOffsets[f] }));
  return { axes, N: l.N, FS: l.packedLength };
}

// ---------------------------------------------------------------------------------------------------------
// Output regions

/** A region of a kernel's flat output: B·T·perStep + B·perSeq floats (B sequences of T steps). */
export interface RegionSpec<K extends string> {
  name: K;
  perStep?: number;
  perSeq?: number;
}

/**
 * Where each region of a flat output buffer starts, regions laid end to end in the order given: the one
 * description of an output layout that both the kernel's WGSL (`wgsl`, in its `B` and `T`) and the
 * TypeScript that slices the output (`at`) read. Offsets are a·B·T + b·B; omitted regions are absent.
 */
export class OutputRegions<K extends string> {
  private readonly start = new Map<K, { a: number; b: number }>();
  private readonly end: { a: number; b: number };

  constructor(regions: readonly (RegionSpec<K> | false)[]) {
    let a = 0;
    let b = 0;
    for (const r of regions) {
      if (!r) continue;
      this.start.set(r.name, { a, b });
      a += r.perStep ?? 0;
      b += r.perSeq ?? 0;
    }
    this.end = { a, b };
  }

  has(name: K): boolean {
    return this.start.has(name);
  }

  private get(name: K): { a: number; b: number } {
    const s = this.start.get(name);
    if (!s) throw new Error(`output region ${name} is not in this layout`);
    return s;
  }

  /** The offset (floats) of region `name` for B sequences of T steps. */
  at(name: K, B: number, T: number): number {
    const { a, b } = this.get(name);
    return a * B * T + b * B;
  }

  /** The total size (floats) for B sequences of T steps. */
  size(B: number, T: number): number {
    return this.end.a * B * T + this.end.b * B;
  }

  /** The offset of region `name` as a WGSL i32 expression in the shader's `B` and `T`. */
  wgsl(name: K): string {
    const { a, b } = this.get(name);
    const terms = [a ? `B * T * ${a}` : '', b ? `B * ${b}` : ''].filter(Boolean);
    return terms.length ? terms.join(' + ') : '0';
  }
}

// ---------------------------------------------------------------------------------------------------------
// One factor along its axis

/**
 * WGSL for one factor applied along its axis: dst = (I ⊗ W_f ⊗ I) src, or with W_fᴴ when `herm`.
 * src/dst are scratch offsets of complex vectors [Re(0..N-1), Im(0..N-1)].
 */
export function applyFactorFn(name: string, f: FactorAxis, N: number, lanes: number, herm: boolean): string {
  const { p, post, re, im } = f;
  // W[i, j] at re + i*p + j. Plain: out[i] = Σ_j W[i,j] v[j]. Hermitian: out[j] = Σ_i conj(W[i,j]) v[i].
  const widx = herm ? 'k * P + i' : 'i * P + k';
  const acc = herm
    ? 'sr += wr * vr + wi * vi; si += wr * vi - wi * vr;'
    : 'sr += wr * vr - wi * vi; si += wr * vi + wi * vr;';
  return `
      fn ${name}(src : i32, dst : i32) {
        let P = ${p};
        let POST = ${post};
        for (var e = laneId(); e < ${N}; e += ${lanes}) {
          let i = (e / POST) % P;
          let base = e - i * POST;
          var sr = 0.0;
          var si = 0.0;
          for (var k = 0; k < P; k++) {
            let wr = facIn[${re} + ${widx}];
            let wi = facIn[${im} + ${widx}];
            let vr = scGet(src + base + k * POST);
            let vi = scGet(src + ${N} + base + k * POST);
            ${acc}
          }
          scSet(dst + e, sr);
          scSet(dst + ${N} + e, si);
        }
      }`;
}

/** Complex products on vec2 (re, im): a·b, conj(a)·b and a·conj(b). */
export const COMPLEX_WGSL = `
      fn cmul(a : vec2<f32>, b : vec2<f32>) -> vec2<f32> {
        return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
      }
      fn cmulConjA(a : vec2<f32>, b : vec2<f32>) -> vec2<f32> {
        return vec2<f32>(a.x * b.x + a.y * b.y, a.x * b.y - a.y * b.x);
      }
      fn cmulConjB(a : vec2<f32>, b : vec2<f32>) -> vec2<f32> {
        return vec2<f32>(a.x * b.x + a.y * b.y, a.y * b.x - a.x * b.y);
      }`;

/**
 * WGSL loop over the N/p blocks of factor f's axis for one thread (serial layout): a block is the p
 * elements base + k·post, k < p, that the factor mixes; `body` sees `base`. Block-wise, each element is
 * loaded once per factor instead of p times.
 */
function serialBlocks(f: FactorAxis, N: number, body: string): string {
  return `for (var blk = laneId(); blk < ${N / f.p}; blk++) {
          let base = blk + (blk / ${f.post}) * ${(f.p - 1) * f.post};
          ${body}
        }`;
}

/** WGSL loading block `base` of the complex vector at scratch offset `src` into the private array `into`. */
function loadBlock(into: string, src: string, f: FactorAxis, N: number): string {
  return `for (var k = 0; k < ${f.p}; k++) {
            ${into}[k] = vec2<f32>(scGet(${src} + base + k * ${f.post}), scGet(${src} + ${N} + base + k * ${f.post}));
          }`;
}

/** WGSL storing out_i = Σ_k W[i,k] in[k] (or, `herm`, out_j = Σ_i conj(W[i,j]) in[i]) at block `base` of `dst`. */
function storeProduct(from: string, dst: string, f: FactorAxis, N: number, herm: boolean): string {
  const { p, post, re, im } = f;
  const widx = herm ? `k * ${p} + i` : `i * ${p} + k`;
  return `for (var i = 0; i < ${p}; i++) {
            var s = vec2<f32>(0.0);
            for (var k = 0; k < ${p}; k++) {
              let w = vec2<f32>(facIn[${re} + ${widx}], facIn[${im} + ${widx}]);
              s += ${herm ? `cmulConjA(w, ${from}[k])` : `cmul(w, ${from}[k])`};
            }
            scSet(${dst} + base + i * ${post}, s.x);
            scSet(${dst} + ${N} + base + i * ${post}, s.y);
          }`;
}

/** Serial layout: dst = (I ⊗ W_f ⊗ I) src, block by block. */
function applyFactorSerialFn(name: string, f: FactorAxis, N: number): string {
  return `
      fn ${name}(src : i32, dst : i32) {
        var v : array<vec2<f32>, ${f.p}>;
        ${serialBlocks(
          f,
          N,
          `${loadBlock('v', 'src', f, N)}
          ${storeProduct('v', 'dst', f, N, false)}`,
        )}
      }`;
}

/** WGSL functions applyF<f>(src, dst) = (I ⊗ W_f ⊗ I) for every factor, in the thread layout's form. */
export function applyFactorFns(axes: FactorAxis[], N: number, threads: SequenceLayout): string {
  return axes
    .map((f, i) =>
      threads.kind === 'serial'
        ? applyFactorSerialFn(`applyF${i}`, f, N)
        : applyFactorFn(`applyF${i}`, f, N, threads.lanes, false),
    )
    .join('\n');
}

/**
 * Serial layout, backward through factor i in one pass over its blocks: dW_i += Σ_blocks g ⊗ conj(v) into the
 * private accumulator acc<i> (p² complex entries, written out once at the end) and dst = (I ⊗ W_iᴴ ⊗ I) g.
 */
export function accApplyHSerialFn(i: number, f: FactorAxis, N: number): string {
  const { p } = f;
  const body = `${loadBlock('g', 'gsrc', f, N)}
          ${loadBlock('v', 'vsrc', f, N)}
          for (var a = 0; a < ${p}; a++) {
            for (var c = 0; c < ${p}; c++) { acc${i}[a * ${p} + c] += cmulConjB(g[a], v[c]); }
          }
          ${storeProduct('g', 'dst', f, N, true)}`;
  return `
      var<private> acc${i} : array<vec2<f32>, ${p * p}>;
      fn accApplyH${i}(gsrc : i32, vsrc : i32, dst : i32) {
        var g : array<vec2<f32>, ${p}>;
        var v : array<vec2<f32>, ${p}>;
        ${serialBlocks(f, N, body)}
      }`;
}

// ---------------------------------------------------------------------------------------------------------
// Activations

/** Writes hr, hi = σ(ar, ai) (modrelu reads betaIn[n]). */
export function activationWgsl(act: KruActivation): string {
  switch (act) {
    case 'crelu':
      return 'hr = max(ar, 0.0); hi = max(ai, 0.0);';
    case 'tanh':
      return 'hr = safeTanh(ar); hi = safeTanh(ai);';
    case 'linear':
      return 'hr = ar; hi = ai;';
    case 'modrelu':
      return `{
            let m = sqrt(ar * ar + ai * ai + ${WGSL_MODRELU_EPS});
            let s = m + betaIn[n];
            if (s > 0.0) { hr = (s / m) * ar; hi = (s / m) * ai; } else { hr = 0.0; hi = 0.0; }
          }`;
  }
}

/** Writes dar, dai (= J_σ(a)ᵀ dh) from ar, ai, dhr, dhi; modrelu also accumulates dβ into `dbeta`. */
export function activationGradWgsl(act: KruActivation): string {
  switch (act) {
    case 'crelu':
      return 'dar = select(0.0, dhr, ar > 0.0); dai = select(0.0, dhi, ai > 0.0);';
    case 'tanh':
      return `{
            let tr = safeTanh(ar);
            let ti = safeTanh(ai);
            dar = dhr * (1.0 - tr * tr);
            dai = dhi * (1.0 - ti * ti);
          }`;
    case 'linear':
      return 'dar = dhr; dai = dhi;';
    case 'modrelu':
      return `{
            let beta = betaIn[n];
            let m = sqrt(ar * ar + ai * ai + ${WGSL_MODRELU_EPS});
            if (m + beta > 0.0) {
              let m3 = m * m * m;
              let jrr = 1.0 + beta / m - beta * ar * ar / m3;
              let jii = 1.0 + beta / m - beta * ai * ai / m3;
              let jri = -beta * ar * ai / m3;
              dar = jrr * dhr + jri * dhi;
              dai = jri * dhr + jii * dhi;
              dbeta += (dhr * ar + dhi * ai) / m;
            } else {
              dar = 0.0;
              dai = 0.0;
            }
          }`;
  }
}
