// How the training worker chooses between its two fused backends, cpu (typed-array loops and WebAssembly SIMD)
// and WebGPU (WGSL), by measuring rather than assuming: on the first run of a configuration class it times a few
// training steps of a throwaway copy of the run on each, keeps the faster, and remembers the figures per device
// and class, so that later runs of that class start at once. Plain logic, without the DOM or TensorFlow.js: the
// worker (workers/training.worker.ts) supplies the adapter, the store and the timing; the tests supply fakes.
import { formatValue } from '../core/format';
import { COPY_LENGTH } from '../tasks/copy';
import { DIGITS_PIXELS } from '../tasks/digits';
import type { BackendName } from './backend-names';
import type { RunConfig } from './types';

/** The backends with the fused recurrence kernels: the only two worth measuring. */
export type FusedBackend = 'cpu' | 'webgpu';
export const FUSED_BACKENDS: readonly FusedBackend[] = ['cpu', 'webgpu'];

/** Milliseconds per training step on each fused backend; null where the measurement failed. */
export type Timings = Record<FusedBackend, number | null>;

/** What the status line shows of a measured choice (WorkerStatus.backendMeasure). */
export interface BackendMeasure {
  msPerStep: Timings;
  chosen: FusedBackend;
  /** 'measured': just now, on a copy of this run; 'stored': earlier, on this device, for a run of this class. */
  source: 'measured' | 'stored';
  /** When it was measured (ms since 1970). */
  measuredAt: number;
  /** The WebGPU adapter it was measured on. */
  device: string;
  /** The configuration class (configClass). */
  configClass: string;
}

/**
 * webgpu must beat cpu by more than this fraction to be chosen: nearer than that is a tie, and a tie goes to cpu,
 * which cannot lose its device and may train two models in parallel on a machine with cores to spare.
 */
export const TIE_MARGIN = 0.05;

/** A stored measurement older than this is measured again (browsers, drivers and the app's kernels change). */
export const MAX_AGE_MS = 30 * 24 * 3600 * 1000;

/** How many steps are timed on each backend, and for how long at most (beyond the first timed step). */
export interface TimingPlan {
  /** Untimed steps first (compiling shaders, warming caches); fewer once they have taken `budgetMs`. */
  warmup: number;
  /** Timed steps at most; fewer once they have taken `budgetMs` (one at least). */
  timed: number;
  budgetMs: number;
}
export const TIMING: TimingPlan = { warmup: 2, timed: 5, budgetMs: 3000 };

function valid(ms: number | null | undefined): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0;
}

/** The faster backend, cpu on a tie (see TIE_MARGIN); one that failed loses; null when both failed. */
export function pickFaster(ms: Timings): FusedBackend | null {
  const [cpu, gpu] = [valid(ms.cpu), valid(ms.webgpu)];
  if (!cpu && !gpu) return null;
  if (!gpu) return 'cpu';
  if (!cpu) return 'webgpu';
  return ms.webgpu! < ms.cpu! * (1 - TIE_MARGIN) ? 'webgpu' : 'cpu';
}

/** The sequence length of the task (copy: the delay plus twice the copied length; digits: 64 pixels). */
export function taskSeqLength(task: RunConfig['task']): number {
  if (task.name === 'copy') return task.T + 2 * COPY_LENGTH;
  if (task.name === 'digits') return DIGITS_PIXELS;
  return task.T;
}

/** The smallest power of two at or above the sequence length: runs within a factor of two share a bucket. */
export function seqLengthBucket(length: number): number {
  return 2 ** Math.max(0, Math.ceil(Math.log2(Math.max(1, length))));
}

/**
 * The configuration class of a run: what decides which backend is faster. The multiset of its models' (kind, N,
 * factor sizes, rank) — order and everything else about a model (λ, activation, init, lr) aside —, the task's
 * sequence length bucket (seqLengthBucket), the batch size and the implementation (fused or reference), e.g.
 * `L≤64 B32 fused kru:64:2x2x2x2x2x2 rnn:64`. The task itself does not count beyond its length: its input and
 * output sizes (≤ 10) are small beside N.
 */
export function configClass(config: RunConfig): string {
  const models = config.models
    .map((m) =>
      [m.kind, m.hidden, 'factors' in m ? m.factors.join('x') : '', 'rank' in m ? `r${m.rank}` : '']
        .filter((x) => x !== '')
        .join(':'),
    )
    .sort();
  const L = seqLengthBucket(taskSeqLength(config.task));
  return `L≤${L} B${config.batch} ${config.impl} ${models.join(' ')}`;
}

