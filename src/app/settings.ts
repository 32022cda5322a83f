// Settings ⇄ URL query and ⇄ JSON file. Pure functions (no DOM, no store), so both directions are easy to test.
// A link or file either parses completely or is rejected with one readable message: never half-applied.
import { BACKEND_NAMES } from '../engine/backend-names';
import { defaultExperimentConfig, parseExperimentConfig } from '../engine/config';
import type { ExperimentConfig } from '../engine/types';
import { parseFactors } from '../model/config';
import type { BackendPreference, TrainingThreads } from '../../workers/protocol';

export interface Settings {
  /** The full config, λ and lr included (their live values). */
  config: ExperimentConfig;
  stepsPerTick: number;
}

export const MAX_STEPS_PER_TICK = 50;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function defaultSettings(): Settings {
  return { config: defaultExperimentConfig(), stepsPerTick: 1 };
}

/** URL parameter names, short so a shared link stays readable. */
const KEYS = [
  'task',
  'T',
  'permuted',
  'N',
  'factors',
  'kact',
  'kinit',
  'kscale',
  'ract',
  'rinit',
  'rgain',
  'batch',
  'seed',
  'opt',
  'lr',
  'lambda',
  'clip',
  'impl',
  'models',
  'spt',
] as const;

export function settingsToParams(s: Settings): URLSearchParams {
  const c = s.config;
  const p = new URLSearchParams();
  p.set('task', c.task.name);
  p.set('T', String(c.task.T));
  p.set('permuted', c.task.permuted ? '1' : '0');
  p.set('N', String(c.hidden));
  p.set('factors', c.kru.factors.join(','));
  p.set('kact', c.kru.activation);
  p.set('kinit', c.kru.init.kind);
  p.set('kscale', String(c.kru.init.scale));
  p.set('ract', c.rnn.activation);
  p.set('rinit', c.rnn.init.kind);
  p.set('rgain', String(c.rnn.init.gain));
  p.set('batch', String(c.batch));
  p.set('seed', String(c.seed));
  p.set('opt', c.optimizer);
  p.set('lr', String(c.lr));
  p.set('lambda', String(c.lambda));
  p.set('clip', c.clip === null ? 'off' : String(c.clip));
  p.set('impl', c.impl);
  p.set('models', c.models.join(','));
  p.set('spt', String(s.stepsPerTick));
  return p;
}

function num(name: string, text: string): number {
  // Number('') is 0 and Number(' 1 ') is 1: require something that looks like a number.
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) {
    throw new Error(`${name} must be a number, got "${text}"`);
  }
  return Number(text);
}

