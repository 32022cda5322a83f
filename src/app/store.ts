// The page's one source of truth: the run in progress (with its live λ and lr), the edited draft of the next
// run, page settings, the run's History, status and messages; the user's actions, which talk to the training
// worker; and the link, kept in step with the run. Worker updates come in through run-feed.ts; going back to a
// checkpoint, replacing a dead worker and opening a saved run live in recovery.ts.
import * as Comlink from 'comlink';
import { create } from 'zustand';
import type { BackendPreference, TrainingThreads, WorkerStatus } from '../engine/protocol';
import { CHANGES_KEY, changesToParam, parseChanges, type LiveChange } from '../engine/schedule';
import { History } from '../history/history';
import { PRESETS, presetByName, type Preset } from '../presets';
import {
  defaultAppSettings,
  defaultRunConfig,
  parseRunConfig,
  quoteText,
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
import { getUi, setUi, useUi } from './ui-state';
import { viewFromParams, viewToParams } from './view-link';

import { setOnWorkerDeath, trainingWorker, watchWorker } from './worker-client';
import { newRunId, reopenable } from './saved-runs';
import { formatCount } from '../core/format';
import { feed, keeper, onUpdate } from './run-feed';
import { exposeFaults, openSavedRun, recover, silenceAllowed } from './recovery';

/** The loss view's options before the link or a saved run sets them. */
const VIEW_DEFAULTS = { lossSmoothing: getUi().lossSmoothing, lossLog: getUi().lossLog };

export interface Notice {
  kind: 'error' | 'info';
  text: string;
  /** A button beside the text (e.g. going back to before a divergence). */
  action?: { label: string; run: () => void };
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
  /** The current run's record, mutated in place (the views hear of each change from view-scheduler.ts). */
  history: History;
  notice: Notice | null;
  /** The preset last loaded (by name), or null. It is "active" while the running config has its structure. */
  preset: string | null;
  /** Bumped on every preset load (the views scroll to its focus and set the loss scale once per load). */
  presetLoads: number;
  /** The id under which the run is saved as it trains (saved-runs.ts); a new one for every new History. */
  runKey: string;
  /** Its name in the list of saved runs ('' until named: the list then describes it). */
  runName: string;
  /** The config the running run was built from (λ and lr as they were then; `applied` has them as now). */
  built: RunConfig | null;
  /** The live changes of the running run so far, each at the first step that used it (the link's `changes=`). */
  changes: LiveChange[];
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
  fault: null,
};

export const useApp = create<AppState>()(() => ({
  draft: defaultRunConfig(),
  applied: null,
  app: defaultAppSettings(),
  playing: false,
  status: initialStatus,
  history: new History(),
  notice: null,
  preset: null,
  presetLoads: 0,
  runKey: newRunId(),
  runName: '',
  built: null,
  changes: [],
}));

const set = useApp.setState;
const get = useApp.getState;

export function fatal(text: string): void {
  set({ notice: { kind: 'error', text }, playing: false });
}

const worker = () => trainingWorker();

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

/** The draft last validated and its error: the store runs every selector on every update (~30 a second while
 * training), and a zod parse per update was the page's costliest selector. */
let checkedDraft: { draft: AppState['draft']; error: string | null } | null = null;

export function draftError(s: AppState): string | null {
  if (checkedDraft?.draft !== s.draft) {
    const r = parseRunConfig(s.draft);
    checkedDraft = { draft: s.draft, error: r.ok ? null : r.error };
  }
  return checkedDraft.error;
}

/** Renames the current run in the list of saved runs. */
export function setRunName(name: string): void {
  set({ runName: name });
}

/** The backend and threads the link asked for (the worker chooses when unset). */
let machine: { prefer?: BackendPreference; threads?: TrainingThreads } = {};

export function machineChoice(): { prefer?: BackendPreference; threads?: TrainingThreads } {
  return machine;
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
    // The run as built plus its live changes: opening the link replays it step for step.
    const base = s.built ?? s.applied;
    for (const [k, v] of settingsToParams({ config: base, app: s.app })) query.set(k, v);
    if (s.changes.length) query.set(CHANGES_KEY, changesToParam(s.changes));
    viewToParams(getUi(), VIEW_DEFAULTS, query);
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
  const link = machineFromParams(params);
  const problems: string[] = [];
  const hide = hiddenFromParams(params);
  setUi({ hidden: hide.hidden });
  if (hide.problem) problems.push(hide.problem);
  const view = viewFromParams(params);
  setUi(view.value);
  if (view.problems.length) problems.push(`The link's ${view.problems.join('; ')}: using the default.`);
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
        `There is no preset ${quoteText(presetName)} (the presets: ${PRESETS.map((x) => x.name).join(', ')}); ` +
          (fromUrl.value ? "using the link's other settings." : 'using the default run.'),
      );
    } else {
      if (!fromUrl.value) set({ draft: p.config });
      set((s) => ({ preset: p.name, presetLoads: s.presetLoads + 1 }));
      if (p.logLoss !== undefined) setUi({ lossLog: p.logLoss });
    }
  }
  if (!link.ok) problems.push(`The link's ${link.error}: choosing the backend and threads automatically.`);
  if (problems.length) set({ notice: { kind: 'error', text: problems.join(' ') } });
  machine = link.ok ? { prefer: link.value.backend, threads: link.value.threads } : {};
  const { prefer, threads } = machine;
  useApp.subscribe((s, prev) => {
    if (
      s.applied !== prev.applied ||
      s.app !== prev.app ||
      s.preset !== prev.preset ||
      s.changes !== prev.changes
    )
      syncUrl();
  });
  useUi.subscribe((u, prev) => {
    if (u.lossSmoothing !== prev.lossSmoothing || u.lossLog !== prev.lossLog) syncUrl();
  });
  setOnWorkerDeath((why) => void recover(why));
  if (params.get('debug') === 'faults') exposeFaults();
  const w = worker();
  try {
    await w.subscribe(Comlink.proxy(onUpdate));
    watchWorker(silenceAllowed);
    // A reload (or a visit with no settings in the link) reopens the run last saved here, where it was.
    const saved = await reopenable(fromUrl.value?.config ?? null, presetName !== null);
    if (saved.run) {
      const ago = Math.max(0, Math.round((Date.now() - saved.run.savedAt) / 1000));
      // The link's own problems (a bad hide= name…) stay in front, the reopening after them.
      const before = get().notice?.text;
      await openSavedRun(
        saved.run,
        (step) =>
          (before ? `${before} ` : '') +
          `Reopened "${saved.run!.name}" where it was saved ${ago} s ago: step ${formatCount(step)}, paused. ` +
          'Press Play to go on, or Reset for a new run.',
        before ? 'error' : 'info',
      );
      return;
    }
    if (saved.problem) set({ notice: { kind: 'error', text: `${saved.problem}; starting a new run.` } });
    const config = get().draft;
    // `changes=`: the live changes of the run the link was made from, replayed at their steps.
    const changesText = params.get(CHANGES_KEY);
    const parsed = changesText === null ? null : parseChanges(changesText, config);
    if (parsed && !parsed.ok)
      set({
        notice: {
          kind: 'error',
          text: `The link's live changes could not be used (${parsed.error}): the run starts without them.`,
        },
      });
    feed.replaying = parsed?.ok ? parsed.value : [];
    set({ applied: config, built: config, changes: [] });
    await w.setStepsPerTick(get().app.stepsPerTick);
    await w.init(config, { prefer, threads, schedule: feed.replaying });
  } catch (e) {
    fatal(`could not start training: ${message(e)}`);
  }
}

