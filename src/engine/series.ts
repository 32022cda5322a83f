// One model's metrics per step as rows (the engine appends one per step), and their packing into the
// column-wise ModelSeries that a snapshot carries.
import type { NetSpec } from '../model/config';
import { isFactored } from '../core/vocabulary';
import { kruStepSummary } from './spectra';
import type { UnpackedMetrics } from './trainer';
import type { ModelSeries } from './types';

export interface StepRow {
  loss: number;
  lambda: number;
  lr: number;
  accuracy: number;
  reg: number;
  lambdaReg: number;
  factorDeviation: number[];
  fullDeviation: number;
  spectralNorm: number;
  factorSingularValues: number[];
  gradNormsOverTime: Float32Array;
  gradNorm: number;
}

/**
 * A step's row from the packed metrics: factor spectra for the factored kinds (their shown factors), the
 * shown W's deviation and ‖W‖₂ estimate for the dense ones.
 */
export function deriveRow(spec: NetSpec, m: UnpackedMetrics, lambda: number, lr: number): StepRow {
  const common = {
    loss: m.loss,
    lambda,
    lr,
    accuracy: m.accuracy,
    reg: m.reg,
    lambdaReg: lambda * m.reg,
    gradNormsOverTime: m.gradNormsOverTime,
    gradNorm: m.gradNorm,
  };
  if (isFactored(spec.kind) && 'factors' in spec) {
    const s = kruStepSummary(spec.factors, m.extras);
    return {
      ...common,
      factorDeviation: s.factorDeviation,
      fullDeviation: s.fullDeviation,
      spectralNorm: s.spectralNorm,
      factorSingularValues: s.spectra.flatMap((x) => Array.from(x)),
    };
  }
  return {
    ...common,
    factorDeviation: [m.extras[0]],
    fullDeviation: m.extras[0],
    spectralNorm: m.extras[1],
    factorSingularValues: [],
  };
}

export function packRows(rows: StepRow[]): ModelSeries {
  const scalar = (f: (r: StepRow) => number) => Float32Array.from(rows, f);
  const flat = (f: (r: StepRow) => ArrayLike<number>) => {
    const parts = rows.map(f);
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  };
  return {
    loss: scalar((r) => r.loss),
    lambda: scalar((r) => r.lambda),
    lr: scalar((r) => r.lr),
    accuracy: scalar((r) => r.accuracy),
    reg: scalar((r) => r.reg),
    lambdaReg: scalar((r) => r.lambdaReg),
    factorDeviation: flat((r) => r.factorDeviation),
    fullDeviation: scalar((r) => r.fullDeviation),
    spectralNorm: scalar((r) => r.spectralNorm),
    factorSingularValues: flat((r) => r.factorSingularValues),
    gradNormsOverTime: flat((r) => r.gradNormsOverTime),
    gradNorm: scalar((r) => r.gradNorm),
  };
}
