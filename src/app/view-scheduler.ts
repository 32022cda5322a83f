// Spreads chart re-renders over animation frames: when new data arrives every view is marked stale, and each
// frame re-renders only the view that has waited longest. Re-rendering all seven charts in one frame costs a few
// hundred ms on a slow machine (one long task); one chart per frame keeps every task short, and each view still
// redraws several times a second.
import { useCallback, useSyncExternalStore } from 'react';
import { History } from '../history/history';

/** What one view draws: the run's History and a number that changes whenever it should redraw. */
export interface ViewData {
  history: History;
  version: number;
}

interface Slot {
  /** The data this view last rendered (a new object each time, so React sees the change). */
  view: ViewData;
  /** When it last rendered (for fairness: the longest-waiting stale view goes next). */
  at: number;
  listeners: Set<() => void>;
}

/** Minimum gap between two view renders: leaves most frames free for input, scrolling and the other tabs. */
const MIN_GAP_MS = 60;

const slots = new Map<string, Slot>();
let lastRender = -Infinity;
/** The newest data; its version is bumped whenever new data is published. A new run's History goes through
 * here too, so even a reset re-renders the views one per frame. */
let current: ViewData = { history: new History(), version: 0 };
let frame = 0;

function slot(key: string): Slot {
  let s = slots.get(key);
  if (!s) {
    s = { view: current, at: 0, listeners: new Set() };
    slots.set(key, s);
  }
  return s;
}

function tick(now: number): void {
  frame = 0;
  if (now - lastRender < MIN_GAP_MS) {
    frame = requestAnimationFrame(tick);
    return;
  }
  let next: Slot | null = null;
  for (const s of slots.values()) {
    if (s.view !== current && s.listeners.size && (!next || s.at < next.at)) next = s;
  }
  if (!next) return;
  next.view = current;
  next.at = now;
  lastRender = now;
  for (const l of next.listeners) l(); // useSyncExternalStore re-renders that view synchronously, here
  for (const s of slots.values()) {
    if (s.view !== current && s.listeners.size) {
      frame = requestAnimationFrame(tick);
      return;
    }
  }
}

/** New data is available: every view will catch up, one per frame. */
export function announceData(history: History): void {
  current = { history, version: current.version + 1 };
  if (!frame) frame = requestAnimationFrame(tick);
}

/** The data a view should render; changes for at most one view per frame. */
export function useViewData(key: string): ViewData {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const s = slot(key);
      s.listeners.add(onChange);
      if (s.view !== current && !frame) frame = requestAnimationFrame(tick);
      return () => s.listeners.delete(onChange);
    },
    [key],
  );
  return useSyncExternalStore(subscribe, () => slot(key).view);
}
