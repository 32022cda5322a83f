// Distance from unitarity, ‖W_fᴴW_f − I‖_F² per KRU factor and for the full W, against the RNN's
// ‖WᵀW − I‖_F², on a log axis (it spans many decades), with the λ change marks.
import { dashes, modelColor, modelLabel, palette } from './palette';
import { formatValue, logDomain } from './lib/data';
import { ChartFrame, useChart, type ChartRoots, type LegendItem, type ReadoutPart } from './lib/frame';
import { positiveOnly, stepDomain, stepPath } from './lib/series';
import { StepChartDrawer, type StepChartProps } from './lib/step-chart';
import type { Column } from '../engine/history';

export type DeviationChartProps = StepChartProps;

const HEIGHT = 260;
/** Below this the deviation is float round-off: values under it are drawn on the floor of the axis. */
const FLOOR = 1e-10;

class DeviationDrawer extends StepChartDrawer<DeviationChartProps> {
  constructor(roots: ChartRoots) {
    super(roots, {
      height: HEIGHT,
      margin: { top: 14, right: 14, bottom: 40, left: 60 },
      ariaLabel: 'distance from unitarity over training',
      yLabel: '‖WᴴW − I‖²_F',
    });
  }

  protected plot(p: DeviationChartProps, steps: Float32Array, n: number): void {
    const h = p.history;
    const panel = this.panel;
    const kru = h.series.kru;
    const rnn = h.series.rnn;
    const F = kru ? kru.factorDeviation.width : 0;
    const kRows = kru ? Math.min(n, kru.fullDeviation.rows) : 0;
    const rRows = rnn ? Math.min(n, rnn.fullDeviation.rows) : 0;
    // Raw values are decimated (no transform), so exact zeros — a perfectly unitary factor — are kept and
    // drawn on the floor of the log axis instead of vanishing.
    const B = panel.w / 2;
    const ext: [number, number] = [Infinity, -Infinity];
    const factors = [];
    for (let f = 0; f < F; f++) {
      const r = this.cache.points(`f${f}`, kru!.factorDeviation, kru!.factorDeviation.view(), kRows, B, { stride: F, offset: f, map: positiveOnly });
      r.dec.extent(ext);
      factors.push(this.cache.points(`f${f}-raw`, kru!.factorDeviation, kru!.factorDeviation.view(), kRows, B, { stride: F, offset: f }).points);
    }
    const full = (key: string, c: Column | undefined, rows: number) => {
      if (!c) return null;
      this.cache.points(`${key}-pos`, c, c.view(), rows, B, { map: positiveOnly }).dec.extent(ext);
      return this.cache.points(key, c, c.view(), rows, B).points;
    };
    const kFull = full('kru', kru?.fullDeviation, kRows);
    const rFull = full('rnn', rnn?.fullDeviation, rRows);
    this.cache.sweep();
    const yd = logDomain(ext[0], ext[1], [], FLOOR);
    panel.setScales(stepDomain(h), yd, true);
    const lo = yd[0];
    // Factors share the KRU colour; thin and dashed so the full-W line stays the headline.
    factors.forEach((pts, f) => panel.line(`f${f}`, stepPath(panel, steps, pts, lo), modelColor.kru, 1, dashes[1 + (f % (dashes.length - 1))], 0.65));
    if (kFull) panel.line('kru', stepPath(panel, steps, kFull, lo), modelColor.kru, 2.2);
    if (rFull) panel.line('rnn', stepPath(panel, steps, rFull, lo), modelColor.rnn, 2.2);
  }

  protected readoutValues(p: DeviationChartProps, i: number): ReadoutPart[] {
    const parts: ReadoutPart[] = [];
    const kru = p.history.series.kru;
    if (kru && i < kru.fullDeviation.rows) {
      parts.push(' · ', { text: 'KRU', color: modelColor.kru }, ` full W ${formatValue(kru.fullDeviation.view()[i])}`);
      const row = kru.factorDeviation.row(i);
      parts.push(`, factors ${Array.from(row, formatValue).join(' / ')}`);
    }
    const rnn = p.history.series.rnn;
    if (rnn && i < rnn.fullDeviation.rows) parts.push(' · ', { text: modelLabel.rnn, color: modelColor.rnn }, ` W ${formatValue(rnn.fullDeviation.view()[i])}`);
    return parts;
  }
}

const create = (roots: ChartRoots) => new DeviationDrawer(roots);

const legend: LegendItem[] = [
  { label: 'KRU full W', color: modelColor.kru, width: 2.5 },
  { label: 'KRU each factor W_f', color: modelColor.kru, dash: dashes[1], width: 1, opacity: 0.8 },
  { label: 'RNN W (‖WᵀW − I‖²_F)', color: modelColor.rnn, width: 2.5 },
  { label: 'λ changed', color: palette.lambda, dash: '2 3', width: 1 },
];

/** ‖W_fᴴW_f − I‖_F² per factor and for the full W (KRU) against the RNN's ‖WᵀW − I‖_F², log scale. */
export function DeviationChart({ history, version }: DeviationChartProps) {
  const { plotRef, readoutRef } = useChart(create, { history, version });
  return (
    <ChartFrame
      name="deviation"
      title="Distance from unitary"
      legend={legend}
      empty={history.steps.length === 0}
      height={HEIGHT}
      plotRef={plotRef}
      readoutRef={readoutRef}
    />
  );
}
