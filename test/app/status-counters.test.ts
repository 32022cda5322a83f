// The page shows the status line's counters at most a few times a second (src/app/publish-gate.ts); any other
// change of the worker's status must still go out at once, and a snapshot's rows alone ask for no frame.
import { describe, expect, it } from 'vitest';
import { COUNTER_GAP_MS, publishWhen } from '../../src/app/publish-gate';
import { onlyCountersChanged, type WorkerStatus } from '../../src/engine/protocol';

const base: WorkerStatus = {
  runId: 3,
  state: 'running',
  backend: 'cpu',
  backendReason: 'the only fast backend here',
  backendMeasure: { source: 'measured', chosen: 'cpu' } as unknown as WorkerStatus['backendMeasure'],
  fusedKernels: true,
  placement: '',
  stepCount: 120,
  stepsPerSec: 61.5,
  msPerStep: 14.2,
  stepsPerTick: 1,
  error: null,
  fault: null,
};
const clone = (s: WorkerStatus): WorkerStatus => structuredClone(s);

describe('onlyCountersChanged', () => {
  it('is true for new counters on an otherwise equal (structured-cloned) status', () => {
    const next = { ...clone(base), stepCount: 121, stepsPerSec: 62, msPerStep: 13.9, stepsPerTick: 2 };
    expect(onlyCountersChanged(base, next)).toBe(true);
    expect(onlyCountersChanged(base, clone(base))).toBe(true);
  });

  it('is false for a change of state, backend, error, fault or measurement', () => {
    expect(onlyCountersChanged(base, { ...clone(base), state: 'ready' })).toBe(false);
    expect(onlyCountersChanged(base, { ...clone(base), backend: 'webgpu' })).toBe(false);
    expect(onlyCountersChanged(base, { ...clone(base), error: 'boom' })).toBe(false);
    expect(onlyCountersChanged(base, { ...clone(base), fault: { kind: 'step', message: 'x' } })).toBe(false);
    expect(onlyCountersChanged(base, { ...clone(base), backendMeasure: null })).toBe(false);
    expect(onlyCountersChanged(base, { ...clone(base), runId: 4 })).toBe(false);
  });

  it('is false when the first step is timed (ms/step was not a number yet)', () => {
    expect(onlyCountersChanged({ ...base, msPerStep: NaN }, clone(base))).toBe(false);
    expect(onlyCountersChanged({ ...base, msPerStep: NaN }, { ...clone(base), msPerStep: NaN })).toBe(true);
  });
});

const counters = { ...base, stepCount: 130, stepsPerSec: 62, msPerStep: 13.9 };
const shownAt = 1000;

describe('publishWhen', () => {
  it('asks for nothing when there is nothing new for the store (rows of its own History go straight to the views)', () => {
    expect(publishWhen(shownAt + 10, shownAt, base, null, false)).toBeNull();
  });

  it('holds new counters back until COUNTER_GAP_MS after the last status base, and says how long', () => {
    expect(publishWhen(shownAt + 10, shownAt, base, counters, false)).toBe(COUNTER_GAP_MS - 10);
    expect(publishWhen(shownAt + COUNTER_GAP_MS - 1, shownAt, base, counters, false)).toBe(1);
    expect(publishWhen(shownAt + COUNTER_GAP_MS, shownAt, base, counters, false)).toBe('frame');
  });

  it('publishes any other change of the status in the next frame, however soon', () => {
    for (const change of [
      { state: 'ready' },
      { error: 'boom' },
      { backend: 'webgpu' },
      { runId: 4 },
    ] as const)
      expect(publishWhen(shownAt + 1, shownAt, base, { ...counters, ...change }, false)).toBe('frame');
  });

  it('publishes a new History (a new or continued run) in the next frame, with or without a status', () => {
    expect(publishWhen(shownAt + 1, shownAt, base, null, true)).toBe('frame');
    expect(publishWhen(shownAt + 1, shownAt, base, counters, true)).toBe('frame');
  });

  it('publishes the first status at once', () => {
    expect(publishWhen(5, -Infinity, base, counters, false)).toBe('frame');
  });
});
