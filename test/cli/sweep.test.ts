// `kru sweep` in-process: the step lines and the summary lines of a λ sweep and of a factor-size sweep, a run
// taken from a settings file, and every error path (one line on stderr, exit 2, nothing on stdout).
import { afterAll, describe, expect, it } from 'vitest';
import { defaultAppSettings, defaultModel, defaultRunConfig, settingsToJson } from '../../src/settings';
import { cli, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const TINY = ['--task', 'copy', '--T', '2', '--batch', '2'];
const SUMMARY_KEYS = [
  'summary',
  'point',
  'label',
  'lambda',
  'factors',
  'steps',
  'window',
  'finalLoss',
  'accuracy',
  'testAccuracy',
  'fullDeviation',
  'spectralNorm',
  'gradRatio',
  'paramsRecurrent',
  'paramsTotal',
  'msPerStep',
  'diverged',
];

type Line = Record<string, unknown>;
const parse = (out: string[]) => out.map((l) => JSON.parse(l) as Line);

describe('kru sweep', () => {
  it('--lambda: one line per point per logged step, then one summary per point in grid order', async () => {
    const r = await cli(
      'sweep',
      '--lambda',
      '0,1e-2,1',
      ...TINY,
      '--hidden',
      '4',
      '--steps',
      '4',
      '--log-every',
      '2',
    );
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const lines = parse(r.out);
    const steps = lines.filter((l) => !l.summary);
    const summaries = lines.filter((l) => l.summary);
    expect(steps.map((l) => [l.point, l.step])).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
      [0, 4],
      [1, 4],
      [2, 4],
    ]);
    expect(Object.keys(steps[0]).slice(0, 4)).toEqual(['point', 'label', 'model', 'step']);
    expect(steps.map((l) => l.label).slice(0, 3)).toEqual(['λ=0', 'λ=0.01', 'λ=1']);
    expect(summaries.map((l) => l.point)).toEqual([0, 1, 2]);
    for (const s of summaries) {
      expect(Object.keys(s)).toEqual(SUMMARY_KEYS);
      expect(s.factors).toEqual([2, 2]);
      expect(s.window).toBe(1);
      // With a window of one step the final loss is the last step's.
      const last = steps.filter((l) => l.point === s.point).at(-1)!;
      expect(s.finalLoss).toBe(last.loss);
      expect(s.fullDeviation).toBe(last.fullDeviation);
      expect(s.diverged).toBeNull();
    }
    // Every point starts from the same weights on the same batch: the first step's loss is the same.
    const first = await cli(
      'sweep',
      '--lambda',
      '0,1',
      ...TINY,
      '--hidden',
      '4',
      '--steps',
      '1',
      '--log-every',
      '1',
    );
    const [a, b] = parse(first.out);
    expect(a.loss).toBe(b.loss);
  });

  it('--factors: factorisations of N (N from the first when --hidden is absent), or all of them', async () => {
    const r = await cli('sweep', '--factors', '2x2x2,8', ...TINY, '--steps', '2');
    expect(r.err).toEqual([]);
    const summaries = parse(r.out).filter((l) => l.summary);
    expect(summaries.map((s) => [s.label, s.factors, s.paramsRecurrent])).toEqual([
      ['2×2×2', [2, 2, 2], 24],
      ['8', [8], 128],
    ]);
    for (const s of summaries) expect(s.msPerStep as number).toBeGreaterThan(0);
    const all = await cli('sweep', '--factors', 'all', ...TINY, '--hidden', '4', '--steps', '1');
    expect(
      parse(all.out)
        .filter((l) => l.summary)
        .map((s) => s.label),
    ).toEqual(['2×2', '4']);
  });

  it("takes the run and its first KRU from a settings file, with --factors as that KRU's own", async () => {
    const config = {
      ...defaultRunConfig(),
      task: { name: 'adding' as const, T: 3, permuted: false },
      batch: 2,
      models: [defaultModel('rnn', 4), { ...defaultModel('kru', 4), activation: 'tanh' as const }],
    };
    const file = tmp.file('run.json', settingsToJson(config, defaultAppSettings()));
    const r = await cli('sweep', '--config', file, '--lambda', '0,1', '--factors', '4', '--steps', '1');
    expect(r.err).toEqual([]);
    const s = parse(r.out).filter((l) => l.summary);
    expect(s.map((x) => [x.lambda, x.factors])).toEqual([
      [0, [4]],
      [1, [4]],
    ]);
    expect(s[0].accuracy).toBeNull(); // adding has no accuracy
  });

  it('prints its help', async () => {
    const r = await cli('sweep', '--help');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/--lambda L1,L2/);
    expect((await cli('--help')).out.join('\n')).toMatch(/sweep --lambda/);
  });

  it.each([
    ['no grid', [...TINY], /^error: missing the grid: --lambda/],
    ['both grids', ['--lambda', '0,1', '--factors', '2x2,4', ...TINY], /sweep λ or the factors, not both/],
    ['a λ that is not a number', ['--lambda', '0,x', ...TINY], /--lambda takes numbers separated by commas/],
    ['a negative λ', ['--lambda', '0,-1', ...TINY], /^error: --lambda: λ=−1: .*must be a number ≥ 0/],
    ['13 values', ['--lambda', Array(13).fill('0').join(','), ...TINY], /1 to 12 grid points/],
    ['factors off N', ['--factors', '2x2,2x4', ...TINY], /--factors 2x4 multiply to 8, not N = 4$/],
    ['factor sizes as train writes them', ['--factors', '2,2', ...TINY, '--hidden', '4'], /joined by x\)$/],
    ['bad factor text', ['--factors', '2x,4', ...TINY], /--factors takes factorisations joined by x/],
    ['an RNN', ['--lambda', '0', ...TINY, '--model', 'rnn'], /--model must be kru, got "rnn"/],
    ['a group of 9', ['--lambda', '0', ...TINY, '--group-size', '9'], /--group-size must be 1 to 8, got 9/],
    ['no task', ['--lambda', '0'], /missing --task/],
    ['an unknown flag', ['--lambda', '0', ...TINY, '--grid', '1'], /unknown flag --grid for "sweep"/],
    [
      'run flags beside --preset',
      ['--lambda', '0', '--preset', 'copy-memory', '--T', '3'],
      /--T cannot be combined with --preset/,
    ],
  ])('refuses %s: one line on stderr, exit 2, nothing on stdout', async (_, argv, message) => {
    const r = await cli('sweep', ...(argv as string[]));
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message as RegExp);
    expect(r.code).toBe(2);
  });
});
