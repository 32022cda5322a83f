// Settings ⇄ JSON file (what the app exports and imports, and what `kru train --config` reads). A file is
// checked whole: a bad file is refused with one readable message and changes nothing.
import { defaultFactors } from '../core/factor-layout';
import {
  parseRunConfig,
  formatIssues,
  oneLine,
  quoteText,
  AppSettingsSchema,
  defaultAppSettings,
  type Parsed,
} from './run-config';
import type { AppSettings, ModelSpec, RunConfig } from './table';

export const SETTINGS_FILE_KIND = 'kru-explorer-settings';
export const SETTINGS_FILE_VERSION = 2;

export function settingsToJson(config: RunConfig, app: AppSettings): string {
  return JSON.stringify({ kind: SETTINGS_FILE_KIND, version: SETTINGS_FILE_VERSION, config, app }, null, 2);
}

/** Version 1 files (one hidden size, a `kru` and an `rnn` block, global λ/lr/clip) as a version 2 config. */
export function migrateV1Config(c: unknown): unknown {
  if (!c || typeof c !== 'object') return c;
  const o = c as Record<string, unknown> & {
    kru?: Record<string, unknown>;
    rnn?: Record<string, unknown>;
    models?: unknown;
    hidden?: unknown;
  };
  const kinds = Array.isArray(o.models) ? (o.models as unknown[]) : ['kru', 'rnn'];
  const common = { hidden: o.hidden, lr: o.lr, clip: o.clip };
  const models: Array<Partial<ModelSpec> & Record<string, unknown>> = [];
  for (const kind of kinds) {
    if (kind === 'kru') {
      const k = o.kru ?? {};
      models.push({
        kind: 'kru',
        id: 'kru',
        label: 'KRU',
        ...common,
        factors: k.factors ?? (typeof o.hidden === 'number' ? defaultFactors(o.hidden) : undefined),
        activation: k.activation,
        init: k.init,
        lambda: o.lambda,
        strict: false,
      } as Record<string, unknown>);
    } else if (kind === 'rnn') {
      const r = o.rnn ?? {};
      models.push({
        kind: 'rnn',
        id: 'rnn',
        label: 'RNN',
        ...common,
        activation: r.activation,
        init: r.init,
      } as Record<string, unknown>);
    } else models.push({ kind: kind as never });
  }
  return { task: o.task, batch: o.batch, seed: o.seed, optimizer: o.optimizer, impl: o.impl, models };
}

/** A file's `version` as the refusal shows it: numbers as they are, text quoted and cut short, else its type. */
function shownVersion(v: unknown): string {
  if (typeof v === 'string') return quoteText(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : v === undefined ? '(none given)' : `an ${typeof v}`;
}

export function settingsFromJson(text: string): Parsed<{ config: RunConfig; app: AppSettings }> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: oneLine(`not JSON (${e instanceof Error ? e.message : String(e)})`) };
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return { ok: false, error: 'expected a JSON object' };
  const o = data as Record<string, unknown>;
  if (o.kind !== SETTINGS_FILE_KIND) {
    return {
      ok: false,
      error: `not a KRU Explorer settings file (expected "kind": "${SETTINGS_FILE_KIND}")`,
    };
  }
  let config: unknown = o.config;
  let app: unknown = o.app ?? defaultAppSettings();
  if (o.version === 1) {
    config = migrateV1Config(o.config);
    app = { stepsPerTick: o.stepsPerTick ?? 1 };
  } else if (o.version !== SETTINGS_FILE_VERSION) {
    return {
      ok: false,
      error: `unknown settings file version ${shownVersion(o.version)} (this app reads 1 and 2)`,
    };
  }
  const parsed = parseRunConfig(config);
  if (!parsed.ok) return parsed;
  const a = AppSettingsSchema.safeParse(app);
  if (!a.success) return { ok: false, error: formatIssues(a.error, app, 'app') };
  return { ok: true, value: { config: parsed.value, app: a.data as AppSettings } };
}
