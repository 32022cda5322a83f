// tfjs 'cpu' kernels for a training step's metrics (src/engine/trainer.ts Trainer.step): as tfjs ops they were
// ~30 tiny ops per model (a norm per parameter group, their sum, the stacks; a dense W's power iteration and
// ‖WᵀW − I‖²), each costing tfjs's per-op overhead (~15 µs here) for a few thousand numbers. Not differentiable
// (metrics); backends without them run the tfjs ops in trainer.ts.
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { gemmABt } from './gemm';
import { scratch, simdLoops } from './wasm';
import { outputArray, pooledCpu } from './output-pool';
import { floatsOf as floats, inputOf as input } from './kernel-args';

/**
 * The head of Trainer.step's packed metrics, [loss, accuracy, R, ‖g‖, g_1 … g_T, ‖g_0‖ … ‖g_{G−1}‖]: inputs
 * loss, accuracy, reg (scalars), probeGrad [B, T, W] (g_t = ‖probeGrad[:, t, :]‖, as the StepNorms kernel) and
 * the G parameter gradients g0 … g{G−1}. The norms round exactly as the tfjs ops they replace do on cpu
 * (‖g_i‖ = sqrt(sum(square(g_i))): squares rounded to float32, summed in float64 in order, rounded; ‖g‖ =
 * sqrt(addN(square(‖g_i‖))) with addN's float32 sum), so the numbers are bit for bit those of the ops, which the
 * stacked sweep (src/engine/sweep-stack.ts) still computes with ops and must match.
 */
export const stepMetricsKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const K = 'StepMetrics';
  const cpu = pooledCpu(backend);
  const G = attrs?.groups;
  if (typeof G !== 'number' || !Number.isInteger(G) || G < 0)
    throw new Error(`${K}: attr groups must be an integer ≥ 0`);
  const scalar = (name: string) => {
    const t = input(inputs, name, K);
    if (t.shape.length !== 0) throw new Error(`${K}: ${name} must be a scalar, got [${t.shape}]`);
    return floats(cpu, t, K)[0];
  };
  const probe = input(inputs, 'probeGrad', K);
  if (probe.shape.length !== 3) throw new Error(`${K}: probeGrad must be [B, T, W], got [${probe.shape}]`);
  const [B, T, W] = probe.shape;
  const out = outputArray(4 + T + G, true);
  out[0] = scalar('loss');
  out[1] = scalar('accuracy');
  out[2] = scalar('reg');
  const p = floats(cpu, probe, K);
  const steps = new Float64Array(T);
  for (let b = 0; b < B; b++) addStepSquares(p, steps, b, T, W);
  for (let t = 0; t < T; t++) out[4 + t] = Math.sqrt(steps[t]);
  const f = Math.fround;
  let total = 0; // addN's float32 accumulator
  for (let i = 0; i < G; i++) {
    const norm = f(Math.sqrt(f(sumOfFloat32Squares(floats(cpu, input(inputs, `g${i}`, K), K)))));
    out[4 + T + i] = norm;
    total = f(total + f(norm * norm));
  }
  out[3] = Math.sqrt(total);
  return cpu.makeTensorInfo([4 + T + G], 'float32', out);
};

/**
 * A dense W's per-step extras: inputs W [N, N] and the warm-started power-iteration vector v [N, 1], attr
 * iterations. Outputs [‖WᵀW − I‖_F², ‖W v′‖] and v′, after `iterations` steps of v ← WᵀW v / ‖WᵀW v‖. WᵀW is
 * formed once (SIMD C += A·Bᵀ on Wᵀ), in float64.
 */
