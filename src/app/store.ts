// The page's one source of truth: the run in progress (with its live λ and lr), the edited draft of the next
// run, page settings, the run's History, status and messages. Actions talk to the training worker; worker
// updates land here, coalesced to one render per frame.
import * as Comlink from 'comlink';
import { create } from 'zustand';
import type {
  BackendPreference,
  FaultKind,
  TrainingThreads,
  WorkerStatus,
  WorkerUpdate,
} from '../engine/protocol';
import type { RunCheckpoint } from '../engine/checkpoint';
import { CHANGES_KEY, changesToParam, parseChanges, type LiveChange } from '../engine/schedule';
import type { Snapshot } from '../engine/types';
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
import { divergenceNotice } from './divergence-notice';
import { getUi, setUi, useUi } from './ui-state';
import { viewFromParams, viewToParams } from './view-link';

/** The loss view's options before the link or a saved run sets them. */
const VIEW_DEFAULTS = { lossSmoothing: getUi().lossSmoothing, lossLog: getUi().lossLog };
import { announceData } from './view-scheduler';
import {
  replaceTrainingWorker,
  setOnWorkerDeath,
  recentAnswerTimes,
  terminateWorkerForTest,
  trainingWorker,
  watchWorker,
} from './worker-client';
import { CheckpointKeeper } from './checkpoint-keeper';
import { newRunId, reopenable, type SavedRun } from './saved-runs';
import { formatCount, formatValue } from '../core/format';

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
  /** The current run's record; mutated in place, `version` says when. */
  history: History;
  version: number;
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
  version: 0,
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

function fatal(text: string): void {
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
let carry: { history: History; note: string | null } | null = null;
/** The continued History has not seen the new run's first rows yet (they must fit it: `accepts`). */
let checkFirst = false;
/** Models of the current run (historyRunId) whose divergence the page has announced. */
let divergedAnnounced = new Set<string>();
/** The run's checkpoints (the worker posts them), for going back and for replacing a dead worker. */
const keeper = new CheckpointKeeper();
/** The backend and threads the link asked for (the worker chooses when unset). */
let machine: { prefer?: BackendPreference; threads?: TrainingThreads } = {};

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
    if (c && c.note !== null) c.history.continueRun(c.note); // (null: a restore, already truncated)
    pendingHistory = c ? c.history : new History();
    if (!c) set({ runKey: newRunId(), runName: '' }); // a new run: saved as a new entry
  }
  if (u.checkpoint && s.runId === historyRunId) {
    keeper.add(u.checkpoint);
    checkpointListener?.();
  }
  if (s.fault && !recovering) void recover(s.fault.message, { avoidGpu: s.fault.kind === 'device' });
  if (u.snapshot) {
    pendingHistory ??= get().history;
    if (checkFirst && !pendingHistory.accepts(u.snapshot)) pendingHistory = new History(); // safety net
    if (u.snapshot.steps.length) checkFirst = false;
    pendingHistory.append(u.snapshot);
    announceDivergences(u.snapshot, pendingHistory);
    if (u.snapshot.changes?.length) recordChanges(u.snapshot.changes);
  }
  pendingStatus = s;
  // rAF coalesces any number of updates into one render; it does not run in a hidden tab, which is fine:
  // the History keeps accumulating and the next visible frame shows it all.
  if (!frame) frame = requestAnimationFrame(publish);
}

/** Changes still to come in a replayed link: when the engine applies one, the page's controls follow it. */
let replaying: LiveChange[] = [];

function recordChanges(changes: LiveChange[]): void {
  set((s) => ({ changes: [...s.changes, ...changes] }));
  for (const c of changes) {
    const i = replaying.findIndex((r) => r.step === c.step && r.model === c.model && r.setting === c.setting);
    if (i < 0) continue;
    replaying.splice(i, 1);
    setLive(c.model, c.setting, c.value);
  }
}

/** The recorded changes up to engine step `step` (a run going back to a checkpoint drops the later ones). */
function changesUpTo(step: number): void {
  set((s) => ({ changes: s.changes.filter((c) => c.step <= step) }));
}