/** The key a measurement is stored under: the device (adapter label) and the configuration class. */
export function choiceKey(device: string, cls: string): string {
  return `backend-choice@1|${device}|${cls}`;
}

export const CHOICE_FORMAT = 'kru-explorer/backend-choice@1';

/** One stored measurement (a value of the store, under choiceKey). */
export interface StoredChoice {
  format: typeof CHOICE_FORMAT;
  device: string;
  configClass: string;
  chosen: FusedBackend;
  msPerStep: Record<FusedBackend, number>;
  measuredAt: number;
}

/**
 * A stored measurement, or null when `raw` is not one for this device and class: malformed, of another format,
 * with a figure that is not a positive number, a choice its own figures do not give, measured in the future or
 * more than MAX_AGE_MS ago. Null means measure again; nothing read here is trusted otherwise.
 */
export function parseStoredChoice(
  raw: unknown,
  expected: { device: string; configClass: string; now: number },
): StoredChoice | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  if (r.format !== CHOICE_FORMAT) return null;
  if (r.device !== expected.device || r.configClass !== expected.configClass) return null;
  const ms = r.msPerStep;
  if (!ms || typeof ms !== 'object') return null;
  const timings = ms as Record<string, unknown>;
  const cpu = timings.cpu;
  const webgpu = timings.webgpu;
  if (typeof cpu !== 'number' || typeof webgpu !== 'number' || !valid(cpu) || !valid(webgpu)) return null;
  if (r.chosen !== pickFaster({ cpu, webgpu })) return null;
  const at = r.measuredAt;
  if (typeof at !== 'number' || !Number.isFinite(at)) return null;
  // A day's leeway for a clock set back; beyond it the record is not from this clock's past.
  if (at > expected.now + 24 * 3600 * 1000 || expected.now - at > MAX_AGE_MS) return null;
  return {
    format: CHOICE_FORMAT,
    device: expected.device,
    configClass: expected.configClass,
    chosen: r.chosen as FusedBackend,
    msPerStep: { cpu, webgpu },
    measuredAt: at,
  };
}

/** Where measurements are remembered (the worker: IndexedDB through idb-keyval; tests: a Map). */
export interface ChoiceStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: StoredChoice): Promise<void>;
}

/** The median of some step times. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `step`: `plan.warmup` untimed steps, then up to `plan.timed` timed ones, each phase cut short once it has
 * taken `plan.budgetMs` (one step of each at least); resolves to the median ms per timed step. `yieldToEvents`
 * runs between steps, so that the worker answers the page meanwhile.
 */
export async function timeSteps(
  step: () => Promise<void>,
  clock: { now(): number; yieldToEvents?(): Promise<void> },
  plan: TimingPlan = TIMING,
): Promise<number> {
  const phase = async (count: number): Promise<number[]> => {
    const times: number[] = [];
    let spent = 0;
    while (times.length < Math.max(1, count) && (times.length === 0 || spent < plan.budgetMs)) {
      const t0 = clock.now();
      await step();
      const dt = clock.now() - t0;
      times.push(dt);
      spent += dt;
      await clock.yieldToEvents?.();
    }
    return times;
  };
  if (plan.warmup > 0) await phase(plan.warmup);
  return median(await phase(plan.timed));
}

/** The figures in the page's number format: `cpu 12.3 ms/step · webgpu 30.1 ms/step`. */
export function formatTimings(ms: Timings, failed: Partial<Record<FusedBackend, string>> = {}): string {
  return FUSED_BACKENDS.map((b) =>
    valid(ms[b]) ? `${b} ${formatValue(ms[b]!)} ms/step` : `${b} failed (${failed[b] ?? 'no figure'})`,
  ).join(' · ');
}

