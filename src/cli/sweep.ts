// `kru sweep`: trains one KRU at every point of a grid — values of λ, or factorisations of its N — on the same
// batches (src/engine/sweep.ts) and prints one JSON line per model per logged step, then one summary line per
// grid point. Everything is checked before any training starts.
import { product } from '../core/factor-layout';
import {
  factorisationsOf,
  MAX_SWEEP_POINTS,
  planSweep,
  runSweep,
  type SweepGrid,
  type SweepPointResult,
  type SweepSpec,
} from '../engine/sweep';
import { PRESETS, presetByName } from '../presets';
import { MAX_MODELS, numberFromText, quoteText, settingsFromJson, type RunConfig } from '../settings';
import { CliError, FlagReader, parseFlags, type Flags } from './args';
import { BACKENDS, startBackend, type BackendFlag, type CliIO } from './common';
import { readText } from './files';
import { runConfigFromFlags, runFlagKinds, runFlagsHelp } from './run-flags';
import { loadDigitsIfNeeded, trainLine } from './train';

export const SWEEP_HELP = `kru sweep — train one KRU at every point of a grid, on the same batches.

  --lambda L1,L2,…                 sweep λ over these values (1 to ${MAX_SWEEP_POINTS}, each ≥ 0), e.g. 0,1e-3,1e-2,0.1,1,10
  --factors F1,F2,…                sweep the factor sizes of N: factorisations joined by x, e.g. 2x2x2x2x2x2,4x4x4,8x8,64,
                                   or "all" (p×…×p for every p with p^m = N); with --lambda, one factorisation is
                                   the KRU's own
  --config FILE | --preset NAME    take the run (task, batch, seed, …) and its first KRU from a settings file or a
                                   preset, or describe them with the flags below (--task required; --model is kru):
${runFlagsHelp()}

  --steps S                        training steps per grid point (default 100)
  --group-size G                   grid points trained together in one run, 1 to ${MAX_MODELS} (default ${MAX_MODELS} for λ, as one
                                   stacked model: the same numbers for less time; 1 for factors, so that each
                                   point's ms per step is its own)
  --backend ${BACKENDS.join('|')}      tfjs backend (default cpu)
  --log-every K                    print every K-th step, and the last (default 10)

Step lines: those of kru train (model, step, loss, …) with "point" (the grid index) and "label" ("λ=0.001",
"4×4×4") first. Then, once every point has finished, one line per point in grid order with "summary": true:
point, label, lambda, factors, steps, window (the final steps the means are over: a tenth of the steps, 1 to
50), finalLoss (mean task loss over that window), accuracy (mean, null without one), testAccuracy (digits),
fullDeviation (‖WᴴW − I‖_F²) and spectralNorm (‖W‖₂) at the last step, gradRatio (mean ‖∂L/∂h_1‖ over mean
‖∂L/∂h_T‖ over the window), paramsRecurrent, paramsTotal, msPerStep (the run's wall time per step, shared among
the points trained together), diverged (null, or the step and reason; a diverged point is a result: the others
train on). Ctrl-C stops between steps and prints the summaries of the points that finished (exit 130).`;

export interface SweepPlan {
  spec: SweepSpec;
  backend: BackendFlag;
  logEvery: number;
}

const SWEEP_FLAGS = {
  ...runFlagKinds(),
  config: 'value',
  preset: 'value',
  steps: 'value',
  'group-size': 'value',
  backend: 'value',
  'log-every': 'value',
  help: 'bool',
} as const;

/** "2x2x2,4x4x4,64" → [[2,2,2],[4,4,4],[64]] (× works too). */
function parseFactorisations(text: string): number[][] {
  return text.split(',').map((part) => {
    const sizes = part.trim().split(/[x×]/);
    if (!sizes.every((s) => /^\d+$/.test(s.trim()) && Number(s) >= 1))
      throw new CliError(
        `--factors takes factorisations joined by x and separated by commas (2x2x2,4x4x4,8x8), got ${quoteText(text)}`,
      );
    return sizes.map(Number);
  });
}

function parseLambdas(text: string): number[] {
  return text.split(',').map((part) => {
    try {
      return numberFromText(part);
    } catch {
      throw new CliError(`--lambda takes numbers separated by commas (0,1e-3,0.1), got ${quoteText(text)}`);
    }
  });
}

/** The run (and its first KRU) of --config / --preset. */
async function wholeRun(f: FlagReader): Promise<{ config: RunConfig; steps: number } | null> {
  const file = f.string('config');
  const name = f.string('preset');
  if (file === undefined && name === undefined) return null;
  if (file !== undefined && name !== undefined)
    throw new CliError('--config and --preset cannot be combined');
  const clash = Object.keys(runFlagKinds()).find((k) => k !== 'lambda' && k !== 'factors' && f.has(k));
  if (clash)
    throw new CliError(`--${clash} cannot be combined with ${file !== undefined ? '--config' : '--preset'}`);
  if (file !== undefined) {
    const parsed = settingsFromJson(await readText(file, '--config'));
    if (!parsed.ok) throw new CliError(`--config ${file}: ${parsed.error}`);
    return { config: parsed.value.config, steps: 100 };
  }
  const preset = presetByName(name!);
  if (!preset)
    throw new CliError(
      `--preset must be one of ${PRESETS.map((p) => p.name).join(', ')}, got ${quoteText(name!)}`,
    );
  return { config: preset.config, steps: preset.steps };
}

