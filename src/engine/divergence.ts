// When a model has diverged, what to record for it afterwards, and the likely cause in words. Pure: used by the
// Experiment (which stops stepping a diverged model) and the CLI (which reports it and exits non-zero).
import type { ModelSpec } from './types';
import { formatValue } from '../core/format';
import type { StepRow } from './series';

export interface Divergence {
  /** The training step whose metrics first showed it. */
  step: number;
  /** What was seen, e.g. "the loss is NaN". */
  reason: string;
}

const bad = (v: number) => (Number.isNaN(v) ? 'NaN' : 'infinite');

/**
 * Why this step's row shows a diverged model (a NaN or infinite loss or gradient norm, after which its weights
 * are no longer numbers), or null. A huge but finite loss is not a divergence: the exploding-gradients preset's
 * unclipped RNN reaches ~1e12 at its first step by design, and it goes on training and showing it.
 */
export function divergenceOf(row: StepRow): string | null {
  if (!Number.isFinite(row.loss)) return `the loss is ${bad(row.loss)}`;
  if (!Number.isFinite(row.gradNorm)) return `the gradient norm is ${bad(row.gradNorm)}`;
  return null;
}

/** The row recorded for a model that no longer steps: every metric NaN (a gap in the charts), λ and lr kept. */
export function blankRow(like: StepRow, lambda: number, lr: number): StepRow {
  return {
    loss: NaN,
    lambda,
    lr,
    accuracy: NaN,
    reg: NaN,
    lambdaReg: NaN,
    factorDeviation: like.factorDeviation.map(() => NaN),
    fullDeviation: NaN,
    spectralNorm: NaN,
    factorSingularValues: like.factorSingularValues.map(() => NaN),
    gradNormsOverTime: new Float32Array(like.gradNormsOverTime.length).fill(NaN),
    gradNorm: NaN,
  };
}

/** The likely cause of a divergence, from the model's settings at the time, in a few words. */
export function divergenceHint(spec: ModelSpec, lr: number, lambda: number): string {
  const causes: string[] = [];
  if (lr >= 0.05)
    causes.push(`a learning rate of ${formatValue(lr)} is large for this model (try 0.001–0.003)`);
  if ('lambda' in spec && lambda * lr > 0.5)
    causes.push(`λ·lr = ${formatValue(lambda * lr)}: the penalty's own step overshoots (lower λ or lr)`);
  const gain = spec.kind === 'rnn' ? spec.init.gain : spec.kind === 'lowrank' ? spec.gain : 0;
  if (gain > 1 && spec.clip === null)
    causes.push(
      `init gain ${formatValue(gain)} > 1 without clipping lets gradients explode (turn clipping on)`,
    );
  return causes.length ? causes.join('; ') : `lower the learning rate (now ${formatValue(lr)})`;
}
