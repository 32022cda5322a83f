// The command-line interface: `train` and `inspect`. Everything is validated before any work starts, so a
// bad flag or file produces one line on stderr, a non-zero exit code and no output at all. stdout carries only
// JSON (one line per logged step for train, one object for inspect) so it can be piped into other tools.
import { accessSync, constants, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  IMPLS,
  KRU_ACTIVATIONS,
  KRU_INITS,
  OPTIMIZERS,
  RNN_ACTIVATIONS,
  RNN_INITS,
  TASK_NAMES,
  defaultFactors,
  parseFactors,
  type Impl,
  type KruSpec,
  type ModelSpec,
} from '../model/config';
import { formatZodIssue, fromModelFile, paramsToFile } from '../model/model-file';
import { orthogonalDeviation, type ParamArrays } from '../model/models';
import { defaultExperimentConfig, parseExperimentConfig } from '../engine/config';
import { Experiment, factorSpectra, kronDeviation } from '../engine/experiment';
import { Trainer, disposeDeviceBatch, disposeLossAndGrads, toDeviceBatch } from '../engine/trainer';
import { stepNorms } from '../kernels/ops';
import type { ExperimentConfig } from '../engine/types';
import { initNodeBackend, type NodeBackendName } from '../engine/backend-node';
import { factorDeviation, realSingularValues } from '../linalg';
import type { DigitsData } from '../tasks/digits';
import { CliError, FlagReader, parseFlags, type FlagKind } from './args';

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

const BACKENDS = ['cpu', 'wasm', 'webgpu', 'auto'] as const;
type BackendFlag = (typeof BACKENDS)[number];
const MODELS = ['kru', 'rnn'] as const;
/** Above this size the RNN's dense SVD (O(N³) in plain JS) is skipped by inspect. */
const MAX_DENSE_SVD = 256;

export const USAGE = `kru — train and inspect Kronecker Recurrent Units (Jose, Cissé, Fleuret, ICML 2018) and RNN baselines.

Usage:
  npm run -s kru -- train --task copy|adding|digits --model kru|rnn [options]
  npm run -s kru -- inspect --model model.json --data data.json [--backend …] [--impl …]
  npm run -s kru -- --help | train --help | inspect --help

stdout is JSON only (train: one line per logged step; inspect: one object); -s keeps npm's own banner off it.
Errors: one line on stderr and exit code 2 (bad flags or files, nothing done) or 1 (failure while running).`;

export const TRAIN_HELP = `kru train — train one model on a task, one JSON line per logged step on stdout.

  --task copy|adding|digits    task (required)
  --model kru|rnn              model (required)
  --hidden N                   hidden size (default 64)
  --factors 2,2,4              KRU factor sizes, product = hidden (default 2,2,…,2 or hidden)
  --activation NAME            kru: crelu (default), modrelu, tanh, linear; rnn: tanh (default), relu, linear
  --init NAME                  kru: unitary (default), gaussian; rnn: gaussian (default), orthogonal, identity
  --init-scale X               kru gaussian entry std (default 0.5); rnn gaussian gain g, W ~ N(0, g²/N) (default 1)
  --lambda X                   KRU soft-unitary penalty λ (default 0.01)
  --lr X                       learning rate (default 0.001)
  --optimizer rmsprop|adam|sgd (default rmsprop)
  --clip X                     clip the global gradient norm at X (default: off)
  --batch B                    batch size (default 32)
  --T T                        copy: delay (sequence T+20); adding: length (default 50); not for digits
  --permuted                   digits: pixels in a fixed random order
  --steps S                    training steps (default 100)
  --seed S                     seed of the init and the data stream (default 1)
  --impl fused|reference       fused kernels (default) or the op-by-op reference
  --backend cpu|wasm|webgpu|auto   tfjs backend (default cpu)
  --log-every K                print every K-th step, and the last (default 1)
  --save FILE                  write the trained model (docs/model-format.md) at the end

Each line: step, loss, accuracy (null without one), reg, lambdaReg, baseline, gradNorm, factorDeviation,
fullDeviation, spectralNorm, gradNormsOverTime, msPerStep, backend, and testAccuracy for digits.`;

