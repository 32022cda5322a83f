// runCli in-process: train's JSON lines, --save → inspect, help, and every error path (one line on stderr,
// non-zero exit, nothing on stdout, no file written).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromModelFile, toModelFile } from '../../src/model/model-file';
import { initRnnArrays } from '../../src/model/models';
import type { NetSpec } from '../../src/model/config';
import { Rng } from '../../src/util/rng';
import { defaultRunConfig, settingsToJson } from '../../src/settings';
import { PRESETS } from '../../src/presets';
import { cli, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const TRAIN_KEYS = [
  'model',
  'step',
  'loss',
  'accuracy',
  'reg',
  'lambdaReg',
  'lambda',
  'lr',
  'baseline',
  'gradNorm',
  'factorDeviation',
  'fullDeviation',
  'spectralNorm',
  'gradNormsOverTime',
  'msPerStep',
  'backend',
];

function finiteDeep(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(finiteDeep);
  return true;
}

describe('train', () => {
  it('prints one JSON line per logged step and --save writes a model that inspect reads back', async () => {
    const save = join(tmp.dir, 'kru.json');
    const r = await cli(
      'train',
      '--task',
      'copy',
      '--model',
      'kru',
      '--hidden',
      '8',
      '--factors',
      '2,4',
      '--T',
      '3',
      '--batch',
      '4',
      '--steps',
      '5',
      '--log-every',
      '2',
      '--lambda',
      '0.1',
      '--seed',
      '3',
      '--save',
      save,
    );
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const rows = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => x.step)).toEqual([2, 4, 5]);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(TRAIN_KEYS);
      for (const k of TRAIN_KEYS) if (k !== 'backend') expect(finiteDeep(row[k]), k).toBe(true);
      expect(row.backend).toBe('cpu');
      expect(row.factorDeviation).toHaveLength(2);
      expect(row.gradNormsOverTime).toHaveLength(3 + 20); // copy: delay T plus 20
      expect(typeof row.accuracy).toBe('number');
      expect(row.lambdaReg as number).toBeCloseTo(0.1 * (row.reg as number), 6);
    }
    const model = fromModelFile(JSON.parse(readFileSync(save, 'utf8')));
    expect(model.spec).toEqual({
      kind: 'kru',
      hidden: 8,
      inputSize: 10,
      outputSize: 9,
      factors: [2, 4],
      activation: 'crelu',
    });
    expect(model.lambda).toBeCloseTo(0.1, 7);

    // A copy-task batch for the saved model: 10 input channels, 9 classes, targets at the last step only.
    const inputs = [
      Array.from({ length: 4 }, (_, t) => Array.from({ length: 10 }, (_, d) => (d === t ? 1 : 0))),
    ];
    const data = tmp.file('copy-data.json', { inputs, targets: [[null, null, null, 3]], loss: 'xent' });
    const i = await cli('inspect', '--model', save, '--data', data);
    expect(i.err).toEqual([]);
    expect(i.out).toHaveLength(1);
    const got = JSON.parse(i.out[0]) as Record<string, unknown>;
    expect(Object.keys(got)).toEqual([
      'kind',
      'backend',
      'loss',
      'reg',
      'total',
      'gradNormsOverTime',
      'grads',
      'factorSingularValues',
      'factorDeviation',
      'fullDeviation',
      'spectralNorm',
    ]);
    expect(
      finiteDeep([got.loss, got.reg, got.total, got.gradNormsOverTime, got.fullDeviation, got.spectralNorm]),
    ).toBe(true);
    expect(got.gradNormsOverTime).toHaveLength(4);
  });

  it('trains the RNN on adding with its own flags, and defaults the KRU factors to 2×…×2', async () => {
    const r = await cli(
      'train',
      '--task',
      'adding',
      '--model',
      'rnn',
      '--hidden',
      '6',
      '--T',
      '5',
      '--batch',
      '3',
      '--steps',
      '2',
      '--activation',
      'relu',
      '--init',
      'orthogonal',
      '--optimizer',
      'adam',
      '--clip',
      '1',
      '--impl',
      'reference',
    );
    expect(r.err).toEqual([]);
    const rows = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(2);
    expect(rows[0].accuracy).toBeNull(); // adding is a regression task
    expect(rows[0].reg).toBe(0);
    expect(rows[0].factorDeviation).toHaveLength(1);
    const k = await cli(
      'train',
      '--task',
      'adding',
      '--model',
      'kru',
      '--hidden',
      '8',
      '--T',
      '4',
      '--batch',
      '2',
      '--steps',
      '1',
    );
    expect(k.err).toEqual([]);
    expect((JSON.parse(k.out[0]) as { factorDeviation: number[] }).factorDeviation).toHaveLength(3);
  });

  it('trains each remedy with --model: lstm, kru-lstm (its λ and factors), lowrank (its rank)', async () => {
    const base = ['train', '--task', 'copy', '--T', '3', '--batch', '2', '--steps', '2'];
    const lstm = await cli(...base, '--model', 'lstm', '--hidden', '4');
    expect(lstm.err).toEqual([]);
    expect(JSON.parse(lstm.out[1]) as Record<string, unknown>).toMatchObject({ step: 2, reg: 0 });
    const kl = await cli(
      ...base,
      '--model',
      'kru-lstm',
      '--hidden',
      '8',
      '--factors',
      '2,4',
      '--lambda',
      '1',
    );
    expect(kl.err).toEqual([]);
    const row = JSON.parse(kl.out[1]) as { reg: number; factorDeviation: number[] };
    expect(row.factorDeviation).toHaveLength(2); // the forget gate's two factors
    expect(row.reg).toBeGreaterThanOrEqual(0);
    const lr = await cli(...base, '--model', 'lowrank', '--hidden', '6', '--rank', '2');
    expect(lr.err).toEqual([]);
    expect(lr.out).toHaveLength(2);
    const bad = await cli(...base, '--model', 'lowrank', '--hidden', '6', '--rank', '7');
    expect(bad.err.join('\n')).toMatch(/--rank 7 is more than --hidden 6/);
  });

  it('trains on digits and reports held-out accuracy', async () => {
    const r = await cli(
      'train',
      '--task',
      'digits',
      '--model',
      'rnn',
      '--hidden',
      '8',
      '--batch',
      '4',
      '--steps',
      '1',
      '--permuted',
    );
    expect(r.err).toEqual([]);
    const row = JSON.parse(r.out[0]) as Record<string, number>;
    expect(row.gradNormsOverTime).toHaveLength(64);
    expect(row.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(row.testAccuracy).toBeLessThanOrEqual(1);
  });
});