/** The status line's sentence for a measured or stored choice. */
export function describeMeasure(m: BackendMeasure, now: number, softwareNote = ''): string {
  const when =
    m.source === 'measured'
      ? 'measured just now on a copy of this run'
      : `measured on this device ${ago(now - m.measuredAt)} for a run of this size, not measured again`;
  return `${formatTimings(m.msPerStep)}: ${m.chosen} chosen (${when}${softwareNote})`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 2 * 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

/** The WebGPU adapter as backend.ts's probeWebGPU describes it. */
export interface AdapterInfo {
  label: string;
  software: boolean;
}

export interface ChoiceInput {
  config: RunConfig;
  /** The link's `?backend=`: it wins, and nothing is measured. */
  prefer?: BackendName;
  /** The WebGPU adapter; null when there is none. */
  adapter: AdapterInfo | null;
  /** `?debug=measure-software-gpu`: measure a software adapter too (which is otherwise left out unmeasured). */
  measureSoftware?: boolean;
  store: ChoiceStore;
  /** Times a throwaway copy of the run on `backend`: ms per step. Rejects when the run cannot train there. */
  measure(backend: FusedBackend): Promise<number>;
  /** Called once, before measuring (the worker says so in the status line). */
  onMeasuring?(what: string): void;
  /** Date.now. */
  now(): number;
}

/** Which backend to start, why (one sentence for the status line) and, when measured, the figures. */
export interface Decision {
  name: BackendName;
  reason: string;
  measure: BackendMeasure | null;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Decides the backend for a run: the link's, if it names one; cpu when there is no WebGPU adapter, or only a
 * software one (unless `measureSoftware`); else the faster of cpu and webgpu for this run's configuration class
 * on this device: stored from an earlier measurement, or measured now and stored (only when both figures came
 * out: a failed measurement is made again next time). Never rejects: a store that fails is a store that is empty.
 */
export async function chooseBackend(input: ChoiceInput): Promise<Decision> {
  const { prefer, adapter } = input;
  if (prefer) {
    const fused = prefer === 'cpu' || prefer === 'webgpu';
    return {
      name: prefer,
      reason: fused
        ? `${prefer} requested by the link (not measured)`
        : `${prefer} requested by the link (no fused kernels: op-by-op reference path)`,
      measure: null,
    };
  }
  if (!adapter)
    return {
      name: 'cpu',
      reason: 'no WebGPU adapter here, so the fused cpu kernels are used (nothing to measure)',
      measure: null,
    };
  if (adapter.software && !input.measureSoftware)
    return {
      name: 'cpu',
      reason: `WebGPU is only a software adapter here (${adapter.label}), far slower than the fused cpu kernels: not measured`,
      measure: null,
    };
  const cls = configClass(input.config);
  const key = choiceKey(adapter.label, cls);
  const softwareNote = adapter.software
    ? `; webgpu is a software adapter, measured for ?debug=measure-software-gpu`
    : '';
  const raw = await input.store.get(key).catch(() => undefined);
  const stored = parseStoredChoice(raw, { device: adapter.label, configClass: cls, now: input.now() });
  if (stored) {
    const measure: BackendMeasure = { ...stored, source: 'stored' };
    return {
      name: stored.chosen,
      reason: describeMeasure(measure, input.now(), softwareNote),
      measure,
    };
  }
  input.onMeasuring?.(
    `measuring cpu and webgpu on a copy of this run (a few steps each) on ${adapter.label}…`,
  );
  const ms: Timings = { cpu: null, webgpu: null };
  const failed: Partial<Record<FusedBackend, string>> = {};
  for (const b of FUSED_BACKENDS) {
    try {
      const v = await input.measure(b);
      if (valid(v)) ms[b] = v;
      else failed[b] = `not a time: ${v}`;
    } catch (e) {
      failed[b] = message(e);
    }
  }
  const chosen = pickFaster(ms);
  if (!chosen)
    return {
      name: 'cpu',
      reason: `${formatTimings(ms, failed)}: cpu used, as without a GPU (measured again next time)`,
      measure: null,
    };
  const measuredAt = input.now();
  const measure: BackendMeasure = {
    msPerStep: ms,
    chosen,
    source: 'measured',
    measuredAt,
    device: adapter.label,
    configClass: cls,
  };
  if (valid(ms.cpu) && valid(ms.webgpu)) {
    const record: StoredChoice = {
      format: CHOICE_FORMAT,
      device: adapter.label,
      configClass: cls,
      chosen,
      msPerStep: { cpu: ms.cpu, webgpu: ms.webgpu },
      measuredAt,
    };
    await input.store.set(key, record).catch(() => undefined);
    return { name: chosen, reason: describeMeasure(measure, measuredAt, softwareNote), measure };
  }
  return {
    name: chosen,
    reason: `${formatTimings(ms, failed)}: ${chosen} chosen (measured again next time)`,
    measure,
  };
}