export const denseMetricsKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const K = 'DenseMetrics';
  const cpu = pooledCpu(backend);
  const iterations = attrs?.iterations;
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 0)
    throw new Error(`${K}: attr iterations must be an integer ≥ 0`);
  const Wt = input(inputs, 'W', K);
  const vt = input(inputs, 'v', K);
  const N = Wt.shape[0];
  if (Wt.shape.length !== 2 || Wt.shape[1] !== N)
    throw new Error(`${K}: W must be square, got [${Wt.shape}]`);
  if (vt.shape.length !== 2 || vt.shape[0] !== N || vt.shape[1] !== 1)
    throw new Error(`${K}: v must be [${N}, 1], got [${vt.shape}]`);
  const W = floats(cpu, Wt, K);
  const v0 = floats(cpu, vt, K);
  const simd = simdLoops();
  const [T, M] = scratch(simd, [N * N, N * N]).arrays;
  transposeInto(T, W, N);
  gemmABt(M, T, T, N, N, N, simd); // M = WᵀW
  const dev = deviationFromIdentity(M, N);
  let v = Float64Array.from(v0);
  let w = new Float64Array(N);
  for (let it = 0; it < iterations; it++) {
    powerStep(M, v, w, N);
    [v, w] = [w, v];
  }
  const sigma = squaredNormOfProduct(W, v, N);
  return [
    cpu.makeTensorInfo([2], 'float32', Float32Array.of(dev, Math.sqrt(sigma))),
    cpu.makeTensorInfo([N, 1], 'float32', Float32Array.from(v)),
  ];
};

// The loops below are functions of their own so that each is optimised once: as loops inside the kernels,
// Chromium's worker replaced their on-stack-replacement code at every exit and recompiled the kernel every few
// seconds (--trace-deopt: "exit from OSR'd inner loop"), compile jobs that ran on the page's core.

/** steps[t] += Σ_w p[b, t, w]², four positions at a time: four independent sums, each in the StepNorms
 * kernel's order (the same numbers). */
function addStepSquares(p: Float32Array, steps: Float64Array, b: number, T: number, W: number): void {
  let t = 0;
  for (; t + 3 < T; t += 4) {
    const o0 = (b * T + t) * W,
      o1 = o0 + W,
      o2 = o1 + W,
      o3 = o2 + W;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let w = 0; w < W; w++) {
      s0 += p[o0 + w] * p[o0 + w];
      s1 += p[o1 + w] * p[o1 + w];
      s2 += p[o2 + w] * p[o2 + w];
      s3 += p[o3 + w] * p[o3 + w];
    }
    steps[t] += s0;
    steps[t + 1] += s1;
    steps[t + 2] += s2;
    steps[t + 3] += s3;
  }
  for (; t < T; t++) {
    const o = (b * T + t) * W;
    let s = 0;
    for (let w = 0; w < W; w++) s += p[o + w] * p[o + w];
    steps[t] += s;
  }
}

/** Σ fround(g_j²) in float64, in order (tfjs's sum(square(g)) on cpu). */
function sumOfFloat32Squares(g: Float32Array): number {
  const f = Math.fround;
  let s = 0;
  for (let j = 0; j < g.length; j++) s += f(g[j] * g[j]);
  return s;
}

/** T = Wᵀ (N×N). */
function transposeInto(T: Float64Array, W: Float32Array, N: number): void {
  for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) T[i * N + k] = W[k * N + i];
}

/** ‖M − I‖_F² of an N×N M. */
function deviationFromIdentity(M: Float64Array, N: number): number {
  let dev = 0;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      const d = M[i * N + j] - (i === j ? 1 : 0);
      dev += d * d;
    }
  return dev;
}

/** w = M v / ‖M v‖ (+1e-30). */
function powerStep(M: Float64Array, v: Float64Array, w: Float64Array, N: number): void {
  let norm = 0;
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += M[i * N + j] * v[j];
    w[i] = s;
    norm += s * s;
  }
  norm = Math.sqrt(norm) + 1e-30;
  for (let i = 0; i < N; i++) w[i] /= norm;
}

/** ‖W v‖² of an N×N W (float32) and v. */
function squaredNormOfProduct(W: Float32Array, v: Float64Array, N: number): number {
  let sigma = 0;
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += W[i * N + j] * v[j];
    sigma += s * s;
  }
  return sigma;
}
