// Settings ⇄ URL query, derived from the settings table. Run rows are `key=value`; the models are listed as
// `models=id:kind,…` and each model's rows are `id.key=value` (`kru.lambda=0.01`). Reading is forgiving per key:
// a bad value is reported and that one setting keeps its default, while every other key still applies.
import { KIND_LABEL, MODEL_KINDS, type ModelKind } from '../core/vocabulary';
import { defaultFactors, product } from '../core/factor-layout';
import { getPath, setPath } from './rows';
import {
  defaultAppSettings,
  defaultModel,
  defaultRunConfig,
  parseModelSpec,
  parseRunConfig,
  quoteText,
  readTextSafely,
} from './run-config';
import {
  APP_ROWS,
  MAX_MODELS,
  MODEL_ROWS,
  MODEL_TABLES,
  RUN_ROWS,
  type AppSettings,
  type ModelSpec,
  type RunConfig,
} from './table';

export interface LinkSettings {
  config: RunConfig;
  app: AppSettings;
}

export function settingsToParams(s: LinkSettings): URLSearchParams {
  const p = new URLSearchParams();
  for (const { path, row } of RUN_ROWS) p.set(row.key, row.formatText(getPath(s.config, path) as never));
  p.set('models', s.config.models.map((m) => `${m.id}:${m.kind}`).join(','));
  for (const m of s.config.models) {
    for (const { path, row } of MODEL_ROWS[m.kind]) {
      if (path[0] !== 'id') p.set(`${m.id}.${row.key}`, row.formatText(getPath(m, path) as never));
    }
  }
  for (const { path, row } of APP_ROWS) p.set(row.key, row.formatText(getPath(s.app, path) as never));
  return p;
}

/** Query keys of the format before runs had a model list (one N for a KRU and an RNN). */
const V1_KEYS: Record<string, string[]> = {
  N: ['kru.N', 'rnn.N'],
  factors: ['kru.factors'],
  kact: ['kru.act'],
  kinit: ['kru.init'],
  kscale: ['kru.scale'],
  ract: ['rnn.act'],
  rinit: ['rnn.init'],
  rgain: ['rnn.gain'],
  lr: ['kru.lr', 'rnn.lr'],
  lambda: ['kru.lambda'],
  clip: ['kru.clip', 'rnn.clip'],
};

function isV1(params: URLSearchParams): boolean {
  const models = params.get('models');
  if (models !== null) return !models.includes(':');
  return Object.keys(V1_KEYS).some((k) => params.has(k));
}

/** Rewrites a link of the earlier format into today's keys (same meaning, same numbers). */
export function migrateV1Params(old: URLSearchParams): URLSearchParams {
  const p = new URLSearchParams();
  const kinds = (old.get('models') ?? 'kru,rnn').split(',').map((s) => s.trim());
  for (const [k, v] of old) {
    // Own keys only: `constructor` or `__proto__` would otherwise find Object.prototype's members.
    const targets = Object.hasOwn(V1_KEYS, k) ? V1_KEYS[k] : undefined;
    if (!targets) {
      if (k !== 'models') p.set(k, v);
      continue;
    }
    for (const t of targets) if (kinds.includes(t.split('.')[0])) p.set(t, v);
  }
  p.set('models', kinds.map((k) => `${k}:${k}`).join(','));
  return p;
}

function isOurs(params: URLSearchParams): boolean {
  const keys = new Set(
    [...RUN_ROWS, ...APP_ROWS].map((r) => r.row.key).concat('models', ...Object.keys(V1_KEYS)),
  );
  return [...params.keys()].some((k) => keys.has(k) || /^[a-z][a-z0-9-]*\./.test(k));
}

/** Reads the models list; bad entries are reported and skipped. */
function readModelList(text: string, problems: string[]): Array<{ id: string; kind: ModelKind }> {
  const out: Array<{ id: string; kind: ModelKind }> = [];
  for (const item of text.split(',')) {
    const [id, kind] = item.split(':').map((s) => s.trim());
    const idCheck = readTextSafely(MODEL_TABLES.kru.id, id ?? '');
    if (!MODEL_KINDS.includes(kind as ModelKind)) {
      problems.push(
        `models: ${quoteText(item)} is not id:kind with kind one of ${MODEL_KINDS.join(', ')}; skipped`,
      );
    } else if (!idCheck.ok) problems.push(`models: ${idCheck.error}; skipped`);
    else if (out.some((m) => m.id === id))
      problems.push(`models: "${id}" is listed twice; the second was skipped`);
    else if (out.length === MAX_MODELS) problems.push(`models: at most ${MAX_MODELS}; "${id}" was skipped`);
    else out.push({ id, kind: kind as ModelKind });
  }
  return out;
}

