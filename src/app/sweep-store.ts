// The sweep's state on the page (a zustand store apart from the training run's) and its worker. A sweep is
// checked here (planSweep) before it is sent, so a bad grid is refused at once; its progress and each finished
// point arrive from workers/sweep.worker.ts. Only types and the pure grid helpers of src/engine/sweep.ts are
// used here: TensorFlow.js stays in the worker.
import * as Comlink from 'comlink';
import { create } from 'zustand';
import {
  planSweep,
  type SweepGrid,
  type SweepPointResult,
  type SweepProgress,
  type SweepSpec,
} from '../engine/sweep';
import { numberFromText } from '../settings/rows';
import type { BackendName } from '../engine/backend-names';
import type { SweepListener, SweepWorkerApi } from '../../workers/sweep.worker';

export type SweepStatus = 'idle' | 'running' | 'cancelling' | 'done' | 'cancelled' | 'failed';

export interface PlannedPoint {
  index: number;
  label: string;
  lambda: number;
  factors: number[];
}

export interface SweepState {
  status: SweepStatus;
  kind: SweepGrid['kind'];
  /** Every point of the sweep that ran last (or runs), finished or not. */
  points: PlannedPoint[];
  /** The finished points, in grid order. */
  results: SweepPointResult[];
  progress: SweepProgress | null;
  /** What went wrong (a refused grid, a failed run), or null. */
  error: string | null;
  backend: string;
}

export const useSweep = create<SweepState>()(() => ({
  status: 'idle',
  kind: 'lambda',
  points: [],
  results: [],
  progress: null,
  error: null,
  backend: '',
}));

const set = useSweep.setState;

let worker: { raw: Worker; api: Comlink.Remote<SweepWorkerApi> } | null = null;

function sweepWorker(): Comlink.Remote<SweepWorkerApi> {
  if (!worker) {
    const raw = new Worker(new URL('../../workers/sweep.worker.ts', import.meta.url), {
      type: 'module',
      name: 'sweep',
    });
    worker = { raw, api: Comlink.wrap<SweepWorkerApi>(raw) };
  }
  return worker.api;
}

/** "0, 1e-3, 0.1" → numbers; throws an Error naming the first bad entry. */
export function parseLambdaList(text: string): number[] {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  return parts.map((p) => {
    try {
      return numberFromText(p);
    } catch {
      throw new Error(`"${p.slice(0, 20)}" is not a number (write λ values separated by commas)`);
    }
  });
}

/** "2x2x2, 4×4×4, 64" → [[2,2,2],[4,4,4],[64]]. */
export function parseFactorList(text: string): number[][] {
  return text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((p) => {
      const sizes = p.split(/[x×]/);
      if (!sizes.every((s) => /^\d+$/.test(s) && Number(s) >= 1))
        throw new Error(`"${p.slice(0, 20)}" is not a factorisation (write factor sizes joined by x: 4x4x4)`);
      return sizes.map(Number);
    });
}

/** "12 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '…';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The finished points with r in its place (once per grid index: a point may be told of twice), in grid order. */
export function withResult(results: SweepPointResult[], r: SweepPointResult): SweepPointResult[] {
  return [...results.filter((x) => x.index !== r.index), r].sort((a, b) => a.index - b.index);
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Each run's listener only speaks while its run is the current one (a late message of an old run is dropped). */
let runToken = 0;

/** Starts a sweep (refused with a message, and nothing started, when the spec is not valid). */
export async function startSweep(spec: SweepSpec, backend?: BackendName): Promise<void> {
  if (useSweep.getState().status === 'running' || useSweep.getState().status === 'cancelling') return;
  let points: PlannedPoint[];
  try {
    points = planSweep(spec).points.map(({ index, label, lambda, factors }) => ({
      index,
      label,
      lambda,
      factors,
    }));
  } catch (e) {
    set({ error: message(e) });
    return;
  }
  const token = ++runToken;
  // The listener's messages travel on a channel of their own: a point may be told after the run's answer.
  const mine = () => token === runToken;
  set({ status: 'running', kind: spec.grid.kind, points, results: [], progress: null, error: null });
  const listener: SweepListener = {
    progress: (p) => void (mine() && useSweep.getState().status === 'running' && set({ progress: p })),
    point: (r) => void (mine() && set((s) => ({ results: withResult(s.results, r) }))),
  };
  try {
    const out = await sweepWorker().start(spec, Comlink.proxy(listener), backend);
    if (!mine()) return;
    set({
      status: out.cancelled ? 'cancelled' : 'done',
      results: [...out.results].sort((a, b) => a.index - b.index),
      progress: out.progress,
      backend: out.backend,
    });
  } catch (e) {
    if (mine()) set({ status: 'failed', error: `The sweep failed: ${message(e)}` });
  }
}

/** Stops the sweep between two steps; the points that finished stay. */
export function cancelSweep(): void {
  if (useSweep.getState().status !== 'running') return;
  set({ status: 'cancelling' });
  void sweepWorker().cancel();
}

/** Clears a refusal message (the grid was edited). */
export function clearSweepError(): void {
  if (useSweep.getState().error) set({ error: null });
}
