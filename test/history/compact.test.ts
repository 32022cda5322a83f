import { describe, expect, it } from 'vitest';
import { History } from '../../src/history/history';
import { CHUNK_ROWS, MAX_BUCKETS, MAX_ROWS_AT_REST, RECENT_ROWS, ROW_CAP } from '../../src/history/compact';
import { Decimator } from '../../src/charts/lib/decimate';
import { MODELS, firstDifference, range, snapshot, type Metrics } from './fixtures';

/** Appends engine steps 1 … to, `chunk` rows a snapshot (the engine sends a few rows at a time). */
function run(to: number, f: Metrics = {}, h = new History(), from = 1, chunk = 10): History {
  for (let s = from; s <= to; s += chunk) h.append(snapshot(range(s, Math.min(to, s + chunk - 1)), f));
  return h;
}

/** Each column's memory bound: ROW_CAP rows of its width (a column of width 0 keeps its first 64 floats). */
function bound(h: History): number {
  let n = ROW_CAP;
  for (const cols of Object.values(h.series))
    for (const c of Object.values(cols)) n += Math.max(64, ROW_CAP * c.width);
  return n;
}

/** Bucket b's [min row, max row] of every compacted row pair. */
function buckets(h: History): number[] {
  return range(0, (h.fullFrom - 1) / 2 - 1);
}

