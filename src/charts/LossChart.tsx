// Task loss over training steps, one line per model, λ·R for each KRU with a penalty, the memoryless baseline
// and the λ / lr change marks.
import { theme } from './palette';
import { linearDomain, logDomain, type Downsampled } from './lib/data';
import { formatValue } from '../core/format';
import type { Column } from '../history/history';
import { ChartFrame, useChart, type ChartRoots, type ReadoutPart } from './lib/frame';
import { LAMBDA_REG_DASH, lossLegend, penalisedKrus, rowsOf } from './lib/models';
import { positiveOnly, stepDomain, stepPath } from './lib/series';
import { StepChartDrawer, type StepChartProps } from './lib/step-chart';

export interface LossChartProps extends StepChartProps {
  /** EMA smoothing of the drawn lines, 0 (raw) … 0.99. */
  smoothing: number;
  logY: boolean;
}

const HEIGHT = 260;
/** On a log axis, λ·R lines may extend it this many decades below the lowest task loss (see plot). */
const REG_DECADES = 3;

interface Line {
  key: string;
  col: Column;
  rows: number;
  color: string;
  dash: string;
  /** Line width without smoothing (the smoothed line is a little wider). */
  width: number;
}

class LossDrawer extends StepChartDrawer<LossChartProps> {
  constructor(roots: ChartRoots) {
    super(roots, {
      height: HEIGHT,
      margin: { top: 14, right: 14, bottom: 40, left: 60 },
      ariaLabel: 'loss over training steps',
      yLabel: 'loss per target (nats / sq. error)',
    });
  }

  protected plot(p: LossChartProps, steps: Float32Array, n: number): void {
    const h = p.history;
    const panel = this.panel;
    const lines: Line[] = [];
    // Only KRUs with λ > 0 at some step get a λ·R line (an RNN's, or a KRU's at λ = 0, is all zeros).
    const penalised = new Set(penalisedKrus(h, this.styles).map((m) => m.id));
    for (const m of this.styles) {
      const cols = h.series[m.id];
      if (!cols) continue;
      const rows = rowsOf(cols.loss, n);
      lines.push({ key: `${m.id}:loss`, col: cols.loss, rows, color: m.color, dash: m.dash, width: 1.6 });
      if (penalised.has(m.id))
        lines.push({
          key: `${m.id}:lambda-reg`,
          col: cols.lambdaReg,
          rows,
          color: m.color,
          dash: LAMBDA_REG_DASH,
          width: 1.2,
        });
    }
    const s = p.smoothing > 0 ? Math.min(0.99, p.smoothing) : 0;
    const map = p.logY ? positiveOnly : undefined;
    const tag = p.logY ? 'log' : 'lin';
    const buckets = panel.w / 2; // min+max per 2 px: ≤ 1 point per pixel
    const ext: [number, number] = [Infinity, -Infinity];
    const regExt: [number, number] = [Infinity, -Infinity];
    const drawn: Array<{ l: Line; raw: Downsampled; smooth: Downsampled | null }> = [];
    for (const l of lines) {
      const raw = this.cache.points(`${l.key}-raw`, l.col, l.col.view(), l.rows, buckets, { map, tag });
      // Raw values stay in view: with smoothing they are drawn faintly.
      raw.dec.extent(l.key.endsWith(':lambda-reg') ? regExt : ext);
      const smooth =
        s > 0
          ? this.cache.points(l.key, l.col, l.col.view(), l.rows, buckets, {
              map,
              tag,
              smoothing: s,
              restarts: p.history.runStarts,
            }).points
          : null;
      drawn.push({ l, raw: raw.points, smooth });
    }
    this.cache.sweep();
    const base = h.baseline;
    let yd: [number, number];
    if (p.logY) {
      // λ·R of a KRU that starts unitary begins near 0: on a log axis it would stretch the axis down many
      // decades and flatten the task losses. It may widen the axis by at most REG_DECADES below the lowest
      // task loss; lower values are drawn on the floor.
      const lo = Number.isFinite(ext[0])
        ? Math.min(ext[0], Math.max(regExt[0], ext[0] / 10 ** REG_DECADES))
        : regExt[0];
      yd = logDomain(lo, Math.max(ext[1], regExt[1]), [base], 1e-8);
    } else {
      ext[0] = Math.min(ext[0], regExt[0]);
      ext[1] = Math.max(ext[1], regExt[1]);
      yd = linearDomain(ext[0], ext[1], [base, 0]);
      if (ext[0] >= 0) yd[0] = 0; // losses are ≥ 0: start the axis at 0, not below
    }
    panel.setScales(stepDomain(h), yd, p.logY);
    const floor = p.logY ? yd[0] : -Infinity;
    for (const { l, raw, smooth } of drawn) {
      if (smooth) {
        panel.line(`${l.key}-raw`, stepPath(panel, steps, raw, floor), l.color, 1, l.dash, 0.22);
        panel.line(l.key, stepPath(panel, steps, smooth, floor), l.color, l.width + 0.4, l.dash);
      } else panel.line(l.key, stepPath(panel, steps, raw, floor), l.color, l.width, l.dash);
    }
    if (Number.isFinite(base)) panel.hrule('baseline', base, 'memoryless baseline', theme.muted);
  }

  protected readoutValues(p: LossChartProps, i: number): ReadoutPart[] {
    const parts: ReadoutPart[] = [];
    const penalised = new Set(penalisedKrus(p.history, this.styles).map((m) => m.id));
    for (const m of this.styles) {
      const cols = p.history.series[m.id];
      if (!cols || i >= cols.loss.rows) continue;
      parts.push(' · ', { text: m.label, color: m.color }, ` loss ${formatValue(cols.loss.view()[i])}`);
      if (penalised.has(m.id)) parts.push(`, λ·R ${formatValue(cols.lambdaReg.view()[i])}`);
    }
    return parts;
  }

  protected override readoutTail(p: LossChartProps): ReadoutPart[] {
    return Number.isFinite(p.history.baseline) ? [` · baseline ${formatValue(p.history.baseline)}`] : [];
  }
}

export const create = (roots: ChartRoots) => new LossDrawer(roots);

/** Task loss of every model and λ·R of the penalised KRUs over training, the baseline and change marks. */
export function LossChart({ history, version, smoothing, logY }: LossChartProps) {
  const { plotRef, readoutRef } = useChart(create, { history, version, smoothing, logY });
  return (
    <ChartFrame
      name="loss"
      title="Loss"
      legend={lossLegend(history)}
      empty={history.steps.length === 0}
      height={HEIGHT}
      plotRef={plotRef}
      readoutRef={readoutRef}
    />
  );
}
