// When the run must go elsewhere: back to a checkpoint from before a divergence, into a new worker after the
// old one died (or lost its GPU), or out of the browser's storage when a saved run is opened. Each puts the
// History back to the checkpoint, tells the feed which run comes next, and has the worker restore it.
import * as Comlink from 'comlink';
import type { FaultKind } from '../engine/protocol';
import type { RunCheckpoint } from '../engine/checkpoint';
import { History } from '../history/history';
import type { RunConfig } from '../settings';
import { formatCount, formatValue } from '../core/format';
import { changesUpTo, feed, keeper, onUpdate } from './run-feed';
import { newRunId, type SavedRun } from './saved-runs';
import { fatal, machineChoice, pause, play, setLive, useApp, type Notice } from './store';
import { getUi, setUi } from './ui-state';
import {
  recentAnswerTimes,
  replaceTrainingWorker,
  terminateWorkerForTest,
  trainingWorker,
} from './worker-client';

const worker = () => trainingWorker();

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Puts the charts back to checkpoint `cp` of the current run, leaving a mark that says why. */
function rewindHistory(cp: RunCheckpoint, note: string): History {
  const h = useApp.getState().history;
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
  const h = useApp.getState().history;
  const what = Object.entries(lr)
    .map(([id, v]) => `${h.model(id)?.label ?? id} lr ${formatValue(v)}`)
    .join(', ');
  feed.minRunId = feed.lastSeenRunId + 1;
  feed.carry = {
    history: rewindHistory(cp, `back to step ${formatCount(h.historyStep(cp.step))} · ${what}`),
    note: null,
  };
  keeper.restoredTo(cp);
  // The changes after the checkpoint are not made again (one of them may be what broke the model).
  feed.replaying = [];
  changesUpTo(cp.step);
  liveFrom(cp, lr);
  useApp.setState({ notice: null });
  try {
    await worker().restore(cp, { lr });
    play();
  } catch (e) {
    fatal(`could not go back to step ${cp.step}: ${message(e)}`);
  }
}

/** A replacement worker is being started (faults reported meanwhile are the same fault). */
export let recovering = false;

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
  feed.minRunId = Math.max(1, feed.lastSeenRunId + 1);
  keeper.clear();
  let step = 0;
  if (cp) {
    keeper.add(cp);
    const h = run.history;
    step = h.historyStep(cp.step);
    if (h.steps.length) h.truncateAfter(step, { engineStep: cp.step });
    feed.carry = { history: h, note: null };
  } else feed.carry = null;
  pause();
  feed.replaying = [];
  useApp.setState({
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
    if (cp) await worker().restore(cp, { ...machineChoice(), runIdAbove: feed.minRunId - 1 });
    else await worker().reset(run.config);
  } catch (e) {
    fatal(`could not open the saved run: ${message(e)}`);
  }
}

let recoveries: number[] = [];

/**
 * The worker died (or can no longer train: a step threw, the GPU device was lost): starts a new one — on the cpu
 * backend after a device loss — restores the last checkpoint, and trains on if training was on. The charts keep
 * everything up to that checkpoint; the steps after it are trained again (the same batches, the same numbers).
 */
export async function recover(why: string, opts: { avoidGpu?: boolean } = {}): Promise<void> {
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
  const { status, playing, applied } = useApp.getState();
  const cp = keeper.latest();
  const lostAt = status.stepCount;
  const prefer =
    opts.avoidGpu && machineChoice().prefer !== 'wasm' && machineChoice().prefer !== 'webgl'
      ? 'cpu'
      : machineChoice().prefer;
  feed.minRunId = feed.lastSeenRunId + 1;
  const stopped = `The training worker stopped at step ${formatCount(lostAt)} (${why}).`;
  useApp.setState({ notice: { kind: 'info', text: `${stopped} Starting a new one…` } });
  try {
    const w = replaceTrainingWorker();
    await w.subscribe(Comlink.proxy(onUpdate));
    await w.setStepsPerTick(useApp.getState().app.stepsPerTick);
    if (cp) {
      feed.carry = {
        history: rewindHistory(cp, `worker restarted · from step ${formatCount(cp.step)}`),
        note: null,
      };
      keeper.restoredTo(cp);
      liveFrom(cp, {});
      // The same run again: the live changes made after the checkpoint are replayed at their steps.
      const again = [...useApp.getState().changes.filter((c) => c.step > cp.step), ...feed.replaying];
      changesUpTo(cp.step);
      await w.restore(cp, {
        prefer,
        threads: machineChoice().threads,
        runIdAbove: feed.minRunId - 1,
        schedule: again,
      });
    } else if (applied) {
      // No checkpoint yet: the run starts over in the new worker, whose run ids start at 1 (the old worker is
      // gone, so nothing stale can arrive).
      feed.carry = null;
      feed.minRunId = 1;
      feed.historyRunId = -1;
      const built = useApp.getState().built ?? applied;
      const again = [...useApp.getState().changes, ...feed.replaying];
      useApp.setState({ changes: [], applied: built });
      await w.init(built, { prefer, threads: machineChoice().threads, schedule: again });
    }
    const where = prefer && prefer !== machineChoice().prefer ? ` on the ${prefer} backend` : '';
    useApp.setState({
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
export function silenceAllowed(): number {
  const st = useApp.getState().status;
  if (st.state === 'starting' || recovering) return 20_000;
  // Until a first step has been timed, allow for its one-off costs (compiling kernels and shaders, warming
  // caches): on a loaded machine a first webgl or wasm step has taken 13–33 s.
  return Number.isFinite(st.msPerStep) ? 0 : 60_000;
}

/** `?debug=faults`: the e2e tests provoke worker faults through `window.kruDebug`. */
export function exposeFaults(): void {
  (window as unknown as { kruDebug: object }).kruDebug = {
    injectFault: (kind: FaultKind | 'terminate') =>
      kind === 'terminate' ? terminateWorkerForTest() : worker().injectFault(kind),
    answerTimes: recentAnswerTimes,
  };
}

/**
 * Opens a model file (JSON text) as a run of that one model, from its weights, paused: its spectrum and factors
 * show at once, and Play trains it on. A file that is not a model file, or fits no task, changes nothing.
 */
export async function openModelFile(text: string, fileName: string): Promise<void> {
  const refuse = (why: string) =>
    useApp.setState({
      notice: { kind: 'error', text: `Could not open the model file: ${why}. Nothing was changed.` },
    });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    refuse('it is not JSON');
    return;
  }
  const s = useApp.getState();
  let run: { config: RunConfig; checkpoint: RunCheckpoint };
  try {
    run = await worker().modelRun(json, s.applied ?? s.draft);
  } catch (e) {
    refuse(message(e));
    return;
  }
  const ui = getUi();
  const model = run.config.models[0];
  await openSavedRun(
    {
      id: newRunId(),
      name: `${model.label} from ${fileName}`,
      savedAt: Date.now(),
      config: run.config,
      changes: [],
      app: s.app,
      preset: null,
      view: { lossSmoothing: ui.lossSmoothing, lossLog: ui.lossLog },
      history: new History(),
      checkpoint: run.checkpoint,
    },
    () =>
      `Opened ${fileName}: a ${model.kind.toUpperCase()} with N = ${model.hidden} on the ${run.config.task.name} ` +
      'task, from its weights, paused. Its spectrum and factors are in the views; Play trains it on.',
  );
}