function checkStepsPerTick(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_STEPS_PER_TICK) {
    throw new Error(
      `steps per tick must be an integer from 1 to ${MAX_STEPS_PER_TICK}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/**
 * Reads settings from a query string. Other parameters (`backend`, `threads`: see machineFromParams) are ignored; a query
 * with none of ours gives { ok: true, value: null } (use the defaults, say nothing).
 */
export function settingsFromParams(params: URLSearchParams): Parsed<Settings | null> {
  if (!KEYS.some((k) => params.has(k))) return { ok: true, value: null };
  const d = defaultSettings();
  const c: ExperimentConfig = structuredClone(d.config);
  let spt = d.stepsPerTick;
  try {
    const get = (k: (typeof KEYS)[number]) => params.get(k);
    const str = (k: (typeof KEYS)[number], apply: (v: string) => void) => {
      const v = get(k);
      if (v !== null) apply(v);
    };
    const n = (k: (typeof KEYS)[number], apply: (v: number) => void) => str(k, (v) => apply(num(k, v)));
    // Enum values are cast here and checked by the schema below, which names the offending field.
    str('task', (v) => (c.task.name = v as ExperimentConfig['task']['name']));
    n('T', (v) => (c.task.T = v));
    str('permuted', (v) => {
      if (v !== '0' && v !== '1') throw new Error(`permuted must be 0 or 1, got "${v}"`);
      c.task.permuted = v === '1';
    });
    n('N', (v) => (c.hidden = v));
    str('factors', (v) => (c.kru.factors = parseFactors(v)));
    str('kact', (v) => (c.kru.activation = v as ExperimentConfig['kru']['activation']));
    str('kinit', (v) => (c.kru.init.kind = v as ExperimentConfig['kru']['init']['kind']));
    n('kscale', (v) => (c.kru.init.scale = v));
    str('ract', (v) => (c.rnn.activation = v as ExperimentConfig['rnn']['activation']));
    str('rinit', (v) => (c.rnn.init.kind = v as ExperimentConfig['rnn']['init']['kind']));
    n('rgain', (v) => (c.rnn.init.gain = v));
    n('batch', (v) => (c.batch = v));
    n('seed', (v) => (c.seed = v));
    str('opt', (v) => (c.optimizer = v as ExperimentConfig['optimizer']));
    n('lr', (v) => (c.lr = v));
    n('lambda', (v) => (c.lambda = v));
    str('clip', (v) => (c.clip = v === 'off' ? null : num('clip', v)));
    str('impl', (v) => (c.impl = v as ExperimentConfig['impl']));
    str('models', (v) => (c.models = v.split(',').map((m) => m.trim()) as ExperimentConfig['models']));
    n('spt', (v) => (spt = checkStepsPerTick(v)));
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  const parsed = parseExperimentConfig(c);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { config: parsed.value, stepsPerTick: spt } };
}

/** How this machine should train: not settings of the run (a shared link reproduces the same numbers either
 * way), but kept in the link so a page opened with them keeps them. */
export interface MachineChoice {
  backend?: BackendPreference;
  threads?: TrainingThreads;
}

export const MACHINE_KEYS = ['backend', 'threads'] as const;

/** Reads `backend` and `threads` from a query string; absent ones are left to the worker's own choice. */
export function machineFromParams(params: URLSearchParams): Parsed<MachineChoice> {
  const choice: MachineChoice = {};
  const backend = params.get('backend');
  if (backend !== null) {
    const b = BACKEND_NAMES.find((x) => x === backend);
    if (!b) return { ok: false, error: `backend must be one of ${BACKEND_NAMES.join(', ')}, got "${backend}"` };
    choice.backend = b;
  }
  const threads = params.get('threads');
  if (threads !== null) {
    if (threads !== '1' && threads !== '2') return { ok: false, error: `threads must be 1 or 2, got "${threads}"` };
    choice.threads = threads === '1' ? 1 : 2;
  }
  return { ok: true, value: choice };
}

const FILE_KIND = 'kru-explorer-settings';

export function settingsToJson(s: Settings): string {
  return JSON.stringify(
    { kind: FILE_KIND, version: 1, config: s.config, stepsPerTick: s.stepsPerTick },
    null,
    2,
  );
}

export function settingsFromJson(text: string): Parsed<Settings> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return { ok: false, error: 'expected a JSON object' };
  const o = data as Record<string, unknown>;
  if (o.kind !== FILE_KIND) {
    return { ok: false, error: `not a KRU Explorer settings file (expected "kind": "${FILE_KIND}")` };
  }
  const parsed = parseExperimentConfig(o.config);
  if (!parsed.ok) return parsed;
  try {
    return {
      ok: true,
      value: { config: parsed.value, stepsPerTick: checkStepsPerTick(o.stepsPerTick ?? 1) },
    };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Whether two configs differ in anything that needs a reset (everything except the live λ and lr). */
export function structuralDiff(a: ExperimentConfig, b: ExperimentConfig): string[] {
  const strip = (c: ExperimentConfig) => ({ ...c, lambda: 0, lr: 0 });
  const sa = strip(a) as unknown as Record<string, unknown>;
  const sb = strip(b) as unknown as Record<string, unknown>;
  return Object.keys(sa).filter((k) => JSON.stringify(sa[k]) !== JSON.stringify(sb[k]));
}

// λ slider: position 0 is λ = 0; positions 1…LAMBDA_STEPS span 1e-4…10 logarithmically.
export const LAMBDA_MIN = 1e-4;
export const LAMBDA_MAX = 10;
export const LAMBDA_STEPS = 500;

export function lambdaFromSlider(pos: number): number {
  if (pos <= 0) return 0;
  const f = (pos - 1) / (LAMBDA_STEPS - 1);
  const v = LAMBDA_MIN * Math.pow(LAMBDA_MAX / LAMBDA_MIN, f);
  return Number(v.toPrecision(3)); // round so the number box shows 0.0316, not 0.031622776601683794
}

export function sliderFromLambda(lambda: number): number {
  if (!(lambda > 0)) return 0;
  const clamped = Math.min(LAMBDA_MAX, Math.max(LAMBDA_MIN, lambda));
  const f = Math.log(clamped / LAMBDA_MIN) / Math.log(LAMBDA_MAX / LAMBDA_MIN);
  return 1 + Math.round(f * (LAMBDA_STEPS - 1));
}
