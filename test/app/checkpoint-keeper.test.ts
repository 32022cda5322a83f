// The page's checkpoints: recent ones for a dead worker, and per diverged model the last healthy one.
import { describe, expect, it } from 'vitest';
import { CheckpointKeeper, KEEP_RECENT } from '../../src/app/checkpoint-keeper';
import { CHECKPOINT_FORMAT, type RunCheckpoint } from '../../src/engine/checkpoint';
import { defaultRunConfig } from '../../src/settings';

function cp(step: number, broken: Record<string, 'nan' | 'diverged'> = {}): RunCheckpoint {
  const state = { params: {}, optimizer: [], powerVec: null };
  return {
    format: CHECKPOINT_FORMAT,
    config: defaultRunConfig(),
    step,
    data: { state: 1, spare: null },
    models: ['kru', 'rnn'].map((id) => ({
      id,
      lambda: 0,
      lr: 1e-3,
      state,
      finite: broken[id] !== 'nan',
      diverged: broken[id] === 'diverged',
    })),
  };
}

describe('CheckpointKeeper', () => {
  it('keeps the latest few', () => {
    const k = new CheckpointKeeper();
    expect(k.latest()).toBeNull();
    for (let s = 0; s <= 1000; s += 200) k.add(cp(s));
    expect(k.latest()!.step).toBe(1000);
    k.add(cp(1000)); // the same step again (a pause right after one): replaces it
    expect(k.latest()!.step).toBe(1000);
    k.clear();
    expect(k.latest()).toBeNull();
    expect(KEEP_RECENT).toBeGreaterThanOrEqual(2);
  });

  it('pins, for a diverged model, the newest checkpoint at least two steps before, healthy for it', () => {
    const k = new CheckpointKeeper();
    k.add(cp(200));
    k.add(cp(400));
    k.add(cp(600, { rnn: 'nan' }));
    k.add(cp(650, { rnn: 'diverged' }));
    expect(k.pinFor('rnn', 700)!.step).toBe(400);
    expect(k.pinFor('kru', 651)!.step).toBe(600);
    expect(k.pinFor('kru', 601)!.step).toBe(400); // 600's weights gave step 601's bad numbers
    expect(k.restorePoint('rnn')!.step).toBe(400);
    // Later checkpoints do not move a pin, and it outlives the recent ones.
    for (let s = 800; s <= 2000; s += 200) k.add(cp(s, { rnn: 'diverged' }));
    expect(k.restorePoint('rnn')!.step).toBe(400);
    expect(k.pinFor('nobody', 2000)).toBeNull();
    expect(new CheckpointKeeper().pinFor('rnn', 5)).toBeNull();
  });

  it('after a restore forgets the abandoned future and the pins of models healthy again', () => {
    const k = new CheckpointKeeper();
    k.add(cp(200));
    k.add(cp(400));
    k.add(cp(600, { rnn: 'diverged' }));
    const back = k.pinFor('rnn', 590)!;
    expect(back.step).toBe(400);
    k.pinFor('kru', 650);
    k.restoredTo(back);
    expect(k.latest()!.step).toBe(400);
    expect(k.restorePoint('rnn')).toBeNull();
    expect(k.restorePoint('kru')).toBeNull();
    k.add(cp(600));
    expect(k.latest()!.step).toBe(600);
  });
});
