// The run feed asks for an animation frame only when the store has something to show at once (publish-gate.ts).
// A History replaced while the status counters are held back must go out in one frame, not leave a second one
// asked for that only re-arms the counters' timer.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { WorkerStatus } from '../../src/engine/protocol';
import { History } from '../../src/history/history';
import { range, snapshot } from '../history/fixtures';

const status = (stepCount: number): WorkerStatus => ({
  runId: 0,
  state: 'running',
  backend: 'cpu',
  backendReason: 'the only fast backend here',
  backendMeasure: null,
  fusedKernels: true,
  placement: '',
  stepCount,
  stepsPerSec: 60,
  msPerStep: 15,
  stepsPerTick: 1,
  error: null,
  fault: null,
});

let frames: Array<(now: number) => void>;
let clock: number;
/** The feed's own frames (the views' frame queue asks for frames too). */
const feedFrames = () => frames.filter((cb) => cb.name === 'publish');
function fireFrame(): void {
  const cbs = frames;
  frames = [];
  for (const cb of cbs) cb(clock);
}

beforeEach(() => {
  frames = [];
  clock = 1000;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  vi.stubGlobal('requestAnimationFrame', (cb: (now: number) => void) => frames.push(cb));
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
  vi.resetModules();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

it('publishes a replaced History in one frame while the counters wait for their gap', async () => {
  const { feed, onUpdate } = await import('../../src/app/run-feed');
  const { useApp } = await import('../../src/app/store');
  const carried = new History();
  carried.append(snapshot(range(1, 5)));
  feed.carry = { history: carried, note: null }; // a restore: the new run continues this History
  onUpdate({ status: status(5), snapshot: { ...snapshot([]), stepCount: 5 } });
  expect(feedFrames()).toHaveLength(1);
  fireFrame();
  expect(useApp.getState().history).toBe(carried);
  expect(useApp.getState().status.stepCount).toBe(5);

  // The run's first rows do not fit the carried History (another sequence length): the feed starts a new one.
  clock += 10;
  onUpdate({ status: status(6), snapshot: { ...snapshot([6]), seqLength: 50 } });
  expect(feedFrames()).toHaveLength(1);
  clock += 6;
  fireFrame();
  const replaced = useApp.getState().history;
  expect(replaced).not.toBe(carried);
  expect(replaced.steps.length).toBe(1);
  expect(useApp.getState().status.stepCount).toBe(5); // only the counters changed, 16 ms after the last ones
  expect(feedFrames()).toHaveLength(0); // no frame asked for with nothing new to show

  // The counters go out in the first frame after their gap.
  clock += 250;
  vi.advanceTimersByTime(250);
  expect(feedFrames()).toHaveLength(1);
  fireFrame();
  expect(useApp.getState().status.stepCount).toBe(6);
});
