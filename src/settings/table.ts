// THE settings table. A run is a task, shared training settings and a list of 1–8 model specs; each row below
// is one setting, and everything else (the zod schema and the config types, the URL and JSON round trip, the
// CLI flags with their --help text and errors, the form fields with their ranges) is derived from these rows.
// A new setting is one row here.
import {
  MODEL_KINDS,
  IMPLS,
  KRU_ACTIVATIONS,
  KRU_INITS,
  OPTIMIZERS,
  RNN_ACTIVATIONS,
  RNN_INITS,
  TASK_NAMES,
  type ModelKind,
} from '../core/vocabulary';
import type { TaskConfig } from '../tasks/types';
import {
  bool,
  choice,
  factors,
  int,
  num,
  optionalNumber,
  rowsOf,
  text,
  type Row,
  type ValueOf,
} from './rows';

/** Settings of the run, shared by all its models. */
export const RUN_TABLE = {
  task: {
    name: choice(TASK_NAMES, {
      key: 'task',
      label: 'Task',
      help: 'copy memory, adding problem, or pixel-by-pixel digits',
    }),
    T: int({
      key: 'T',
      label: 'Sequence length T',
      min: 2,
      max: 2000,
      help: 'copy: the delay (sequence T + 20); adding: the length; digits ignores it (64 pixels)',
    }),
    permuted: bool({
      key: 'permuted',
      label: 'Permuted pixels',
      help: 'digits: read the pixels in a fixed random order',
    }),
  },
  batch: int({ key: 'batch', label: 'Batch size', min: 1, max: 1024, help: 'sequences per training step' }),
  seed: int({
    key: 'seed',
    label: 'Seed',
    min: 0,
    max: 2 ** 32 - 1,
    help: 'seeds the initial weights and the data stream: the same seed repeats the run exactly',
  }),
  optimizer: choice(OPTIMIZERS, {
    key: 'opt',
    flag: 'optimizer',
    label: 'Optimiser',
    help: 'rmsprop, adam or sgd',
  }),
  impl: choice(IMPLS, {
    key: 'impl',
    label: 'Implementation',
    help: 'fused kernels, or the op-by-op reference they are tested against',
  }),
} as const;

