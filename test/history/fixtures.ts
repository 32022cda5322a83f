// Snapshots of a realistic run for the History tests: a KRU (2 factors of 8, σ 16 wide) and an RNN, sequence
// length T = 100, every metric a function of the step so that tests can predict compacted rows.
import type { ModelInfo, ModelSeries, Snapshot } from '../../src/engine/types';
import type { ModelKind } from '../../src/core/vocabulary';

export const T = 100;
export const MODELS: ModelInfo[] = [
  { id: 'kru', label: 'KRU', kind: 'kru' },
  { id: 'rnn', label: 'RNN', kind: 'rnn' },
];

export interface Metrics {
  /** loss of model `id` at `step` (default: 1) */
  loss?: (step: number, id: string) => number;
  lambda?: (step: number) => number;
  lr?: (step: number, id: string) => number;
}

function series(steps: number[], id: string, kind: ModelKind, f: Metrics): ModelSeries {
  const k = steps.length;
  const F = kind === 'kru' ? 2 : 1;
  const P = kind === 'kru' ? 16 : 0;
  const per = (w: number, v: (s: number, j: number) => number) => {
    const a = new Float32Array(k * w);
    for (let i = 0; i < k; i++) for (let j = 0; j < w; j++) a[i * w + j] = v(steps[i], j);
    return a;
  };
  return {
    loss: per(1, (s) => (f.loss ? f.loss(s, id) : 1)),
    lambda: per(1, (s) => (kind === 'kru' ? (f.lambda?.(s) ?? 0.01) : 0)),
    lr: per(1, (s) => f.lr?.(s, id) ?? 0.001),
    accuracy: per(1, () => NaN),
    reg: per(1, (s) => 1 / s),
    lambdaReg: per(1, (s) => 0.01 / s),
    factorDeviation: per(F, (s, j) => j + 1 / s),
    fullDeviation: per(1, (s) => 2 / s),
    spectralNorm: per(1, () => 1),
    factorSingularValues: per(P, (s, j) => 1 + j / 100 + 1 / s),
    gradNormsOverTime: per(T, (s, t) => Math.exp(-t / 50) + 1 / s),
    gradNorm: per(1, (s) => 1 + (s % 7)),
  };
}

/** A snapshot of engine steps `steps` for both models. */
export function snapshot(steps: number[], f: Metrics = {}, models: ModelInfo[] = MODELS): Snapshot {
  return {
    steps: Int32Array.from(steps),
    models,
    series: Object.fromEntries(models.map((m) => [m.id, series(steps, m.id, m.kind, f)])),
    detail: {},
    stepCount: steps.at(-1) ?? 0,
    baseline: 0.5,
    seqLength: T,
    msPerStep: 2,
    backend: 'cpu',
  };
}

/** Engine steps from..to (inclusive). */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** The first index where a and b differ (NaN equals NaN), or −1: vitest's toEqual is slow on long arrays. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Paths where two data trees differ (typed arrays compared value by value, NaN equal to NaN). */
export function differences(a: unknown, b: unknown, path = ''): string[] {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    const same = a instanceof Float32Array && b instanceof Float32Array && firstDifference(a, b) === -1;
    return same ? [] : [path];
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return a === b || Object.is(a, b) ? [] : [`${path}: ${String(a)} ≠ ${String(b)}`]; // −0 = 0, NaN = NaN
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) =>
    differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`),
  );
}