export const INSPECT_HELP = `kru inspect — loss, gradients and spectra of a saved model on given data, as one JSON object.

  --model FILE      model file (docs/model-format.md)
  --data FILE       {"inputs": B×T×D, "targets": B×T (class index, real value for mse, or null), "loss": "xent"|"mse"}
  --backend cpu|wasm|webgpu|auto   (default cpu)
  --impl fused|reference           (default fused)

Output: loss, reg (kru), total = loss + λ·reg, gradNormsOverTime (‖∂L/∂h_t‖ for t = 1…T), grads (∂total/∂θ in
the file's parameter layout), and factorSingularValues, factorDeviation, fullDeviation, spectralNorm (kru) or
singularValues, deviation, spectralNorm (rnn).`;

const TRAIN_FLAGS: Record<string, FlagKind> = {
  task: 'value',
  model: 'value',
  hidden: 'value',
  factors: 'value',
  activation: 'value',
  init: 'value',
  'init-scale': 'value',
  lambda: 'value',
  lr: 'value',
  optimizer: 'value',
  clip: 'value',
  batch: 'value',
  T: 'value',
  permuted: 'bool',
  steps: 'value',
  seed: 'value',
  impl: 'value',
  backend: 'value',
  'log-every': 'value',
  save: 'value',
  help: 'bool',
};

const INSPECT_FLAGS: Record<string, FlagKind> = { model: 'value', data: 'value', backend: 'value', impl: 'value', help: 'bool' };

