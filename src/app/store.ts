// The page's one source of truth: the run in progress (with its live λ and lr), the edited draft of the next
// run, page settings, the run's History, status and messages. Actions talk to the training worker; worker
// updates land here, coalesced to one render per frame.
import * as Comlink from 'comlink';
import { create } from 'zustand';
import type { WorkerStatus, WorkerUpdate } from '../engine/protocol';
import type { Snapshot } from '../engine/types';
import { History } from '../history/history';
import { PRESETS, presetByName, type Preset } from '../presets';
import {
  defaultAppSettings,
  defaultRunConfig,
  parseRunConfig,
  settingsFromJson,
  settingsFromParams,
  settingsToJson,
  settingsToParams,
  changeNotes,
  sameShape,
  structuralDiff,
  type AppSettings,
  type RunConfig,
} from '../settings';
import { MACHINE_KEYS, machineFromParams } from './machine';
import { HIDEABLE, HIDE_KEY, hiddenFromParams } from './classroom';
import { divergenceNotice } from './divergence-notice';
import { getUi, setUi } from './ui-state';
import { announceData } from './view-scheduler';
import { trainingWorker } from './worker-client';

export interface Notice {
  kind: 'error' | 'info';
  text: string;
}

export interface AppState {
  /** The next run as edited: structural edits wait here for Reset; live changes are copied into it. */
  draft: RunConfig;
  /** What is running: the config the run was built from, with λ and lr as they are now (null before start). */
  applied: RunConfig | null;
  app: AppSettings;
  /** Whether the user asked for training to run. */
  playing: boolean;
  status: WorkerStatus;
  /** The current run's record; mutated in place, `version` says when. */
  history: History;
  version: number;
  notice: Notice | null;
  /** The preset last loaded (by name), or null. It is "active" while the running config has its structure. */
  preset: string | null;
  /** Bumped on every preset load (the views scroll to its focus and set the loss scale once per load). */
  presetLoads: number;
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

export const useApp = create<AppState>()(() => ({
  draft: defaultRunConfig(),
  applied: null,
  app: defaultAppSettings(),
  playing: false,
  status: initialStatus,
  history: new History(),
  version: 0,
  notice: null,
  preset: null,
  presetLoads: 0,
}));

const set = useApp.setState;
const get = useApp.getState;

function fatal(text: string): void {
  set({ notice: { kind: 'error', text }, playing: false });
}

const worker = () => trainingWorker(fatal);

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Names of the structural settings edited since the last reset (empty when nothing is pending). */
export function pendingChanges(s: AppState): string[] {
  return s.applied ? structuralDiff(s.draft, s.applied) : [];
}

/** A preset's config as the store holds configs (normalised by the schema: same key order as `applied`). */
const presetConfigs = new Map<string, RunConfig | null>();
function presetConfig(p: Preset): RunConfig | null {
  if (!presetConfigs.has(p.name)) {
    const r = parseRunConfig(p.config);
    presetConfigs.set(p.name, r.ok ? r.value : null);
  }
  return presetConfigs.get(p.name)!;
}

/** Whether `config` is preset `p`'s run up to live settings (λ and lr may have been moved since). */
export function isPresetRun(p: Preset, config: RunConfig | null): boolean {
  const own = presetConfig(p);
  return !!own && !!config && structuralDiff(config, own).length === 0;
}

/** The preset whose run is running now (loaded by name and structurally unchanged), or null. */
export function activePreset(s: Pick<AppState, 'preset' | 'applied'>): Preset | null {
  const p = s.preset ? presetByName(s.preset) : undefined;
  return p && isPresetRun(p, s.applied) ? p : null;
}

export function draftError(s: AppState): string | null {
  const r = parseRunConfig(s.draft);
  return r.ok ? null : r.error;
}

// ---- worker updates → store, one publish per animation frame ----

/** Updates of runs older than this are stale (a reset is under way) and dropped. */
let minRunId = 0;
let lastSeenRunId = -1;
let historyRunId = -1;
let pendingHistory: History | null = null;
let pendingStatus: WorkerStatus | null = null;
let frame = 0;
/** Set by a reset that keeps the models' shapes: its run continues this History, after a mark with this note. */
let carry: { history: History; note: string } | null = null;
/** The continued History has not seen the new run's first rows yet (they must fit it: `accepts`). */
let checkFirst = false;
/** Models of the current run (historyRunId) whose divergence the page has announced. */
let divergedAnnounced = new Set<string>();

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

function onUpdate(u: WorkerUpdate): void {
  const s = u.status;
  lastSeenRunId = Math.max(lastSeenRunId, s.runId);
  if (s.runId < minRunId) return;
  if (s.runId !== historyRunId) {
    historyRunId = s.runId;
    divergedAnnounced = new Set();
    const c = carry;
    carry = null;
    checkFirst = !!c;
    if (c) c.history.continueRun(c.note);
    pendingHistory = c ? c.history : new History();
  }
  if (u.snapshot) {
    pendingHistory ??= get().history;
    if (checkFirst && !pendingHistory.accepts(u.snapshot)) pendingHistory = new History(); // safety net
    if (u.snapshot.steps.length) checkFirst = false;
    pendingHistory.append(u.snapshot);
    announceDivergences(u.snapshot, pendingHistory);
  }
  pendingStatus = s;
  // rAF coalesces any number of updates into one render; it does not run in a hidden tab, which is fine:
  // the History keeps accumulating and the next visible frame shows it all.
  if (!frame) frame = requestAnimationFrame(publish);
}

/** Announces the models that `snap` first reports diverged (once each per run); pauses once none is left. */
function announceDivergences(snap: Snapshot, h: History): void {
  const n = divergenceNotice(snap, h, get().applied?.models ?? [], divergedAnnounced);
  if (!n) return;
  for (const id of n.ids) divergedAnnounced.add(id);
  set({ notice: { kind: 'error', text: n.text } });
  if (n.all) pause();
}

// ---- URL sync: the link shows what is running ----

let urlTimer: ReturnType<typeof setTimeout> | undefined;
function syncUrl(): void {
  // Debounced: dragging a slider would otherwise call replaceState dozens of times a second (browsers throttle it).
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    const s = get();
    if (!s.applied) return;
    // While a preset's run is running the link names it first, so that opening the link shows its caption.
    const p = activePreset(s);
    const query = new URLSearchParams(p ? { preset: p.name } : {});
    for (const [k, v] of settingsToParams({ config: s.applied, app: s.app })) query.set(k, v);
    const old = new URLSearchParams(location.search);
    for (const k of MACHINE_KEYS) {
      const v = old.get(k);
      if (v !== null) query.set(k, v);
    }
    const hidden = HIDEABLE.map((h) => h.name).filter((n) => getUi().hidden.has(n));
    if (hidden.length) query.set(HIDE_KEY, hidden.join(','));
    history.replaceState(null, '', `${location.pathname}?${query.toString()}`);
  }, 300);
}