describe('help', () => {
  it.each([['--help'], ['train', '--help'], ['inspect', '-h']])(
    '%s prints usage on stdout and exits 0',
    async (...argv) => {
      const r = await cli(...argv);
      expect(r.code).toBe(0);
      expect(r.err).toEqual([]);
      expect(r.out.join('\n')).toMatch(/^kru/);
    },
  );
});

describe('train --config', () => {
  it('trains every model of a settings file on the same batches, one line per model per logged step', async () => {
    // The same file the app's e2e test imports: a KRU with N = 128, the same KRU at λ = 0, an RNN with N = 16.
    const file = 'docs/examples/three-models.json';
    const save = join(tmp.dir, 'm.json');
    const r = await cli('train', '--config', file, '--steps', '4', '--log-every', '2', '--save', save);
    expect(r.err).toEqual([]);
    const rows = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => `${x.model}@${x.step}`)).toEqual([
      'kru@2',
      'kru-l0@2',
      'rnn16@2',
      'kru@4',
      'kru-l0@4',
      'rnn16@4',
    ]);
    expect(rows[1].lambda).toBe(0);
    expect(rows[0].factorDeviation).toHaveLength(7);
    // Same batches and the same start: the two KRUs differ only by the penalty, so their first steps agree closely.
    expect(rows[1].loss as number).toBeCloseTo(rows[0].loss as number, 2);
    // The three models' files, named by id.
    for (const id of ['kru', 'kru-l0', 'rnn16'])
      expect(existsSync(join(tmp.dir, `m-${id}.json`)), id).toBe(true);
    expect(fromModelFile(JSON.parse(readFileSync(join(tmp.dir, 'm-rnn16.json'), 'utf8'))).spec.hidden).toBe(
      16,
    );
  });

  it('refuses a bad settings file, and run flags beside --config', async () => {
    const bad = tmp.file('bad-run.json', {
      kind: 'kru-explorer-settings',
      version: 2,
      config: { ...defaultRunConfig(), batch: 0 },
    });
    const r = await cli('train', '--config', bad);
    expect(r.err).toEqual([`error: --config ${bad}: batch: must be an integer ≥ 1 and ≤ 1024`]);
    const good = tmp.file('good-run.json', settingsToJson(defaultRunConfig(), { stepsPerTick: 1 }));
    expect((await cli('train', '--config', good, '--lambda', '1')).err).toEqual([
      'error: --lambda cannot be combined with --config (it describes the whole run)',
    ]);
  });
});

