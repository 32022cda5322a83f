// The page shows the status line's counters at most a few times a second (src/app/run-feed.ts); any other
// change of the worker's status must still go out at once.
import { describe, expect, it } from 'vitest';
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