/** Announces the models that `snap` first reports diverged (once each per run); pauses once none is left. */
function announceDivergences(snap: Snapshot, h: History): void {
  const n = divergenceNotice(snap, h, get().applied?.models ?? [], divergedAnnounced);
  if (!n) return;
  for (const id of n.ids) divergedAnnounced.add(id);
  const points = n.ids.map((id) => keeper.pinFor(id, snap.diverged![id].step));
  const back = points.every((p) => p) ? points.reduce((a, b) => (b!.step < a!.step ? b : a)) : null;
  let action: Notice['action'];
  if (back) {
    // A tenth of the smaller of the learning rates it had then and when it diverged (a live change may be
    // what broke it: going back before it, a tenth of the old rate is the safe choice).
    const lr = Object.fromEntries(
      n.ids.map((id) => {
        const then = back.models.find((m) => m.id === id)!.lr;
        const col = h.series[id]?.lr;
        const now = col?.length ? col.view()[col.length - 1] : then;
        return [id, Number((Math.min(then, now) / 10).toPrecision(3))];
      }),
    );
    const lrs = n.ids.map((id) => formatValue(lr[id])).join(', ');
    action = {
      label: `Back to step ${formatCount(h.historyStep(back.step))} with lr ${lrs}`,
      run: () => void restoreBefore(back, lr),
    };
  }
  set({ notice: { kind: 'error', text: n.text, action } });
  if (n.all) pause();
}

/** Puts the charts back to checkpoint `cp` of the current run, leaving a mark that says why. */
function rewindHistory(cp: RunCheckpoint, note: string): History {
  const h = get().history;
  h.truncateAfter(h.historyStep(cp.step), { engineStep: cp.step, note });
  return h;
}

/** The running config and the draft take the checkpoint's λ and lr (and `lr`'s overrides) as the live values. */
function liveFrom(cp: RunCheckpoint, lr: Record<string, number>): void {
  for (const m of cp.models) {
    setLive(m.id, 'lambda', m.lambda);
    setLive(m.id, 'lr', lr[m.id] ?? m.lr);
  }
}

/**
 * Goes back to checkpoint `cp`, taken before some models diverged, with their new learning rates `lr` (by id),
 * and trains on: the charts drop the steps after it (a mark says so) and the run repeats from there, on the same
 * batches, with the smaller learning rates.
 */
export async function restoreBefore(cp: RunCheckpoint, lr: Record<string, number>): Promise<void> {
  const h = get().history;
  const what = Object.entries(lr)
    .map(([id, v]) => `${h.model(id)?.label ?? id} lr ${formatValue(v)}`)
    .join(', ');
  minRunId = lastSeenRunId + 1;
  carry = {
    history: rewindHistory(cp, `back to step ${formatCount(h.historyStep(cp.step))} · ${what}`),
    note: null,
  };
  keeper.restoredTo(cp);
  // The changes after the checkpoint are not made again (one of them may be what broke the model).
  replaying = [];
  changesUpTo(cp.step);
  liveFrom(cp, lr);
  set({ notice: null });
  try {
    await worker().restore(cp, { lr });
    play();
  } catch (e) {
    fatal(`could not go back to step ${cp.step}: ${message(e)}`);
  }
}

let recovering = false;
let checkpointListener: (() => void) | null = null;

/** Called whenever a checkpoint of the current run arrives (the autosave listens). */
export function onCheckpoint(fn: () => void): void {
  checkpointListener = fn;
}

/** The newest checkpoint of the current run, or null. */
export function latestCheckpoint(): RunCheckpoint | null {
  return keeper.latest();
}

/**
 * Opens a saved run where it was: its settings and loss-view options, its History up to its checkpoint, and the
 * models restored from that checkpoint in the worker, paused. A run saved without a checkpoint starts over.
 */
export async function openSavedRun(
  run: SavedRun,
  note: (step: number) => string,
  kind: Notice['kind'] = 'info',
): Promise<void> {
  const cp = run.checkpoint;
  // Run id 0 is a fresh worker's "no run yet": its status must not take the History this run carries.
  minRunId = Math.max(1, lastSeenRunId + 1);
  keeper.clear();
  let step = 0;
  if (cp) {
    keeper.add(cp);
    const h = run.history;
    step = h.historyStep(cp.step);
    if (h.steps.length) h.truncateAfter(step, { engineStep: cp.step });
    carry = { history: h, note: null };
  } else carry = null;
  pause();
  replaying = [];
  set({
    draft: run.config,
    applied: run.config,
    built: run.config,
    changes: run.changes.filter((c) => !cp || c.step <= cp.step),
    app: run.app,
    preset: run.preset,
    runKey: run.id,
    runName: run.name,
    notice: { kind, text: note(step) },
  });
  setUi({ lossSmoothing: run.view.lossSmoothing, lossLog: run.view.lossLog });
  if (cp) liveFrom(cp, {});
  try {
    await worker().setStepsPerTick(run.app.stepsPerTick);
    if (cp) await worker().restore(cp, { ...machine, runIdAbove: minRunId - 1 });
    else await worker().reset(run.config);
  } catch (e) {
    fatal(`could not open the saved run: ${message(e)}`);
  }
}

