// Saves the run in progress as it trains: whenever a checkpoint arrives (every few hundred steps or ten seconds
// of training, before a live change, on pause) the run — settings, History, that checkpoint, loss-view options —
// is written to IndexedDB under the run's key (saved-runs.ts). Also the list of saved runs the panel shows.
import { create } from 'zustand';
import { PRESETS } from '../presets';
import type { AppState } from './store';
import { useApp } from './store';
import { latestCheckpoint, onCheckpoint } from './run-feed';
import { getUi } from './ui-state';
import { listRuns, runRecordInSlices, type SavedRun, type SavedRunInfo } from './saved-runs';
import { storeRun } from './run-storage';
import { yieldToPage } from '../util/yield-to-page';

export const useSavedRuns = create<{ runs: SavedRunInfo[]; problem: string | null }>()(() => ({
  runs: [],
  problem: null,
}));

/** A name for a run nobody named: its preset's title, else its models and task. */
export function describeRun(s: Pick<AppState, 'applied' | 'preset'>): string {
  const p = s.preset && PRESETS.find((x) => x.name === s.preset);
  if (p) return p.title;
  const c = s.applied;
  if (!c) return 'a run';
  const task = c.task.name === 'digits' ? 'digits' : `${c.task.name} T=${c.task.T}`;
  return `${c.models.map((m) => m.label).join(' vs ')} · ${task}`;
}

export async function refreshSavedRuns(): Promise<void> {
  try {
    useSavedRuns.setState({ runs: await listRuns() });
  } catch {
    // No IndexedDB here: the list stays empty and the first failed save says so.
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;
let chain: Promise<void> = Promise.resolve();

/** Saves the current run now (one save at a time, in order). */
export function saveCurrentRun(): Promise<void> {
  chain = chain.then(async () => {
    const s = useApp.getState();
    const config = s.built ?? s.applied;
    if (!config) return;
    const ui = getUi();
    const run = (): SavedRun => ({
      id: s.runKey,
      name: s.runName || describeRun(s),
      savedAt: Date.now(),
      config,
      changes: s.changes,
      app: s.app,
      preset: s.preset,
      view: { lossSmoothing: ui.lossSmoothing, lossLog: ui.lossLog },
      history: s.history,
      checkpoint: latestCheckpoint(),
    });
    try {
      // Copied a slice at a time: a long run's History is ~10 MB, one copy of it a long task.
      const runs = await storeRun(() => runRecordInSlices(run(), yieldToPage));
      useSavedRuns.setState({ runs, problem: null });
    } catch (e) {
      useSavedRuns.setState({
        problem: `This browser did not let the run be saved (${e instanceof Error ? e.message : String(e)}): a reload will start over.`,
      });
    }
  });
  return chain;
}

/** While training, saves come at most this often (each copies the History: up to ~10 MB on a long run). */
export const SAVE_EVERY_MS = 10_000;
let lastSave = -Infinity;

/** Starts saving the run whenever a checkpoint of it arrives (while it trains, at most every 10 s). */
export function startAutosave(): void {
  onCheckpoint(() => {
    clearTimeout(timer);
    const playing = useApp.getState().playing;
    const wait = playing ? Math.max(250, lastSave + SAVE_EVERY_MS - performance.now()) : 250;
    timer = setTimeout(() => {
      lastSave = performance.now();
      void saveCurrentRun();
    }, wait);
  });
  void refreshSavedRuns();
}