/** Runs the CLI on argv (without "node script"); returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) throw new CliError('missing command: train or inspect (see --help)');
    if (command === '--help' || command === '-h' || command === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (command === 'train') return await train(rest, io);
    if (command === 'inspect') return await inspect(rest, io);
    throw new CliError(`unknown command "${command}" (expected train or inspect; see --help)`);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    io.err(`error: ${message.replace(/\s*\n\s*/g, ' ')}`);
    return e instanceof CliError ? e.code : 1;
  }
}

// ---------- train ----------

interface TrainPlan {
  config: ExperimentConfig;
  model: 'kru' | 'rnn';
  steps: number;
  logEvery: number;
  backend: BackendFlag;
  save: string | null;
}

/** Config paths (zod) → the flag that sets them, for range errors found by the shared config schema. */
const CONFIG_FLAGS: Record<string, string> = {
  'task.T': '--T',
  hidden: '--hidden',
  'kru.factors': '--factors',
  'kru.init.scale': '--init-scale',
  'rnn.init.gain': '--init-scale',
  batch: '--batch',
  seed: '--seed',
  lr: '--lr',
  lambda: '--lambda',
  clip: '--clip',
};

export function planTrain(argv: string[]): TrainPlan | 'help' {
  const f = new FlagReader(parseFlags(argv, TRAIN_FLAGS, 'train'));
  if (f.bool('help')) return 'help';
  const defaults = defaultExperimentConfig();
  const taskName = f.choice('task', TASK_NAMES);
  if (!taskName) throw new CliError(`missing --task (one of ${TASK_NAMES.join(', ')})`);
  const model = f.choice('model', MODELS);
  if (!model) throw new CliError(`missing --model (one of ${MODELS.join(', ')})`);
  const onlyFor = (flag: string, ok: boolean, who: string) => {
    if (f.has(flag) && !ok) throw new CliError(`--${flag} applies only to ${who}`);
  };
  onlyFor('factors', model === 'kru', '--model kru');
  onlyFor('lambda', model === 'kru', '--model kru (the RNN has no unitary penalty)');
  onlyFor('permuted', taskName === 'digits', '--task digits');
  onlyFor('T', taskName !== 'digits', '--task copy and adding (digits sequences are 64 steps)');

  const hidden = f.positiveInt('hidden', defaults.hidden);
  let factors = defaultFactors(hidden);
  const factorText = f.string('factors');
  if (factorText !== undefined) {
    try {
      factors = parseFactors(factorText);
    } catch {
      throw new CliError(`--factors must be positive integers separated by commas, got "${factorText}"`);
    }
    const product = factors.reduce((a, b) => a * b, 1);
    if (product !== hidden) throw new CliError(`--factors ${factorText} multiply to ${product}, but --hidden is ${hidden}`);
  }
  const initScale = f.has('init-scale') ? f.positiveNumber('init-scale', 1) : undefined;
  const clip = f.has('clip') ? f.positiveNumber('clip', 1) : null;
  const config: ExperimentConfig = {
    task: { name: taskName, T: f.positiveInt('T', defaults.task.T), permuted: f.bool('permuted') },
    hidden,
    kru: {
      factors,
      activation: model === 'kru' ? f.choice('activation', KRU_ACTIVATIONS, defaults.kru.activation) : defaults.kru.activation,
      init: {
        kind: model === 'kru' ? f.choice('init', KRU_INITS, defaults.kru.init.kind) : defaults.kru.init.kind,
        scale: model === 'kru' ? (initScale ?? defaults.kru.init.scale) : defaults.kru.init.scale,
      },
    },
    rnn: {
      activation: model === 'rnn' ? f.choice('activation', RNN_ACTIVATIONS, defaults.rnn.activation) : defaults.rnn.activation,
      init: {
        kind: model === 'rnn' ? f.choice('init', RNN_INITS, defaults.rnn.init.kind) : defaults.rnn.init.kind,
        gain: model === 'rnn' ? (initScale ?? defaults.rnn.init.gain) : defaults.rnn.init.gain,
      },
    },
    batch: f.positiveInt('batch', defaults.batch),
    seed: f.nonNegativeInt('seed', defaults.seed),
    optimizer: f.choice('optimizer', OPTIMIZERS, defaults.optimizer),
    lr: f.positiveNumber('lr', defaults.lr),
    lambda: model === 'kru' ? f.nonNegativeNumber('lambda', defaults.lambda) : 0,
    clip,
    impl: f.choice('impl', IMPLS, defaults.impl),
    models: [model],
  };
  // Ranges (T ≥ 2, hidden ≤ 4096, lr ≤ 10, …) come from the one config schema the engine uses.
  const parsed = parseExperimentConfig(config);
  if (!parsed.ok) {
    const first = parsed.error.split('; ')[0];
    const colon = first.indexOf(': ');
    const path = first.slice(0, colon);
    const flag = CONFIG_FLAGS[path] ?? path;
    throw new CliError(`${flag}: ${first.slice(colon + 2).replace(/^Too (big|small)/, (m) => m.toLowerCase())}`);
  }
  const save = f.string('save') ?? null;
  if (save !== null) checkWritable(save, '--save');
  return {
    config: parsed.value,
    model,
    steps: f.positiveInt('steps', 100),
    logEvery: f.positiveInt('log-every', 1),
    backend: f.choice('backend', BACKENDS, 'cpu'),
    save,
  };
}

/** Fails now, before any training, if `path` could not be written at the end. */
function checkWritable(path: string, flag: string): void {
  const full = resolve(path);
  const dir = dirname(full);
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch {
    throw new CliError(`${flag} ${path}: directory ${dir} does not exist`);
  }
  if (!dirStat.isDirectory()) throw new CliError(`${flag} ${path}: ${dir} is not a directory`);
  let existing;
  try {
    existing = statSync(full);
  } catch {
    existing = null;
  }
  if (existing?.isDirectory()) throw new CliError(`${flag} ${path}: is a directory`);
  try {
    accessSync(existing ? full : dir, constants.W_OK);
  } catch {
    throw new CliError(`${flag} ${path}: not writable`);
  }
}

async function startBackend(flag: BackendFlag): Promise<string> {
  try {
    const choice = await initNodeBackend(flag === 'auto' ? undefined : (flag as NodeBackendName));
    return choice.name;
  } catch (e) {
    throw new CliError((e as Error).message, 1);
  }
}

const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? v : null);

async function train(argv: string[], io: CliIO): Promise<number> {
  const plan = planTrain(argv);
  if (plan === 'help') {
    io.out(TRAIN_HELP);
    return 0;
  }
  const { config, model, steps, logEvery } = plan;
  let digits: DigitsData | undefined;
  if (config.task.name === 'digits') {
    // Imported lazily: only the digits task needs node:fs access to public/data.
    const { loadDigitsNode } = await import('../tasks/digits-node');
    try {
      digits = await loadDigitsNode();
    } catch (e) {
      throw new CliError((e as Error).message, 1);
    }
  }
  await startBackend(plan.backend);
  const e = await Experiment.create(config, { digits });
  try {
    const spec = e.spec(model);
    const F = spec.kind === 'kru' ? spec.factors.length : 1;
    const T = e.task.seqLength;
    let done = 0;
    while (done < steps) {
      const next = Math.min(steps, (Math.floor(done / logEvery) + 1) * logEvery);
      await e.step(next - done);
      done = next;
      const snap = await e.snapshot({ forceDetail: !!e.task.testSet });
      const s = snap.series[model]!;
      const i = s.loss.length - 1;
      const row: Record<string, unknown> = {
        step: snap.steps[i],
        loss: nullIfNaN(s.loss[i]),
        accuracy: nullIfNaN(s.accuracy[i]),
        reg: nullIfNaN(s.reg[i]),
        lambdaReg: nullIfNaN(s.lambdaReg[i]),
        baseline: nullIfNaN(snap.baseline),
        gradNorm: nullIfNaN(s.gradNorm[i]),
        factorDeviation: Array.from(s.factorDeviation.subarray(i * F, (i + 1) * F), nullIfNaN),
        fullDeviation: nullIfNaN(s.fullDeviation[i]),
        spectralNorm: nullIfNaN(s.spectralNorm[i]),
        gradNormsOverTime: Array.from(s.gradNormsOverTime.subarray(i * T, (i + 1) * T), nullIfNaN),
        msPerStep: nullIfNaN(snap.msPerStep),
        backend: snap.backend,
      };
      if (e.task.testSet) row.testAccuracy = nullIfNaN(snap.detail[model]?.testAccuracy ?? NaN);
      io.out(JSON.stringify(row));
    }
    if (plan.save) {
      const file = await e.exportModel(model);
      try {
        await writeFile(plan.save, JSON.stringify(file) + '\n');
      } catch (err) {
        throw new CliError(`--save ${plan.save}: ${(err as Error).message}`, 1);
      }
    }
  } finally {
    e.dispose();
  }
  return 0;
}

// ---------- inspect ----------

const DataSchema = z.strictObject({
  inputs: z.array(z.array(z.array(z.number()))),
  targets: z.array(z.array(z.number().nullable())),
  loss: z.enum(['xent', 'mse']),
});

export interface InspectData {
  B: number;
  T: number;
  D: number;
  x: Float32Array;
  /** [B·T], NaN where there is no target. */
  targets: Float32Array;
  loss: 'xent' | 'mse';
}

async function readJson(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new CliError(`${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CliError(`${flag} ${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Validates a data file against a model spec; the message names the path of the first problem. */
export function parseInspectData(json: unknown, spec: ModelSpec): InspectData {
  const r = DataSchema.safeParse(json);
  if (!r.success) throw new Error(formatZodIssue(r.error, json));
  const { inputs, targets, loss } = r.data;
  const B = inputs.length;
  if (B === 0) throw new Error('inputs: expected at least one sequence');
  const T = inputs[0].length;
  if (T === 0) throw new Error('inputs[0]: expected at least one time step');
  const D = spec.inputSize;
  const K = spec.outputSize;
  if (loss === 'mse' && K !== 1) throw new Error(`loss "mse" needs a model with outputSize 1, the model has ${K}`);
  const x = new Float32Array(B * T * D);
  inputs.forEach((seq, b) => {
    if (seq.length !== T) throw new Error(`inputs[${b}]: expected ${T} time steps (like inputs[0]), got ${seq.length}`);
    seq.forEach((v, t) => {
      if (v.length !== D) throw new Error(`inputs[${b}][${t}]: expected ${D} values (the model's inputSize), got ${v.length}`);
      x.set(v, (b * T + t) * D);
    });
  });
  if (targets.length !== B) throw new Error(`targets: expected ${B} sequences (like inputs), got ${targets.length}`);
  const tg = new Float32Array(B * T);
  targets.forEach((seq, b) => {
    if (seq.length !== T) throw new Error(`targets[${b}]: expected ${T} time steps (like inputs), got ${seq.length}`);
    seq.forEach((v, t) => {
      if (v !== null && loss === 'xent' && !(Number.isInteger(v) && v >= 0 && v < K)) {
        throw new Error(`targets[${b}][${t}]: expected a class index 0…${K - 1} or null, got ${v}`);
      }
      tg[b * T + t] = v === null ? NaN : v;
    });
  });
  return { B, T, D, x, targets: tg, loss };
}

