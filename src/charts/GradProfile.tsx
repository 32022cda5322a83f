// The latest step's ‖∂L/∂h_t‖ against position t on a log axis, one line per model (and step 1's, faintly, for
// comparison): a straight slope on this plot is geometric vanishing or exploding through time.
import type { History } from '../history/history';
import { finiteExtent, linePath, logDomain, minMaxDownsample } from './lib/data';
import { formatCount, formatValue } from '../core/format';
import { BaseDrawer, ChartFrame, setReadout, useChart, type ChartRoots, type ReadoutPart } from './lib/frame';
import { gradProfileLegend, stylesOf } from './lib/models';
import { XYPanel, setAttr, svgEl } from './lib/panel';
import { positiveOnly } from './lib/series';

export interface GradProfileProps {
  history: History;
  version: number;
}

const HEIGHT = 240;
const M = { top: 14, right: 14, bottom: 40, left: 60 };

class GradProfileDrawer extends BaseDrawer<GradProfileProps> {
  private readonly svg: SVGSVGElement;
  private readonly panel: XYPanel;
  private p: GradProfileProps | null = null;
  private hoverPx: number | null = null;

  constructor(roots: ChartRoots) {
    super(roots);
    this.svg = svgEl(roots.plot, 'svg', {
      height: HEIGHT,
      role: 'img',
      'aria-label': 'gradient norm against position',
    });
    this.panel = new XYPanel(this.svg, {
      xLabel: 'sequence position t',
      yLabel: '‖∂L/∂h_t‖',
      xInteger: true,
    });
    this.panel.onHover((pt) => {
      this.hoverPx = pt?.[0] ?? null;
      this.readout();
    });
  }

  protected teardown(): void {
    this.svg.remove();
  }

  protected render(p: GradProfileProps, width: number): void {
    this.p = p;
    const h = p.history;
    const T = h.seqLength;
    const panel = this.panel;
    const styles = stylesOf(h);
    const rows = (id: string) => {
      const c = h.series[id]?.gradNormsOverTime;
      return c && c.width === T ? c.rows : 0;
    };
    const has = T > 0 && styles.some((m) => rows(m.id) > 0);
    setAttr(this.svg, 'width', width);
    setAttr(this.svg, 'display', has ? 'block' : 'none');
    panel.layout(M.left, M.top, width - M.left - M.right, HEIGHT - M.top - M.bottom);
    panel.begin();
    if (!has) {
      panel.end();
      this.readout();
      return;
    }
    const ext: [number, number] = [Infinity, -Infinity];
    for (const m of styles) {
      const r = rows(m.id);
      if (!r) continue;
      const col = h.series[m.id]!.gradNormsOverTime;
      finiteExtent(col.row(r - 1), T, true, 1, 0, ext);
      finiteExtent(col.row(0), T, true, 1, 0, ext);
    }
    panel.setScales(T > 1 ? [1, T] : [0.5, 1.5], logDomain(ext[0], ext[1], [], 1e-30), true);
    for (const m of styles) {
      const r = rows(m.id);
      if (!r) continue;
      const col = h.series[m.id]!.gradNormsOverTime;
      const path = (row: Float32Array) =>
        linePath(
          minMaxDownsample(row, T, panel.w, 1, 0, positiveOnly),
          (i) => panel.x(i + 1),
          (v) => panel.y(v),
        );
      if (r > 1) panel.line(`${m.id}:first`, path(col.row(0)), m.color, 1.2, '3 3', 0.45);
      panel.line(`${m.id}:latest`, path(col.row(r - 1)), m.color, 2, m.dash);
    }
    panel.end();
    this.readout();
  }

  private readout(): void {
    const p = this.p;
    const el = this.roots.readout;
    const h = p?.history;
    const T = h?.seqLength ?? 0;
    if (!h || !T || !h.steps.length) {
      setReadout(el, []);
      this.panel.crosshair(null);
      return;
    }
    const hover = this.hoverPx;
    const t = hover === null ? 1 : Math.max(1, Math.min(T, Math.round(this.panel.x.invert(hover))));
    this.panel.crosshair(hover === null ? null : this.panel.x(t));
    const steps = h.steps.view();
    // The ratio to the last position says how much of the gradient survives the trip back to t; it is named
    // once in the head so each model's entry stays short (two lines hold both models' numbers).
    const parts: ReadoutPart[] = [
      `step ${formatCount(steps[steps.length - 1])}, t = ${t}${hover === null ? ' (hover to pick t)' : ''}, ` +
        `‖∂L/∂h_t‖${t < T ? ` (ratio to t = ${T})` : ''}:`,
    ];
    let k = 0;
    for (const m of stylesOf(h)) {
      const col = h.series[m.id]?.gradNormsOverTime;
      if (!col || col.width !== T || !col.rows) continue;
      const row = col.row(col.rows - 1);
      const ratio = row[t - 1] / row[T - 1];
      parts.push(k++ ? ', ' : ' ', { text: m.label, color: m.color }, ` ${formatValue(row[t - 1])}`);
      if (t < T && Number.isFinite(ratio)) parts.push(` (${formatValue(ratio)})`);
    }
    setReadout(el, parts);
  }
}

export const create = (roots: ChartRoots) => new GradProfileDrawer(roots);

/** Latest ‖∂L/∂h_t‖ against t (log y), every model: where vanishing and exploding gradients show. */
export function GradProfile({ history, version }: GradProfileProps) {
  const { plotRef, readoutRef } = useChart(create, { history, version });
  return (
    <ChartFrame
      name="grad-profile"
      title="Gradient reaching each position, ‖∂L/∂h_t‖"
      legend={gradProfileLegend(history)}
      empty={history.steps.length === 0 || history.seqLength === 0}
      height={HEIGHT}
      plotRef={plotRef}
      readoutRef={readoutRef}
    />
  );
}
