// The page's one source of truth: settings (applied, pending and live), the run's state and History, status and
// messages. Actions talk to the training worker; worker updates land here, coalesced to one render per frame.
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { parseExperimentConfig } from '../engine/config';
import { History } from '../engine/history';
import type { ExperimentConfig } from '../engine/types';
import type { WorkerStatus, WorkerUpdate } from '../../workers/protocol';
import {
  defaultSettings,
  MACHINE_KEYS,
  machineFromParams,
  settingsFromJson,
  settingsFromParams,
  settingsToJson,
  settingsToParams,
  structuralDiff,
  type Settings,
} from './settings';
import { announceData } from './view-scheduler';
import { trainingWorker } from './worker-client';

export interface Notice {
  kind: 'error' | 'info';
  text: string;
}

export interface AppState {
  /** Structural settings as edited; they take effect on reset. (Its λ and lr are ignored: see lambda/lr.) */
  draft: ExperimentConfig;
  /** The config the current run was built from (null before the first start). */
  applied: ExperimentConfig | null;
  /** Live settings: sent to the worker as soon as they change. */
  lambda: number;
  lr: number;
  stepsPerTick: number;
  /** Whether the user asked for training to run. */
  playing: boolean;
  status: WorkerStatus;
  /** The current run's record; mutated in place, `version` says when. */
  history: History;
  version: number;
  notice: Notice | null;
}

const initialStatus: WorkerStatus = {
  runId: -1,
  state: 'starting',
  backend: '',
  backendReason: '',
  placement: '',
  stepCount: 0,
  stepsPerSec: 0,
  msPerStep: NaN,
  stepsPerTick: 1,
  error: null,
};

const defaults = defaultSettings();

export const useApp = create<AppState>()(() => ({
  draft: defaults.config,
  applied: null,
  lambda: defaults.config.lambda,
  lr: defaults.config.lr,
  stepsPerTick: defaults.stepsPerTick,
  playing: false,
  status: initialStatus,
  history: new History(),
  version: 0,
  notice: null,
}));

const set = useApp.setState;
const get = useApp.getState;

function fatal(text: string): void {
  set({ notice: { kind: 'error', text }, playing: false });
}

const worker = () => trainingWorker(fatal);

/** The draft with the live λ and lr: what a reset would build. */
export function configToApply(s: AppState = get()): ExperimentConfig {
  return { ...s.draft, lambda: s.lambda, lr: s.lr };
}

export function currentSettings(s: AppState = get()): Settings {
  return { config: configToApply(s), stepsPerTick: s.stepsPerTick };
}

/** Names of the structural settings edited since the last reset (empty when nothing is pending). */
export function pendingChanges(s: AppState): string[] {
  return s.applied ? structuralDiff(s.draft, s.applied) : [];
}

// ---- worker updates → store, one publish per animation frame ----

/** Updates of runs older than this are stale (a reset is under way) and dropped. */
let minRunId = 0;
let lastSeenRunId = -1;
let historyRunId = -1;
let pendingHistory: History | null = null;
let pendingStatus: WorkerStatus | null = null;
let frame = 0;

function publish(): void {
  frame = 0;
  const patch: Partial<AppState> = {};
  if (pendingStatus) {
    patch.status = pendingStatus;
    if (pendingStatus.state === 'error') patch.playing = false;
  }
  if (pendingHistory) {
    patch.history = pendingHistory;
    patch.version = pendingHistory.version;
  }
  const fresh = pendingHistory;
  pendingStatus = null;
  pendingHistory = null;
  set(patch);
  if (fresh) announceData(fresh);
}

function schedulePublish(): void {
  // rAF coalesces any number of updates into one render; it does not run in a hidden tab, which is fine:
  // the History keeps accumulating and the next visible frame shows it all.
  if (!frame) frame = requestAnimationFrame(publish);
}

function onUpdate(u: WorkerUpdate): void {
  const s = u.status;
  lastSeenRunId = Math.max(lastSeenRunId, s.runId);
  if (s.runId < minRunId) return;
  if (s.runId !== historyRunId) {
    historyRunId = s.runId;
    pendingHistory = new History();
  }
  if (u.snapshot) {
    pendingHistory ??= get().history;
    pendingHistory.append(u.snapshot);
  }
  pendingStatus = s;
  schedulePublish();
}

// ---- URL sync ----

let urlTimer: ReturnType<typeof setTimeout> | undefined;
function syncUrl(): void {
  // Debounced: dragging a slider would otherwise call replaceState dozens of times a second (browsers throttle it).
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    const query = settingsToParams(currentSettings());
    // Not settings, but keep them in the link.
    const old = new URLSearchParams(location.search);
    for (const k of MACHINE_KEYS) {
      const v = old.get(k);
      if (v !== null) query.set(k, v);
    }
    history.replaceState(null, '', `${location.pathname}?${query.toString()}`);
  }, 300);
}

