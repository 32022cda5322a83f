import { beforeAll, describe, expect, it } from 'vitest';
import type { TaskConfig } from '../../src/engine/types';
import { createTask, type DigitsData } from '../../src/tasks';
import { loadDigitsNode } from '../../src/tasks/digits-node';
import { Rng } from '../../src/util/rng';

let digits: DigitsData;
beforeAll(async () => {
  digits = await loadDigitsNode();
});

describe('createTask', () => {
  it('builds each task from its config', () => {
    const copy = createTask({ name: 'copy', T: 100, permuted: false });
    expect(copy.name).toBe('copy');
    expect(copy.seqLength).toBe(120);
    const adding = createTask({ name: 'adding', T: 200, permuted: false });
    expect(adding.name).toBe('adding');
    expect(adding.seqLength).toBe(200);
    const d = createTask({ name: 'digits', T: 64, permuted: false }, { digits });
    expect(d.name).toBe('digits');
    expect(d.seqLength).toBe(64);
    expect(d.testSet).toBeTypeOf('function');
    const p = createTask({ name: 'digits', T: 999, permuted: true }, { digits });
    expect(p.name).toBe('digits-permuted');
    expect(p.seqLength).toBe(64); // T is ignored for digits
  });

  it('gives the same batches as the direct constructors for the same seed', () => {
    const a = createTask({ name: 'adding', T: 30, permuted: false }).trainBatch(new Rng(7), 4);
    const b = createTask({ name: 'adding', T: 30, permuted: true }).trainBatch(new Rng(7), 4);
    expect(b.x).toEqual(a.x);
  });

  it('throws clear errors on missing data or an invalid config', () => {
    expect(() => createTask({ name: 'digits', T: 64, permuted: false })).toThrow(/needs the digits data/);
    expect(() => createTask({ name: 'digits', T: 64, permuted: false }, {})).toThrow(/needs the digits data/);
    expect(() => createTask({ name: 'copy', T: 0, permuted: false })).toThrow(/copy task: the delay T/);
    expect(() => createTask({ name: 'adding', T: 1, permuted: false })).toThrow(/adding task: the length T/);
    const bogus = { name: 'mnist', T: 10, permuted: false } as unknown as TaskConfig;
    expect(() => createTask(bogus)).toThrow(/unknown task "mnist"/);
  });
});
