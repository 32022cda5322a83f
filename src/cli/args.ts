// Flag parsing for the CLI: `--name value`, `--name=value` and boolean `--name`. Every problem is a CliError
// whose message is the one line the user sees after "error: ".
import { quoteText } from '../settings/run-config';

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    /** 2 = bad usage or input (nothing was done), 1 = failure while running. */
    readonly code = 2,
  ) {
    super(message);
  }
}

export type FlagKind = 'value' | 'bool';
export type Flags = Map<string, string | true>;

/** Parses argv against the allowed flags of a command. Rejects unknown, repeated and value-less flags. */
export function parseFlags(argv: string[], allowed: Record<string, FlagKind>, command: string): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      flags.set('help', true);
      continue;
    }
    if (!arg.startsWith('--') || arg === '--')
      throw new CliError(`unexpected argument ${quoteText(arg)} (flags look like --name value)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    // Own keys only: `--constructor` or `--toString` would otherwise find Object.prototype's members.
    const kind = Object.hasOwn(allowed, name) ? allowed[name] : undefined;
    if (!kind) {
      const shown = /^[\w-]{1,40}$/.test(name) ? `--${name}` : quoteText(`--${name}`);
      throw new CliError(`unknown flag ${shown} for "${command}" (see kru ${command} --help)`);
    }
    if (flags.has(name)) throw new CliError(`--${name} is given more than once`);
    if (kind === 'bool') {
      if (eq >= 0) throw new CliError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    if (value === undefined || value === '') throw new CliError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return flags;
}

/** Typed accessors over parsed flags that produce the CLI's error messages. */
export class FlagReader {
  constructor(private readonly flags: Flags) {}

  has(name: string): boolean {
    return this.flags.has(name);
  }

  bool(name: string): boolean {
    return this.flags.get(name) === true;
  }

  string(name: string): string | undefined {
    const v = this.flags.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  required(name: string, what: string): string {
    const v = this.string(name);
    if (v === undefined) throw new CliError(`missing --${name} (${what})`);
    return v;
  }

  choice<T extends string>(name: string, options: readonly T[], fallback: T): T;
  choice<T extends string>(name: string, options: readonly T[]): T | undefined;
  choice<T extends string>(name: string, options: readonly T[], fallback?: T): T | undefined {
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!(options as readonly string[]).includes(v))
      throw new CliError(`--${name} must be one of ${options.join(', ')}, got ${quoteText(v)}`);
    return v as T;
  }

  positiveInt(name: string, fallback: number): number {
    return this.int(name, fallback, 1, 'a positive integer');
  }

  nonNegativeInt(name: string, fallback: number): number {
    return this.int(name, fallback, 0, 'an integer ≥ 0');
  }

  private int(name: string, fallback: number, min: number, what: string): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = /^[+]?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min)
      throw new CliError(`--${name} must be ${what}, got ${quoteText(v)}`);
    return n;
  }

  positiveNumber(name: string, fallback: number): number {
    const n = this.number(name, fallback);
    if (!(n > 0))
      throw new CliError(`--${name} must be a number > 0, got ${quoteText(this.string(name) ?? '')}`);
    return n;
  }

  nonNegativeNumber(name: string, fallback: number): number {
    const n = this.number(name, fallback);
    if (!(n >= 0))
      throw new CliError(`--${name} must be a number ≥ 0, got ${quoteText(this.string(name) ?? '')}`);
    return n;
  }

  private number(name: string, fallback: number): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isFinite(n)) throw new CliError(`--${name} must be a number, got ${quoteText(v)}`);
    return n;
  }
}