/** Settings every model kind has. */
const MODEL_COMMON = {
  id: text({
    key: 'id',
    label: 'Id',
    pattern: /^[a-z][a-z0-9-]*$/,
    maxLength: 16,
    describe: 'lower-case letters, digits and "-", starting with a letter',
    help: "the model's name in links, files and the CLI's output",
  }),
  label: text({
    key: 'label',
    label: 'Label',
    pattern: /^[^<>&"]+$/,
    maxLength: 40,
    describe: 'text without <, >, & or "',
    help: 'the name in legends',
  }),
  hidden: int({
    key: 'N',
    flag: 'hidden',
    label: 'Hidden size N',
    min: 1,
    max: 4096,
    help: 'units of the state h',
  }),
  lr: num({
    key: 'lr',
    label: 'Learning rate',
    min: 0,
    exclusiveMin: true,
    max: 10,
    log: true,
    live: true,
    help: "the optimiser's step size; changes apply at the next step",
  }),
  clip: optionalNumber({
    key: 'clip',
    label: 'Gradient clipping',
    min: 0,
    max: 1e6,
    help: "clip this model's global gradient norm at this value (off: no clipping)",
  }),
} as const;

const FACTORS = factors({
  key: 'factors',
  label: 'Factor sizes',
  maxSize: 1024,
  maxCount: 16,
  help: 'p_0,…,p_{F-1}: W = W_0 ⊗ … ⊗ W_{F-1}, their product must equal N',
});

/** The init gain of the RNN kinds (what it scales is the kind's `help`). */
const gainRow = (help: string) =>
  num({ key: 'gain', flag: 'init-scale', label: 'Init gain', min: 0, exclusiveMin: true, max: 100, help });

/** λ, live: the strength of a factored kind's penalty (which penalty is the kind's `help`). */
const lambdaRow = (label: string, help: string) =>
  num({ key: 'lambda', label, min: 0, max: 1000, log: true, live: true, help });

const RNN_ACTIVATION = choice(RNN_ACTIVATIONS, {
  key: 'act',
  flag: 'activation',
  label: 'Activation',
  help: 'tanh, relu or linear',
});

/** Each model kind's settings: the common ones, then its own. */
export const MODEL_TABLES = {
  kru: {
    ...MODEL_COMMON,
    factors: FACTORS,
    activation: choice(KRU_ACTIVATIONS, {
      key: 'act',
      flag: 'activation',
      label: 'Activation',
      help: 'crelu, modrelu, tanh or linear',
    }),
    init: {
      kind: choice(KRU_INITS, {
        key: 'init',
        label: 'Initialisation',
        help: 'unitary (Haar) factors or gaussian entries',
      }),
      scale: num({
        key: 'scale',
        flag: 'init-scale',
        label: 'Init scale',
        min: 0,
        exclusiveMin: true,
        max: 100,
        help: 'gaussian init: the std of every real and imaginary entry',
      }),
    },
    lambda: lambdaRow(
      'λ (soft unitary)',
      'strength of the penalty λ·Σ_f ‖W_fᴴW_f − I‖²; changes apply at the next step',
    ),
    strict: bool({
      key: 'strict',
      label: 'Strictly unitary',
      help: 'after every step, replace each factor by its nearest unitary matrix (polar factor)',
    }),
  },
  rnn: {
    ...MODEL_COMMON,
    activation: RNN_ACTIVATION,
    init: {
      kind: choice(RNN_INITS, {
        key: 'init',
        label: 'Initialisation',
        help: 'gaussian, orthogonal or identity W',
      }),
      gain: gainRow('gaussian init: W ~ N(0, gain²/N)'),
    },
  },
  lstm: { ...MODEL_COMMON },
  'kru-lstm': {
    ...MODEL_COMMON,
    factors: FACTORS,
    lambda: lambdaRow(
      'λ (soft orthogonal)',
      "strength of the penalty λ·Σ ‖R_fᵀR_f − I‖² on every gate's real factors; changes apply at the next step",
    ),
  },
  lowrank: {
    ...MODEL_COMMON,
    rank: int({
      key: 'rank',
      label: 'Rank r',
      min: 1,
      max: 4096,
      help: 'W = A·B with A N×r and B r×N: 2·N·r recurrent parameters; r ≤ N',
    }),
    activation: RNN_ACTIVATION,
    gain: gainRow('A and B start N(0, gain/N): the r non-zero singular values of W = A·B start near gain'),
  },
} as const;

/** Settings of the page, not of the run (they do not change any number the run computes). */
export const APP_TABLE = {
  stepsPerTick: int({
    key: 'spt',
    label: 'Steps per update',
    min: 1,
    max: 50,
    live: true,
    help: 'training steps between two updates of the charts',
  }),
} as const;

export const MAX_MODELS = 8;

export type KruModelSpec = { kind: 'kru' } & ValueOf<typeof MODEL_TABLES.kru>;
export type RnnModelSpec = { kind: 'rnn' } & ValueOf<typeof MODEL_TABLES.rnn>;
export type LstmModelSpec = { kind: 'lstm' } & ValueOf<typeof MODEL_TABLES.lstm>;
export type KruLstmModelSpec = { kind: 'kru-lstm' } & ValueOf<(typeof MODEL_TABLES)['kru-lstm']>;
export type LowRankModelSpec = { kind: 'lowrank' } & ValueOf<typeof MODEL_TABLES.lowrank>;
/** One model of a run: its kind, its id and label, its size and its kind's settings, its own lr and clip. */
export type ModelSpec = KruModelSpec | RnnModelSpec | LstmModelSpec | KruLstmModelSpec | LowRankModelSpec;
export type RunSettings = ValueOf<typeof RUN_TABLE>;
export type RunConfig = RunSettings & { models: ModelSpec[] };
export type AppSettings = ValueOf<typeof APP_TABLE>;

// The task rows must describe exactly src/tasks' TaskConfig (a compile-time check).
const sameTask: [TaskConfig, RunSettings['task']] = [] as unknown as [RunSettings['task'], TaskConfig];
void sameTask;

export function modelTable(kind: ModelKind): (typeof MODEL_TABLES)[ModelKind] {
  return MODEL_TABLES[kind];
}

/** The tables' rows with their paths, flattened once for the code that walks them (links, CLI, form). */
export const RUN_ROWS = rowsOf(RUN_TABLE);
export const APP_ROWS = rowsOf(APP_TABLE);
export const MODEL_ROWS = Object.fromEntries(MODEL_KINDS.map((k) => [k, rowsOf(MODEL_TABLES[k])])) as Record<
  ModelKind,
  Array<{ path: string[]; row: Row }>
>;
