// `kru train`: trains a run (a settings file, or one model from flags) and prints one JSON line per model per
// logged step. Everything is checked before any training starts.
import { writeFile } from 'node:fs/promises';
import { divergenceHint } from '../engine/divergence';
import { Experiment } from '../engine/experiment';
import type { Snapshot } from '../engine/types';
import { PRESETS, presetByName } from '../presets';
import { settingsFromJson, type RunConfig } from '../settings';
import type { DigitsData } from '../tasks/digits';
import { CliError, FlagReader, parseFlags } from './args';
import { BACKENDS, startBackend, type BackendFlag, type CliIO } from './common';
import { checkWritable, readText } from './files';
import { hasRunFlags, runConfigFromFlags, runFlagKinds, runFlagsHelp } from './run-flags';

export const TRAIN_HELP = `kru train — train a run, one JSON line per model per logged step on stdout.

  --config FILE                    a settings file (the app's "Export settings"): the task and every model
  --preset NAME                    a preset run (kru presets lists them); --steps defaults to the preset's
  or, for a run of one model, the flags below (--task and --model required):
${runFlagsHelp()}

  --steps S                        training steps (default 100, or the preset's)
  --backend ${BACKENDS.join('|')}      tfjs backend (default cpu)
  --log-every K                    print every K-th step, and the last (default 1)
  --save FILE                      write the trained model (docs/model-format.md) at the end; with several
                                   models, one file per model: FILE with "-<id>" before its extension
  --keep-going                     when a model diverges, train the others on (default: stop, exit 1)

A model diverges when its loss or gradient norm is NaN or infinite (a huge finite loss is reported as it is).
It then stops training, its lines carry "diverged": true, "divergedAt" (the step) and
"reason", and unless --keep-going the run stops there with a one-line message and exit status 1.

Each line: model (the model's id), step, loss, accuracy (null without one), reg, lambdaReg, lambda, lr, baseline,
gradNorm, factorDeviation, fullDeviation, spectralNorm, gradNormsOverTime, msPerStep, backend, and testAccuracy
for digits.`;

export interface TrainPlan {
  config: RunConfig;
  steps: number;
  logEvery: number;
  backend: BackendFlag;
  save: string | null;
  keepGoing: boolean;
}

const TRAIN_FLAGS = {
  ...runFlagKinds(),
  config: 'value',
  preset: 'value',
  steps: 'value',
  backend: 'value',
  'log-every': 'value',
  save: 'value',
  'keep-going': 'bool',
  help: 'bool',
} as const;

/** The file a model is saved to: FILE itself for a one-model run, else FILE with -<id> before the extension. */
export function saveTarget(file: string, id: string, models: number): string {
  if (models === 1) return file;
  const dot = file.lastIndexOf('.');
  return dot > file.lastIndexOf('/') ? `${file.slice(0, dot)}-${id}${file.slice(dot)}` : `${file}-${id}`;
}

export async function planTrain(argv: string[]): Promise<TrainPlan | 'help'> {
  const f = new FlagReader(parseFlags(argv, TRAIN_FLAGS, 'train'));
  if (f.bool('help')) return 'help';
  let config: RunConfig;
  let steps = 100;
  const file = f.string('config');
  const presetName = f.string('preset');
  if (file !== undefined || presetName !== undefined) {
    if (file !== undefined && presetName !== undefined)
      throw new CliError('--config and --preset cannot be combined');
    const whole = file !== undefined ? '--config' : '--preset';
    const clash = hasRunFlags(f);
    if (clash) throw new CliError(`--${clash} cannot be combined with ${whole} (it describes the whole run)`);
    if (file !== undefined) {
      const parsed = settingsFromJson(await readText(file, '--config'));
      if (!parsed.ok) throw new CliError(`--config ${file}: ${parsed.error}`);
      config = parsed.value.config;
    } else {
      const preset = presetByName(presetName!);
      if (!preset) {
        throw new CliError(
          `--preset must be one of ${PRESETS.map((p) => p.name).join(', ')}, got "${presetName}"`,
        );
      }
      config = preset.config;
      steps = preset.steps;
    }
  } else config = runConfigFromFlags(f);
  const save = f.string('save') ?? null;
  if (save !== null)
    for (const m of config.models) checkWritable(saveTarget(save, m.id, config.models.length), '--save');
  return {
    config,
    steps: f.positiveInt('steps', steps),
    logEvery: f.positiveInt('log-every', 1),
    backend: f.choice('backend', BACKENDS, 'cpu'),
    save,
    keepGoing: f.bool('keep-going'),
  };
}