// ---- actions ----

let started = false;

/** Reads the URL, starts the worker and builds the first run. Idempotent (StrictMode, HMR). */
export async function start(): Promise<void> {
  if (started) return;
  started = true;
  const params = new URLSearchParams(location.search);
  const fromUrl = settingsFromParams(params);
  const machine = machineFromParams(params);
  const problems: string[] = [];
  const hide = hiddenFromParams(params);
  setUi({ hidden: hide.hidden });
  if (hide.problem) problems.push(hide.problem);
  if (fromUrl.problems.length) {
    problems.push(`Some of the link's settings could not be used: ${fromUrl.problems.join('; ')}.`);
  }
  if (fromUrl.value) set({ draft: fromUrl.value.config, app: fromUrl.value.app });
  // `?preset=NAME`: alone, it loads that preset's run; beside the run's own settings (a link the page wrote
  // while the preset ran, maybe with λ or lr moved since) those settings are the run and the name only brings
  // back the caption, shown while the run still has the preset's structure.
  const presetName = params.get('preset');
  if (presetName !== null) {
    const p = presetByName(presetName);
    if (!p) {
      problems.push(
        `There is no preset "${presetName}" (the presets: ${PRESETS.map((x) => x.name).join(', ')}); ` +
          (fromUrl.value ? "using the link's other settings." : 'using the default run.'),
      );
    } else {
      if (!fromUrl.value) set({ draft: p.config });
      set((s) => ({ preset: p.name, presetLoads: s.presetLoads + 1 }));
    }
  }
  if (!machine.ok)
    problems.push(`The link's ${machine.error}: choosing the backend and threads automatically.`);
  if (problems.length) set({ notice: { kind: 'error', text: problems.join(' ') } });
  const { backend: prefer, threads } = machine.ok ? machine.value : {};
  useApp.subscribe((s, prev) => {
    if (s.applied !== prev.applied || s.app !== prev.app || s.preset !== prev.preset) syncUrl();
  });
  const w = worker();
  try {
    await w.subscribe(Comlink.proxy(onUpdate));
    const config = get().draft;
    set({ applied: config });
    await w.setStepsPerTick(get().app.stepsPerTick);
    await w.init(config, { prefer, threads });
  } catch (e) {
    fatal(`could not start training: ${message(e)}`);
  }
}

/** Sets one live setting of one model in the running config and the draft (where the draft has that model). */
function setLive(id: string, key: 'lambda' | 'lr', value: number): void {
  const patch = (c: RunConfig | null): RunConfig | null =>
    c && { ...c, models: c.models.map((m) => (m.id === id && key in m ? { ...m, [key]: value } : m)) };
  set((s) => ({ applied: patch(s.applied), draft: patch(s.draft)! }));
}

