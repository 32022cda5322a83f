// tfjs 'cpu' kernels for the KRU's soft unitary penalty R = Σ_f ‖W_fᴴW_f − I‖_F² of each of M models' packed
// factors, and its gradient. With W_f = A + iB, G = AᵀA + BᵀB − I and H = AᵀB − BᵀA (WᴴW − I = G + iH):
// R_f = ‖G‖² + ‖H‖², ∂R/∂A = 4(AG − BH), ∂R/∂B = 4(BG + AH). As tfjs ops the penalty is ~15 ops forward and
// ~30 in its gradient, with an array each: about 40% of the arrays the training worker allocated per step at
// the default run, and their garbage (young ArrayBuffer sweeps of 20–100 ms on the page's second core) was a
// source of the page's long tasks. Float64 inside, float32 out.
import type { KernelFunc, NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import { factorLayout, type FactorLayout } from '../../core/factor-layout';
import { readSizes } from '../attrs';
import { floatsOf, inputOf } from './kernel-args';
import { pooledCpu } from './output-pool';

const K = 'UnitaryPenalty';

/** G = AᵀA + BᵀB − I and H = AᵀB − BᵀA of the p×p factor at `o` (Re at o, Im at o + p²), into g and h. */
function gram(x: Float32Array, o: number, p: number, g: Float64Array, h: Float64Array): void {
  const q = p * p;
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      let gr = i === j ? -1 : 0;
      let gi = 0;
      for (let k = 0; k < p; k++) {
        const aki = x[o + k * p + i],
          akj = x[o + k * p + j],
          bki = x[o + q + k * p + i],
          bkj = x[o + q + k * p + j];
        gr += aki * akj + bki * bkj;
        gi += aki * bkj - bki * akj;
      }
      g[i * p + j] = gr;
      h[i * p + j] = gi;
    }
}

function checkedFactors(inputs: NamedTensorInfoMap, backend: unknown, layout: FactorLayout, kernel: string) {
  const cpu = pooledCpu(backend);
  const t = inputOf(inputs, 'factors', kernel);
  const L = layout.packedLength;
  if (t.shape.length !== 2 || t.shape[1] !== L)
    throw new Error(`${kernel}: factors must be [M, ${L}], got [${t.shape}]`);
  return { cpu, x: floatsOf(cpu, t, kernel), M: t.shape[0], L };
}

/** Input factors [M, L] (each row one model's packed factors); output R [M]. */
export const unitaryPenaltyKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const layout = factorLayout(readSizes(attrs, K));
  const { cpu, x, M, L } = checkedFactors(inputs, backend, layout, K);
  const pMax = Math.max(...layout.sizes);
  const g = new Float64Array(pMax * pMax),
    h = new Float64Array(pMax * pMax);
  const out = new Float32Array(M);
  for (let m = 0; m < M; m++) {
    let r = 0;
    for (let f = 0; f < layout.F; f++) {
      const p = layout.sizes[f];
      gram(x, m * L + layout.offsets[f], p, g, h);
      for (let e = 0; e < p * p; e++) r += g[e] * g[e] + h[e] * h[e];
    }
    out[m] = r;
  }
  return cpu.makeTensorInfo([M], 'float32', out);
};

/** Inputs factors [M, L] and dy [M]; output ∂(Σ_m dy_m R_m)/∂factors [M, L]. */
export const unitaryPenaltyGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const kernel = `${K}Grad`;
  const layout = factorLayout(readSizes(attrs, kernel));
  const { cpu, x, M, L } = checkedFactors(inputs, backend, layout, kernel);
  const dyT = inputOf(inputs, 'dy', kernel);
  if (dyT.shape.length !== 1 || dyT.shape[0] !== M)
    throw new Error(`${kernel}: dy must be [${M}], got [${dyT.shape}]`);
  const dy = floatsOf(cpu, dyT, kernel);
  const pMax = Math.max(...layout.sizes);
  const g = new Float64Array(pMax * pMax),
    h = new Float64Array(pMax * pMax);
  const out = new Float32Array(M * L);
  for (let m = 0; m < M; m++)
    for (let f = 0; f < layout.F; f++) {
      const p = layout.sizes[f],
        q = p * p,
        o = m * L + layout.offsets[f];
      gram(x, o, p, g, h);
      const s = 4 * dy[m];
      for (let i = 0; i < p; i++)
        for (let j = 0; j < p; j++) {
          let da = 0,
            db = 0;
          for (let k = 0; k < p; k++) {
            const aik = x[o + i * p + k],
              bik = x[o + q + i * p + k],
              gkj = g[k * p + j],
              hkj = h[k * p + j];
            da += aik * gkj - bik * hkj;
            db += bik * gkj + aik * hkj;
          }
          out[o + i * p + j] = s * da;
          out[o + q + i * p + j] = s * db;
        }
    }
  return cpu.makeTensorInfo([M, L], 'float32', out);
};