describe('train: divergence', () => {
  // A KRU at learning rate 10 beside a sane RNN: the KRU's gradient is NaN by its second step.
  function wildRun(): string {
    const c = defaultRunConfig();
    c.models[0].lr = 10;
    return tmp.file('wild.json', settingsToJson(c, { stepsPerTick: 1 }));
  }

  it('stops at the first diverged model: its line says so, one line on stderr names the cause, exit 1', async () => {
    const r = await cli('train', '--config', wildRun(), '--steps', '50', '--log-every', '5');
    expect(r.code).toBe(1);
    const rows = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => `${x.model}@${x.step}`)).toEqual(['kru@5', 'rnn@5']);
    expect(rows[0]).toMatchObject({ diverged: true, divergedAt: 2, reason: 'the gradient norm is NaN' });
    expect(rows[1].diverged).toBeUndefined();
    expect(finiteDeep(rows[1].loss)).toBe(true);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(
      /model "kru" diverged at step 2: the gradient norm is NaN; likely cause: a learning rate of 10/,
    );
    expect(r.err[0]).toContain('--keep-going');
  });

  it('--keep-going trains the others on: the diverged model stops (blank rows), the RNN keeps learning', async () => {
    const r = await cli('train', '--config', wildRun(), '--steps', '30', '--log-every', '10', '--keep-going');
    expect(r.code).toBe(0);
    const rows = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => `${x.model}@${x.step}`)).toEqual([
      'kru@10',
      'rnn@10',
      'kru@20',
      'rnn@20',
      'kru@30',
      'rnn@30',
    ]);
    for (const x of rows.filter((x) => x.model === 'kru')) {
      expect(x).toMatchObject({ diverged: true, divergedAt: 2, loss: null });
    }
    for (const x of rows.filter((x) => x.model === 'rnn')) expect(typeof x.loss).toBe('number');
  });
});

describe('presets', () => {
  it('lists every preset with its caption, and trains one by name', async () => {
    const list = await cli('presets');
    expect(list.code).toBe(0);
    const presets = JSON.parse(list.out.join('\n')) as Array<{
      name: string;
      caption: string;
      models: unknown[];
    }>;
    expect(presets.map((p) => p.name)).toEqual(PRESETS.map((p) => p.name));
    for (const p of presets) expect(p.caption.length).toBeGreaterThan(40);
    const r = await cli('train', '--preset', 'exploding-gradients', '--steps', '1');
    expect(r.err).toEqual([]);
    expect(r.out.map((l) => (JSON.parse(l) as { model: string }).model)).toEqual(['kru', 'rnn', 'rnn-clip']);
    expect((await cli('train', '--preset', 'nope')).err[0]).toMatch(
      /^error: --preset must be one of copy-memory, /,
    );
    expect((await cli('train', '--preset', 'copy-memory', '--hidden', '4')).err).toEqual([
      'error: --hidden cannot be combined with --preset (it describes the whole run)',
    ]);
  });
});

