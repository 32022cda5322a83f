// `kru inspect`: loss, every gradient, ‖∂L/∂h_t‖ and the spectra of a saved model on given data.
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { IMPLS, isFactored, type Impl } from '../core/vocabulary';
import { denseSpectrum, kruStepSummary } from '../engine/spectra';
import { Trainer, disposeDeviceBatch, disposeLossAndGrads, toDeviceBatch } from '../engine/trainer';
import { stepNorms } from '../kernels/ops';
import { factorDeviation } from '../linalg';
import type { NetSpec } from '../model/config';
import { formatZodIssue, fromModelFile, paramsToFile } from '../model/model-file';
import { orthogonalDeviation, type ParamArrays } from '../model/models';
import { shownDenseHost, shownFactorsHost } from '../model/recurrent-matrix';
import { CliError, FlagReader, parseFlags } from './args';
import { BACKENDS, startBackend, type BackendFlag, type CliIO } from './common';
import { readJson } from './files';

export const INSPECT_HELP = `kru inspect — loss, gradients and spectra of a saved model on given data, as one JSON object.

  --model FILE      model file (docs/model-format.md)
  --data FILE       {"inputs": B×T×D, "targets": B×T (class index, real value for mse, or null), "loss": "xent"|"mse"}
  --backend cpu|wasm|webgpu|auto   (default cpu)
  --impl fused|reference           (default fused)

Every kind (kru, rnn, lowrank, lstm, kru-lstm). Output: loss, reg (kru, kru-lstm: the penalty λ weighs),
total = loss + λ·reg, gradNormsOverTime (‖∂L/∂h_t‖ for t = 1…T), grads (∂total/∂θ in the file's parameter
layout), and the spectra of the recurrent matrix the views show: factorSingularValues, factorDeviation,
fullDeviation, spectralNorm of W = ⊗ W_f (kru; kru-lstm: the forget gate's W_f = ⊗ R_{f,·}), or singularValues,
deviation, spectralNorm of the dense W (rnn; lowrank: W = A·B; lstm: the forget-gate block W_f).`;

const INSPECT_FLAGS = {
  model: 'value',
  data: 'value',
  backend: 'value',
  impl: 'value',
  help: 'bool',
} as const;

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

/** Validates a data file against a model spec; the message names the path of the first problem. */
export function parseInspectData(json: unknown, spec: NetSpec): InspectData {
  const r = DataSchema.safeParse(json);
  if (!r.success) throw new Error(formatZodIssue(r.error, json));
  const { inputs, targets, loss } = r.data;
  const B = inputs.length;
  if (B === 0) throw new Error('inputs: expected at least one sequence');
  const T = inputs[0].length;
  if (T === 0) throw new Error('inputs[0]: expected at least one time step');
  const D = spec.inputSize;
  const K = spec.outputSize;
  if (loss === 'mse' && K !== 1)
    throw new Error(`loss "mse" needs a model with outputSize 1, the model has ${K}`);
  const x = new Float32Array(B * T * D);
  inputs.forEach((seq, b) => {
    if (seq.length !== T)
      throw new Error(`inputs[${b}]: expected ${T} time steps (like inputs[0]), got ${seq.length}`);
    seq.forEach((v, t) => {
      if (v.length !== D)
        throw new Error(`inputs[${b}][${t}]: expected ${D} values (the model's inputSize), got ${v.length}`);
      x.set(v, (b * T + t) * D);
    });
  });
  if (targets.length !== B)
    throw new Error(`targets: expected ${B} sequences (like inputs), got ${targets.length}`);
  const tg = new Float32Array(B * T);
  targets.forEach((seq, b) => {
    if (seq.length !== T)
      throw new Error(`targets[${b}]: expected ${T} time steps (like inputs), got ${seq.length}`);
    seq.forEach((v, t) => {
      if (v !== null && loss === 'xent' && !(Number.isInteger(v) && v >= 0 && v < K)) {
        throw new Error(`targets[${b}][${t}]: expected a class index 0…${K - 1} or null, got ${v}`);
      }
      tg[b * T + t] = v === null ? NaN : v;
    });
  });
  return { B, T, D, x, targets: tg, loss };
}

export function planInspect(
  argv: string[],
): { model: string; data: string; backend: BackendFlag; impl: Impl } | 'help' {
  const f = new FlagReader(parseFlags(argv, INSPECT_FLAGS, 'inspect'));
  if (f.bool('help')) return 'help';
  return {
    model: f.required('model', 'the model file to inspect'),
    data: f.required('data', 'a JSON file with inputs, targets and loss'),
    backend: f.choice('backend', BACKENDS, 'cpu'),
    impl: f.choice('impl', IMPLS, 'fused'),
  };
}

export async function inspect(argv: string[], io: CliIO): Promise<number> {
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
export async function inspectModel(
  spec: NetSpec,
  arrays: ParamArrays,
  lambda: number,
  data: InspectData,
  impl: Impl,
): Promise<Record<string, unknown>> {
  const trainer = new Trainer(spec, arrays, { optimizer: 'sgd', lr: 1, clip: null, impl, strict: false });
  const batch = toDeviceBatch(data, data.loss, data.loss === 'xent');
  const factored = isFactored(spec.kind);
  try {
    // λ weighs the factored kinds' penalty; the others have none (their regulariser is 0 whatever λ).
    const r = trainer.lossAndGrads(batch, factored ? lambda : 0);
    const [loss] = await r.loss.data();
    const [reg] = await r.reg.data();
    const [total] = await r.total.data();
    const grads: ParamArrays = {};
    for (const n of trainer.names) grads[n] = (await r.grads[n].data()) as Float32Array;
    const norms = stepNorms(r.probeGrad);
    const gt = Array.from(await norms.data());
    norms.dispose();
    disposeLossAndGrads(r);
    const head = {
      kind: spec.kind,
      backend: tf.getBackend(),
      loss,
      ...(factored ? { reg } : {}),
      total,
    };
    const common = { ...head, gradNormsOverTime: gt, grads: paramsToFile(spec, grads) };
    const shown = shownFactorsHost(spec, arrays);
    if (shown && 'factors' in spec) return { ...common, ...kruSpectra(spec.factors, shown) };
    return { ...common, ...(await denseSpectra(spec.hidden, shownDenseHost(spec, arrays)!)) };
  } finally {
    disposeDeviceBatch(batch);
    trainer.dispose();
  }
}

/** The spectra of W = ⊗ W_f from its factors (the KRU's complex packed layout). */
function kruSpectra(sizes: number[], factors: Float32Array) {
  const s = kruStepSummary(sizes, factors);
  return {
    factorSingularValues: s.spectra.map((x) => Array.from(x)),
    factorDeviation: s.factorDeviation,
    fullDeviation: s.fullDeviation,
    spectralNorm: s.spectralNorm,
  };
}

/** The spectra of a dense N×N recurrent matrix (row-major). */
async function denseSpectra(N: number, W: Float32Array) {
  const dense = denseSpectrum(W, N);
  if (dense) {
    const sv = dense.singularValues;
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