function readModel(params: URLSearchParams, id: string, kind: ModelKind, problems: string[]): ModelSpec {
  const hiddenText = params.get(`${id}.N`);
  const hidden = hiddenText === null ? undefined : readTextSafely(MODEL_TABLES[kind].hidden, hiddenText);
  const m = defaultModel(kind, hidden?.ok ? hidden.value : undefined);
  m.id = id;
  m.label = id === kind ? KIND_LABEL[kind] : id;
  for (const { path, row } of MODEL_ROWS[kind]) {
    if (path[0] === 'id') continue;
    const text = params.get(`${id}.${row.key}`);
    if (text === null) continue;
    const r = readTextSafely(row, text);
    if (r.ok) setPath(m, path, r.value);
    else problems.push(`${id}: ${r.error}; using ${row.formatText(getPath(m, path) as never)}`);
  }
  if ('factors' in m && product(m.factors) !== m.hidden) {
    const fallback = defaultFactors(m.hidden);
    problems.push(
      `${id}: the factor sizes ${m.factors.join(',')} do not multiply to N = ${m.hidden}; using ${fallback.join(',')}`,
    );
    m.factors = fallback;
  }
  // A KRU's N whose factors cannot all be ≤ 1024 (a prime N = 1031, or N = 2050 = 2·1025 without factors
  // given) is no KRU at all: that one setting falls back, instead of the whole link being refused below.
  const check = parseModelSpec(m);
  if (!check.ok && 'factors' in m) {
    const fallback = defaultFactors(64);
    problems.push(
      `${id}: N = ${m.hidden} with factor sizes ${m.factors.join(',')} is no valid ${KIND_LABEL[m.kind]} ` +
        `(${check.error}); using N = 64 and factor sizes ${fallback.join(',')}`,
    );
    m.hidden = 64;
    m.factors = fallback;
  }
  if (m.kind === 'lowrank' && m.rank > m.hidden) {
    const fallback = Math.min(m.hidden, 4);
    problems.push(`${id}: rank ${m.rank} is more than N = ${m.hidden}; using ${fallback}`);
    m.rank = fallback;
  }
  return m;
}

/**
 * Reads settings from a query string. `value` is null when the query has none of ours (use the defaults);
 * `problems` lists each key that could not be used, with the value used instead.
 */
export function settingsFromParams(query: URLSearchParams): {
  value: LinkSettings | null;
  problems: string[];
} {
  if (!isOurs(query)) return { value: null, problems: [] };
  const params = isV1(query) ? migrateV1Params(query) : query;
  const problems: string[] = [];
  const config = defaultRunConfig();
  const app = defaultAppSettings();
  const read = (rows: typeof RUN_ROWS, target: object) => {
    for (const { path, row } of rows) {
      const text = params.get(row.key);
      if (text === null) continue;
      const r = readTextSafely(row, text);
      if (r.ok) setPath(target, path, r.value);
      else problems.push(`${r.error}; using ${row.formatText(getPath(target, path) as never)}`);
    }
  };
  read(RUN_ROWS, config);
  read(APP_ROWS, app);
  const listText = params.get('models');
  if (listText !== null) {
    const list = readModelList(listText, problems);
    if (list.length) config.models = list.map(({ id, kind }) => readModel(params, id, kind, problems));
    else problems.push('models: none could be read; using the default KRU and RNN');
  }
  for (const key of params.keys()) {
    if (!key.includes('.')) continue;
    const [id, rest] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
    const model = config.models.find((m) => m.id === id);
    const shown = /^[\w.-]{1,40}$/.test(key) ? key : quoteText(key);
    if (!model) problems.push(`${shown}: there is no model ${quoteText(id)} in this link; ignored`);
    else if (!MODEL_ROWS[model.kind].some((r) => r.row.key === rest && r.path[0] !== 'id')) {
      problems.push(`${shown}: a ${KIND_LABEL[model.kind]} has no setting ${quoteText(rest)}; ignored`);
    }
  }
  const check = parseRunConfig(config);
  if (!check.ok)
    return {
      value: null,
      problems: [...problems, `the settings do not fit together (${check.error}); using the defaults`],
    };
  return { value: { config: check.value, app }, problems };
}
