// The model file: a trained model as readable JSON (docs/model-format.md). Parameters are nested arrays in the
// shapes a reader expects (complex matrices as {re, im}, matrices as arrays of rows) rather than the engine's
// flat layouts, so the file can be produced or consumed by other tools (numpy, a notebook) without our code.
// float32 values written as JS numbers read back to the same float32, so export → import → export is exact.
// This file: the format, the header and the entry points; each kind's fields and params are in
// model-file-kinds.ts, the checks and their one-line messages in model-file-check.ts.
import type { NetSpec } from './config';
import { MODEL_KINDS, isFactored } from '../core/vocabulary';
import type { ParamArrays } from './models';
import { FLOAT32_LIMIT, ModelFileError, describe, fail, isFloat32 } from './model-file-check';
import {
  READERS,
  kindFields,
  type KruFields,
  type KruLstmFields,
  type LowRankFields,
  type LstmFields,
  type ReadModel,
  type RnnFields,
} from './model-file-kinds';

export { ModelFileError, formatPath, formatZodIssue, type Matrix } from './model-file-check';
export {
  GATES,
  paramsToFile,
  type ComplexMatrix,
  type ComplexVector,
  type FileParamsOf,
  type KruFileParams,
  type KruLstmFileParams,
  type LowRankFileParams,
  type LstmFileParams,
  type RnnFileParams,
} from './model-file-kinds';

export const MODEL_FORMAT = 'kru-explorer/model@1';

interface Header {
  format: typeof MODEL_FORMAT;
  hidden: number;
  inputSize: number;
  outputSize: number;
}
export interface KruModelFile extends Header, KruFields {
  kind: 'kru';
}
export interface RnnModelFile extends Header, RnnFields {
  kind: 'rnn';
}
export interface LowRankModelFile extends Header, LowRankFields {
  kind: 'lowrank';
}
export interface LstmModelFile extends Header, LstmFields {
  kind: 'lstm';
}
export interface KruLstmModelFile extends Header, KruLstmFields {
  kind: 'kru-lstm';
}
export type ModelFile = KruModelFile | RnnModelFile | LowRankModelFile | LstmModelFile | KruLstmModelFile;

/**
 * A model file for the given spec and flat parameter arrays (docs/model.md layouts). λ (default 0) is written
 * for the factored kinds (kru, kru-lstm) only: the others have no penalty for it to weigh.
 */
export function toModelFile(spec: NetSpec, arrays: ParamArrays, lambda = 0): ModelFile {
  // A diverged model's weights are NaN or infinite: a file of them could not be read back (weights must be
  // finite numbers), so there is none to write.
  for (const [name, a] of Object.entries(arrays))
    if (a.some((v) => !Number.isFinite(v)))
      throw new ModelFileError(
        `parameter ${name} holds values that are not finite numbers (the model diverged): there is no model ` +
          'file to write; go back to a checkpoint from before it diverged',
      );
  if (isFactored(spec.kind) && !(isFloat32(lambda) && lambda >= 0))
    throw new ModelFileError(`lambda must be a number ≥ 0 and below ${FLOAT32_LIMIT}, got ${lambda}`);
  // Key order is the order a reader meets them in the file: format and kind first, parameters last.
  return {
    format: MODEL_FORMAT,
    kind: spec.kind,
    hidden: spec.hidden,
    inputSize: spec.inputSize,
    outputSize: spec.outputSize,
    ...kindFields(spec, arrays, lambda),
  } as ModelFile;
}

/**
 * Validates a parsed model file (any JSON value) and converts it to a spec and flat float32 arrays; λ is the
 * file's for the factored kinds, 0 for the others. Throws ModelFileError with a one-line message naming the
 * first problem.
 */
export function fromModelFile(json: unknown): ReadModel {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail('(file)', `expected a JSON object, got ${describe(json)}`);
  const obj = json as Record<string, unknown>;
  if (obj.format !== MODEL_FORMAT) {
    fail(
      'format',
      obj.format === undefined
        ? `missing (expected "${MODEL_FORMAT}")`
        : `expected "${MODEL_FORMAT}", got ${describe(obj.format)}`,
    );
  }
  const kind = MODEL_KINDS.find((k) => k === obj.kind);
  if (!kind)
    fail(
      'kind',
      obj.kind === undefined
        ? `missing (expected one of ${MODEL_KINDS.map((k) => `"${k}"`).join('|')})`
        : `expected one of ${MODEL_KINDS.map((k) => `"${k}"`).join('|')}, got ${describe(obj.kind)}`,
    );
  return READERS[kind](json);
}