export async function planSweepCommand(argv: string[]): Promise<SweepPlan | 'help'> {
  const flags: Flags = parseFlags(argv, SWEEP_FLAGS, 'sweep');
  const f = new FlagReader(flags);
  if (f.bool('help')) return 'help';
  const lambdaText = f.string('lambda');
  const factorsText = f.string('factors');
  if (lambdaText === undefined && factorsText === undefined)
    throw new CliError('missing the grid: --lambda L1,L2,… or --factors F1,F2,… (see kru sweep --help)');
  const lambdas = lambdaText !== undefined ? parseLambdas(lambdaText) : null;
  const all = factorsText === 'all';
  const factorisations = factorsText !== undefined && !all ? parseFactorisations(factorsText) : null;
  if (lambdas && (all || (factorisations && factorisations.length > 1)))
    throw new CliError(
      'sweep λ or the factors, not both: with --lambda, --factors is one factorisation (4x4x4)',
    );

  const whole = await wholeRun(f);
  let config: RunConfig;
  if (whole) config = whole.config;
  else {
    // The one-model run flags of kru train, with --model kru implied and --factors given as one factorisation.
    const runFlags: Flags = new Map(flags);
    runFlags.delete('lambda');
    runFlags.delete('factors');
    const kind = f.string('model');
    if (kind !== undefined && kind !== 'kru')
      throw new CliError(`kru sweep trains a KRU: --model must be kru, got ${quoteText(kind)}`);
    runFlags.set('model', 'kru');
    if (factorisations && lambdas) runFlags.set('factors', factorisations[0].join(','));
    if (factorisations && !f.has('hidden')) runFlags.set('hidden', String(product(factorisations[0])));
    config = runConfigFromFlags(new FlagReader(runFlags));
  }
  const found = config.models.find((m) => m.kind === 'kru');
  if (!found) throw new CliError('kru sweep needs a KRU: the run has none');
  let model = found;
  if (whole && factorisations && lambdas) {
    const N = product(factorisations[0]);
    if (N !== model.hidden)
      throw new CliError(`--factors ${factorsText} multiply to ${N}, but N is ${model.hidden}`);
    model = { ...model, factors: factorisations[0] };
  }
  let grid: SweepGrid;
  if (lambdas) grid = { kind: 'lambda', values: lambdas };
  else {
    const values = all ? factorisationsOf(model.hidden) : factorisations!;
    const bad = values.find((v) => product(v) !== model.hidden);
    if (bad) {
      const hint = values.every((v) => v.length === 1)
        ? ' (sizes within one factorisation are joined by x)'
        : '';
      throw new CliError(
        `--factors ${bad.join('x')} multiply to ${product(bad)}, not N = ${model.hidden}${hint}`,
      );
    }
    grid = { kind: 'factors', values };
  }
  const { models: _models, ...run } = config;
  void _models;
  const spec: SweepSpec = {
    run,
    model: { ...model, id: 'kru', label: 'KRU' },
    grid,
    steps: f.positiveInt('steps', whole?.steps ?? 100),
  };
  if (f.has('group-size')) {
    const g = f.positiveInt('group-size', MAX_MODELS);
    if (g > MAX_MODELS) throw new CliError(`--group-size must be 1 to ${MAX_MODELS}, got ${g}`);
    spec.groupSize = g;
  }
  // The engine's own checks (grid size, λ range, …) before any training.
  try {
    planSweep(spec);
  } catch (e) {
    throw new CliError(`${lambdas ? '--lambda' : '--factors'}: ${(e as Error).message}`);
  }
  return { spec, backend: f.choice('backend', BACKENDS, 'cpu'), logEvery: f.positiveInt('log-every', 10) };
}

/** A grid point's summary line. */
export function summaryLine(r: SweepPointResult): Record<string, unknown> {
  return {
    summary: true,
    point: r.index,
    label: r.label,
    lambda: r.lambda,
    factors: r.factors,
    steps: r.steps,
    window: r.window,
    finalLoss: r.finalLoss,
    accuracy: r.accuracy,
    testAccuracy: r.testAccuracy,
    fullDeviation: r.fullDeviation,
    spectralNorm: r.spectralNorm,
    gradRatio: r.gradRatio,
    paramsRecurrent: r.params.recurrent,
    paramsTotal: r.params.total,
    msPerStep: r.msPerStep,
    diverged: r.diverged,
  };
}

export async function sweep(argv: string[], io: CliIO): Promise<number> {
  const plan = await planSweepCommand(argv);
  if (plan === 'help') {
    io.out(SWEEP_HELP);
    return 0;
  }
  const run = { ...plan.spec.run, models: [plan.spec.model] };
  const digits = await loadDigitsIfNeeded(run);
  await startBackend(plan.backend);
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  try {
    const out = await runSweep(plan.spec, {
      digits,
      signal: stop.signal,
      // The cpu backend's steps never wait on the event loop: give it a turn per step, or Ctrl-C's handler
      // (which sets the signal) would not run until the sweep ended.
      yieldToEvents: () => new Promise<void>((next) => setImmediate(next)),
      reportEvery: plan.logEvery,
      onSnapshot: (group, snap, e) => {
        const hasTest = !!e.task.testSet;
        const diverged = e.divergences();
        for (const p of group) {
          const line = trainLine(snap, p.id, p.factors.length, hasTest);
          const d = diverged[p.id];
          const extra = d ? { diverged: true, divergedAt: d.step, reason: d.reason } : {};
          io.out(JSON.stringify({ point: p.index, label: p.label, ...line, ...extra }));
        }
      },
    });
    const results = [...out.results].sort((a, b) => a.index - b.index);
    for (const r of results) io.out(JSON.stringify(summaryLine(r)));
    if (out.cancelled) {
      io.err(`interrupted: ${results.length} of ${out.points.length} grid points finished`);
      return 130;
    }
  } finally {
    process.off('SIGINT', interrupt);
  }
  return 0;
}
