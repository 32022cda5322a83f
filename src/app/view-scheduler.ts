// Spreads chart re-renders over animation frames: when new data arrives every view is marked stale, and each
// frame re-renders only the view that has waited longest. Re-rendering all seven charts in one frame costs a few
// hundred ms on a slow machine (one long task); one chart per frame keeps every task short, and each view still
// redraws several times a second. Views scrolled out of sight wait: they catch up in the frame after they come
// near the viewport, so the page spends its time (and the machine's second core) only on what can be seen.
import { useCallback, useEffect, useSyncExternalStore, type RefObject } from 'react';
import { queueFrameJob } from '../charts/lib/frame-queue';
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
  /** On or near the screen (true until an IntersectionObserver says otherwise). */
  visible: boolean;
  /** Rows of its History when it last rendered. */
  rows: number;
}

/** Minimum gap between two view renders: leaves most frames free for input, scrolling and the other tabs. */
const MIN_GAP_MS = 60;

const slots = new Map<string, Slot>();
let lastRender = -Infinity;
/** The newest data; its version is bumped whenever new data is published. A new run's History goes through
 * here too, so even a reset re-renders the views one per frame. */
let current: ViewData = { history: new History(), version: 0 };

function slot(key: string): Slot {
  let s = slots.get(key);
  if (!s) {
    s = { view: current, at: 0, listeners: new Set(), visible: true, rows: 0 };
    slots.set(key, s);
  }
  return s;
}

/**
 * Due for a render: visible views on any new data; off-screen ones only when the run changed (a new History) or
 * its first rows arrived, the changes that set a view's height, so the page below keeps its layout and a scroll
 * to a view lands where it aims.
 */
function stale(s: Slot): boolean {
  if (s.view === current || s.listeners.size === 0) return false;
  return (
    s.visible || s.view.history !== current.history || (s.rows === 0 && current.history.steps.length > 0)
  );
}

/** Set while the scheduler waits out MIN_GAP_MS. */
let gapTimer: ReturnType<typeof setTimeout> | 0 = 0;

/**
 * Asks for a frame to render the next stale view in, after the gap since the last render. The gap is waited out
 * on a timer, not by asking for frame after frame: each requested frame is a main-frame update of the whole page
 * (and work for the compositor), which on two cores the training worker pays for.
 */
function wake(now = performance.now()): void {
  const wait = lastRender + MIN_GAP_MS - now;
  if (wait <= 0)
    queueFrameJob(tick); // at most once per frame: the queue holds each job once
  else
    gapTimer ||= setTimeout(() => {
      gapTimer = 0;
      queueFrameJob(tick);
    }, wait);
}

function tick(now: number): void {
  if (now - lastRender < MIN_GAP_MS) {
    wake(now);
    return;
  }
  let next: Slot | null = null;
  for (const s of slots.values()) {
    if (stale(s) && (!next || s.at < next.at)) next = s;
  }
  if (!next) return;
  next.view = current;
  next.rows = current.history.steps.length;
  next.at = now;
  lastRender = now;
  for (const l of next.listeners) l(); // useSyncExternalStore re-renders that view synchronously, here
  for (const s of slots.values()) {
    if (stale(s)) {
      wake(now);
      return;
    }
  }
}

/** New data is available: every view will catch up, one per frame. */
export function announceData(history: History): void {
  current = { history, version: current.version + 1 };
  wake();
}

/** The data a view should render; changes for at most one view per frame. */
export function useViewData(key: string): ViewData {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const s = slot(key);
      s.listeners.add(onChange);
      if (stale(s)) wake();
      return () => s.listeners.delete(onChange);
    },
    [key],
  );
  return useSyncExternalStore(subscribe, () => slot(key).view);
}

/** Views this close to the viewport count as visible, so one scrolled in is usually drawn before it shows. */
const NEAR = '300px 0px';

/** Tracks whether the view's element is on or near the screen; off-screen views skip their renders. */
export function useViewVisibility(key: string, ref: RefObject<Element | null>): void {
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const s = slot(key);
    const io = new IntersectionObserver(
      (entries) => {
        s.visible = entries[entries.length - 1].isIntersecting;
        if (stale(s)) wake();
      },
      { rootMargin: NEAR },
    );
    io.observe(el);
    return () => {
      io.disconnect();
      s.visible = true;
    };
  }, [key, ref]);
}
