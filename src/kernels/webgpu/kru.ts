// Fused KRU recurrence on WebGPU: one dispatch per direction; each sequence runs on a workgroup (GPUs) or on
// one thread (CPU implementations of WebGPU), see SequenceLayout. The hidden state stays in scratch memory
// (workgroup memory when it fits, else a region of the output buffer) and W·h is applied factor by factor
// along each tensor axis (O(N·Σp_f) per step, W is never formed).
// See docs/model.md for layouts and equations.
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import {
  type WebGPUBackend,
  SequenceProgram,
  Scope,
  TANH_WGSL,
  flatView,
  requireInputs,
  runSequenceProgram,
  type SequenceLayout,
  layoutWgsl,
  sequenceIdsWgsl,
  scratchStartWgsl,
  sequenceLayout,
} from './program';

import { MODRELU_EPS, type KruActivation } from '../../model/config';
import { readKruAttrs } from '../attrs';

/** modReLU's ε as a WGSL float literal. */
const WGSL_MODRELU_EPS = MODRELU_EPS.toExponential();

interface FactorLayout {
  p: number;
  post: number; // ∏ p_g for g > f
  off: number; // offset of Re W_f in factors
}

function factorLayout(sizes: number[]): { layout: FactorLayout[]; N: number; total: number } {
  const N = sizes.reduce((a, b) => a * b, 1);
  const layout: FactorLayout[] = [];
  let off = 0;
  let post = N;
  for (const p of sizes) {
    post /= p;
    layout.push({ p, post, off });
    off += 2 * p * p;
  }
  return { layout, N, total: off };
}

/**
 * WGSL for one factor applied along its axis: dst = (I ⊗ W_f ⊗ I) src, or with W_fᴴ when `herm`.
 * src/dst are scratch offsets of complex vectors [Re(0..N-1), Im(0..N-1)].
 */
