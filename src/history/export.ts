// Every metric of every model of a run, as files: CSV in long format (one row per step, model, metric and value)
// and JSON (one object). Long format because a run's models and metrics differ in number and width (a KRU has a
// deviation per factor, every model a gradient norm per position t): one tidy table of four columns holds them
// all and loads straight into pandas, R or a spreadsheet pivot; a wide file would need a column set per model.
// A long run's older rows are min/max pairs of buckets of steps (history/compact.ts): the CSV names their metrics
// `loss.min` / `loss.max` (at the bucket's first / last step), the JSON says which rows they are (`envelope`).
import type { History } from './history';

/** The metric names of a column: `loss`, or `gradNormsOverTime[0]` … for a column of several values per step. */
function names(key: string, width: number): string[] {
  return width === 1 ? [key] : Array.from({ length: width }, (_, i) => `${key}[${i}]`);
}

/** A float32 value in the fewest digits that read back to it (9 significant digits always do); NaN → ''. */
function num(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(9))) : Number.isNaN(v) ? '' : String(v);
}

const csvField = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * The run's metrics as CSV, long format: `step,model,metric,value` (a NaN value is an empty field). Compacted rows
 * name their metric `loss.min` (a bucket's minimum, at its first step) or `loss.max` (its maximum, at its last).
 */
export function metricsCsv(h: History): string {
  const out: string[] = ['step,model,metric,value'];
  const steps = h.steps.view();
  for (let i = 0; i < steps.length; i++) {
    const suffix = i > 0 && i < h.fullFrom ? (i % 2 ? '.min' : '.max') : '';
    for (const m of h.models) {
      const cols = h.series[m.id];
      if (!cols || i >= cols.loss.rows) continue;
      const id = csvField(m.id);
      for (const [key, col] of Object.entries(cols)) {
        const row = col.row(i);
        const metric = names(key, col.width).map((n) => n + suffix);
        for (let j = 0; j < row.length; j++) out.push(`${steps[i]},${id},${metric[j]},${num(row[j])}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

export const METRICS_FILE_KIND = 'kru-explorer-metrics';

/**
 * The run's metrics as one JSON object: per model and metric, one value (or one array) per row; NaN → null. In a
 * long run, `envelope` says which rows are min/max pairs of buckets of steps (null when none are).
 */
export function metricsJson(h: History): string {
  const value = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(9)) : null);
  const series: Record<string, Record<string, Array<number | null> | Array<Array<number | null>>>> = {};
  for (const m of h.models) {
    const cols = h.series[m.id];
    if (!cols) continue;
    series[m.id] = Object.fromEntries(
      Object.entries(cols).map(([key, col]) => [
        key,
        col.width === 1
          ? Array.from(col.view(), value)
          : Array.from({ length: col.rows }, (_, i) => Array.from(col.row(i), value)),
      ]),
    );
  }
  return JSON.stringify({
    kind: METRICS_FILE_KIND,
    version: 1,
    steps: Array.from(h.steps.view()),
    models: h.models,
    baseline: Number.isFinite(h.baseline) ? h.baseline : null,
    seqLength: h.seqLength,
    envelope:
      h.fullFrom > 1
        ? {
            rows: [1, h.fullFrom],
            about:
              'rows 1 … rows[1] − 1 are pairs: the element-wise minimum over a bucket of steps (at its first step), ' +
              'then the maximum (at its last); the rows after them are one per step',
          }
        : null,
    changes: h.changes.map((c) => ({ ...c, from: value(c.from), to: value(c.to) })),
    series,
  });
}
