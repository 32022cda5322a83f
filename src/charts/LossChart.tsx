// Task loss and λ·R over training steps, KRU against RNN, with the memoryless baseline and λ change marks.
import { modelColor, modelLabel, palette, theme } from './palette';
import { formatValue, linearDomain, logDomain, type Downsampled } from './lib/data';
import type { Column } from '../engine/history';
import { ChartFrame, useChart, type ChartRoots, type LegendItem, type ReadoutPart } from './lib/frame';
import { positiveOnly, stepDomain, stepPath } from './lib/series';
import { StepChartDrawer, type StepChartProps } from './lib/step-chart';

export interface LossChartProps extends StepChartProps {
  /** EMA smoothing of the drawn lines, 0 (raw) … 0.99. */
  smoothing: number;
  logY: boolean;
}

const HEIGHT = 260;

interface Line {
  key: string;
  col: Column;
  rows: number;
  color: string;
  dash: string;
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
    for (const kind of ['kru', 'rnn'] as const) {
      const cols = h.series[kind];
      if (!cols) continue;
      const rows = Math.min(n, cols.loss.rows);
      lines.push({ key: `${kind}-loss`, col: cols.loss, rows, color: modelColor[kind], dash: '' });
      // The RNN has no penalty (its λ·R column is 0), so only the KRU gets a λ·R line.
      if (kind === 'kru') lines.push({ key: 'kru-lr', col: cols.lambdaReg, rows, color: modelColor.kru, dash: '5 3' });
    }
    const s = p.smoothing > 0 ? Math.min(0.99, p.smoothing) : 0;
    const map = p.logY ? positiveOnly : undefined;
    const tag = p.logY ? 'log' : 'lin';
    const buckets = panel.w / 2; // min+max per 2 px: ≤ 1 point per pixel
    const ext: [number, number] = [Infinity, -Infinity];
    const drawn: Array<{ l: Line; raw: Downsampled; smooth: Downsampled | null }> = [];
    for (const l of lines) {
      const raw = this.cache.points(`${l.key}-raw`, l.col, l.col.view(), l.rows, buckets, { map, tag });
      raw.dec.extent(ext); // raw values stay in view: with smoothing they are drawn faintly
      const smooth = s > 0 ? this.cache.points(l.key, l.col, l.col.view(), l.rows, buckets, { map, tag, smoothing: s }).points : null;
      drawn.push({ l, raw: raw.points, smooth });
    }
    this.cache.sweep();
    const base = h.baseline;
    let yd: [number, number];
    if (p.logY) yd = logDomain(ext[0], ext[1], [base], 1e-8);
    else {
      yd = linearDomain(ext[0], ext[1], [base, 0]);
      if (ext[0] >= 0) yd[0] = 0; // losses are ≥ 0: start the axis at 0, not below
    }
    panel.setScales(stepDomain(h), yd, p.logY);
    for (const { l, raw, smooth } of drawn) {
      if (smooth) {
        panel.line(`${l.key}-raw`, stepPath(panel, steps, raw), l.color, 1, l.dash, 0.22);
        panel.line(l.key, stepPath(panel, steps, smooth), l.color, 2, l.dash);
      } else panel.line(l.key, stepPath(panel, steps, raw), l.color, 1.6, l.dash);
    }
    if (Number.isFinite(base)) panel.hrule('baseline', base, 'memoryless baseline', theme.muted);
  }

  protected readoutValues(p: LossChartProps, i: number): ReadoutPart[] {
    const parts: ReadoutPart[] = [];
    for (const kind of ['kru', 'rnn'] as const) {
      const cols = p.history.series[kind];
      if (!cols || i >= cols.loss.rows) continue;
      parts.push(' · ', { text: modelLabel[kind], color: modelColor[kind] }, ` loss ${formatValue(cols.loss.view()[i])}`);
      if (kind === 'kru') parts.push(`, λ·R ${formatValue(cols.lambdaReg.view()[i])}`);
    }
    return parts;
  }

  protected override readoutTail(p: LossChartProps): ReadoutPart[] {
    return Number.isFinite(p.history.baseline) ? [` · baseline ${formatValue(p.history.baseline)}`] : [];
  }
}

const create = (roots: ChartRoots) => new LossDrawer(roots);

const legend: LegendItem[] = [
  { label: 'KRU task loss', color: modelColor.kru },
  { label: 'KRU λ·R', color: modelColor.kru, dash: '5 3' },
  { label: 'RNN task loss', color: modelColor.rnn },
  { label: 'memoryless baseline', color: theme.muted, dash: '6 4', width: 1.2 },
  { label: 'λ changed', color: palette.lambda, dash: '2 3', width: 1 },
];

/** Task loss and λ·R over training, KRU vs RNN, with the memoryless baseline and λ change marks. */
export function LossChart({ history, version, smoothing, logY }: LossChartProps) {
  const { plotRef, readoutRef } = useChart(create, { history, version, smoothing, logY });
  return (
    <ChartFrame
      name="loss"
      title="Loss"
      legend={legend}
      empty={history.steps.length === 0}
      height={HEIGHT}
      plotRef={plotRef}
      readoutRef={readoutRef}
    />
  );
}
