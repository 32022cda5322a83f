// Worker updates → the store: drops those of stale runs, starts or continues the run's History, appends
// snapshots, keeps the checkpoints, records live changes and announces divergences — and publishes at most once
// per animation frame. `feed` holds the routing state the store's actions and the recovery code set.
import type { WorkerStatus, WorkerUpdate } from '../engine/protocol';
import type { RunCheckpoint } from '../engine/checkpoint';
import type { LiveChange } from '../engine/schedule';
import type { Snapshot } from '../engine/types';
import { History } from '../history/history';
import { formatCount, formatValue } from '../core/format';
import { CheckpointKeeper } from './checkpoint-keeper';
import { divergenceAdvice, divergenceNotice } from './divergence-notice';
import { newRunId } from './saved-runs';
import { announceData } from './view-scheduler';
import { publishWhen } from './publish-gate';
import { pause, setLive, useApp, type AppState, type Notice } from './store';
import { recover, recovering, restoreBefore } from './recovery';

export const feed = {
  /** Updates of runs older than this are stale (a reset is under way) and dropped. */
  minRunId: 0,
  lastSeenRunId: -1,
  historyRunId: -1,
  /** Set before a new run whose charts continue this History: after a reset mark with `note` (null: a
   * restore, whose History is already cut back to its checkpoint). */
  carry: null as { history: History; note: string | null } | null,
  /** Changes still to come in a replayed link: when the engine applies one, the page's controls follow it. */
  replaying: [] as LiveChange[],
};

/** A History the store does not hold yet (a new or continued run's), set in the next frame. */
let pendingHistory: History | null = null;
let pendingStatus: WorkerStatus | null = null;
let frame = 0;
let statusAt = -Infinity;
let statusTimer: ReturnType<typeof setTimeout> | 0 = 0;

function schedulePublish(): void {
  const when = publishWhen(
    performance.now(),
    statusAt,
    useApp.getState().status,
    pendingStatus,
    pendingHistory !== null,
  );
  if (when === 'frame') frame ||= requestAnimationFrame(publish);
  else if (when !== null)
    // Published by the frame after the gap (or sooner, with the next real change).
    statusTimer ||= setTimeout(() => {
      statusTimer = 0;
      schedulePublish();
    }, when);
}
/** The continued History has not seen the new run's first rows yet (they must fit it: `accepts`). */
let checkFirst = false;
/** Models of the current run (feed.historyRunId) whose divergence the page has announced. */
let divergedAnnounced = new Set<string>();
/** The run's checkpoints (the worker posts them), for going back and for replacing a dead worker. */
export const keeper = new CheckpointKeeper();

function publish(now: number): void {
  frame = 0;
  // Taken first: a held-back status below reschedules, and a History still pending would ask for another frame.
  const fresh = pendingHistory;
  pendingHistory = null;
  const patch: Partial<AppState> = {};
  if (fresh) patch.history = fresh;
  if (pendingStatus) {
    const when = publishWhen(now, statusAt, useApp.getState().status, pendingStatus, false);
    if (when === 'frame') {
      patch.status = pendingStatus;
      if (pendingStatus.state === 'error') patch.playing = false;
      pendingStatus = null;
      statusAt = now;
    } else schedulePublish();
  }
  if (patch.status || patch.history) useApp.setState(patch);
  if (fresh) announceData(fresh);
}

export function onUpdate(u: WorkerUpdate): void {
  const s = u.status;
  feed.lastSeenRunId = Math.max(feed.lastSeenRunId, s.runId);
  if (s.runId < feed.minRunId) return;
  if (s.runId !== feed.historyRunId) {
    feed.historyRunId = s.runId;
    divergedAnnounced = new Set();
    const c = feed.carry;
    feed.carry = null;
    checkFirst = !!c;
    if (c && c.note !== null) c.history.continueRun(c.note); // (null: a restore, already truncated)
    pendingHistory = c ? c.history : new History();
    if (!c) useApp.setState({ runKey: newRunId(), runName: '' }); // a new run: saved as a new entry
  }
  if (u.checkpoint && s.runId === feed.historyRunId) {
    keeper.add(u.checkpoint);
    checkpointListener?.();
  }
  if (s.fault && !recovering) void recover(s.fault.message, { avoidGpu: s.fault.kind === 'device' });
  if (u.snapshot) {
    let h = pendingHistory ?? useApp.getState().history;
    if (checkFirst && !h.accepts(u.snapshot)) h = pendingHistory = new History(); // safety net
    if (u.snapshot.steps.length) checkFirst = false;
    h.append(u.snapshot);
    announceDivergences(u.snapshot, h);
    if (u.snapshot.changes?.length) recordChanges(u.snapshot.changes);
    // The store's own History: the views redraw on their schedule (none while the tab is hidden).
    if (!pendingHistory) announceData(h);
  }
  pendingStatus = s;
  // rAF coalesces any number of updates into one render; it does not run in a hidden tab, which is fine:
  // the History keeps accumulating and the next visible frame shows it all.
  schedulePublish();
}

function recordChanges(changes: LiveChange[]): void {
  useApp.setState((s) => ({ changes: [...s.changes, ...changes] }));
  for (const c of changes) {
    const i = feed.replaying.findIndex(
      (r) => r.step === c.step && r.model === c.model && r.setting === c.setting,
    );
    if (i < 0) continue;
    feed.replaying.splice(i, 1);
    setLive(c.model, c.setting, c.value);
  }
}

/** The recorded changes up to engine step `step` (a run going back to a checkpoint drops the later ones). */
export function changesUpTo(step: number): void {
  useApp.setState((s) => ({ changes: s.changes.filter((c) => c.step <= step) }));
}

/** Announces the models that `snap` first reports diverged (once each per run); pauses once none is left. */
function announceDivergences(snap: Snapshot, h: History): void {
  const n = divergenceNotice(snap, h, useApp.getState().applied?.models ?? [], divergedAnnounced);
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
  const text = `${n.text} ${divergenceAdvice(n.ids.length, n.all, action !== undefined)}`;
  useApp.setState({ notice: { kind: 'error', text, action } });
  if (n.all) pause();
}

let checkpointListener: (() => void) | null = null;

/** Called whenever a checkpoint of the current run arrives (the autosave listens). */
export function onCheckpoint(fn: () => void): void {
  checkpointListener = fn;
}

/** The newest checkpoint of the current run, or null. */
export function latestCheckpoint(): RunCheckpoint | null {
  return keeper.latest();
}