/** Sets one live setting of one model in the running config and the draft (where the draft has that model). */
export function setLive(id: string, key: 'lambda' | 'lr', value: number): void {
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
  feed.carry =
    !opts.fresh && applied && history.steps.length && sameShape(applied, check.value)
      ? { history, note: changeNotes(applied, check.value).join(', ') }
      : null;
  feed.minRunId = feed.lastSeenRunId + 1;
  keeper.clear();
  // A reset with other structural settings leaves the preset: its caption no longer describes the run.
  const p = get().preset ? presetByName(get().preset!) : undefined;
  feed.replaying = [];
  set({
    applied: check.value,
    built: check.value,
    changes: [],
    notice: null,
    ...(p && !isPresetRun(p, check.value) ? { preset: null } : {}),
  });
  try {
    const st = await worker().reset(check.value);
    if (st.runId < feed.minRunId) {
      // The worker refused the config (no new run): show its answer instead of waiting for one.
      feed.carry = null;
      feed.minRunId = st.runId;
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
    set({ notice: { kind: 'error', text: `There is no preset ${quoteText(name)}. Nothing was changed.` } });
    return;
  }
  set((s) => ({ preset: p.name, presetLoads: s.presetLoads + 1 }));
  if (p.logLoss !== undefined) setUi({ lossLog: p.logLoss });
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
    if ('lambda' in m && 'lambda' in now && m.lambda !== now.lambda) setLambda(m.id, m.lambda);
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