const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The JSON line of one model at the last row of a snapshot. */
export function trainLine(
  snap: Snapshot,
  id: string,
  factorCount: number,
  hasTest: boolean,
): Record<string, unknown> {
  const s = snap.series[id];
  const i = s.loss.length - 1;
  const T = snap.seqLength;
  const F = factorCount;
  const line: Record<string, unknown> = {
    model: id,
    step: snap.steps[i],
    loss: nullIfNaN(s.loss[i]),
    accuracy: nullIfNaN(s.accuracy[i]),
    reg: nullIfNaN(s.reg[i]),
    lambdaReg: nullIfNaN(s.lambdaReg[i]),
    lambda: s.lambda[i],
    lr: s.lr[i],
    baseline: nullIfNaN(snap.baseline),
    gradNorm: nullIfNaN(s.gradNorm[i]),
    factorDeviation: Array.from(s.factorDeviation.subarray(i * F, (i + 1) * F), nullIfNaN),
    fullDeviation: nullIfNaN(s.fullDeviation[i]),
    spectralNorm: nullIfNaN(s.spectralNorm[i]),
    gradNormsOverTime: Array.from(s.gradNormsOverTime.subarray(i * T, (i + 1) * T), nullIfNaN),
    msPerStep: nullIfNaN(snap.msPerStep),
    backend: snap.backend,
  };
  if (hasTest) line.testAccuracy = nullIfNaN(snap.detail[id]?.testAccuracy ?? NaN);
  return line;
}

export async function loadDigitsIfNeeded(config: RunConfig): Promise<DigitsData | undefined> {
  if (config.task.name !== 'digits') return undefined;
  // Imported lazily: only the digits task needs node:fs access to public/data.
  const { loadDigitsNode } = await import('../tasks/digits-node');
  try {
    return await loadDigitsNode();
  } catch (e) {
    throw new CliError((e as Error).message, 1);
  }
}

export async function train(argv: string[], io: CliIO): Promise<number> {
  const plan = await planTrain(argv);
  if (plan === 'help') {
    io.out(TRAIN_HELP);
    return 0;
  }
  const { config, steps, logEvery } = plan;
  const digits = await loadDigitsIfNeeded(config);
  await startBackend(plan.backend);
  const e = await Experiment.create(config, { digits });
  try {
    const hasTest = !!e.task.testSet;
    const reported = new Set<string>();
    let done = 0;
    while (done < steps) {
      const next = Math.min(steps, (Math.floor(done / logEvery) + 1) * logEvery);
      await e.step(next - done);
      done = next;
      const snap = await e.snapshot({ forceDetail: hasTest });
      const diverged = e.divergences();
      for (const m of config.models) {
        const net = e.netSpec(m.id);
        const line = trainLine(snap, m.id, 'factors' in net ? net.factors.length : 1, hasTest);
        const d = diverged[m.id];
        io.out(JSON.stringify(d ? { ...line, diverged: true, divergedAt: d.step, reason: d.reason } : line));
      }
      const fresh = config.models.filter((m) => diverged[m.id] && !reported.has(m.id));
      for (const m of fresh) reported.add(m.id);
      if (fresh.length && (!plan.keepGoing || reported.size === config.models.length)) {
        const live = e.live();
        const what = fresh.map((m) => {
          const d = diverged[m.id];
          const hint = divergenceHint(m, live[m.id].lr, live[m.id].lambda);
          return `model "${m.id}" diverged at step ${d.step}: ${d.reason}; likely cause: ${hint}`;
        });
        const more = plan.keepGoing ? ' (no model is left training)' : ' (--keep-going trains the others on)';
        throw new CliError(`${what.join('. ')}${more}`, 1);
      }
    }
    if (plan.save) {
      for (const m of config.models) {
        const target = saveTarget(plan.save, m.id, config.models.length);
        try {
          await writeFile(target, JSON.stringify(await e.exportModel(m.id)) + '\n');
        } catch (err) {
          throw new CliError(`--save ${target}: ${(err as Error).message}`, 1);
        }
      }
    }
  } finally {
    e.dispose();
  }
  return 0;
}
