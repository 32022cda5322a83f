// Property tests of the CLI's flag parsing (src/cli/args.ts, src/cli/run-flags.ts, and `kru train`'s and
// `kru inspect`'s plans built on them): any argv is either a plan whose run is valid or a CliError (usage,
// code 2) of one line; a flag named like an Object.prototype member is unknown; a one-model run given as flags
// is read back exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError, FlagReader, parseFlags, type FlagKind } from '../../src/cli/args';
import { planInspect } from '../../src/cli/inspect';
import { runConfigFromFlags, runFlagKinds } from '../../src/cli/run-flags';
import { planTrain } from '../../src/cli/train';
import {
  MODEL_ROWS,
  RUN_ROWS,
  defaultRunConfig,
  getPath,
  parseRunConfig,
  type RunConfig,
} from '../../src/settings';
import {
  PROTOTYPE_KEYS,
  expectOneLine,
  hostileText,
  guardPrototypes,
  runConfig,
} from '../settings/arbitraries';

guardPrototypes();

/** A usage error: a CliError with code 2 and a one-line message (anything else fails the property). */
function expectUsageError(e: unknown): void {
  if (!(e instanceof CliError)) throw e;
  expect(e.code).toBe(2);
  expectOneLine(e.message);
}

const RUN_FLAGS = runFlagKinds();
const TRAIN_ONLY = ['preset', 'steps', 'backend', 'log-every', 'keep-going', 'help'];

/** Arguments a hostile or careless command line may hold: our flags in every form, values, junk. */
const argument = fc.oneof(
  fc.constantFrom(...Object.keys(RUN_FLAGS), ...TRAIN_ONLY, ...PROTOTYPE_KEYS).map((f) => `--${f}`),
  fc
    .tuple(fc.constantFrom(...Object.keys(RUN_FLAGS), ...TRAIN_ONLY, ...PROTOTYPE_KEYS), hostileText)
    .map(([f, v]) => `--${f}=${v}`),
  fc.constantFrom(
    'kru',
    'rnn',
    'copy',
    'adding',
    'digits',
    '16',
    '4,4',
    '0.01',
    'off',
    'cpu',
    '-h',
    '--',
    '-',
  ),
  hostileText,
);
const argv = fc.array(argument, { maxLength: 14 });

