// Task loss and λ·R over training steps, KRU against RNN, with the memoryless baseline and λ change marks.
import type { History } from '../engine/history';
import { modelColor, modelLabel, palette, theme } from './palette';
import { formatValue, linearDomain, logDomain, nearestIndex, type Downsampled } from './lib/data';
import { LineCache } from './lib/decimate';
import type { Column } from '../engine/history';
import { BaseDrawer, ChartFrame, setReadout, useChart, type ChartRoots, type LegendItem, type ReadoutPart } from './lib/frame';
import { XYPanel, drawLambdaMarks, lambdaChangeNear, setAttr, svgEl } from './lib/panel';
import { positiveOnly, stepDomain, stepPath } from './lib/series';

export interface LossChartProps {
  history: History;
  version: number;
  /** EMA smoothing of the drawn lines, 0 (raw) … 0.99. */
  smoothing: number;
  logY: boolean;
}

const HEIGHT = 260;
const M = { top: 14, right: 14, bottom: 40, left: 60 };

interface Line {
  key: string;
  col: Column;
  rows: number;
  color: string;
  dash: string;
}

class LossDrawer extends BaseDrawer<LossChartProps> {
  private readonly svg: SVGSVGElement;
  private readonly panel: XYPanel;
  private readonly lambdaG: SVGGElement;
  private readonly cache = new LineCache();
  private p: LossChartProps | null = null;
  private hoverPx: number | null = null;

  constructor(roots: ChartRoots) {
    super(roots);
    this.svg = svgEl(roots.plot, 'svg', { height: HEIGHT, role: 'img', 'aria-label': 'loss over training steps' });
    this.panel = new XYPanel(this.svg, { xLabel: 'training step', yLabel: 'loss per target (nats / sq. error)' });
    this.lambdaG = svgEl(this.panel.plot, 'g');
    this.panel.onHover((pt) => {
      this.hoverPx = pt?.[0] ?? null;
      this.readout();
    });
  }

  protected teardown(): void {
    this.svg.remove();
  }

  protected render(p: LossChartProps, width: number): void {
    this.p = p;
    const h = p.history;
    const n = h.steps.length;
    const panel = this.panel;
    setAttr(this.svg, 'width', width);
    setAttr(this.svg, 'display', n ? 'block' : 'none');
    panel.layout(M.left, M.top, width - M.left - M.right, HEIGHT - M.top - M.bottom);
    panel.begin();
    if (!n) {
      panel.end();
      this.readout();
      return;
    }
    const steps = h.steps.view();
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
    drawLambdaMarks(panel, this.lambdaG, h.lambdaChanges);
    panel.end();
    this.readout();
  }

  private readout(): void {
    const p = this.p;
    const el = this.roots.readout;
    if (!p || !p.history.steps.length) {
      setReadout(el, []);
      this.panel.crosshair(null);
      return;
    }
    const h = p.history;
    const steps = h.steps.view();
    const n = steps.length;
    const hover = this.hoverPx;
    const i = hover === null ? n - 1 : nearestIndex(steps, n, this.panel.x.invert(hover));
    this.panel.crosshair(hover === null ? null : this.panel.x(steps[i]));
    const parts: ReadoutPart[] = [`${hover === null ? 'latest: ' : ''}step ${steps[i]}`];
    for (const kind of ['kru', 'rnn'] as const) {
      const cols = h.series[kind];
      if (!cols || i >= cols.loss.rows) continue;
      parts.push(' · ', { text: modelLabel[kind], color: modelColor[kind] }, ` loss ${formatValue(cols.loss.view()[i])}`);
      if (kind === 'kru') parts.push(`, λ·R ${formatValue(cols.lambdaReg.view()[i])}`);
    }
    parts.push(` · λ ${formatValue(h.lambda.view()[i])}`);
    if (Number.isFinite(h.baseline)) parts.push(` · baseline ${formatValue(h.baseline)}`);
    const c = hover === null ? null : lambdaChangeNear(this.panel, h.lambdaChanges, hover);
    if (c) parts.push(` · λ ${formatValue(c.from)} → ${formatValue(c.to)} at step ${c.step}`);
    setReadout(el, parts);
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
