// Runs a preset on the engine (cpu backend, fused kernels) and measures what its caption claims. Shared by the
// preset tests and by scripts/preset-report.ts, which prints the same numbers for docs/presets.md.
import { Experiment } from '../../src/engine/experiment';
import type { Snapshot } from '../../src/engine/types';
import { presetByName, type Preset } from '../../src/presets';
import type { RunConfig } from '../../src/settings';

export interface ModelMeasure {
  /** Means over the last `window` steps (one batch per step is noisy). */
  loss: number;
  accuracy: number;
  /** ‖WᴴW − I‖²_F of the full W at the last step, and its largest value over the run. */
  deviation: number;
  maxDeviation: number;
  /** ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ at the last step. */
  gradRatio: number;
  /** At the first step. */
  firstGradRatio: number;
  /** The first step at which `firstHit` (if given) held. */
  hitStep: number | null;
  finite: boolean;
  recurrentParams: number;
  totalParams: number;
  testAccuracy: number | null;
}

export interface PresetMeasure {
  steps: number;
  baseline: number;
  msPerStep: number;
  seconds: number;
  models: Record<string, ModelMeasure>;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Trains `config` for `steps` steps and measures every model. `hit` is checked on each model's running means
 * every 50 steps (the first step it holds is reported as hitStep).
 */
export async function measureRun(
  config: RunConfig,
  steps: number,
  opts: { window?: number; hit?: (m: { loss: number; accuracy: number }, baseline: number) => boolean } = {},
): Promise<PresetMeasure> {
  const window = opts.window ?? 50;
  const t0 = performance.now();
  const e = await Experiment.create(config);
  const ids = config.models.map((m) => m.id);
  const tail: Record<string, { loss: number[]; acc: number[] }> = {};
  const state: Record<string, Partial<ModelMeasure>> = {};
  for (const id of ids) {
    tail[id] = { loss: [], acc: [] };
    state[id] = { maxDeviation: 0, hitStep: null, finite: true };
  }
  let last: Snapshot | null = null;
  let done = 0;
  try {
    while (done < steps) {
      const k = Math.min(50, steps - done);
      await e.step(k);
      done += k;
      const s = await e.snapshot({ forceDetail: done === steps });
      last = s;
      for (const id of ids) {
        const series = s.series[id];
        const st = state[id];
        const T = s.seqLength;
        for (let i = 0; i < series.loss.length; i++) {
          tail[id].loss.push(series.loss[i]);
          tail[id].acc.push(series.accuracy[i]);
          st.maxDeviation = Math.max(st.maxDeviation!, series.fullDeviation[i]);
          if (!Number.isFinite(series.loss[i])) st.finite = false;
          const g = series.gradNormsOverTime.subarray(i * T, (i + 1) * T);
          if (s.steps[i] === 1) st.firstGradRatio = g[0] / g[T - 1];
          st.gradRatio = g[0] / g[T - 1];
          st.deviation = series.fullDeviation[i];
        }
        tail[id].loss = tail[id].loss.slice(-window);
        tail[id].acc = tail[id].acc.slice(-window);
        const running = { loss: mean(tail[id].loss), accuracy: mean(tail[id].acc) };
        if (st.hitStep === null && opts.hit?.(running, s.baseline) && tail[id].loss.length >= window)
          st.hitStep = done;
      }
    }
  } finally {
    e.dispose();
  }
  const snap = last!;
  const models: Record<string, ModelMeasure> = {};
  for (const id of ids) {
    const d = snap.detail[id];
    models[id] = {
      ...(state[id] as ModelMeasure),
      loss: mean(tail[id].loss),
      accuracy: mean(tail[id].acc),
      recurrentParams: d.paramCounts.recurrent,
      totalParams: d.paramCounts.total,
      testAccuracy: d.testAccuracy,
    };
  }
  return {
    steps,
    baseline: snap.baseline,
    msPerStep: snap.msPerStep,
    seconds: (performance.now() - t0) / 1000,
    models,
  };
}

export function measurePreset(
  p: Preset,
  opts: Parameters<typeof measureRun>[2] = {},
): Promise<PresetMeasure> {
  return measureRun(p.config, p.steps, opts);
}

/** Long enough for the longest preset run on a busy 2-core machine. */
export const LONG = 900_000;

export function presetNamed(name: string): Preset {
  const p = presetByName(name);
  if (!p) throw new Error(`no preset ${name}`);
  return p;
}

/** One readable block per run in the test log: what the claim was checked against. */
export function logMeasure(name: string, m: PresetMeasure): void {
  const rows = Object.entries(m.models).map(
    ([id, x]) =>
      `${id}: loss ${x.loss.toPrecision(3)} (${((100 * x.loss) / m.baseline).toFixed(1)}% of baseline), acc ${x.accuracy.toFixed(3)}, ` +
      `dev ${x.deviation.toExponential(2)}, g1/gT ${x.gradRatio.toExponential(2)} (step 1: ${x.firstGradRatio.toExponential(2)})`,
  );
  console.log(
    `${name}, ${m.steps} steps in ${m.seconds.toFixed(0)} s (${m.msPerStep.toFixed(0)} ms/step):\n  ${rows.join('\n  ')}`,
  );
}