describe('History compaction', () => {
  it(`keeps flat memory: after 100,000 steps ≤ ${ROW_CAP.toLocaleString('en')} rows × width per column (2.5 M float32, 10 MB, for 2 models at T = 100), the same as after 50,000`, () => {
    const h = run(50_000);
    const at50k = h.allocated;
    run(100_000, {}, h, 50_001);
    expect(h.steps.rows).toBeLessThanOrEqual(MAX_ROWS_AT_REST);
    expect(bound(h)).toBe(2_498_112); // 238 floats a row (steps + KRU 127 + RNN 110) × 10,496 rows + 64
    expect(h.allocated).toBeLessThanOrEqual(bound(h));
    expect(h.allocated).toBe(at50k);
    // Every column has a row per step row, and the steps are still ascending.
    for (const cols of Object.values(h.series))
      for (const c of Object.values(cols)) if (c.width) expect(c.rows).toBe(h.steps.rows);
    const s = h.steps.view();
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThanOrEqual(s[i - 1]);
    // The most recent RECENT_ROWS steps at full resolution, one row each.
    expect(s.length - h.fullFrom).toBeGreaterThanOrEqual(RECENT_ROWS);
    expect(s.length - h.fullFrom).toBeLessThan(RECENT_ROWS + CHUNK_ROWS);
    expect(Array.from(s.subarray(s.length - 3))).toEqual([99_998, 99_999, 100_000]);
    expect(s[0]).toBe(1); // the first row is kept exact
    expect((h.fullFrom - 1) / 2).toBeLessThanOrEqual(MAX_BUCKETS);
  });

  it('keeps a spike 90,000 steps back as a bucket max (and a dip as a min), where the charts find it', () => {
    const loss = (s: number, id: string) =>
      id === 'kru' ? (s === 10_000 ? 1e6 : 1) : s === 10_001 ? 1e-6 : 1;
    const h = run(100_000, { loss });
    const kru = h.series.kru.loss.view();
    const rnn = h.series.rnn.loss.view();
    const steps = h.steps.view();
    const i = kru.indexOf(1e6);
    expect(i).toBeGreaterThan(0);
    expect(i).toBeLessThan(h.fullFrom);
    expect(i % 2).toBe(0); // a max row (bucket b's rows are 1 + 2b and 2 + 2b)
    expect(steps[i - 1]).toBeLessThanOrEqual(10_000); // its bucket spans step 10,000
    expect(steps[i]).toBeGreaterThanOrEqual(10_000);
    expect(kru.filter((v) => v === 1e6)).toHaveLength(1);
    const j = rnn.indexOf(Math.fround(1e-6));
    expect(j % 2).toBe(1); // a min row
    expect(steps[j]).toBeLessThanOrEqual(10_001);
    expect(steps[j + 1]).toBeGreaterThanOrEqual(10_001);
    // A chart decimating the loss to 300 px still draws the spike.
    const dec = new Decimator(150);
    dec.update(kru, kru.length);
    expect(dec.extent()).toEqual([1, 1e6]);
    const pts = dec.points();
    expect(Array.from(pts.y.subarray(0, pts.length))).toContain(1e6);
  });

  it('stores each bucket as its element-wise min and max, at its first and last step', () => {
    // loss rises with the step for the KRU and falls for the RNN; gradNormsOverTime[t] falls with the step.
    const h = run(30_000, { loss: (s, id) => (id === 'kru' ? s : -s) });
    const steps = h.steps.view();
    const kru = h.series.kru.loss.view();
    const rnn = h.series.rnn.loss.view();
    const g = h.series.kru.gradNormsOverTime;
    expect(h.fullFrom).toBeGreaterThan(1);
    let next = 2; // the step after row 0's
    for (const b of buckets(h)) {
      const [lo, hi] = [1 + 2 * b, 2 + 2 * b];
      expect(steps[lo]).toBe(next); // buckets follow each other without a gap
      next = steps[hi] + 1;
      expect(kru[lo]).toBe(steps[lo]); // min of a rising series: its first value
      expect(kru[hi]).toBe(steps[hi]); // max: its last
      expect(rnn[lo]).toBe(-steps[hi]);
      expect(rnn[hi]).toBe(-steps[lo]);
      for (const t of [0, 50, 99]) {
        expect(g.row(lo)[t]).toBe(Math.fround(Math.exp(-t / 50) + 1 / steps[hi]));
        expect(g.row(hi)[t]).toBe(Math.fround(Math.exp(-t / 50) + 1 / steps[lo]));
      }
    }
    expect(steps[h.fullFrom]).toBe(next); // then full resolution, one row a step
  });

  it('is NaN-aware: a bucket keeps the min and max of its numbers, and is NaN only where all are NaN', () => {
    // KRU: loss NaN on odd steps; RNN: NaN for all of steps 5,001 … 9,000 (a model that diverged, say).
    const loss = (s: number, id: string) =>
      id === 'kru' ? (s % 2 ? NaN : s) : s > 5_000 && s <= 9_000 ? NaN : 2;
    const h = run(30_000, { loss });
    const steps = h.steps.view();
    const kru = h.series.kru.loss.view();
    const rnn = h.series.rnn.loss.view();
    let allNaN = 0;
    for (const b of buckets(h)) {
      const [lo, hi] = [1 + 2 * b, 2 + 2 * b];
      const even = (s: number) => s + (s % 2);
      expect(kru[lo]).toBe(even(steps[lo])); // the smallest even step of the bucket
      expect(kru[hi]).toBe(steps[hi] - (steps[hi] % 2));
      if (steps[lo] > 5_000 && steps[hi] <= 9_000) {
        expect(rnn[lo]).toBeNaN();
        expect(rnn[hi]).toBeNaN();
        allNaN++;
      } else {
        expect(rnn[lo]).toBe(2); // a bucket with any number in it is that number
        expect(rnn[hi]).toBe(2);
      }
    }
    expect(allNaN).toBeGreaterThan(10);
    // The accuracy column of a task without one stays NaN throughout.
    expect(h.series.kru.accuracy.view().every((v) => Number.isNaN(v))).toBe(true);
  });

  it('moves run starts with the rows: one inside compacted rows goes to the bucket holding it', () => {
    const h = new History();
    const starts = [1_000, 1_001, 7_777, 25_000, 38_000];
    let done = 0;
    for (const at of [...starts, 40_000]) {
      // A run continued after a reset counts its own steps from 1.
      run(at - done, {}, h);
      if (at === 40_000) break;
      h.continueRun(`reset at ${at}`);
      done = at;
    }
    expect(h.changes.map((c) => c.step)).toEqual(starts.map((s) => s + 1)); // changes are by step: untouched
    const steps = h.steps.view();
    expect(h.runStarts).toEqual([...h.runStarts].sort((a, b) => a - b));
    expect(new Set(h.runStarts).size).toBe(h.runStarts.length);
    // 1,001 and 1,002 may share a bucket: one start for both.
    expect(h.runStarts.length).toBeGreaterThanOrEqual(3);
    for (const s of starts) {
      const r = h.runStarts.find(
        (r) => steps[r] <= s + 1 && (r + 1 >= steps.length || s + 1 <= steps[r + 1]),
      );
      expect(r, `start at step ${s + 1}`).toBeDefined();
    }
    expect(h.runStart).toBe(h.runStarts.at(-1));
    expect(steps[h.runStart]).toBe(38_001); // the last start is still at full resolution, exact
    expect(steps[h.runStart - 1]).toBe(38_000);
    expect(steps.at(-1)).toBe(40_000);
  });

  it('notes what a compaction costs (no assertion on time)', () => {
    const h = new History();
    const times: number[] = [];
    const snap = snapshot(range(1, 10));
    for (let s = 1; s <= 100_000; s += 10) {
      snap.steps = Int32Array.from(range(s, s + 9));
      const epoch = h.epoch;
      const t0 = performance.now();
      h.append(snap);
      if (h.epoch !== epoch) times.push(performance.now() - t0);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    console.log(
      `compaction of a ${CHUNK_ROWS}-row chunk, ${MODELS.length} models, T = 100: ${times.length} in 100,000 ` +
        `steps, median ${ms(sorted[sorted.length >> 1])}, 90th percentile ${ms(sorted[Math.floor(sorted.length * 0.9)])}, ` +
        `first ${ms(times[0])} (cold), max ${ms(sorted[sorted.length - 1])}`,
    );
    expect(times.length).toBeGreaterThan(40);
  });
});

describe('History compaction, however the rows arrive', () => {
  it('gives the same rows for snapshots of 1, 7 or 20,000 rows (a big one compacts several chunks at once)', () => {
    const loss = (s: number) => 1 + Math.sin(s / 300) + (s % 97 === 0 ? 50 : 0);
    const one = run(20_000, { loss }, new History(), 1, 1);
    const seven = run(20_000, { loss }, new History(), 1, 7);
    const all = run(20_000, { loss }, new History(), 1, 20_000);
    expect(one.fullFrom).toBeGreaterThan(1);
    for (const h of [seven, all]) {
      expect(firstDifference(h.steps.view(), one.steps.view())).toBe(-1);
      for (const m of MODELS)
        for (const [key, c] of Object.entries(one.series[m.id]))
          expect(firstDifference(h.series[m.id][key as 'loss'].view(), c.view()), `${m.id} ${key}`).toBe(-1);
    }
    // The big snapshot grew the columns past their cap for a moment; they give the memory back.
    expect(all.allocated).toBeLessThanOrEqual(bound(all));
  });
});
