// When the worker's updates reach the store (run-feed.ts): a decision from the clock and the two statuses alone,
// kept apart from the feed so that it can be tested without a page.
import { onlyCountersChanged, type WorkerStatus } from '../engine/protocol';

/**
 * The status line's counters (steps, steps/s, ms/step) change with every snapshot, ~30 times a second; each change
 * is a style, layout, paint and composite of the page, and nobody reads a number that fast. A status that differs
 * only in them is published at most this often; any other change (state, backend, an error) goes out at once.
 */
export const COUNTER_GAP_MS = 250;

/**
 * When the pending update should reach the store: 'frame' (the next animation frame), a wait in ms (only the
 * counters changed, shown less than COUNTER_GAP_MS ago), or null (nothing to publish). Rows appended to the
 * History the store already holds need no frame: the views hear of them directly (announceData), so a snapshot
 * that changes nothing else asks for no frame at all: on two cores each frame is a commit the compositor does
 * while the main thread waits.
 */
export function publishWhen(
  now: number,
  shownAt: number,
  shown: WorkerStatus,
  pending: WorkerStatus | null,
  newHistory: boolean,
): 'frame' | number | null {
  if (newHistory) return 'frame';
  if (!pending) return null;
  const wait = shownAt + COUNTER_GAP_MS - now;
  return wait > 0 && onlyCountersChanged(shown, pending) ? wait : 'frame';
}