export function setLambda(id: string, lambda: number): void {
  if (!(Number.isFinite(lambda) && lambda >= 0)) return;
  setLive(id, 'lambda', lambda);
  worker()
    .setLambda(id, lambda)
    .catch((e: unknown) => set({ notice: { kind: 'error', text: `λ was not changed: ${message(e)}` } }));
}

export function setLearningRate(id: string, lr: number): void {
  if (!(Number.isFinite(lr) && lr > 0)) return;
  setLive(id, 'lr', lr);
  worker()
    .setLearningRate(id, lr)
    .catch((e: unknown) =>
      set({ notice: { kind: 'error', text: `the learning rate was not changed: ${message(e)}` } }),
    );
}

export function setStepsPerTick(k: number): void {
  if (!Number.isInteger(k) || k < 1) return;
  set((s) => ({ app: { ...s.app, stepsPerTick: k } }));
  void worker().setStepsPerTick(k);
}

export function updateDraft(fn: (draft: RunConfig) => RunConfig): void {
  set((s) => ({ draft: fn(s.draft) }));
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

/**
 * Rebuilds the run from the draft (pending changes applied); the same settings and seed repeat the run exactly.
 * When the models keep their shapes the charts go on: the new run's steps follow the old ones after a reset mark
 * that says what changed; `fresh` (presets, other models or task) starts the charts over.
 */
export async function reset(opts: { fresh?: boolean } = {}): Promise<void> {
  const check = parseRunConfig(get().draft);
  if (!check.ok) {
    set({ notice: { kind: 'error', text: `Cannot reset: ${check.error}. Nothing was changed.` } });
    return;
  }
  const { applied, history } = get();
  carry =
    !opts.fresh && applied && history.steps.length && sameShape(applied, check.value)
      ? { history, note: changeNotes(applied, check.value).join(', ') }
      : null;
  minRunId = lastSeenRunId + 1;
  // A reset with other structural settings leaves the preset: its caption no longer describes the run.
  const p = get().preset ? presetByName(get().preset!) : undefined;
  set({ applied: check.value, notice: null, ...(p && !isPresetRun(p, check.value) ? { preset: null } : {}) });
  try {
    const st = await worker().reset(check.value);
    if (st.runId < minRunId) {
      // The worker refused the config (no new run): show its answer instead of waiting for one.
      carry = null;
      minRunId = st.runId;
      onUpdate({ status: st });
    }
  } catch (e) {
    fatal(`reset failed: ${message(e)}`);
  }
}

/** Replaces the draft with a whole run config and starts it (presets, "show me" links). */
export async function loadRun(config: RunConfig, opts: { play?: boolean } = {}): Promise<void> {
  set({ draft: config });
  await reset({ fresh: true });
  if (opts.play) play();
}

/** Loads preset `name` and starts it (the Presets panel, "show me" links); an unknown name is reported. */
export async function loadPreset(name: string): Promise<void> {
  const p = presetByName(name);
  if (!p) {
    set({ notice: { kind: 'error', text: `There is no preset "${name}". Nothing was changed.` } });
    return;
  }
  set((s) => ({ preset: p.name, presetLoads: s.presetLoads + 1 }));
  await loadRun(p.config, { play: true });
}

export function newSeed(): Promise<void> {
  const seed = Math.floor(Math.random() * 2 ** 31);
  updateDraft((d) => ({ ...d, seed }));
  return reset();
}

export function dismissNotice(): void {
  set({ notice: null });
}

/** The settings file of the next run (the draft, which holds the live values too). */
export function exportSettingsJson(): string {
  const s = get();
  return settingsToJson(s.draft, s.app);
}

/** Loads a settings file into the draft; live values of models still running apply now. A bad file changes nothing. */
export function importSettingsJson(text: string): boolean {
  const r = settingsFromJson(text);
  if (!r.ok) {
    set({
      notice: { kind: 'error', text: `Could not import the settings file: ${r.error}. Nothing was changed.` },
    });
    return false;
  }
  const { config, app } = r.value;
  set({ draft: config });
  setStepsPerTick(app.stepsPerTick);
  const running = get().applied;
  for (const m of config.models) {
    const now = running?.models.find((x) => x.id === m.id && x.kind === m.kind);
    if (!now) continue;
    if (m.kind === 'kru' && now.kind === 'kru' && m.lambda !== now.lambda) setLambda(m.id, m.lambda);
    if (m.lr !== now.lr) setLearningRate(m.id, m.lr);
  }
  const pending = pendingChanges(get()).length > 0;
  set({
    notice: {
      kind: 'info',
      text: pending
        ? 'Settings imported. λ, learning rates and speed apply now; the other settings apply when you press Reset.'
        : 'Settings imported and applied.',
    },
  });
  return true;
}

export async function exportModel(id: string): Promise<unknown> {
  try {
    return await worker().exportModel(id);
  } catch (e) {
    set({ notice: { kind: 'error', text: `Could not export the model "${id}": ${message(e)}` } });
    return null;
  }
}
