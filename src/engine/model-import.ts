// A model file opened in the app: a run of that one model, on a task whose inputs and outputs it fits, starting
// from the file's weights (a checkpoint at step 0 with a fresh optimiser), so that its spectrum and factors can
// be inspected and its training continued. Pure TypeScript (the worker calls it: model-file.ts needs tfjs).
import { fromModelFile } from '../model/model-file';
import { defaultModel, parseRunConfig } from '../settings/run-config';
import { COPY_CLASSES, COPY_INPUT_SIZE } from '../tasks/copy';
import { DIGITS_CLASSES } from '../tasks/digits';
import type { TaskName } from '../core/vocabulary';
import { CHECKPOINT_FORMAT, type RunCheckpoint } from './checkpoint';
import { dataRng } from './experiment';
import type { SavedTensor } from './trainer';
import type { ModelSpec, RunConfig } from './types';
import type { KruLstmModelSpec, LowRankModelSpec } from '../settings/table';
import type { NetSpec } from '../model/config';

/** Each task's input and output sizes (what a model file's inputSize/outputSize must match). */
const TASK_SIZES: Array<{ name: TaskName; inputSize: number; outputSize: number }> = [
  { name: 'adding', inputSize: 2, outputSize: 1 },
  { name: 'copy', inputSize: COPY_INPUT_SIZE, outputSize: COPY_CLASSES },
  { name: 'digits', inputSize: 1, outputSize: DIGITS_CLASSES },
];

/** A fresh optimiser's state in the checkpoint layout (iteration count 0; Adam's β powers at their start). */
function freshOptimizer(optimizer: RunConfig['optimizer']): SavedTensor[] {
  const count: SavedTensor = { shape: [], dtype: 'int32', values: Int32Array.of(0) };
  if (optimizer !== 'adam') return [count];
  const scalar = (v: number): SavedTensor => ({ shape: [], dtype: 'float32', values: Float32Array.of(v) });
  return [count, scalar(0.9), scalar(0.999)]; // tf.train.adam's default β₁, β₂
}

/** The run's model for a file's network: the kind's defaults at its size, with the file's settings over them. */
function modelOf(spec: NetSpec, lambda: number): ModelSpec {
  switch (spec.kind) {
    case 'kru':
      return {
        ...defaultModel('kru', spec.hidden),
        factors: [...spec.factors],
        activation: spec.activation,
        lambda,
      };
    case 'rnn':
      return { ...defaultModel('rnn', spec.hidden), activation: spec.activation };
    case 'lowrank': {
      const m = defaultModel('lowrank', spec.hidden) as LowRankModelSpec;
      return { ...m, rank: spec.rank, activation: spec.activation };
    }
    case 'lstm':
      return defaultModel('lstm', spec.hidden);
    case 'kru-lstm': {
      const m = defaultModel('kru-lstm', spec.hidden) as KruLstmModelSpec;
      return { ...m, factors: [...spec.factors], lambda };
    }
  }
}

/**
 * The run that opens model file `json`: `base`'s task when the model fits it (else the first task it fits, with
 * that task's sequence length kept), seed, batch and optimiser, and one model with the file's kind, size,
 * factors, activation, rank and λ, starting from its weights. Throws an Error with a one-line message when the
 * file is not a valid model file or fits no task.
 */
export function runFromModelFile(
  json: unknown,
  base: RunConfig,
): { config: RunConfig; checkpoint: RunCheckpoint } {
  const { spec, arrays, lambda } = fromModelFile(json);
  const fits = (t: (typeof TASK_SIZES)[number]) =>
    t.inputSize === spec.inputSize && t.outputSize === spec.outputSize;
  const same = TASK_SIZES.find((t) => t.name === base.task.name && fits(t));
  const other = TASK_SIZES.find(fits);
  if (!same && !other)
    throw new Error(
      `the model reads ${spec.inputSize} inputs and writes ${spec.outputSize} outputs, which fits none of the ` +
        `tasks (${TASK_SIZES.map((t) => `${t.name}: ${t.inputSize} in, ${t.outputSize} out`).join('; ')})`,
    );
  const task = same ? base.task : { ...base.task, name: other!.name };
  const model = modelOf(spec, lambda);
  model.label = `${model.label} (file)`;
  const parsed = parseRunConfig({ ...base, task, models: [model] });
  if (!parsed.ok) throw new Error(`the model file's run is not valid: ${parsed.error}`);
  const config = parsed.value;
  const m = config.models[0];
  return {
    config,
    checkpoint: {
      format: CHECKPOINT_FORMAT,
      config,
      step: 0,
      data: dataRng(config.seed).getState(),
      models: [
        {
          id: m.id,
          lambda: 'lambda' in m ? m.lambda : 0,
          lr: m.lr,
          state: { params: arrays, optimizer: freshOptimizer(config.optimizer), powerVec: null },
          finite: true,
          diverged: false,
        },
      ],
    },
  };
}