/** Renames the current run in the list of saved runs. */
export function setRunName(name: string): void {
  set({ runName: name });
}
let recoveries: number[] = [];

/**
 * The worker died (or can no longer train: a step threw, the GPU device was lost): starts a new one — on the cpu
 * backend after a device loss — restores the last checkpoint, and trains on if training was on. The charts keep
 * everything up to that checkpoint; the steps after it are trained again (the same batches, the same numbers).
 */
async function recover(why: string, opts: { avoidGpu?: boolean } = {}): Promise<void> {
  if (recovering) return;
  // A worker that cannot even start would be replaced for ever: three deaths in half a minute end it.
  const now = performance.now();
  recoveries = recoveries.filter((t) => now - t < 30_000);
  if (recoveries.length >= 3) {
    fatal(`the training worker keeps stopping (${why}); reload the page to try again`);
    return;
  }
  recoveries.push(now);
  recovering = true;
  const { status, playing, applied } = get();
  const cp = keeper.latest();
  const lostAt = status.stepCount;
  const prefer =
    opts.avoidGpu && machine.prefer !== 'wasm' && machine.prefer !== 'webgl' ? 'cpu' : machine.prefer;
  minRunId = lastSeenRunId + 1;
  const stopped = `The training worker stopped at step ${formatCount(lostAt)} (${why}).`;
  set({ notice: { kind: 'info', text: `${stopped} Starting a new one…` } });
  try {
    const w = replaceTrainingWorker();
    await w.subscribe(Comlink.proxy(onUpdate));
    await w.setStepsPerTick(get().app.stepsPerTick);
    if (cp) {
      carry = {
        history: rewindHistory(cp, `worker restarted · from step ${formatCount(cp.step)}`),
        note: null,
      };
      keeper.restoredTo(cp);
      liveFrom(cp, {});
      // The same run again: the live changes made after the checkpoint are replayed at their steps.
      const again = [...get().changes.filter((c) => c.step > cp.step), ...replaying];
      changesUpTo(cp.step);
      await w.restore(cp, {
        prefer,
        threads: machine.threads,
        runIdAbove: minRunId - 1,
        schedule: again,
      });
    } else if (applied) {
      // No checkpoint yet: the run starts over in the new worker, whose run ids start at 1 (the old worker is
      // gone, so nothing stale can arrive).
      carry = null;
      minRunId = 1;
      historyRunId = -1;
      const built = get().built ?? applied;
      const again = [...get().changes, ...replaying];
      set({ changes: [], applied: built });
      await w.init(built, { prefer, threads: machine.threads, schedule: again });
    }
    const where = prefer && prefer !== machine.prefer ? ` on the ${prefer} backend` : '';
    set({
      notice: {
        kind: 'info',
        text:
          `${stopped} A new one${where} ` +
          (cp
            ? `resumed the run from step ${formatCount(cp.step)}, its last checkpoint: the steps after it are ` +
              'trained again, on the same batches.'
            : 'started the run again: there was no checkpoint yet.'),
      },
    });
    if (playing) play();
  } catch (e) {
    fatal(`the training worker stopped (${why}) and could not be replaced: ${message(e)}`);
  } finally {
    recovering = false;
  }
}

/** The least time the worker may take to answer a ping: long while it builds a run or takes its first step. */
function silenceAllowed(): number {
  const st = get().status;
  if (st.state === 'starting' || recovering) return 20_000;
  // Until a first step has been timed, allow for its one-off costs (compiling kernels and shaders, warming
  // caches): on a loaded machine a first webgl or wasm step has taken 13–33 s.
  return Number.isFinite(st.msPerStep) ? 0 : 60_000;
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

/** `?debug=faults`: the e2e tests provoke worker faults through `window.kruDebug`. */
function exposeFaults(): void {
  (window as unknown as { kruDebug: object }).kruDebug = {
    injectFault: (kind: FaultKind | 'terminate') =>
      kind === 'terminate' ? terminateWorkerForTest() : worker().injectFault(kind),
    answerTimes: recentAnswerTimes,
  };
}

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
    replaying = parsed?.ok ? parsed.value : [];
    set({ applied: config, built: config, changes: [] });
    await w.setStepsPerTick(get().app.stepsPerTick);
    await w.init(config, { prefer, threads, schedule: replaying });
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
  keeper.clear();
  // A reset with other structural settings leaves the preset: its caption no longer describes the run.
  const p = get().preset ? presetByName(get().preset!) : undefined;
  replaying = [];
  set({
    applied: check.value,
    built: check.value,
    changes: [],
    notice: null,
    ...(p && !isPresetRun(p, check.value) ? { preset: null } : {}),
  });
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