describe('parseFlags', () => {
  const allowed = fc.dictionary(
    fc.stringMatching(/^[a-z][a-z-]{0,8}$/),
    fc.constantFrom<FlagKind>('value', 'bool'),
    { maxKeys: 6 },
  );

  it('returns only allowed flags with their kind of value, or throws a one-line usage error', () => {
    fc.assert(
      fc.property(allowed, argv, (flags, args) => {
        let parsed: Map<string, string | true>;
        try {
          parsed = parseFlags(args, flags, 'train');
        } catch (e) {
          expectUsageError(e);
          return;
        }
        for (const [name, value] of parsed) {
          if (name === 'help') continue; // -h
          expect(Object.hasOwn(flags, name), name).toBe(true);
          if (flags[name] === 'bool') expect(value).toBe(true);
          else expect(typeof value === 'string' && value.length > 0).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('counterexample: --constructor, --toString, --__proto__ are unknown flags, not value flags', () => {
    for (const name of PROTOTYPE_KEYS) {
      expect(() => parseFlags([`--${name}`, 'x'], { task: 'value' }, 'train')).toThrow(
        new CliError(`unknown flag --${name} for "train" (see kru train --help)`),
      );
    }
    expect(() => parseFlags(['a\nb'], {}, 'train')).toThrow('unexpected argument "a\\nb"');
  });

  it('FlagReader: numbers and choices are the kind asked for, or a one-line usage error', () => {
    fc.assert(
      fc.property(hostileText, (v) => {
        const f = new FlagReader(new Map([['x', v]]));
        const checks: Array<[() => unknown, (n: unknown) => boolean]> = [
          [() => f.positiveInt('x', 1), (n) => Number.isSafeInteger(n) && (n as number) >= 1],
          [() => f.nonNegativeInt('x', 0), (n) => Number.isSafeInteger(n) && (n as number) >= 0],
          [() => f.positiveNumber('x', 1), (n) => Number.isFinite(n) && (n as number) > 0],
          [() => f.nonNegativeNumber('x', 0), (n) => Number.isFinite(n) && (n as number) >= 0],
          [() => f.choice('x', ['a', 'b'] as const), (n) => n === 'a' || n === 'b'],
        ];
        for (const [read, ok] of checks) {
          try {
            expect(ok(read())).toBe(true);
          } catch (e) {
            expectUsageError(e);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * A one-model run as `kru train` flags, from the rows (every value as `--flag=value`, so a label that starts
 * with "--" stays a value). The run must be one the flags can say: T only for copy and adding, permuted only
 * for digits (the CLI refuses them elsewhere), so `flaggable` puts the defaults there.
 */
function flaggable(c: RunConfig): RunConfig {
  const task = { ...c.task };
  if (task.name === 'digits') task.T = defaultRunConfig().task.T;
  else task.permuted = false;
  return { ...c, task, models: c.models.slice(0, 1) };
}

function toArgv(c: RunConfig): string[] {
  const out: string[] = [];
  const m = c.models[0];
  const rows = [
    ...RUN_ROWS.map((r) => ({ ...r, from: c as unknown })),
    ...MODEL_ROWS[m.kind].map((r) => ({ ...r, from: m as unknown })),
  ];
  for (const { path, row, from } of rows) {
    const v = getPath(from, path);
    if (row.field === 'bool') {
      if (v) out.push(`--${row.flag}`);
    } else if (!(row.key === 'T' && c.task.name === 'digits')) out.push(`--${row.flag}=${row.formatText(v)}`);
  }
  return [...out, `--model=${m.kind}`];
}

describe('kru train flags', () => {
  it('a one-model run given as flags is read back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(runConfig({ maxModels: 1 }).map(flaggable), async (c) => {
        const plan = await planTrain(toArgv(c));
        expect(plan).not.toBe('help');
        if (plan !== 'help') expect(plan.config).toEqual(c);
      }),
      { numRuns: 150 },
    );
  });

  it('any argv gives a plan with a valid run or a one-line usage error; nothing in between', async () => {
    // --config and --save name files: kept to paths that do not exist (planTrain only reads and checks).
    const safe = argv.map((args) =>
      args.map((a) => a.replace(/^--(config|save)(=.*)?$/, '--$1=/nonexistent/kru-property-test.json')),
    );
    await fc.assert(
      fc.asyncProperty(safe, async (args) => {
        try {
          const plan = await planTrain(args);
          if (plan !== 'help') expect(parseRunConfig(plan.config).ok).toBe(true);
        } catch (e) {
          expectUsageError(e);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('one bad value among good flags: refused naming that flag, or (when it is valid) read as that value', () => {
    fc.assert(
      fc.property(runConfig({ maxModels: 1 }).map(flaggable), fc.nat(), hostileText, (c, i, garbage) => {
        const args = toArgv(c);
        const valued = args.filter((a) => a.includes('=') && !a.startsWith('--model='));
        const target = valued[i % valued.length];
        const flag = target.slice(0, target.indexOf('='));
        const bad = args.map((a) => (a === target ? `${flag}=${garbage}` : a));
        let config: RunConfig;
        try {
          config = runConfigFromFlags(new FlagReader(parseFlags(bad, RUN_FLAGS, 'train')));
        } catch (e) {
          expectUsageError(e);
          expect((e as Error).message).toContain(flag);
          return;
        }
        expect(parseRunConfig(config).ok).toBe(true);
        // Every other flag still says what it said.
        const again = runConfigFromFlags(
          new FlagReader(
            parseFlags(
              toArgv(config).filter((a) => !a.startsWith(`${flag}=`)),
              RUN_FLAGS,
              'train',
            ),
          ),
        );
        const without = runConfigFromFlags(
          new FlagReader(
            parseFlags(
              toArgv(c).filter((a) => !a.startsWith(`${flag}=`)),
              RUN_FLAGS,
              'train',
            ),
          ),
        );
        expect(again).toEqual(without);
      }),
      { numRuns: 200 },
    );
  });
});

describe('kru inspect flags', () => {
  it('any argv gives a plan or a one-line usage error', () => {
    const inspectArg = fc.oneof(
      argument,
      fc.constantFrom('--model', '--data', '--impl', '--backend', '--impl=reference', '--backend=wasm'),
    );
    fc.assert(
      fc.property(fc.array(inspectArg, { maxLength: 10 }), (args) => {
        try {
          const plan = planInspect(args);
          if (plan !== 'help')
            expect(typeof plan.model === 'string' && typeof plan.data === 'string').toBe(true);
        } catch (e) {
          expectUsageError(e);
        }
      }),
      { numRuns: 300 },
    );
  });
});