// ---- actions ----

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

let started = false;

/** Reads the URL, starts the worker and builds the first experiment. Idempotent (StrictMode, HMR). */
export async function start(): Promise<void> {
  if (started) return;
  started = true;
  const params = new URLSearchParams(location.search);
  const fromUrl = settingsFromParams(params);
  const machine = machineFromParams(params);
  const problems: string[] = [];
  if (!fromUrl.ok) {
    problems.push(`The link's settings are not valid (${fromUrl.error}). Using the defaults.`);
  } else if (fromUrl.value) {
    const v = fromUrl.value;
    set({ draft: v.config, lambda: v.config.lambda, lr: v.config.lr, stepsPerTick: v.stepsPerTick });
  }
  if (!machine.ok) {
    problems.push(`The link's ${machine.error}: choosing the backend and threads automatically.`);
  }
  if (problems.length) set({ notice: { kind: 'error', text: problems.join(' ') } });
  const { backend: prefer, threads } = machine.ok ? machine.value : {};
  useApp.subscribe((s, prev) => {
    if (
      s.draft !== prev.draft ||
      s.lambda !== prev.lambda ||
      s.lr !== prev.lr ||
      s.stepsPerTick !== prev.stepsPerTick
    ) {
      syncUrl();
    }
  });
  const w = worker();
  try {
    await w.subscribe(Comlink.proxy(onUpdate));
    const config = configToApply();
    set({ applied: config });
    await w.setStepsPerTick(get().stepsPerTick);
    await w.init(config, { prefer, threads });
  } catch (e) {
    fatal(`could not start training: ${message(e)}`);
  }
}

export function setLambda(lambda: number): void {
  if (!(Number.isFinite(lambda) && lambda >= 0)) return;
  set({ lambda });
  void worker().setLambda(lambda);
}

export function setLearningRate(lr: number): void {
  if (!(Number.isFinite(lr) && lr > 0)) return;
  set({ lr });
  void worker().setLearningRate(lr);
}

export function setStepsPerTick(k: number): void {
  if (!Number.isInteger(k) || k < 1) return;
  set({ stepsPerTick: k });
  void worker().setStepsPerTick(k);
}

export function updateDraft(fn: (draft: ExperimentConfig) => ExperimentConfig): void {
  set((s) => ({ draft: fn(s.draft) }));
}

export function draftError(s: AppState): string | null {
  const r = parseExperimentConfig(configToApply(s));
  return r.ok ? null : r.error;
}

export function play(): void {
  set({ playing: true });
  void worker().play();
}

export function pause(): void {
  set({ playing: false });
  void worker().pause();
}

export function step(): void {
  void worker().step();
}

/** Rebuilds the run from the draft (pending changes applied); the same settings and seed repeat the run exactly. */
export async function reset(): Promise<void> {
  const config = configToApply();
  const check = parseExperimentConfig(config);
  if (!check.ok) {
    set({ notice: { kind: 'error', text: `Cannot reset: ${check.error}. Nothing was changed.` } });
    return;
  }
  minRunId = lastSeenRunId + 1;
  set({ applied: check.value, notice: null });
  try {
    const st = await worker().reset(check.value);
    if (st.runId < minRunId) {
      // The worker refused the config (no new run): show its answer instead of waiting for one.
      minRunId = st.runId;
      onUpdate({ status: st });
    }
  } catch (e) {
    fatal(`reset failed: ${message(e)}`);
  }
}

export function newSeed(): Promise<void> {
  const seed = Math.floor(Math.random() * 2 ** 31);
  updateDraft((d) => ({ ...d, seed }));
  return reset();
}

export function dismissNotice(): void {
  set({ notice: null });
}

export function exportSettingsJson(): string {
  return settingsToJson(currentSettings());
}

/** Loads a settings file into the draft and live values; a bad file changes nothing. Does not reset the run. */
export function importSettingsJson(text: string): boolean {
  const r = settingsFromJson(text);
  if (!r.ok) {
    set({
      notice: { kind: 'error', text: `Could not import the settings file: ${r.error}. Nothing was changed.` },
    });
    return false;
  }
  const { config, stepsPerTick } = r.value;
  set({ draft: config });
  setLambda(config.lambda);
  setLearningRate(config.lr);
  setStepsPerTick(stepsPerTick);
  const pending = pendingChanges(get()).length > 0;
  set({
    notice: {
      kind: 'info',
      text: pending
        ? 'Settings imported. λ, learning rate and speed apply now; the other settings apply when you press Reset.'
        : 'Settings imported and applied.',
    },
  });
  return true;
}

export async function exportModel(kind: 'kru' | 'rnn'): Promise<unknown> {
  try {
    return await worker().exportModel(kind);
  } catch (e) {
    set({
      notice: { kind: 'error', text: `Could not export the ${kind.toUpperCase()} model: ${message(e)}` },
    });
    return null;
  }
}
