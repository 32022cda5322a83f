// Fused KRU recurrence on WebGPU: one dispatch per direction, one workgroup per sequence. The hidden state
// stays in scratch memory (workgroup memory when it fits, else a region of the output buffer) and W·h is
// applied factor by factor along each tensor axis (O(N·Σp_f) per step, W is never formed).
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
  scratchWgsl,
  fitsWorkgroupMemory,
  workgroupSizeFor,
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
function applyFactorFn(name: string, f: FactorLayout, N: number, wg: number, herm: boolean): string {
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
        for (var e = i32(localId.x); e < ${N}; e += ${wg}) {
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

function kruForwardCode(
  sizes: number[],
  act: KruActivation,
  D: number,
  wg: number,
  workgroup: boolean,
): string {
  const { layout, N } = factorLayout(sizes);
  const F = sizes.length;
  const S = 4 * N; // two complex vectors, ping-pong
  const zb = (F % 2) * 2 * N; // where W·h ends up after F applications starting from buffer 0
  const applyFns = layout.map((f, i) => applyFactorFn(`applyF${i}`, f, N, wg, false)).join('\n');
  const applyCalls = layout
    .map((_, i) => `applyF${i}(${(i % 2) * 2 * N}, ${((i + 1) % 2) * 2 * N}); sync();`)
    .join('\n          ');
  return `
      ${scratchWgsl(workgroup, S)}
      ${TANH_WGSL}
      ${applyFns}

      fn main(index : i32) {
        let lid = i32(localId.x);
        let seq = i32(workgroupId.x);
        let B = uniforms.numSeq;
        let T = uniforms.steps;
        let N2 = ${2 * N};
        let offA = B * T * N2;
        ${workgroup ? '' : `scBase = 2 * B * T * N2 + seq * ${S};`}
        for (var e = lid; e < N2; e += ${wg}) { scSet(${zb} + e, 0.0); }
        sync();
        for (var t = 0; t < T; t++) {
          let row = seq * T + t;
          for (var n = lid; n < ${N}; n += ${wg}) {
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
  const wg = workgroupSizeFor(N);
  const S = 4 * N;
  const workgroup = fitsWorkgroupMemory(backend, S);
  const modrelu = activation === 'modrelu';
  const scope = new Scope(backend);
  try {
    const BTN2 = B * T * 2 * N;
    const outSize = 2 * BTN2 + (workgroup ? 0 : B * S);
    const key = `kruFwd_${sizes.join('x')}_${activation}_${D}_${wg}_${workgroup ? 'wg' : 'gl'}`;
    const program = new SequenceProgram(
      key,
      modrelu
        ? ['xIn', 'facIn', 'uIn', 'bIn', 'probeIn', 'betaIn']
        : ['xIn', 'facIn', 'uIn', 'bIn', 'probeIn'],
      outSize,
      B,
      wg,
      kruForwardCode(sizes, activation, D, wg, workgroup),
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

function gradLayout(sizes: number[], wg: number): GradLayout {
  const N = sizes.reduce((a, b) => a * b, 1);
  const chunks: number[] = [];
  const slotOff: number[] = [];
  let off = 0;
  for (const p of sizes) {
    const R = N / p;
    const C = Math.max(1, Math.min(R, Math.floor(wg / (p * p))));
    chunks.push(C);
    slotOff.push(off);
    off += 2 * p * p * C;
  }
  return { chunks, slotOff, slotsPerSeq: off };
}

/** Partial slots a thread keeps in registers across all steps (more per thread: read-modify-write in `result`). */
const MAX_PRIVATE_SLOTS = 4;

function privateSlots(p: number, C: number, wg: number): number {
  const m = Math.ceil((p * p * C) / wg);
  return m <= MAX_PRIVATE_SLOTS ? m : 0;
}

/**
 * WGSL accumulating dW_f += Σ_rest g[rest, a] · conj(v[rest, b]) into this thread's partial slots
 * s = lid + m·WG (slot s: entry q = s / C, chunk c = s % C, summing rest r ≡ c mod C). The partial sums live
 * in a private array `acc<i>` when few enough, else in `result` at slotBase.
 */
function accumulateFn(i: number, f: FactorLayout, C: number, slotOff: number, N: number, wg: number): string {
  const { p, post } = f;
  const R = N / p;
  const M = privateSlots(p, C, wg);
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
          let s = i32(localId.x) + m * ${wg};
          if (s < ${p * p * C}) {
            ${body}
            acc${i}[m] += vec2<f32>(sr, si);
          }
        }
      }
      fn flushF${i}() {
        for (var m = 0; m < ${M}; m++) {
          let s = i32(localId.x) + m * ${wg};
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
        for (var s = i32(localId.x); s < ${p * p * C}; s += ${wg}) {
          ${body}
          let slot = slotBase + ${slotOff} + 2 * s;
          result[slot] += sr;
          result[slot + 1] += si;
        }
      }
      fn zeroF${i}() {
        for (var s = i32(localId.x); s < ${p * p * C}; s += ${wg}) {
          result[slotBase + ${slotOff} + 2 * s] = 0.0;
          result[slotBase + ${slotOff} + 2 * s + 1] = 0.0;
        }
      }
      fn flushF${i}() {}`;
}

function kruBackwardCode(sizes: number[], act: KruActivation, wg: number, workgroup: boolean): string {
  const { layout, N, total: FS } = factorLayout(sizes);
  const F = sizes.length;
  const N2 = 2 * N;
  const { chunks, slotOff, slotsPerSeq } = gradLayout(sizes, wg);
  const S = (F + 2) * N2;
  const V = (f: number) => f * N2; // inputs of each factor application (chain of h_{t-1})
  const G = (k: number) => (F + (k % 2)) * N2; // ping-pong for the gradient chain
  const gFinal = G(F);
  const modrelu = act === 'modrelu';
  const fns = [
    ...layout.map((f, i) => applyFactorFn(`applyF${i}`, f, N, wg, false)),
    ...layout.map((f, i) => applyFactorFn(`applyH${i}`, f, N, wg, true)),
    ...layout.map((f, i) => accumulateFn(i, f, chunks[i], slotOff[i], N, wg)),
  ].join('\n');
  const fwdChain: string[] = [];
  for (let f = 0; f + 1 < F; f++) fwdChain.push(`applyF${f}(${V(f)}, ${V(f + 1)}); sync();`);
  const bwdChain: string[] = [];
  for (let k = 0; k < F; k++) {
    const f = F - 1 - k;
    bwdChain.push(`accF${f}(${G(k)}, ${V(f)}); applyH${f}(${G(k)}, ${G(k + 1)}); sync();`);
  }
  const zeroSlots = layout
    .map((f, i) => (privateSlots(f.p, chunks[i], wg) > 0 ? '' : `zeroF${i}();`))
    .join(' ');
  const flushSlots = layout.map((_, i) => `flushF${i}();`).join(' ');
  const reduceSlots = layout
    .map(
      (f, i) => `for (var q = lid; q < ${f.p * f.p}; q += ${wg}) {
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
  // Output layout (flat): dA [B,T,2N] | dP [B,T,2N] | dFactors [B,FS] | dBeta [B,N] (modrelu) |
  // dW partial slots [B, slotsPerSeq] | scratch [B,S] (global mode).
  return `
      ${scratchWgsl(workgroup, S)}
      ${TANH_WGSL}
      var<private> slotBase : i32;
      ${fns}

      fn main(index : i32) {
        let lid = i32(localId.x);
        let seq = i32(workgroupId.x);
        let B = uniforms.numSeq;
        let T = uniforms.steps;
        let N2 = ${N2};
        let offP = B * T * N2;
        let offF = 2 * B * T * N2;
        let offBeta = offF + B * ${FS};
        let offSlots = offBeta + ${modrelu ? `B * ${N}` : '0'};
        slotBase = offSlots + seq * ${slotsPerSeq};
        ${workgroup ? '' : `scBase = offSlots + B * ${slotsPerSeq} + seq * ${S};`}
        ${zeroSlots}
        ${modrelu ? `for (var n = lid; n < ${N}; n += ${wg}) { result[offBeta + seq * ${N} + n] = 0.0; }` : ''}
        for (var t = T - 1; t >= 0; t--) {
          let row = seq * T + t;
          let hasNext = t < T - 1;
          for (var n = lid; n < ${N}; n += ${wg}) {
            var dhr = dhIn[row * N2 + n];
            var dhi = dhIn[row * N2 + ${N} + n];
            if (hasNext) {
              dhr += scGet(${gFinal} + n);
              dhi += scGet(${gFinal + N} + n);
            }
            result[offP + row * N2 + n] = dhr;
            result[offP + row * N2 + ${N} + n] = dhi;
            let ar = aIn[row * N2 + n];
            let ai = aIn[row * N2 + ${N} + n];
            var dar = 0.0;
            var dai = 0.0;
            ${modrelu ? 'var dbeta = 0.0;' : ''}
            ${activationGradWgsl(act)}
            ${modrelu ? `result[offBeta + seq * ${N} + n] += dbeta;` : ''}
            result[row * N2 + n] = dar;
            result[row * N2 + ${N} + n] = dai;
            scSet(${G(0)} + n, dar);
            scSet(${G(0) + N} + n, dai);
            if (t > 0) {
              scSet(${V(0)} + n, hIn[(row - 1) * N2 + n]);
              scSet(${V(0) + N} + n, hIn[(row - 1) * N2 + ${N} + n]);
            }
          }
          sync();
          if (t > 0) {
            ${fwdChain.join('\n            ')}
            ${bwdChain.join('\n            ')}
          }
        }
        ${flushSlots}
        storageBarrier();
        ${reduceSlots}
      }`;
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
  const F = sizes.length;
  const wg = workgroupSizeFor(N);
  const S = (F + 2) * 2 * N;
  const workgroup = fitsWorkgroupMemory(backend, S);
  const { slotsPerSeq } = gradLayout(sizes, wg);
  const modrelu = activation === 'modrelu';
  const scope = new Scope(backend);
  try {
    const BTN2 = B * T * 2 * N;
    const offF = 2 * BTN2;
    const offBeta = offF + B * FS;
    const offSlots = offBeta + (modrelu ? B * N : 0);
    const outSize = offSlots + B * slotsPerSeq + (workgroup ? 0 : B * S);
    const key = `kruBwd_${sizes.join('x')}_${activation}_${wg}_${workgroup ? 'wg' : 'gl'}`;
    const program = new SequenceProgram(
      key,
      modrelu ? ['dhIn', 'facIn', 'hIn', 'aIn', 'betaIn'] : ['dhIn', 'facIn', 'hIn', 'aIn'],
      outSize,
      B,
      wg,
      kruBackwardCode(sizes, activation, wg, workgroup),
    );
    const out = scope.keep(
      runSequenceProgram(
        backend,
        program,
        (modrelu ? [dH, factors, H, A, beta] : [dH, factors, H, A]).map(flatView),
        B,
        T,
      ),
    );

    const dA = scope.reshape(scope.slice(out, 0, BTN2), [B * T, 2 * N]);
    const dProbe = scope.output(scope.reshape(scope.slice(out, BTN2, BTN2), [B, T, 2 * N]));
    const dFactors = scope.output(scope.sum(scope.reshape(scope.slice(out, offF, B * FS), [B, FS]), 0));
    const dBeta = scope.output(
      modrelu
        ? scope.sum(scope.reshape(scope.slice(out, offBeta, B * N), [B, N]), 0)
        : scope.zeros(beta.shape),
    );
    // The non-recurrent parts are plain dense products over all (b, t): with U2 = U as [2N, D] (Re rows then
    // Im rows, matching the hidden layout), dx = dA·U2, dU = dAᵀ·X, db = Σ dA.
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
