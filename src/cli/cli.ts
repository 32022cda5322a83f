// The command-line interface: `train` and `inspect` (one file each). Everything is validated before any work
// starts, so a bad flag or file produces one line on stderr, a non-zero exit code and no output at all. stdout
// carries only JSON so it can be piped into other tools.
import { CliError } from './args';
import type { CliIO } from './common';
import { inspect } from './inspect';
import { presets } from './presets';
import { sweep } from './sweep';
import { train } from './train';

export type { CliIO } from './common';
export { TRAIN_HELP, planTrain } from './train';
export { SWEEP_HELP, planSweepCommand, summaryLine } from './sweep';
export { INSPECT_HELP, inspectModel, parseInspectData, planInspect, type InspectData } from './inspect';

export const USAGE = `kru — train and inspect Kronecker Recurrent Units (Jose, Cissé, Fleuret, ICML 2018) and RNN baselines.

Usage:
  npm run -s kru -- train --config run.json [--steps S] [options]
  npm run -s kru -- train --preset NAME [--steps S] [options]
  npm run -s kru -- presets
  npm run -s kru -- train --task copy|adding|digits --model kru|rnn [options]
  npm run -s kru -- sweep --lambda 0,1e-3,1e-2,0.1,1,10 --task copy [--steps S] [options]
  npm run -s kru -- sweep --factors 2x2x2x2x2x2,4x4x4,8x8,64 --task copy [--steps S] [options]
  npm run -s kru -- inspect --model model.json --data data.json [--backend …] [--impl …]
  npm run -s kru -- --help | train --help | sweep --help | inspect --help

stdout is JSON only (train: one line per model per logged step; sweep: the same per grid point, then one summary line per point; inspect: one object; presets: one array); -s keeps npm's own banner off it.
Errors: one line on stderr and exit code 2 (bad flags or files, nothing done) or 1 (failure while running).`;

/** Runs the CLI on argv (without "node script"); returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined)
      throw new CliError('missing command: train, sweep, inspect or presets (see --help)');
    if (command === '--help' || command === '-h' || command === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (command === 'train') return await train(rest, io);
    if (command === 'sweep') return await sweep(rest, io);
    if (command === 'inspect') return await inspect(rest, io);
    if (command === 'presets') return presets(rest, io);
    throw new CliError(
      `unknown command "${command}" (expected train, sweep, inspect or presets; see --help)`,
    );
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    io.err(`error: ${message.replace(/\s*\n\s*/g, ' ')}`);
    return e instanceof CliError ? e.code : 1;
  }
}
