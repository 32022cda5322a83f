// What every "value against training step" line chart shares (the loss and the distance from unitary): an
// SVG with an XYPanel, the λ and lr change marks of every model, a decimated-line cache, and a hover readout
// that names the step, the chart's own values at it (one entry per model), and each KRU's λ. Subclasses draw
// their lines and say what their readout lists. Resets that continued the timeline are marked like the changes.
import { isFactored } from '../../core/vocabulary';
import type { History } from '../../history/history';
import type { ModelStyle } from '../palette';
import { nearestIndex } from './data';
import { formatCount, formatValue } from '../../core/format';
import { LineCache } from './decimate';
import { BaseDrawer, setReadout, type ChartRoots, type ReadoutPart } from './frame';
import { changeText, styleOf, stylesOf } from './models';
import { XYPanel, changesNear, drawChangeMarks, setAttr, svgEl } from './panel';

export interface StepChartProps {
  history: History;
  version: number;
}

export interface StepChartLayout {
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  ariaLabel: string;
  yLabel: string;
}

export abstract class StepChartDrawer<P extends StepChartProps> extends BaseDrawer<P> {
  protected readonly panel: XYPanel;
  protected readonly cache = new LineCache();
  private readonly svg: SVGSVGElement;
  private readonly changesG: SVGGElement;
  /** The run's models as of the last render (colours, labels), in order. */
  protected styles: ModelStyle[] = [];
  private p: P | null = null;
  private hoverPx: number | null = null;

  constructor(
    roots: ChartRoots,
    private readonly layout: StepChartLayout,
  ) {
    super(roots);
    this.svg = svgEl(roots.plot, 'svg', {
      height: layout.height,
      role: 'img',
      'aria-label': layout.ariaLabel,
    });
    this.panel = new XYPanel(this.svg, {
      xLabel: 'training step',
      yLabel: layout.yLabel,
      xInteger: true,
    });
    this.changesG = svgEl(this.panel.plot, 'g');
    this.panel.onHover((pt) => {
      this.hoverPx = pt?.[0] ?? null;
      this.readout();
    });
  }

  /** Sets the panel's scales and draws the lines for the first n rows (n ≥ 1) of p.history. */
  protected abstract plot(p: P, steps: Float32Array, n: number): void;

  /** The chart's values at row i (one entry per model, this.styles), placed between the step and λ. */
  protected abstract readoutValues(p: P, i: number): ReadoutPart[];

  /** Anything to say after λ (e.g. a reference line's value). */
  protected readoutTail(_p: P): ReadoutPart[] {
    return [];
  }

  protected teardown(): void {
    this.svg.remove();
  }

  protected render(p: P, width: number): void {
    this.p = p;
    const h = p.history;
    const n = h.steps.length;
    this.styles = stylesOf(h);
    const { margin: M, height } = this.layout;
    setAttr(this.svg, 'width', width);
    setAttr(this.svg, 'display', n ? 'block' : 'none');
    this.panel.layout(M.left, M.top, width - M.left - M.right, height - M.top - M.bottom);
    this.panel.begin();
    if (n) {
      this.plot(p, h.steps.view(), n);
      drawChangeMarks(this.panel, this.changesG, h.changes, this.styles);
    }
    this.panel.end();
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
    const parts: ReadoutPart[] = [`${hover === null ? 'latest: ' : ''}step ${formatCount(steps[i])}`];
    parts.push(...this.readoutValues(p, i));
    // λ is per model: each KRU's, from its own column.
    for (const m of this.styles) {
      const lam = h.series[m.id]?.lambda;
      if (isFactored(m.kind) && lam && i < lam.rows)
        parts.push(' · ', { text: m.label, color: m.color }, ` λ ${formatValue(lam.view()[i])}`);
    }
    parts.push(...this.readoutTail(p));
    if (hover !== null)
      for (const c of changesNear(this.panel, h.changes, hover))
        parts.push(` · ${changeText(c, styleOf(this.styles, c.model).label)}`);
    setReadout(el, parts);
  }
}