describe('errors: one line on stderr, non-zero exit, nothing written', () => {
  const spec: NetSpec = { kind: 'rnn', hidden: 3, inputSize: 2, outputSize: 2, activation: 'tanh' };
  const model = tmp.file(
    'rnn.json',
    toModelFile(spec, initRnnArrays(spec, { kind: 'gaussian', gain: 1 }, new Rng(1))),
  );
  const mseModelSpec: NetSpec = { ...spec, outputSize: 1 };
  const mseModel = tmp.file(
    'rnn-mse.json',
    toModelFile(mseModelSpec, initRnnArrays(mseModelSpec, { kind: 'gaussian', gain: 1 }, new Rng(1))),
  );
  const good = {
    inputs: [
      [
        [1, 0],
        [0, 1],
      ],
    ],
    targets: [[null, 1]],
    loss: 'xent',
  };
  const data = tmp.file('good.json', good);
  const badModel = tmp.file('bad-model.json', { ...JSON.parse(readFileSync(model, 'utf8')), format: 'nope' });
  const notJson = tmp.file('not.json', '{"inputs": [');
  const d = (name: string, v: unknown) => tmp.file(name, v);
  const out = join(tmp.dir, 'out');
  const base = [
    'train',
    '--task',
    'adding',
    '--model',
    'kru',
    '--hidden',
    '4',
    '--T',
    '3',
    '--batch',
    '2',
    '--steps',
    '1',
    '--save',
    join(out, '..', 'never.json'),
  ];

  const cases: Array<[string, string[], RegExp]> = [
    ['no command', [], /^error: missing command/],
    ['unknown command', ['fit'], /^error: unknown command "fit"/],
    ['repeated flag', [...base, '--hidden', 'abc'], /^error: --hidden is given more than once$/],
    [
      'hidden abc',
      ['train', '--task', 'copy', '--model', 'kru', '--hidden', 'abc'],
      /^error: --hidden must be a number, got "abc"$/,
    ],
    [
      'hidden 0',
      ['train', '--task', 'copy', '--model', 'kru', '--hidden', '0'],
      /^error: --hidden must be an integer ≥ 1 and ≤ 4096, got "0"$/,
    ],
    [
      'hidden negative',
      ['train', '--task', 'copy', '--model', 'kru', '--hidden', '-4'],
      /^error: --hidden must be an integer ≥ 1 and ≤ 4096, got "-4"$/,
    ],
    [
      'hidden fractional',
      ['train', '--task', 'copy', '--model', 'kru', '--hidden=2.5'],
      /^error: --hidden must be an integer ≥ 1 and ≤ 4096, got "2.5"$/,
    ],
    [
      'hidden too big',
      ['train', '--task', 'copy', '--model', 'rnn', '--hidden', '5000'],
      /^error: --hidden must be an integer ≥ 1 and ≤ 4096, got "5000"$/,
    ],
    [
      'flag without value at the end',
      ['train', '--task', 'copy', '--model', 'kru', '--hidden'],
      /^error: --hidden needs a value$/,
    ],
    [
      'flag followed by a flag',
      ['train', '--task', 'copy', '--hidden', '--model', 'kru'],
      /^error: --hidden needs a value$/,
    ],
    ['empty value', ['train', '--task=', '--model', 'kru'], /^error: --task needs a value$/],
    [
      'unknown flag',
      ['train', '--task', 'copy', '--model', 'kru', '--hiden', '8'],
      /^error: unknown flag --hiden for "train"/,
    ],
    [
      'inspect flag on train',
      ['train', '--task', 'copy', '--model', 'kru', '--data', 'x'],
      /^error: unknown flag --data for "train"/,
    ],
    ['stray argument', ['train', 'copy'], /^error: unexpected argument "copy"/],
    [
      'boolean with a value',
      ['train', '--task', 'digits', '--model', 'kru', '--permuted=1'],
      /^error: --permuted takes no value$/,
    ],
    ['missing task', ['train', '--model', 'kru'], /^error: missing --task \(one of copy, adding, digits\)$/],
    [
      'unknown task',
      ['train', '--task', 'mnist', '--model', 'kru'],
      /^error: --task must be one of copy, adding, digits, got "mnist"$/,
    ],
    [
      'missing model',
      ['train', '--task', 'copy'],
      /^error: missing --model \(one of kru, rnn, lstm, kru-lstm, lowrank\)$/,
    ],
    [
      'unknown model',
      ['train', '--task', 'copy', '--model', 'gru'],
      /^error: --model must be one of kru, rnn, lstm, kru-lstm, lowrank, got "gru"$/,
    ],
    [
      'factors not numbers',
      ['train', '--task', 'copy', '--model', 'kru', '--hidden', '8', '--factors', '2,x'],
      /^error: --factors must be positive integers separated by commas, got "2,x"$/,
    ],
    [
      'factors product',
      ['train', '--task', 'copy', '--model', 'kru', '--hidden', '8', '--factors', '2,2'],
      /^error: --factors 2,2 multiply to 4, but --hidden is 8$/,
    ],
    [
      'factors on rnn',
      ['train', '--task', 'copy', '--model', 'rnn', '--factors', '2,2'],
      /^error: --factors applies only to --model kru, --model kru-lstm$/,
    ],
    [
      'lambda on rnn',
      ['train', '--task', 'copy', '--model', 'rnn', '--lambda', '1'],
      /^error: --lambda applies only to --model kru/,
    ],
    [
      'T on digits',
      ['train', '--task', 'digits', '--model', 'rnn', '--T', '10'],
      /^error: --T applies only to --task copy and adding/,
    ],
    [
      'permuted on copy',
      ['train', '--task', 'copy', '--model', 'rnn', '--permuted'],
      /^error: --permuted applies only to --task digits$/,
    ],
    [
      'kru activation',
      ['train', '--task', 'copy', '--model', 'kru', '--activation', 'relu'],
      /^error: --activation must be one of crelu, modrelu, tanh, linear, got "relu"$/,
    ],
    [
      'rnn activation',
      ['train', '--task', 'copy', '--model', 'rnn', '--activation', 'crelu'],
      /^error: --activation must be one of tanh, relu, linear, got "crelu"$/,
    ],
    [
      'kru init',
      ['train', '--task', 'copy', '--model', 'kru', '--init', 'orthogonal'],
      /^error: --init must be one of unitary, gaussian, got "orthogonal"$/,
    ],
    [
      'init-scale 0',
      ['train', '--task', 'copy', '--model', 'kru', '--init-scale', '0'],
      /^error: --init-scale must be a number > 0 and ≤ 100, got "0"$/,
    ],
    [
      'lr not a number',
      ['train', '--task', 'copy', '--model', 'kru', '--lr', 'fast'],
      /^error: --lr must be a number, got "fast"$/,
    ],
    [
      'lr negative',
      ['train', '--task', 'copy', '--model', 'kru', '--lr', '-0.1'],
      /^error: --lr must be a number > 0 and ≤ 10, got "-0.1"$/,
    ],
    [
      'lr too big',
      ['train', '--task', 'copy', '--model', 'kru', '--lr', '100'],
      /^error: --lr must be a number > 0 and ≤ 10, got "100"$/,
    ],
    [
      'lambda negative',
      ['train', '--task', 'copy', '--model', 'kru', '--lambda', '-1'],
      /^error: --lambda must be a number ≥ 0 and ≤ 1000, got "-1"$/,
    ],
    [
      'lambda Infinity',
      ['train', '--task', 'copy', '--model', 'kru', '--lambda', 'Infinity'],
      /^error: --lambda must be a number, got "Infinity"$/,
    ],
    [
      'T too small',
      ['train', '--task', 'adding', '--model', 'kru', '--T', '1'],
      /^error: --T must be an integer ≥ 2 and ≤ 2000, got "1"$/,
    ],
    [
      'optimizer',
      ['train', '--task', 'copy', '--model', 'kru', '--optimizer', 'adagrad'],
      /^error: --optimizer must be one of rmsprop, adam, sgd, got "adagrad"$/,
    ],
    [
      'clip negative',
      ['train', '--task', 'copy', '--model', 'kru', '--clip', '-1'],
      /^error: --clip must be off or a number > 0 and ≤ 1000000, got "-1"$/,
    ],
    [
      'batch 0',
      ['train', '--task', 'copy', '--model', 'kru', '--batch', '0'],
      /^error: --batch must be an integer ≥ 1 and ≤ 1024, got "0"$/,
    ],
    [
      'batch too big',
      ['train', '--task', 'copy', '--model', 'kru', '--batch', '5000'],
      /^error: --batch must be an integer ≥ 1 and ≤ 1024, got "5000"$/,
    ],
    [
      'seed fractional',
      ['train', '--task', 'copy', '--model', 'kru', '--seed', '1.5'],
      /^error: --seed must be an integer ≥ 0 and ≤ 4294967295, got "1.5"$/,
    ],
    [
      'steps 0',
      ['train', '--task', 'copy', '--model', 'kru', '--steps', '0'],
      /^error: --steps must be a positive integer, got "0"$/,
    ],
    [
      'log-every 0',
      ['train', '--task', 'copy', '--model', 'kru', '--log-every', '0'],
      /^error: --log-every must be a positive integer, got "0"$/,
    ],
    [
      'impl',
      ['train', '--task', 'copy', '--model', 'kru', '--impl', 'fast'],
      /^error: --impl must be one of fused, reference, got "fast"$/,
    ],
    [
      'backend',
      ['train', '--task', 'copy', '--model', 'kru', '--backend', 'webgl'],
      /^error: --backend must be one of cpu, wasm, webgpu, auto, got "webgl"$/,
    ],
    [
      'save into a missing directory',
      ['train', '--task', 'copy', '--model', 'kru', '--save', join(out, 'm.json')],
      /^error: --save .*: directory .* does not exist$/,
    ],
    [
      'save onto a directory',
      ['train', '--task', 'copy', '--model', 'kru', '--save', tmp.dir],
      /^error: --save .*: is a directory$/,
    ],
    [
      'inspect without --model',
      ['inspect', '--data', data],
      /^error: missing --model \(the model file to inspect\)$/,
    ],
    ['inspect without --data', ['inspect', '--model', model], /^error: missing --data/],
    [
      'model file missing',
      ['inspect', '--model', join(tmp.dir, 'none.json'), '--data', data],
      /^error: --model .*none\.json: no such file$/,
    ],
    [
      'model file is a directory',
      ['inspect', '--model', tmp.dir, '--data', data],
      /^error: --model .*: is a directory$/,
    ],
    [
      'model file not JSON',
      ['inspect', '--model', notJson, '--data', data],
      /^error: --model .*not\.json: not valid JSON \(/,
    ],
    [
      'model file invalid',
      ['inspect', '--model', badModel, '--data', data],
      /^error: --model .*bad-model\.json: format: expected "kru-explorer\/model@1", got "nope"$/,
    ],
    [
      'data file missing',
      ['inspect', '--model', model, '--data', join(tmp.dir, 'none.json')],
      /^error: --data .*: no such file$/,
    ],
    [
      'data file not JSON',
      ['inspect', '--model', model, '--data', notJson],
      /^error: --data .*: not valid JSON/,
    ],
    [
      'data: wrong input width',
      [
        'inspect',
        '--model',
        model,
        '--data',
        d('w.json', {
          ...good,
          inputs: [
            [
              [1, 0, 0],
              [0, 1, 0],
            ],
          ],
        }),
      ],
      /^error: --data .*: inputs\[0\]\[0\]: expected 2 values \(the model's inputSize\), got 3$/,
    ],
    [
      'data: ragged sequences',
      [
        'inspect',
        '--model',
        model,
        '--data',
        d('r.json', {
          ...good,
          inputs: [
            [
              [1, 0],
              [0, 1],
            ],
            [[1, 0]],
          ],
          targets: [[null, 1], [1]],
        }),
      ],
      /^error: --data .*: inputs\[1\]: expected 2 time steps \(like inputs\[0\]\), got 1$/,
    ],
    [
      'data: targets of the wrong batch',
      [
        'inspect',
        '--model',
        model,
        '--data',
        d('tb.json', {
          ...good,
          targets: [
            [null, 1],
            [0, 0],
          ],
        }),
      ],
      /^error: --data .*: targets: expected 1 sequences \(like inputs\), got 2$/,
    ],
    [
      'data: targets of the wrong length',
      ['inspect', '--model', model, '--data', d('tl.json', { ...good, targets: [[1]] })],
      /^error: --data .*: targets\[0\]: expected 2 time steps \(like inputs\), got 1$/,
    ],
    [
      'data: class out of range',
      ['inspect', '--model', model, '--data', d('c.json', { ...good, targets: [[null, 2]] })],
      /^error: --data .*: targets\[0\]\[1\]: expected a class index 0…1 or null, got 2$/,
    ],
    [
      'data: fractional class',
      ['inspect', '--model', model, '--data', d('f.json', { ...good, targets: [[0.5, null]] })],
      /^error: --data .*: targets\[0\]\[0\]: expected a class index 0…1 or null, got 0.5$/,
    ],
    [
      'data: mse on a K=2 model',
      ['inspect', '--model', model, '--data', d('m.json', { ...good, loss: 'mse' })],
      /^error: --data .*: loss "mse" needs a model with outputSize 1, the model has 2$/,
    ],
    [
      'data: unknown loss',
      ['inspect', '--model', mseModel, '--data', d('l.json', { ...good, loss: 'hinge' })],
      /^error: --data .*: loss: expected one of "xent"\|"mse", got "hinge"$/,
    ],
    [
      'data: null input',
      [
        'inspect',
        '--model',
        model,
        '--data',
        d('n.json', {
          ...good,
          inputs: [
            [
              [1, null],
              [0, 1],
            ],
          ],
        }),
      ],
      /^error: --data .*: inputs\[0\]\[0\]\[1\]: expected number, received null/,
    ],
    [
      'data: string target',
      ['inspect', '--model', model, '--data', d('s.json', { ...good, targets: [[null, '1']] })],
      /^error: --data .*: targets\[0\]\[1\]: expected number, received string/,
    ],
    [
      'data: extra key',
      ['inspect', '--model', model, '--data', d('k.json', { ...good, mask: [] })],
      /^error: --data .*: \(file\): unknown key "mask"$/,
    ],
    [
      'data: empty batch',
      ['inspect', '--model', model, '--data', d('e.json', { inputs: [], targets: [], loss: 'xent' })],
      /^error: --data .*: inputs: expected at least one sequence$/,
    ],
    [
      'data: not an object',
      ['inspect', '--model', model, '--data', d('a.json', [1])],
      /^error: --data .*: \(file\): expected object, received array/,
    ],
    [
      'inspect backend',
      ['inspect', '--model', model, '--data', data, '--backend', 'tpu'],
      /^error: --backend must be one of/,
    ],
  ];

  it.each(cases)('%s', async (_name, argv, message) => {
    const before = readdirSync(tmp.dir).sort();
    const r = await cli(...argv);
    expect(r.code).not.toBe(0);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
    expect(r.err[0]).not.toContain('\n');
    expect(readdirSync(tmp.dir).sort()).toEqual(before);
    expect(existsSync(join(tmp.dir, 'never.json'))).toBe(false);
  });

  it('validates everything before training: a bad flag after --save writes no file', async () => {
    const save = join(tmp.dir, 'never.json');
    const r = await cli(
      'train',
      '--task',
      'adding',
      '--model',
      'kru',
      '--hidden',
      '4',
      '--steps',
      '1',
      '--save',
      save,
      '--lr',
      'x',
    );
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(existsSync(save)).toBe(false);
  });
});
