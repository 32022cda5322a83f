// Distance from unitarity of every model: ‖W_fᴴW_f − I‖_F² per KRU factor and for the full W, and an RNN's
// ‖WᵀW − I‖_F², on a log axis (it spans many decades), with the λ / lr change marks.
import { isFactored } from '../core/vocabulary';
import { dashes, type ModelStyle } from './palette';
import { logDomain, type Downsampled } from './lib/data';
import { formatValue } from '../core/format';
import { ChartFrame, useChart, type ChartRoots, type ReadoutPart } from './lib/frame';
import { deviationLegend, rowsOf } from './lib/models';
import { positiveOnly, stepDomain, stepPath } from './lib/series';
import { StepChartDrawer, type StepChartProps } from './lib/step-chart';

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
    // Raw values are decimated (no transform), so exact zeros — a perfectly unitary factor — are kept and
    // drawn on the floor of the log axis instead of vanishing.
    const B = panel.w / 2;
    const ext: [number, number] = [Infinity, -Infinity];
    const drawn: Array<{ m: ModelStyle; full: Downsampled; factors: Downsampled[] }> = [];
    for (const m of this.styles) {
      const cols = h.series[m.id];
      if (!cols) continue;
      const rows = rowsOf(cols.fullDeviation, n);
      const c = cols.fullDeviation;
      this.cache.points(`${m.id}:full-pos`, c, c.view(), rows, B, { map: positiveOnly }).dec.extent(ext);
      const full = this.cache.points(`${m.id}:full`, c, c.view(), rows, B).points;
      // Per-factor lines for the factored kinds only (a dense W's single "factor" is already the full line).
      const factors: Downsampled[] = [];
      const fd = cols.factorDeviation;
      const F = isFactored(m.kind) ? fd.width : 0;
      for (let f = 0; f < F; f++) {
        this.cache
          .points(`${m.id}:f${f}-pos`, fd, fd.view(), rows, B, { stride: F, offset: f, map: positiveOnly })
          .dec.extent(ext);
        factors.push(
          this.cache.points(`${m.id}:f${f}`, fd, fd.view(), rows, B, { stride: F, offset: f }).points,
        );
      }
      drawn.push({ m, full, factors });
    }
    this.cache.sweep();
    const yd = logDomain(ext[0], ext[1], [], FLOOR);
    panel.setScales(stepDomain(h), yd, true);
    const lo = yd[0];
    // Factors share their model's colour; thin and dashed so the full-W lines stay the headline.
    for (const { m, factors } of drawn)
      factors.forEach((pts, f) =>
        panel.line(`${m.id}:f${f}`, stepPath(panel, steps, pts, lo), m.color, 1, factorDash(f), 0.65),
      );
    for (const { m, full } of drawn)
      panel.line(`${m.id}:full`, stepPath(panel, steps, full, lo), m.color, 2.2, m.dash);
  }

  /** Every model's full W first (the comparison), then each KRU's factors. */
  protected readoutValues(p: DeviationChartProps, i: number): ReadoutPart[] {
    const parts: ReadoutPart[] = [' · full W:'];
    const shown = this.styles.filter((m) => {
      const c = p.history.series[m.id]?.fullDeviation;
      return c && i < c.rows;
    });
    shown.forEach((m, k) =>
      parts.push(
        k ? ', ' : ' ',
        { text: m.label, color: m.color },
        ` ${formatValue(p.history.series[m.id]!.fullDeviation.view()[i])}`,
      ),
    );
    for (const m of shown) {
      if (!isFactored(m.kind)) continue;
      const row = p.history.series[m.id]!.factorDeviation.row(i);
      parts.push(
        ' · ',
        { text: m.label, color: m.color },
        ` factors ${Array.from(row, formatValue).join(' / ')}`,
      );
    }
    return shown.length ? parts : [];
  }
}

/** Dash of factor f's line (cycling through the non-solid patterns). */
const factorDash = (f: number): string => dashes[1 + (f % (dashes.length - 1))];

export const create = (roots: ChartRoots) => new DeviationDrawer(roots);

/** ‖W_fᴴW_f − I‖_F² per factor and for the full W of each KRU, and each RNN's ‖WᵀW − I‖_F², log scale. */
export function DeviationChart({ history, version }: DeviationChartProps) {
  const { plotRef, readoutRef } = useChart(create, { history, version });
  return (
    <ChartFrame
      name="deviation"
      title="Distance from unitary"
      legend={deviationLegend(history, factorDash(0))}
      empty={history.steps.length === 0}
      height={HEIGHT}
      plotRef={plotRef}
      readoutRef={readoutRef}
    />
  );
}
