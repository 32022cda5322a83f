// The page's frame queue: jobs wait for an animation frame, then run in a task of their own right after it (not
// inside the frame's callback, where their DOM changes would be rendered in the same task), under a time budget.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Queue = typeof import('../../src/charts/lib/frame-queue');

let frames: Array<(now: number) => void>;
let q: Queue;
let yieldPage: typeof import('../../src/util/yield-to-page');

/** Fires the pending animation frame at `now`, as the browser would (the callback returns before its task ends). */
function fireFrame(now: number): void {
  const cbs = frames;
  frames = [];
  for (const cb of cbs) cb(now);
}

/**
 * Lets the tasks posted so far run. The queue posts through yieldToPage's MessageChannel; a setTimeout(0) is not
 * ordered after a MessageChannel message in Node (on a loaded CI machine the timer fired first), so this waits on
 * the same channel, whose messages arrive in order, then on a timer for good measure.
 */
async function nextTask(): Promise<void> {
  await yieldPage.yieldToPage();
  await new Promise<void>((r) => setTimeout(r, 0));
}

beforeEach(async () => {
  frames = [];
  vi.stubGlobal('requestAnimationFrame', (cb: (now: number) => void) => frames.push(cb));
  vi.resetModules();
  q = await import('../../src/charts/lib/frame-queue');
  yieldPage = await import('../../src/util/yield-to-page'); // the instance the queue imported after the reset
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('frame queue', () => {
  it('runs a job after the next frame, in a task of its own, with the frame time', async () => {
    const seen: number[] = [];
    q.queueFrameJob((now) => seen.push(now));
    expect(frames).toHaveLength(1);
    fireFrame(1234);
    expect(seen).toEqual([]); // not inside the frame's callback
    await nextTask();
    expect(seen).toEqual([1234]);
  });

  it('runs a job once however often it is queued, and not at all once cancelled', async () => {
    let a = 0;
    let b = 0;
    const jobA = () => a++;
    const jobB = () => b++;
    q.queueFrameJob(jobA);
    q.queueFrameJob(jobA);
    q.queueFrameJob(jobB);
    q.cancelFrameJob(jobB);
    expect(frames).toHaveLength(1); // one frame asked for
    fireFrame(1);
    await nextTask();
    expect([a, b]).toEqual([1, 0]);
    expect(frames).toHaveLength(0); // nothing left: no more frames asked for
  });

  it('leaves the jobs past the budget to the next frame, and a job that queues itself again to the frame after', async () => {
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const ran: string[] = [];
    const slow = (name: string) => () => {
      ran.push(name);
      clock += q.FRAME_BUDGET_MS / 2 + 1; // two of them use up a frame's budget
    };
    const requeue = () => {
      ran.push('requeue');
      if (ran.filter((r) => r === 'requeue').length < 2) q.queueFrameJob(requeue);
    };
    q.queueFrameJob(slow('a'));
    q.queueFrameJob(slow('b'));
    q.queueFrameJob(slow('c'));
    q.queueFrameJob(requeue);
    fireFrame(10);
    await nextTask();
    expect(ran).toEqual(['a', 'b']);
    expect(frames).toHaveLength(1);
    fireFrame(26);
    await nextTask();
    expect(ran).toEqual(['a', 'b', 'c', 'requeue']);
    fireFrame(42);
    await nextTask();
    expect(ran).toEqual(['a', 'b', 'c', 'requeue', 'requeue']);
    expect(frames).toHaveLength(0);
  });

  it('runs a job queued by a job, or by a microtask it left (a React render), in the same task', async () => {
    const ran: string[] = [];
    q.queueFrameJob(() => {
      ran.push('tick');
      q.queueFrameJob(() => ran.push('queued by the job'));
      queueMicrotask(() => q.queueFrameJob(() => ran.push('queued by its microtask')));
    });
    fireFrame(5);
    await nextTask();
    expect(ran).toEqual(['tick', 'queued by the job', 'queued by its microtask']);
    expect(frames).toHaveLength(0); // no frame asked for: nothing was left
  });

  it('leaves a job queued after the task (by a timer, a message) to the next frame', async () => {
    const ran: string[] = [];
    q.queueFrameJob(() => ran.push('first'));
    fireFrame(5);
    await nextTask();
    q.queueFrameJob(() => ran.push('later'));
    await nextTask();
    expect(ran).toEqual(['first']);
    expect(frames).toHaveLength(1);
    fireFrame(21);
    await nextTask();
    expect(ran).toEqual(['first', 'later']);
  });

  it('keeps jobs queued during the task to the budget', async () => {
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const ran: string[] = [];
    q.queueFrameJob(() => {
      ran.push('slow');
      clock += q.FRAME_BUDGET_MS;
      queueMicrotask(() => q.queueFrameJob(() => ran.push('draw')));
    });
    fireFrame(5);
    await nextTask();
    expect(ran).toEqual(['slow']);
    expect(frames).toHaveLength(1);
    fireFrame(21);
    await nextTask();
    expect(ran).toEqual(['slow', 'draw']);
  });
});
