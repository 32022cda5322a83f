// One queue of main-thread drawing work for the whole page, run in animation frames under a time budget.
// Charts ask to redraw at independent moments (their own throttles, resizes, new data); left to their own
// requestAnimationFrame calls they pile into the same frame — seven first draws in one frame were a 90 ms task.
// Here each frame runs queued jobs in order until the budget is spent and leaves the rest to the next frame, so
// a frame's script is at most the budget plus one job.

export type FrameJob = (now: number) => void;

/** Script time per frame after which the remaining jobs wait for the next frame. */
export const FRAME_BUDGET_MS = 8;

const queue = new Set<FrameJob>();
let raf = 0;

function run(now: number): void {
  raf = 0;
  const start = performance.now();
  // Only the jobs queued before this frame: a job that queues itself (or another) again runs next frame.
  for (const job of [...queue]) {
    if (performance.now() - start >= FRAME_BUDGET_MS) break;
    queue.delete(job);
    job(now);
  }
  if (queue.size && !raf) raf = requestAnimationFrame(run);
}

/** Run `job` in an upcoming frame (once, however often it is queued before it runs). */
export function queueFrameJob(job: FrameJob): void {
  queue.add(job);
  if (!raf) raf = requestAnimationFrame(run);
}

/** Forget a queued job (a no-op when it already ran). */
export function cancelFrameJob(job: FrameJob): void {
  queue.delete(job);
}