function applyFactorFn(name: string, f: FactorLayout, N: number, lanes: number, herm: boolean): string {
  const { p, post, off } = f;
  const im = off + p * p;
  // W[i, j] at off + i*p + j. Plain: out[i] = Σ_j W[i,j] v[j]. Hermitian: out[j] = Σ_i conj(W[i,j]) v[i].
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
            let wr = facIn[${off} + ${widx}];
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
const COMPLEX_WGSL = `
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
function serialBlocks(f: FactorLayout, N: number, body: string): string {
  return `for (var blk = laneId(); blk < ${N / f.p}; blk++) {
          let base = blk + (blk / ${f.post}) * ${(f.p - 1) * f.post};
          ${body}
        }`;
}

/** WGSL loading block `base` of the complex vector at scratch offset `src` into the private array `into`. */
function loadBlock(into: string, src: string, f: FactorLayout, N: number): string {
  return `for (var k = 0; k < ${f.p}; k++) {
            ${into}[k] = vec2<f32>(scGet(${src} + base + k * ${f.post}), scGet(${src} + ${N} + base + k * ${f.post}));
          }`;
}

/** WGSL storing out_i = Σ_k W[i,k] in[k] (or, `herm`, out_j = Σ_i conj(W[i,j]) in[i]) at block `base` of `dst`. */
function storeProduct(from: string, dst: string, f: FactorLayout, N: number, herm: boolean): string {
  const { p, post, off } = f;
  const widx = herm ? `k * ${p} + i` : `i * ${p} + k`;
  return `for (var i = 0; i < ${p}; i++) {
            var s = vec2<f32>(0.0);
            for (var k = 0; k < ${p}; k++) {
              let w = vec2<f32>(facIn[${off} + ${widx}], facIn[${off + p * p} + ${widx}]);
              s += ${herm ? `cmulConjA(w, ${from}[k])` : `cmul(w, ${from}[k])`};
            }
            scSet(${dst} + base + i * ${post}, s.x);
            scSet(${dst} + ${N} + base + i * ${post}, s.y);
          }`;
}

/** Serial layout: dst = (I ⊗ W_f ⊗ I) src, block by block. */
function applyFactorSerialFn(name: string, f: FactorLayout, N: number): string {
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

/**
 * Serial layout, backward through factor i in one pass over its blocks: dW_i += Σ_blocks g ⊗ conj(v) into the
 * private accumulator acc<i> (p² complex entries, written out once at the end) and dst = (I ⊗ W_iᴴ ⊗ I) g.
 */
function accApplyHSerialFn(i: number, f: FactorLayout, N: number): string {
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

function activationWgsl(act: KruActivation): string {
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
function activationGradWgsl(act: KruActivation): string {
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

// ---------------------------------------------------------------------------------------------------------
// Forward

function kruForwardCode(sizes: number[], act: KruActivation, D: number, threads: SequenceLayout): string {
  const lanes = threads.lanes;
  const { layout, N } = factorLayout(sizes);
  const F = sizes.length;
  const S = 4 * N; // two complex vectors, ping-pong
  const zb = (F % 2) * 2 * N; // where W·h ends up after F applications starting from buffer 0
  const serial = threads.kind === 'serial';
  const applyFns = layout
    .map((f, i) =>
      serial ? applyFactorSerialFn(`applyF${i}`, f, N) : applyFactorFn(`applyF${i}`, f, N, lanes, false),
    )
    .join('\n');
  const applyCalls = layout
    .map((_, i) => `applyF${i}(${(i % 2) * 2 * N}, ${((i + 1) % 2) * 2 * N}); sync();`)
    .join('\n          ');
  return `
      ${layoutWgsl(threads, S)}
      ${TANH_WGSL}
      ${COMPLEX_WGSL}
      ${applyFns}

      fn main(index : i32) {
        ${sequenceIdsWgsl(threads)}
        let B = uniforms.numSeq;
        let T = uniforms.steps;
        let N2 = ${2 * N};
        let offA = B * T * N2;
        ${scratchStartWgsl(threads, '2 * B * T * N2', S)}
        for (var e = lid; e < N2; e += ${lanes}) { scSet(${zb} + e, 0.0); }
        sync();
        for (var t = 0; t < T; t++) {
          let row = seq * T + t;
          for (var n = lid; n < ${N}; n += ${lanes}) {
            var ar = scGet(${zb} + n) + bIn[n];
            var ai = scGet(${zb + N} + n) + bIn[${N} + n];
            for (var d = 0; d < ${D}; d++) {
              let xv = xIn[row * ${D} + d];
              ar += uIn[n * ${D} + d] * xv;
              ai += uIn[${N * D} + n * ${D} + d] * xv;
            }
            var hr = 0.0;
            var hi = 0.0;
            ${activationWgsl(act)}
            hr += probeIn[row * N2 + n];
            hi += probeIn[row * N2 + ${N} + n];
            result[row * N2 + n] = hr;
            result[row * N2 + ${N} + n] = hi;
            result[offA + row * N2 + n] = ar;
            result[offA + row * N2 + ${N} + n] = ai;
            scSet(n, hr);
            scSet(${N} + n, hi);
          }
          sync();
          ${applyCalls}
        }
      }`;
}

const kruForward: KernelFunc = (args) => {
  const backend = args.backend as WebGPUBackend;
  const { sizes, activation } = readKruAttrs(args.attrs);
  const { x, factors, U, b, beta, probe } = requireInputs('KruRecurrence', args.inputs, [
    'x',
    'factors',
    'U',
    'b',
    'beta',
    'probe',
  ]);
  const [B, T, D] = x.shape;
  const { N } = factorLayout(sizes);
  const S = 4 * N;
  const threads = sequenceLayout(backend, N, S);
  const modrelu = activation === 'modrelu';
  const scope = new Scope(backend);
  try {
    const BTN2 = B * T * 2 * N;
    const outSize = 2 * BTN2 + (threads.globalScratch ? B * S : 0);
    const key = `kruFwd_${sizes.join('x')}_${activation}_${D}`;
    const program = new SequenceProgram(
      key,
      modrelu
        ? ['xIn', 'facIn', 'uIn', 'bIn', 'probeIn', 'betaIn']
        : ['xIn', 'facIn', 'uIn', 'bIn', 'probeIn'],
      outSize,
      B,
      threads,
      kruForwardCode(sizes, activation, D, threads),
    );
    // Only bindings the shader reads may be passed: WebGPU's 'auto' pipeline layout drops unused ones.
    const inputs = modrelu ? [x, factors, U, b, probe, beta] : [x, factors, U, b, probe];
    const out = scope.keep(runSequenceProgram(backend, program, inputs.map(flatView), B, T));
    const H = scope.output(scope.reshape(scope.slice(out, 0, BTN2), [B, T, 2 * N]));
    const A = scope.output(scope.reshape(scope.slice(out, BTN2, BTN2), [B, T, 2 * N]));
    return [H, A];
  } finally {
    scope.dispose();
  }
};

// ---------------------------------------------------------------------------------------------------------
// Backward

interface GradLayout {
  /** chunks per factor: each of the p² entries of dW_f is accumulated in C_f partial slots */
  chunks: number[];
  slotOff: number[];
  slotsPerSeq: number;
}

function gradLayout(sizes: number[], lanes: number): GradLayout {
  const N = sizes.reduce((a, b) => a * b, 1);
  const chunks: number[] = [];
  const slotOff: number[] = [];
  let off = 0;
  for (const p of sizes) {
    const R = N / p;
    const C = Math.max(1, Math.min(R, Math.floor(lanes / (p * p))));
    chunks.push(C);
    slotOff.push(off);
    off += 2 * p * p * C;
  }
  return { chunks, slotOff, slotsPerSeq: off };
}

/** Partial slots a thread keeps in registers across all steps (more per thread: read-modify-write in `result`). */
const MAX_PRIVATE_SLOTS = 4;

function privateSlots(p: number, C: number, lanes: number): number {
  const m = Math.ceil((p * p * C) / lanes);
  return m <= MAX_PRIVATE_SLOTS ? m : 0;
}

/**
 * WGSL accumulating dW_f += Σ_rest g[rest, a] · conj(v[rest, b]) into this thread's partial slots
 * s = lid + m·WG (slot s: entry q = s / C, chunk c = s % C, summing rest r ≡ c mod C). The partial sums live
 * in a private array `acc<i>` when few enough, else in `result` at slotBase.
 */
function accumulateFn(
  i: number,
  f: FactorLayout,
  C: number,
  slotOff: number,
  N: number,
  lanes: number,
): string {
  const { p, post } = f;
  const R = N / p;
  const M = privateSlots(p, C, lanes);
  const body = `
          let q = s / ${C};
          let c = s - q * ${C};
          let a = q / P;
          let bcol = q - a * P;
          var sr = 0.0;
          var si = 0.0;
          for (var r = c; r < ${R}; r += ${C}) {
            let r0 = r / POST;
            let po = r - r0 * POST;
            let base = r0 * P * POST + po;
            let gi0 = base + a * POST;
            let vi0 = base + bcol * POST;
            let gr = scGet(g + gi0);
            let gim = scGet(g + ${N} + gi0);
            let vr = scGet(v + vi0);
            let vim = scGet(v + ${N} + vi0);
            sr += gr * vr + gim * vim;
            si += gim * vr - gr * vim;
          }`;
  if (M > 0) {
    return `
      var<private> acc${i} : array<vec2<f32>, ${M}>;
      fn accF${i}(g : i32, v : i32) {
        let P = ${p};
        let POST = ${post};
        for (var m = 0; m < ${M}; m++) {
          let s = laneId() + m * ${lanes};
          if (s < ${p * p * C}) {
            ${body}
            acc${i}[m] += vec2<f32>(sr, si);
          }
        }
      }
      fn flushF${i}() {
        for (var m = 0; m < ${M}; m++) {
          let s = laneId() + m * ${lanes};
          if (s < ${p * p * C}) {
            result[slotBase + ${slotOff} + 2 * s] = acc${i}[m].x;
            result[slotBase + ${slotOff} + 2 * s + 1] = acc${i}[m].y;
          }
        }
      }`;
  }
  return `
      fn accF${i}(g : i32, v : i32) {
        let P = ${p};
        let POST = ${post};
        for (var s = laneId(); s < ${p * p * C}; s += ${lanes}) {
          ${body}
          let slot = slotBase + ${slotOff} + 2 * s;
          result[slot] += sr;
          result[slot + 1] += si;
        }
      }
      fn zeroF${i}() {
        for (var s = laneId(); s < ${p * p * C}; s += ${lanes}) {
          result[slotBase + ${slotOff} + 2 * s] = 0.0;
          result[slotBase + ${slotOff} + 2 * s + 1] = 0.0;
        }
      }
      fn flushF${i}() {}`;
}

/**
 * The backward pass's factor work, which differs by layout: `fns` (WGSL functions), `start` (zeroing),
 * `chainStep(f, g, v, dst)` (one factor of a step: accumulate dW_f from g and v, and dst = W_fᴴ-applied g)
 * and `finish` (write this sequence's dW_f into dFactors). `slotsPerSeq` sizes the output's partial-sum region.
 */
interface FactorGradCode {
  fns: string;
  start: string;
  chainStep: (f: number, g: number, v: number, dst: number) => string;
  finish: string;
  slotsPerSeq: number;
}

function factorGradCode(sizes: number[], threads: SequenceLayout): FactorGradCode {
  const { layout, N, total: FS } = factorLayout(sizes);
  if (threads.kind === 'serial') {
    return {
      fns: layout.map((f, i) => accApplyHSerialFn(i, f, N)).join('\n'),
      start: '',
      chainStep: (f, g, v, dst) => `accApplyH${f}(${g}, ${v}, ${dst});`,
      finish: layout
        .map(
          (f, i) => `for (var q = 0; q < ${f.p * f.p}; q++) {
          result[offF + seq * ${FS} + ${f.off} + q] = acc${i}[q].x;
          result[offF + seq * ${FS} + ${f.off + f.p * f.p} + q] = acc${i}[q].y;
        }`,
        )
        .join('\n        '),
      slotsPerSeq: 0,
    };
  }
  const lanes = threads.lanes;
  const { chunks, slotOff, slotsPerSeq } = gradLayout(sizes, lanes);
  const zeroSlots = layout
    .map((f, i) => (privateSlots(f.p, chunks[i], lanes) > 0 ? '' : `zeroF${i}();`))
    .join(' ');
  const flushSlots = layout.map((_, i) => `flushF${i}();`).join(' ');
  const reduceSlots = layout
    .map(
      (f, i) => `for (var q = lid; q < ${f.p * f.p}; q += ${lanes}) {
          var sr = 0.0;
          var si = 0.0;
          for (var c = 0; c < ${chunks[i]}; c++) {
            sr += result[slotBase + ${slotOff[i]} + 2 * (q * ${chunks[i]} + c)];
            si += result[slotBase + ${slotOff[i]} + 2 * (q * ${chunks[i]} + c) + 1];
          }
          result[offF + seq * ${FS} + ${f.off} + q] = sr;
          result[offF + seq * ${FS} + ${f.off + f.p * f.p} + q] = si;
        }`,
    )
    .join('\n        ');
  return {
    fns: [
      ...layout.map((f, i) => applyFactorFn(`applyH${i}`, f, N, lanes, true)),
      ...layout.map((f, i) => accumulateFn(i, f, chunks[i], slotOff[i], N, lanes)),
    ].join('\n'),
    start: zeroSlots,
    chainStep: (f, g, v, dst) => `accF${f}(${g}, ${v}); applyH${f}(${g}, ${dst});`,
    finish: `${flushSlots}
        syncStorage();
        ${reduceSlots}`,
    slotsPerSeq,
  };
}

function kruBackwardCode(sizes: number[], act: KruActivation, D: number, threads: SequenceLayout): string {
  const lanes = threads.lanes;
  const serial = threads.kind === 'serial';
  const { layout, N, total: FS } = factorLayout(sizes);
  const F = sizes.length;
  const N2 = 2 * N;
  const grads = factorGradCode(sizes, threads);
  const slotsPerSeq = grads.slotsPerSeq;
  const S = (F + 2) * N2;
  const V = (f: number) => f * N2; // inputs of each factor application (chain of h_{t-1})
  const G = (k: number) => (F + (k % 2)) * N2; // ping-pong for the gradient chain
  const gFinal = G(F);
  const modrelu = act === 'modrelu';
  const fns = [
    ...layout.map((f, i) =>
      serial ? applyFactorSerialFn(`applyF${i}`, f, N) : applyFactorFn(`applyF${i}`, f, N, lanes, false),
    ),
    grads.fns,
  ].join('\n');
  const fwdChain: string[] = [];
  for (let f = 0; f + 1 < F; f++) fwdChain.push(`applyF${f}(${V(f)}, ${V(f + 1)}); sync();`);
  const bwdChain: string[] = [];
  for (let k = 0; k < F; k++) {
    const f = F - 1 - k;
    bwdChain.push(`${grads.chainStep(f, G(k), V(f), G(k + 1))} sync();`);
  }
  // Output layout (flat; backwardRegions says the same in TypeScript): dP [B,T,2N] | dFactors [B,FS] |
  // dBeta [B,N] (modrelu) | then, workgroup layouts: dA [B,T,2N] | dW partial slots [B, slotsPerSeq];
  // serial: dx [B,T,D] | dU per sequence [B,2N·D] | db per sequence [B,2N] | finally scratch [B,S] (global).
  // The serial layout forms dx, dU and db itself: one thread owns all of a sequence's dA, and tfjs's matMul
  // and sum over [B·T, 2N] cost ~20 ms each on llvmpipe.
  return `
      ${layoutWgsl(threads, S)}
      ${TANH_WGSL}
      ${COMPLEX_WGSL}
      var<private> slotBase : i32;
      ${fns}

      fn main(index : i32) {
        ${sequenceIdsWgsl(threads)}
        let B = uniforms.numSeq;
        let T = uniforms.steps;
        let N2 = ${N2};
        let offF = B * T * N2;
        let offBeta = offF + B * ${FS};
        let offRest = offBeta + ${modrelu ? `B * ${N}` : '0'};
        ${
          serial
            ? `let offDx = offRest;
        let offDu = offDx + B * T * ${D} + seq * ${N2 * D};
        let offDb = offDx + B * T * ${D} + B * ${N2 * D} + seq * ${N2};
        ${scratchStartWgsl(threads, `offRest + B * T * ${D} + B * ${N2 * D + N2}`, S)}
        for (var e = lid; e < ${N2 * D}; e++) { result[offDu + e] = 0.0; }
        for (var e = lid; e < ${N2}; e++) { result[offDb + e] = 0.0; }`
            : `let offA = offRest;
        slotBase = offA + B * T * N2 + seq * ${slotsPerSeq};
        ${scratchStartWgsl(threads, `offA + B * T * N2 + B * ${slotsPerSeq}`, S)}`
        }
        ${grads.start}
        ${modrelu ? `for (var n = lid; n < ${N}; n += ${lanes}) { result[offBeta + seq * ${N} + n] = 0.0; }` : ''}
        for (var t = T - 1; t >= 0; t--) {
          let row = seq * T + t;
          let hasNext = t < T - 1;
          ${
            // Zeroed explicitly: Dawn over llvmpipe did not re-zero an uninitialised loop-scoped array each step.
            serial
              ? `var dx : array<f32, ${D}>;
          for (var d = 0; d < ${D}; d++) { dx[d] = 0.0; }`
              : ''
          }
          for (var n = lid; n < ${N}; n += ${lanes}) {
            var dhr = dhIn[row * N2 + n];
            var dhi = dhIn[row * N2 + ${N} + n];
            if (hasNext) {
              dhr += scGet(${gFinal} + n);
              dhi += scGet(${gFinal + N} + n);
            }
            result[row * N2 + n] = dhr;
            result[row * N2 + ${N} + n] = dhi;
            let ar = aIn[row * N2 + n];
            let ai = aIn[row * N2 + ${N} + n];
            var dar = 0.0;
            var dai = 0.0;
            ${modrelu ? 'var dbeta = 0.0;' : ''}
            ${activationGradWgsl(act)}
            ${modrelu ? `result[offBeta + seq * ${N} + n] += dbeta;` : ''}
            ${
              serial
                ? `result[offDb + n] += dar;
            result[offDb + ${N} + n] += dai;
            for (var d = 0; d < ${D}; d++) {
              let xv = xIn[row * ${D} + d];
              result[offDu + n * ${D} + d] += dar * xv;
              result[offDu + ${N * D} + n * ${D} + d] += dai * xv;
              dx[d] += dar * uIn[n * ${D} + d] + dai * uIn[${N * D} + n * ${D} + d];
            }`
                : `result[offA + row * N2 + n] = dar;
            result[offA + row * N2 + ${N} + n] = dai;`
            }
            scSet(${G(0)} + n, dar);
            scSet(${G(0) + N} + n, dai);
            if (t > 0) {
              scSet(${V(0)} + n, hIn[(row - 1) * N2 + n]);
              scSet(${V(0) + N} + n, hIn[(row - 1) * N2 + ${N} + n]);
            }
          }
          ${serial ? `for (var d = 0; d < ${D}; d++) { result[offDx + row * ${D} + d] = dx[d]; }` : ''}
          sync();
          if (t > 0) {
            ${fwdChain.join('\n            ')}
            ${bwdChain.join('\n            ')}
          }
        }
        ${grads.finish}
      }`;
}

/** Offsets (floats) of the backward kernel's output regions; the same order as kruBackwardCode's WGSL. */
function backwardRegions(
  B: number,
  T: number,
  D: number,
  sizes: number[],
  modrelu: boolean,
  threads: SequenceLayout,
) {
  const { N, total: FS } = factorLayout(sizes);
  const BTN2 = B * T * 2 * N;
  const dFactors = BTN2;
  const dBeta = dFactors + B * FS;
  const rest = dBeta + (modrelu ? B * N : 0);
  const scratchFloats = (sizes.length + 2) * 2 * N;
  if (threads.kind === 'serial') {
    const dx = rest;
    const dU = dx + B * T * D;
    const db = dU + B * 2 * N * D;
    const scratch = db + B * 2 * N;
    return { dFactors, dBeta, dx, dU, db, dA: -1, size: scratch + B * scratchFloats };
  }
  const scratch = rest + BTN2 + B * factorGradCode(sizes, threads).slotsPerSeq;
  return {
    dFactors,
    dBeta,
    dx: -1,
    dU: -1,
    db: -1,
    dA: rest,
    size: scratch + (threads.globalScratch ? B * scratchFloats : 0),
  };
}

const kruBackward: KernelFunc = (args) => {
  const backend = args.backend as WebGPUBackend;
  const { sizes, activation } = readKruAttrs(args.attrs);
  const { dH, x, factors, U, beta, H, A } = requireInputs('KruRecurrenceGrad', args.inputs, [
    'dH',
    'x',
    'factors',
    'U',
    'beta',
    'H',
    'A',
  ]);
  const [B, T, D] = x.shape;
  const { N, total: FS } = factorLayout(sizes);
  const threads = sequenceLayout(backend, N, (sizes.length + 2) * 2 * N);
  const serial = threads.kind === 'serial';
  const modrelu = activation === 'modrelu';
  const at = backwardRegions(B, T, D, sizes, modrelu, threads);
  const scope = new Scope(backend);
  try {
    const BTN2 = B * T * 2 * N;
    // Only bindings the shader reads may be passed: WebGPU's 'auto' pipeline layout drops unused ones.
    const names = ['dhIn', 'facIn', 'hIn', 'aIn'];
    const inputs = [dH, factors, H, A];
    if (modrelu) {
      names.push('betaIn');
      inputs.push(beta);
    }
    if (serial) {
      names.push('xIn', 'uIn');
      inputs.push(x, U);
    }
    const program = new SequenceProgram(
      `kruBwd_${sizes.join('x')}_${activation}_${D}`,
      names,
      at.size,
      B,
      threads,
      kruBackwardCode(sizes, activation, D, threads),
    );
    const out = scope.keep(runSequenceProgram(backend, program, inputs.map(flatView), B, T));
    const dProbe = scope.output(scope.reshape(scope.slice(out, 0, BTN2), [B, T, 2 * N]));
    const dFactors = scope.output(
      scope.sum(scope.reshape(scope.slice(out, at.dFactors, B * FS), [B, FS]), 0),
    );
    const dBeta = scope.output(
      modrelu
        ? scope.sum(scope.reshape(scope.slice(out, at.dBeta, B * N), [B, N]), 0)
        : scope.zeros(beta.shape),
    );
    if (serial) {
      const dx = scope.output(scope.reshape(scope.slice(out, at.dx, B * T * D), [B, T, D]));
      const dU = scope.output(
        scope.reshape(scope.sum(scope.reshape(scope.slice(out, at.dU, B * 2 * N * D), [B, 2 * N * D]), 0), [
          2,
          N,
          D,
        ]),
      );
      const db = scope.output(
        scope.reshape(scope.sum(scope.reshape(scope.slice(out, at.db, B * 2 * N), [B, 2 * N]), 0), [2, N]),
      );
      return [dx, dFactors, dU, db, dBeta, dProbe];
    }
    // The non-recurrent parts are plain dense products over all (b, t): with U2 = U as [2N, D] (Re rows then
    // Im rows, matching the hidden layout), dx = dA·U2, dU = dAᵀ·X, db = Σ dA.
    const dA = scope.reshape(scope.slice(out, at.dA, BTN2), [B * T, 2 * N]);
    const U2 = scope.reshape(U, [2 * N, D]);
    const X2 = scope.reshape(x, [B * T, D]);
    const dx = scope.output(scope.reshape(scope.matMul(dA, U2), [B, T, D]));
    const dU = scope.output(scope.reshape(scope.matMul(dA, X2, true, false), [2, N, D]));
    const db = scope.output(scope.reshape(scope.sum(dA, 0), [2, N]));
    return [dx, dFactors, dU, db, dBeta, dProbe];
  } finally {
    scope.dispose();
  }
};

export const kruRecurrenceWebgpu: KernelConfig = {
  kernelName: 'KruRecurrence',
  backendName: 'webgpu',
  kernelFunc: kruForward,
};

export const kruRecurrenceGradWebgpu: KernelConfig = {
  kernelName: 'KruRecurrenceGrad',
  backendName: 'webgpu',
  kernelFunc: kruBackward,
};
