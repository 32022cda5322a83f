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
// hidden tab. A job queued while that task runs (a view's re-render queues its chart's drawing) joins it, so a
// chart's update costs one rendered frame, not two: each frame is a commit the main thread waits on.

import { yieldToPage } from '../../util/yield-to-page';

export type FrameJob = (now: number) => void;

/** Script time per frame after which the remaining jobs wait for the next frame. */
export const FRAME_BUDGET_MS = 8;

const queue = new Set<FrameJob>();
let raf = 0;
/** The frame's timestamp, handed to the jobs of the task it posted. */
let frameTime = 0;

/** The task the frame posted, while it runs: when it started, and the jobs it ran (each runs once per frame). */
interface Run {
  start: number;
  ran: Set<FrameJob>;
  /** A microtask is queued to run the jobs queued since. */
  more: boolean;
}
/** The run whose jobs, or the microtasks they left, are executing now; null outside it. */
let open: Run | null = null;

function runJobs(r: Run): void {
  r.more = false;
  open = r;
  for (const job of [...queue]) {
    if (performance.now() - r.start >= FRAME_BUDGET_MS) break;
    if (r.ran.has(job)) continue; // a job that queued itself again waits for the next frame
    queue.delete(job);
    r.ran.add(job);
    job(frameTime);
  }
  // The jobs' microtasks (a React render they caused) run after this, in the same task: a job they queue still
  // joins this run (queueFrameJob), so a view's re-render and the chart drawing it share one task and one frame.
  queueMicrotask(() => {
    if (open === r) open = null;
  });
  // Left for the next frame: jobs past the budget and jobs that queued themselves again.
  if (!r.more || [...queue].some((job) => r.ran.has(job))) requestFrame();
}

function requestFrame(): void {
  if (queue.size && !raf) raf = requestAnimationFrame(onFrame);
}

function onFrame(now: number): void {
  raf = 0;
  frameTime = now;
  void yieldToPage().then(() => runJobs({ start: performance.now(), ran: new Set(), more: false }));
}

/** Run `job` after an upcoming frame (once, however often it is queued before it runs). */
export function queueFrameJob(job: FrameJob): void {
  queue.add(job);
  const r = open;
  if (r && !r.ran.has(job) && performance.now() - r.start < FRAME_BUDGET_MS) {
    if (!r.more) {
      r.more = true;
      queueMicrotask(() => runJobs(r));
    }
  } else requestFrame();
}

/** Forget a queued job (a no-op when it already ran). */
export function cancelFrameJob(job: FrameJob): void {
  queue.delete(job);
}
