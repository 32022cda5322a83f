// One queue of main-thread drawing work for the whole page, run once per animation frame under a time budget.
// Charts ask to redraw at independent moments (their own throttles, resizes, new data); left to their own
// requestAnimationFrame calls they pile into the same frame — seven first draws in one frame were a 90 ms task.
// Here each frame runs queued jobs in order until the budget is spent and leaves the rest to the next frame.
//
// The jobs run in a task of their own, posted from the animation frame, not inside the frame's callback: a
// callback's DOM changes are styled, laid out and painted in the same task, so a chart's script and the
// browser's rendering of it made one task. Posted, the script runs right after this frame and its changes are
// rendered in the next one, two tasks each about half as long (on a busy 2-core machine a task can take several
// times its CPU time, and it is the longest that cross 50 ms). rAF still paces the jobs and pauses them in a
// hidden tab.

import { yieldToPage } from '../../util/yield-to-page';

export type FrameJob = (now: number) => void;

/** Script time per frame after which the remaining jobs wait for the next frame. */
export const FRAME_BUDGET_MS = 8;

const queue = new Set<FrameJob>();
let raf = 0;
/** The frame's timestamp, handed to the jobs of the task it posted. */
let frameTime = 0;

function run(): void {
  const start = performance.now();
  // Only the jobs queued before this frame: a job that queues itself (or another) again runs next frame.
  for (const job of [...queue]) {
    if (performance.now() - start >= FRAME_BUDGET_MS) break;
    queue.delete(job);
    job(frameTime);
  }
  if (queue.size && !raf) raf = requestAnimationFrame(onFrame);
}

function onFrame(now: number): void {
  raf = 0;
  frameTime = now;
  void yieldToPage().then(run);
}

/** Run `job` after an upcoming frame (once, however often it is queued before it runs). */
export function queueFrameJob(job: FrameJob): void {
  queue.add(job);
  if (!raf) raf = requestAnimationFrame(onFrame);
}

/** Forget a queued job (a no-op when it already ran). */
export function cancelFrameJob(job: FrameJob): void {
  queue.delete(job);
}
