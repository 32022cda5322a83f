// History.toJSONInSlices: the autosave's copy of a long run, made a slice at a time so that no single task
// copies ~10 MB. It must give exactly toJSON()'s data, of the History as it was when the copy began.
import { describe, expect, it } from 'vitest';
import { History } from '../../src/history/history';
import { CHUNK_ROWS, RECENT_ROWS } from '../../src/history/compact';
import { runRecord, runRecordInSlices, type SavedRun } from '../../src/app/saved-runs';
import { defaultAppSettings, defaultRunConfig } from '../../src/settings';
import { differences, range, snapshot } from './fixtures';

function grow(h: History, from: number, to: number): History {
  for (let s = from; s <= to; s += 50) h.append(snapshot(range(s, Math.min(to, s + 49))));
  return h;
}

/** A pause during which the run trains on: 50 more rows appended from step `from` on, each time. */
function appending(h: History, from: number): () => Promise<void> {
  let next = from;
  return async () => {
    grow(h, next, next + 49);
    next += 50;
  };
}

/** A clock that moves 1 ms per look: with a budget under 1 ms, the copy pauses after every slice. */
function tickingClock(): () => number {
  let t = 0;
  return () => t++;
}

describe('History.toJSONInSlices', () => {
  it("gives toJSON()'s data, pausing between slices", async () => {
    const h = grow(new History(), 1, 3_000);
    let pauses = 0;
    const data = await h.toJSONInSlices(
      async () => {
        pauses++;
      },
      0.5,
      tickingClock(),
    );
    expect(data).not.toBeNull();
    expect(differences(data!, h.toJSON())).toEqual([]);
    // 3,000 rows × (2 models × 12 columns + steps): one slice per column at least, several for the T-wide ones.
    expect(pauses).toBeGreaterThan(25);
  });

  it('copies the History as it was when called: rows appended during a pause are left out', async () => {
    const h = grow(new History(), 1, 2_000);
    const before = h.toJSON();
    const data = await h.toJSONInSlices(appending(h, 2_001), 0.5, tickingClock());
    expect(h.steps.rows).toBeGreaterThan(2_000);
    expect(data).not.toBeNull();
    expect(differences(data!, before)).toEqual([]);
    // What was copied reads back as the History it was.
    expect(differences(History.fromData(structuredClone(data!)).toJSON(), before)).toEqual([]);
  });

  it('gives null when a compaction rewrote rows during a pause', async () => {
    const h = grow(new History(), 1, RECENT_ROWS + CHUNK_ROWS - 50);
    const epoch = h.epoch;
    let grown = false;
    const data = await h.toJSONInSlices(
      async () => {
        if (!grown) grow(h, RECENT_ROWS + CHUNK_ROWS - 49, RECENT_ROWS + CHUNK_ROWS + 50);
        grown = true;
      },
      0.5,
      tickingClock(),
    );
    expect(h.epoch).not.toBe(epoch);
    expect(data).toBeNull();
  });

  it('with a generous budget, copies in one go without pausing', async () => {
    const h = grow(new History(), 1, 500);
    let pauses = 0;
    const data = await h.toJSONInSlices(async () => {
      pauses++;
    }, Infinity);
    expect(pauses).toBe(0);
    expect(differences(data!, h.toJSON())).toEqual([]);
  });
});

describe('runRecordInSlices', () => {
  const run = (history: History): SavedRun => ({
    id: 'run-1',
    name: 'a run',
    savedAt: 1,
    config: defaultRunConfig(),
    changes: [],
    app: defaultAppSettings(),
    preset: null,
    view: { lossSmoothing: 0, lossLog: false },
    history,
    checkpoint: null,
  });

  it("is runRecord's record, its step count that of the rows copied", async () => {
    const h = grow(new History(), 1, 1_000);
    const sliced = await runRecordInSlices(run(h), appending(h, 1_001), 0.5, tickingClock());
    expect(sliced.info.steps).toBe(1_000);
    const whole = runRecord(run(h));
    expect(whole.info.steps).toBeGreaterThan(1_000);
    expect({ ...sliced.meta }).toEqual({ ...whole.meta });
  });

  it('starts over when a compaction overtakes the copy, and after three tries copies in one pass', async () => {
    const h = grow(new History(), 1, 200);
    // Every pause compacts-like: bumps the epoch, so no sliced copy can finish.
    let pauses = 0;
    const record = await runRecordInSlices(
      run(h),
      async () => {
        pauses++;
        h.epoch++;
      },
      0.5,
      tickingClock(),
    );
    expect(pauses).toBeGreaterThanOrEqual(3);
    expect(differences(record.history, h.toJSON())).toEqual([]);
  });
});