export function planInspect(argv: string[]): { model: string; data: string; backend: BackendFlag; impl: Impl } | 'help' {
  const f = new FlagReader(parseFlags(argv, INSPECT_FLAGS, 'inspect'));
  if (f.bool('help')) return 'help';
  return {
    model: f.required('model', 'the model file to inspect'),
    data: f.required('data', 'a JSON file with inputs, targets and loss'),
    backend: f.choice('backend', BACKENDS, 'cpu'),
    impl: f.choice('impl', IMPLS, 'fused'),
  };
}

async function inspect(argv: string[], io: CliIO): Promise<number> {
  const plan = planInspect(argv);
  if (plan === 'help') {
    io.out(INSPECT_HELP);
    return 0;
  }
  const modelJson = await readJson(plan.model, '--model');
  let model: ReturnType<typeof fromModelFile>;
  try {
    model = fromModelFile(modelJson);
  } catch (e) {
    throw new CliError(`--model ${plan.model}: ${(e as Error).message}`);
  }
  const dataJson = await readJson(plan.data, '--data');
  let data: InspectData;
  try {
    data = parseInspectData(dataJson, model.spec);
  } catch (e) {
    throw new CliError(`--data ${plan.data}: ${(e as Error).message}`);
  }
  await startBackend(plan.backend);
  await tf.ready();
  io.out(JSON.stringify(await inspectModel(model.spec, model.arrays, model.lambda, data, plan.impl)));
  return 0;
}

