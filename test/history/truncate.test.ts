import { describe, expect, it } from 'vitest';
import { History } from '../../src/history/history';
import { ROW_CAP } from '../../src/history/compact';
import { range, snapshot, type Metrics } from './fixtures';

/** Appends engine steps from … to, 10 rows a snapshot. */
function steps(h: History, from: number, to: number, f: Metrics = {}): History {
  for (let s = from; s <= to; s += 10) h.append(snapshot(range(s, Math.min(to, s + 9)), f));
  return h;
}

const view = (h: History) => Array.from(h.steps.view());

describe('History.truncateAfter (a run restored from a checkpoint)', () => {
  it('drops the rows and marks after the step; the restored engine continues right after it', () => {
    const h = steps(new History(), 1, 100, { lambda: (s) => (s <= 50 ? 0.01 : 1) });
    expect(h.changes.map((c) => [c.setting, c.step])).toEqual([['lambda', 51]]);
    const epoch = h.epoch;
    h.truncateAfter(40, { note: 'restored step 40 · lr ÷10' });
    expect(h.epoch).toBe(epoch + 1);
    expect(view(h)).toEqual(range(1, 40));
    for (const c of Object.values(h.series.kru)) if (c.width) expect(c.rows).toBe(40);
    expect(h.changes).toEqual([]);
    // The engine restored at step 40 sends 41, 42, … with lr ÷10: no λ or lr change mark, one restore mark.
    steps(h, 41, 60, { lr: () => 0.0001 });
    expect(view(h)).toEqual(range(1, 60));
    expect(h.changes).toEqual([
      { step: 41, model: '', setting: 'restore', from: NaN, to: NaN, note: 'restored step 40 · lr ÷10' },
    ]);
    // Later changes are marked again, and do not merge into the restore.
    steps(h, 61, 62, { lr: () => 0.01 });
    expect(h.changes.map((c) => [c.setting, c.step])).toEqual([
      ['restore', 41],
      ['lr', 61],
      ['lr', 61],
    ]);
  });

  it('in a run continued after a reset, keeps that run’s offset: its engine counts from 1', () => {
    const h = steps(new History(), 1, 100);
    h.continueRun('seed 1→2');
    steps(h, 1, 50); // History steps 101 … 150
    expect(view(h).at(-1)).toBe(150);
    expect(h.historyStep(20)).toBe(120); // the History step of this run's engine step 20
    h.truncateAfter(120, { note: 'restored' });
    expect(h.runStarts).toEqual([100]);
    expect(h.stepCount).toBe(20); // the engine's own count at the checkpoint
    // The engine restored the checkpoint of its own step 20 (History step 120) and sends 21, 22, …
    steps(h, 21, 30);
    expect(view(h).slice(95)).toEqual(range(96, 130));
    expect(h.changes.map((c) => [c.setting, c.step])).toEqual([
      ['reset', 101],
      ['restore', 121],
    ]);
  });

  it('before a reset, forgets the reset: the earlier run’s steps (offset 0) continue', () => {
    const h = steps(new History(), 1, 100);
    h.continueRun('seed 1→2');
    steps(h, 1, 50);
    h.truncateAfter(80);
    expect(h.runStarts).toEqual([]);
    expect(h.runStart).toBe(0);
    expect(h.changes).toEqual([]);
    steps(h, 81, 90); // the first run's engine, restored at its step 80
    expect(view(h)).toEqual(range(1, 90));
  });

  it('takes the checkpoint’s engine step when given (any offset)', () => {
    const h = steps(new History(), 1, 100);
    h.truncateAfter(70, { engineStep: 5 });
    steps(h, 6, 15);
    expect(view(h)).toEqual(range(1, 80));
    h.continueRun('reset'); // a later reset still continues the timeline
    steps(h, 1, 3);
    expect(view(h).slice(-4)).toEqual([80, 81, 82, 83]);
  });

  it('forgets a divergence after the step: the restored model may diverge again, and is marked again', () => {
    const h = steps(new History(), 1, 30);
    const s = snapshot(range(31, 40));
    s.diverged = { kru: { step: 35, reason: 'the loss is NaN' } };
    h.append(s);
    expect(h.changes.map((c) => c.setting)).toEqual(['diverged']);
    h.truncateAfter(32, { note: 'restored step 32' });
    expect(h.changes).toEqual([]);
    const again = snapshot(range(33, 40));
    again.diverged = { kru: { step: 38, reason: 'the loss is NaN' } };
    h.append(again);
    expect(h.changes.map((c) => [c.setting, c.step])).toEqual([
      ['restore', 33],
      ['diverged', 38],
    ]);
    // A divergence before the step stays marked (once).
    h.truncateAfter(39);
    h.append(again);
    expect(h.changes.filter((c) => c.setting === 'diverged')).toHaveLength(1);
  });

  it('into compacted rows: keeps whole buckets at or before the step, and stays bounded after', () => {
    const h = steps(new History(), 1, 30_000);
    const from = h.fullFrom;
    expect(from).toBeGreaterThan(1);
    h.truncateAfter(5_000, { note: 'restored step 5,000' });
    const s = h.steps.view();
    expect(s[s.length - 1]).toBeLessThanOrEqual(5_000);
    expect(s.length % 2).toBe(1); // row 0 and whole bucket pairs
    expect(h.fullFrom).toBe(s.length);
    for (const c of Object.values(h.series.rnn)) if (c.width) expect(c.rows).toBe(s.length);
    // A bucket spanning step 5,000 went with the rows after it: a short gap before the restored rows.
    const gap = 5_001 - s[s.length - 1];
    expect(gap).toBeGreaterThanOrEqual(1);
    expect(gap).toBeLessThanOrEqual(64);
    steps(h, 5_001, 60_000);
    const t = h.steps.view();
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1]);
    expect(t.at(-1)).toBe(60_000);
    expect(h.steps.capacity).toBeLessThanOrEqual(ROW_CAP);
    expect(h.changes.map((c) => [c.setting, c.step])).toEqual([['restore', 5_001]]);
  });

  it('before the first row: empty, and starts again', () => {
    const h = steps(new History(), 1, 20);
    h.truncateAfter(0);
    expect(h.steps.length).toBe(0);
    expect(h.series.kru.loss.rows).toBe(0);
    steps(h, 1, 5);
    expect(view(h)).toEqual(range(1, 5));
  });

  it('an engine that re-sends steps without a truncation replaces them (rows never go back)', () => {
    const h = steps(new History(), 1, 50);
    steps(h, 31, 40, { loss: () => 7 });
    expect(view(h)).toEqual(range(1, 40));
    expect(h.series.kru.loss.view()[35]).toBe(7);
    expect(h.series.kru.loss.view()[25]).toBe(1);
  });
});

describe('History.addMark', () => {
  it('puts a mark among the changes in step order', () => {
    const h = steps(new History(), 1, 100, { lambda: (s) => (s <= 50 ? 0.01 : 1) });
    h.addMark({ step: 30, model: '', setting: 'restore', from: NaN, to: NaN, note: 'restored step 29' });
    h.addMark({ step: 90, model: '', setting: 'restore', from: NaN, to: NaN, note: 'restored step 89' });
    expect(h.changes.map((c) => [c.setting, c.step])).toEqual([
      ['restore', 30],
      ['lambda', 51],
      ['restore', 90],
    ]);
  });
});
