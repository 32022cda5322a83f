// Where the app's two models train: a second worker only where it leaves a core for the page, or when the link
// asks for it.
import { describe, expect, it } from 'vitest';
import { trainingPlacement } from '../../src/engine/placement';

describe('trainingPlacement', () => {
  it('uses a second worker on the cpu backend only with at least three cores', () => {
    for (const [cores, parallel] of [
      [1, false],
      [2, false],
      [3, true],
      [4, true],
      [16, true],
    ] as const) {
      const p = trainingPlacement({ models: 2, backend: 'cpu', cores });
      expect(p.parallel, `${cores} cores`).toBe(parallel);
      expect(p.note).toContain(`${cores} cores`);
    }
    // A browser that does not say how many cores it has is treated as a one-core machine.
    expect(trainingPlacement({ models: 2, backend: 'cpu', cores: undefined }).parallel).toBe(false);
    expect(trainingPlacement({ models: 2, backend: 'cpu', cores: 0 }).parallel).toBe(false);
  });

  it("follows the link's threads whatever the number of cores", () => {
    expect(trainingPlacement({ models: 2, backend: 'cpu', cores: 2, threads: 2 })).toEqual({
      parallel: true,
      note: 'The two models train in 2 workers, in parallel (as the link asks)',
    });
    expect(trainingPlacement({ models: 2, backend: 'cpu', cores: 8, threads: 1 }).parallel).toBe(false);
  });

  it('has nothing to place for one model or off the cpu backend', () => {
    for (const backend of ['webgpu', 'webgl', 'wasm']) {
      expect(trainingPlacement({ models: 2, backend, cores: 8, threads: 2 })).toEqual({
        parallel: false,
        note: '',
      });
    }
    expect(trainingPlacement({ models: 1, backend: 'cpu', cores: 8, threads: 2 })).toEqual({
      parallel: false,
      note: '',
    });
  });
});