/** Loss, gradients (file layout), g_t and spectra of one model on one batch. */
export async function inspectModel(spec: ModelSpec, arrays: ParamArrays, lambda: number, data: InspectData, impl: Impl): Promise<Record<string, unknown>> {
  const trainer = new Trainer(spec, arrays, { optimizer: 'sgd', lr: 1, clip: null, impl });
  const batch = toDeviceBatch(data, data.loss, data.loss === 'xent');
  try {
    const r = trainer.lossAndGrads(batch, spec.kind === 'kru' ? lambda : 0);
    const [loss] = await r.loss.data();
    const [reg] = await r.reg.data();
    const [total] = await r.total.data();
    const grads: ParamArrays = {};
    for (const n of trainer.names) grads[n] = (await r.grads[n].data()) as Float32Array;
    const norms = stepNorms(r.probeGrad);
    const gt = Array.from(await norms.data());
    norms.dispose();
    disposeLossAndGrads(r);
    const head = { kind: spec.kind, backend: tf.getBackend(), loss, ...(spec.kind === 'kru' ? { reg } : {}), total };
    const common = { ...head, gradNormsOverTime: gt, grads: paramsToFile(spec, grads) };
    if (spec.kind === 'kru') return { ...common, ...kruSpectra(spec, arrays.factors) };
    return { ...common, ...(await rnnSpectra(spec.hidden, arrays.W)) };
  } finally {
    disposeDeviceBatch(batch);
    trainer.dispose();
  }
}

function kruSpectra(spec: KruSpec, factors: Float32Array) {
  const spectra = factorSpectra(spec.factors, factors);
  return {
    factorSingularValues: spectra.map((s) => Array.from(s)),
    factorDeviation: spectra.map((s) => factorDeviation(s)),
    fullDeviation: kronDeviation(spectra),
    spectralNorm: spectra.reduce((a, s) => a * s[0], 1),
  };
}

async function rnnSpectra(N: number, W: Float32Array) {
  if (N <= MAX_DENSE_SVD) {
    const sv = realSingularValues(W, N);
    return { singularValues: Array.from(sv), deviation: factorDeviation(sv), spectralNorm: sv[0] };
  }
  // Large N: no dense SVD in plain JS; ‖WᵀW − I‖_F² and ‖W‖₂ (power iteration on WᵀW) on the backend.
  const stats = tf.tidy(() => {
    const Wt = tf.tensor2d(W, [N, N]);
    let v = tf.div(tf.ones([N, 1]), Math.sqrt(N)) as tf.Tensor2D;
    for (let i = 0; i < 200; i++) {
      const w = tf.matMul(Wt, tf.matMul(Wt, v), true, false);
      v = tf.div(w, tf.add(tf.norm(w), 1e-30));
    }
    return tf.stack([orthogonalDeviation(Wt), tf.norm(tf.matMul(Wt, v))]);
  });
  const [deviation, spectralNorm] = await stats.data();
  stats.dispose();
  return { singularValues: null, deviation, spectralNorm };
}
