// `kru presets`: the preset runs, with their captions, as one JSON array (the same list the app's buttons show).
import { PRESETS } from '../presets';
import { CliError } from './args';
import type { CliIO } from './common';

export function presets(argv: string[], io: CliIO): number {
  if (argv.length) throw new CliError(`presets takes no arguments, got "${argv[0]}"`);
  const list = PRESETS.map((p) => ({
    name: p.name,
    title: p.title,
    caption: p.caption,
    steps: p.steps,
    focus: p.focus,
    models: p.config.models.map((m) => ({ id: m.id, label: m.label, kind: m.kind })),
  }));
  io.out(JSON.stringify(list, null, 2));
  return 0;
}
