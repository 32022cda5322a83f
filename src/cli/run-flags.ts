// The train command's run flags, derived from the settings table: one flag per row (the run's rows, and the
// rows of the chosen --model kind), its --help line from the row's help, its check from the row's schema.
import { MODEL_KINDS, type ModelKind } from '../core/vocabulary';
import { defaultFactors, product } from '../core/factor-layout';
import {
  defaultModel,
  defaultRunConfig,
  MODEL_TABLES,
  parseRunConfig,
  quoteText,
  readTextSafely,
  MODEL_ROWS,
  RUN_ROWS,
  RUN_TABLE,
  setPath,
  type Row,
  type RunConfig,
} from '../settings';
import { CliError, FlagReader, type FlagKind } from './args';

/** Task rows that only some tasks read. */
const TASK_ONLY: Record<string, { tasks: string[]; who: string }> = {
  T: { tasks: ['copy', 'adding'], who: '--task copy and adding (digits sequences are 64 steps)' },
  permuted: { tasks: ['digits'], who: '--task digits' },
};

const flagKind = (row: Row): FlagKind => (row.field === 'bool' ? 'bool' : 'value');

/** Every flag the run rows define, with its kind (value or bare boolean). */
export function runFlagKinds(): Record<string, FlagKind> {
  const out: Record<string, FlagKind> = { model: 'value' };
  for (const { row } of [...RUN_ROWS, ...Object.values(MODEL_ROWS).flat()]) out[row.flag] = flagKind(row);
  return out;
}

/** The kinds whose table has this flag. */
function kindsWith(flag: string): ModelKind[] {
  return MODEL_KINDS.filter((k) => MODEL_ROWS[k].some((r) => r.row.flag === flag));
}

/** What a row accepts, in words: "2…2000", "crelu|modrelu|…", "off or > 0…1000000". */
function accepts(row: Row): string {
  if (row.options) return row.options.join('|');
  if (row.field === 'factors') return 'p,p,…';
  if (row.field === 'text') return 'TEXT';
  const range = `${row.min}…${row.max}`;
  if (row.field === 'optional-number') return `off or ${range}`;
  return row.field === 'int' ? `integer ${range}` : range;
}

function helpLine(flag: string, rows: Array<{ kind?: ModelKind; row: Row }>): string {
  const value = rows[0].row.field === 'bool' ? '' : ' X';
  // Kinds that share one row (the KRU's and the KRU-LSTM's factors) get one entry naming them all.
  const groups: Array<{ kinds: ModelKind[]; row: Row }> = [];
  for (const { kind, row } of rows) {
    const g = groups.find((x) => x.row === row);
    if (g) g.kinds.push(kind!);
    else groups.push({ kinds: kind ? [kind] : [], row });
  }
  const parts = groups.map(({ kinds, row }) => {
    const what = row.field === 'bool' ? row.help : `${row.help} (${accepts(row)})`;
    return groups.length > 1 ? `${kinds.join(', ')}: ${what}` : what;
  });
  const kinds = groups.length === 1 ? groups[0].kinds : [];
  const suffix = kinds.length && kinds.length < MODEL_KINDS.length ? ` (${kinds.join(', ')} only)` : '';
  return `  --${(flag + value).padEnd(30)} ${parts.join('; ')}${suffix}`;
}

/** The --help lines of the run flags, generated from the rows (a flag several kinds share lists each kind's). */
export function runFlagsHelp(): string {
  const lines = RUN_ROWS.map(({ row }) => helpLine(row.flag, [{ row }]));
  lines.push(
    `  --${'model KIND'.padEnd(30)} the model kind, ${MODEL_KINDS.join('|')} (required without --config or --preset)`,
  );
  const byFlag = new Map<string, Array<{ kind: ModelKind; row: Row }>>();
  for (const kind of MODEL_KINDS) {
    for (const { row } of MODEL_ROWS[kind])
      (byFlag.get(row.flag) ?? byFlag.set(row.flag, []).get(row.flag)!).push({ kind, row });
  }
  for (const [flag, rows] of byFlag) {
    // The same row in every kind (id, N, lr, …): one line without kinds.
    const same = rows.length === MODEL_KINDS.length && rows.every((r) => r.row === rows[0].row);
    lines.push(helpLine(flag, same ? [{ row: rows[0].row }] : rows));
  }
  return lines.join('\n');
}

/** Whether any flag that describes the run (as opposed to how to train it) is given. */
export function hasRunFlags(f: FlagReader): string | null {
  for (const flag of Object.keys(runFlagKinds())) if (f.has(flag)) return flag;
  return null;
}

function read(f: FlagReader, row: Row): unknown {
  if (row.field === 'bool') return f.bool(row.flag);
  const text = f.string(row.flag)!;
  const r = readTextSafely(row, text, `--${row.flag}`);
  if (!r.ok) throw new CliError(r.error);
  return r.value;
}

/** A one-model run from flags (the shorthand for a settings file with one model). */
export function runConfigFromFlags(f: FlagReader): RunConfig {
  const config = defaultRunConfig();
  const taskRow = RUN_TABLE.task.name;
  if (!f.has(taskRow.flag)) throw new CliError(`missing --task (one of ${taskRow.options!.join(', ')})`);
  for (const { path, row } of RUN_ROWS) if (f.has(row.flag)) setPath(config, path, read(f, row));
  for (const [flag, only] of Object.entries(TASK_ONLY)) {
    if (f.has(flag) && !only.tasks.includes(config.task.name))
      throw new CliError(`--${flag} applies only to ${only.who}`);
  }
  const kindText = f.string('model');
  if (kindText === undefined) throw new CliError(`missing --model (one of ${MODEL_KINDS.join(', ')})`);
  const kind = MODEL_KINDS.find((k) => k === kindText);
  if (!kind)
    throw new CliError(`--model must be one of ${MODEL_KINDS.join(', ')}, got ${quoteText(kindText)}`);
  for (const flag of Object.keys(runFlagKinds())) {
    const kinds = kindsWith(flag);
    if (f.has(flag) && kinds.length && !kinds.includes(kind)) {
      throw new CliError(`--${flag} applies only to ${kinds.map((k) => `--model ${k}`).join(', ')}`);
    }
  }
  const hidden = f.has('hidden') ? (read(f, MODEL_TABLES[kind].hidden) as number) : undefined;
  const model = defaultModel(kind, hidden);
  for (const { path, row } of MODEL_ROWS[kind]) if (f.has(row.flag)) setPath(model, path, read(f, row));
  if (f.has('id') && !f.has('label')) model.label = model.id;
  if ('factors' in model && f.has('factors')) {
    const size = product(model.factors);
    if (size !== model.hidden) {
      throw new CliError(
        `--factors ${model.factors.join(',')} multiply to ${size}, but --hidden is ${model.hidden}`,
      );
    }
  } else if ('factors' in model) model.factors = defaultFactors(model.hidden);
  // The rank rule joins two flags: name them (the settings' message would name the model's field instead).
  if (model.kind === 'lowrank' && model.rank > model.hidden)
    throw new CliError(
      `--rank ${model.rank} is more than --hidden ${model.hidden}: the rank of W = A·B is at most N`,
    );
  config.models = [model];
  const parsed = parseRunConfig(config);
  if (!parsed.ok) throw new CliError(parsed.error);
  return parsed.value;
}
