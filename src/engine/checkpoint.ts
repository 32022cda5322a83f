// A checkpoint: everything needed to resume a run exactly where it was — each model's parameters and optimiser
// state, its live λ and lr, and the data stream's position — as plain data. The worker posts one every few
// hundred steps and just before a live change; the page keeps them, so that a diverged model can go back to a
// good one, a dead worker can be replaced without losing the run, and a saved run can be reopened.
import { z } from 'zod';
import { decodeFloat32, decodeInt32, encodeTyped } from '../core/typed-codec';
import { parseRunConfig } from '../settings/run-config';
import type { RngState } from '../util/rng';
import type { SavedTensor, TrainerState } from './trainer';
import type { RunConfig } from './types';

export const CHECKPOINT_FORMAT = 'kru-explorer/checkpoint@1';

/** Steps between the checkpoints a session takes on its own. */
export const CHECKPOINT_EVERY = 200;

export interface ModelCheckpoint {
  id: string;
  /** λ and lr in force when it was taken (they may differ from the config's: live changes). */
  lambda: number;
  lr: number;
  state: TrainerState;
  /** Every parameter is a finite number (a model about to diverge may not be). */
  finite: boolean;
  /** The model had already diverged when the checkpoint was taken. */
  diverged: boolean;
}

export interface RunCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  /** The config the run was built from. A checkpoint restores only into a run of this config. */
  config: RunConfig;
  /** Training steps done when it was taken (the engine's own count). */
  step: number;
  /** The data stream's generator, so the batches after the checkpoint are the ones the run would have drawn. */
  data: RngState;
  models: ModelCheckpoint[];
}

/** Whether this checkpoint holds a healthy model `id`: finite and not diverged. */
export function healthyFor(cp: RunCheckpoint, id: string): boolean {
  const m = cp.models.find((x) => x.id === id);
  return !!m && m.finite && !m.diverged;
}

export function allFinite(params: Record<string, ArrayLike<number>>): boolean {
  for (const a of Object.values(params))
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

// ---------- JSON form (files) and validation of anything read back (files, IndexedDB) ----------

const MAX_VALUES = 1 << 24; // 64 MB of float32: far above any model the app builds

const TensorJson = z
  .object({
    shape: z.array(z.number().int().min(0).max(MAX_VALUES)).max(4),
    dtype: z.enum(['float32', 'int32']),
    values: z.string(),
  })
  .strict();

const StateJson = z
  .object({
    params: z.record(z.string(), z.string()),
    optimizer: z.array(TensorJson).max(64),
    powerVec: z.string().nullable(),
  })
  .strict();

const ModelJson = z
  .object({
    id: z.string().max(64),
    lambda: z.number().min(0),
    lr: z.number().positive(),
    state: StateJson,
    finite: z.boolean(),
    diverged: z.boolean(),
  })
  .strict();

const CheckpointJson = z
  .object({
    format: z.literal(CHECKPOINT_FORMAT, { error: `format must be "${CHECKPOINT_FORMAT}"` }),
    config: z.unknown(),
    step: z.number().int().min(0),
    data: z.object({ state: z.number().int().min(0).max(0xffffffff), spare: z.number().nullable() }).strict(),
    models: z.array(ModelJson).min(1).max(8),
  })
  .strict();

function issue(e: z.ZodError): string {
  const i = e.issues[0];
  return `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`;
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The checkpoint as JSON-safe data: typed arrays as base64 text (exact). */
export function encodeCheckpoint(cp: RunCheckpoint): unknown {
  return {
    ...cp,
    models: cp.models.map((m) => ({
      ...m,
      state: {
        params: Object.fromEntries(Object.entries(m.state.params).map(([k, v]) => [k, encodeTyped(v)])),
        optimizer: m.state.optimizer.map((t) => ({ ...t, values: encodeTyped(t.values) })),
        powerVec: m.state.powerVec ? encodeTyped(m.state.powerVec) : null,
      },
    })),
  };
}

/**
 * Reads a checkpoint back from its JSON form (`encodeCheckpoint`), checking every field: its config must be a
 * valid run config whose models are the checkpoint's, and every tensor's size must match its shape. Throws an
 * Error with a one-line message; never returns a partial checkpoint.
 */
export function decodeCheckpoint(data: unknown): RunCheckpoint {
  const parsed = CheckpointJson.safeParse(data);
  if (!parsed.success) throw new Error(`checkpoint: ${issue(parsed.error)}`);
  const c = parsed.data;
  const config = parseRunConfig(c.config);
  if (!config.ok) throw new Error(`checkpoint: config: ${config.error}`);
  const ids = config.value.models.map((m) => m.id);
  if (ids.join() !== c.models.map((m) => m.id).join())
    throw new Error(`checkpoint: its models (${c.models.map((m) => m.id).join(', ')}) are not its config's`);
  const models: ModelCheckpoint[] = c.models.map((m, i) => {
    const where = `checkpoint: models.${i}`;
    const params: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(m.state.params)) params[k] = decodeFloat32(v, `${where}.params.${k}`);
    const optimizer: SavedTensor[] = m.state.optimizer.map((t, j) => {
      const what = `${where}.optimizer.${j}`;
      const values = t.dtype === 'int32' ? decodeInt32(t.values, what) : decodeFloat32(t.values, what);
      if (values.length !== product(t.shape))
        throw new Error(`${what}: ${values.length} values for shape [${t.shape}]`);
      return { shape: t.shape, dtype: t.dtype, values };
    });
    const powerVec = m.state.powerVec === null ? null : decodeFloat32(m.state.powerVec, `${where}.powerVec`);
    return { ...m, state: { params, optimizer, powerVec } };
  });
  return { format: CHECKPOINT_FORMAT, config: config.value, step: c.step, data: c.data, models };
}
