// ‖∂L/∂h_t‖ as heatmaps (x: training step, y: position t, colour: log10), one per model, stacked, labelled and
// on one shared colour scale, so vanishing (dark) or exploding (bright) gradients at early positions can be
// compared directly. Each panel carries its model's λ / lr change marks.
// Canvas, not SVG: a run is thousands of steps × hundreds of positions. Rows are binned incrementally
// (HeatBins), and only bins that changed are recoloured unless the colour domain moved.
import * as d3 from 'd3';
import type { History } from '../history/history';
import type { ModelStyle } from './palette';
import { formatCount, formatPow10, formatTicks, formatValue } from '../core/format';
import { BaseDrawer, ChartFrame, setReadout, useChart, type ChartRoots, type ReadoutPart } from './lib/frame';
import { HeatBins, binColumnsFor, lutIndex, makeLut } from './lib/heatbins';
import { stylesOf } from './lib/models';
import { Axis, XYPanel, drawChangeMarks, setAttr, svgEl } from './lib/panel';

export interface GradHeatmapProps {
  history: History;
  version: number;
}

const PANEL_H = 120;
const M = { top: 20, right: 14, left: 50, gap: 44, bottom: 40, legend: 54 };

const interpolate = d3.interpolateViridis;
const LUT = makeLut(interpolate, (c) => {
  const rgb = d3.rgb(c);
  return [rgb.r, rgb.g, rgb.b];
});

/** Height of the figure for `k` stacked panels. */
function heatmapHeight(k: number): number {
  const n = Math.max(1, k);
  return M.top + n * PANEL_H + (n - 1) * M.gap + M.bottom + M.legend;
}

interface ModelLayer {
  bins: HeatBins;
  canvas: HTMLCanvasElement; // maxCols × T pixels, one per bin and position
  ctx: CanvasRenderingContext2D;
  img: ImageData;
  top: number;
}

/** One model's panel (axes, title, change marks), kept while the run has that model. */
interface ModelPanel {
  panel: XYPanel;
  marks: SVGGElement;
}

class GradHeatDrawer extends BaseDrawer<GradHeatmapProps> {
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly svg: SVGSVGElement;
  private readonly panels = new Map<string, ModelPanel>();
  private readonly legendG: SVGGElement;
  private readonly legendAxis: Axis;
  private readonly legendRect: SVGRectElement;
  private layers = new Map<string, ModelLayer>();
  private source: { history: History; epoch: number; T: number; maxCols: number; ids: string } | null = null;
  private colored: [number, number] = [NaN, NaN];
  private legendKey = '';
  private p: GradHeatmapProps | null = null;
  /** The models drawn by the last render, top to bottom. */
  private present: ModelStyle[] = [];
  private hover: { id: string; px: number; py: number } | null = null;

  constructor(roots: ChartRoots) {
    super(roots);
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'kru-layer';
    roots.plot.appendChild(this.canvas);
    this.ctx = this.canvas.getContext('2d')!;
    this.svg = svgEl(roots.plot, 'svg', { height: 200, role: 'img', 'aria-label': 'gradient norm heatmaps' });
    // Colour legend: a viridis bar with ‖∂L/∂h_t‖ ticks (powers of ten).
    this.legendG = svgEl(this.svg, 'g');
    const grad = svgEl(svgEl(this.legendG, 'defs'), 'linearGradient', {
      id: `kru-viridis-${Math.random().toString(36).slice(2)}`,
    });
    for (let i = 0; i <= 10; i++)
      svgEl(grad, 'stop', { offset: `${i * 10}%`, 'stop-color': interpolate(i / 10) });
    this.legendRect = svgEl(this.legendG, 'rect', { height: 10, fill: `url(#${grad.id})` });
    this.legendAxis = new Axis(
      svgEl(this.legendG, 'g', { class: 'kru-axis', transform: 'translate(0,10)' }),
      'bottom',
    );
    svgEl(this.legendG, 'text', { class: 'kru-axis-label', x: 0, y: -4 }).textContent =
      '‖∂L/∂h_t‖ (log colour scale; per column the geometric mean over its steps)';
  }

  /** The panel of model `id`, created on first use. */
  private panelFor(id: string): ModelPanel {
    let mp = this.panels.get(id);
    if (!mp) {
      const panel = new XYPanel(this.svg, {
        yLabel: 'position t',
        xInteger: true,
        yInteger: true,
        yTickSpacing: 30,
      });
      panel.onHover((pt) => {
        this.hover = pt ? { id, px: pt[0], py: pt[1] } : null;
        this.readout();
      });
      mp = { panel, marks: svgEl(panel.plot, 'g') };
      this.panels.set(id, mp);
    }
    return mp;
  }

  protected teardown(): void {
    this.canvas.remove();
    this.svg.remove();
  }

  protected render(p: GradHeatmapProps, width: number): void {
    this.p = p;
    const h = p.history;
    const n = h.steps.length;
    const T = h.seqLength;
    const styles = stylesOf(h);
    const present = styles.filter((m) => T > 0 && h.series[m.id]?.gradNormsOverTime.width === T);
    this.present = present;
    const plotW = width - M.left - M.right;
    const maxCols = binColumnsFor(plotW);
    const src = this.source;
    const ids = present.map((m) => m.id).join('\u0000');
    const rowsNow = Math.max(0, ...present.map((m) => h.series[m.id]!.gradNormsOverTime.rows));
    const binned = Math.max(0, ...[...this.layers.values()].map((l) => l.bins.rows));
    if (
      !src ||
      src.history !== h ||
      src.epoch !== h.epoch || // rows rewritten (compacted, truncated): bin them afresh
      src.T !== T ||
      src.maxCols !== maxCols ||
      src.ids !== ids ||
      rowsNow < binned
    ) {
      this.source = { history: h, epoch: h.epoch, T, maxCols, ids };
      this.layers = new Map();
      this.colored = [NaN, NaN];
    }
    // Panels of models the run no longer has go.
    for (const [id, mp] of this.panels) {
      if (!styles.some((m) => m.id === id)) {
        mp.panel.root.remove();
        this.panels.delete(id);
        if (this.hover?.id === id) this.hover = null;
      }
    }

    // Layout.
    const height = present.length ? heatmapHeight(present.length) : 120;
    setAttr(this.svg, 'width', width);
    setAttr(this.svg, 'height', Math.max(height, 120));
    setAttr(this.svg, 'display', n && present.length ? 'block' : 'none');
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const cw = Math.round(width * dpr);
    const ch = Math.round(Math.max(height, 120) * dpr);
    if (this.canvas.width !== cw || this.canvas.height !== ch) {
      this.canvas.width = cw;
      this.canvas.height = ch;
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${Math.max(height, 120)}px`;
    }
    this.ctx.setTransform(1, 0, 0, 1, 0, 0);
    this.ctx.clearRect(0, 0, cw, ch);
    for (const [id, mp] of this.panels)
      setAttr(mp.panel.root, 'visibility', present.some((m) => m.id === id) ? 'visible' : 'hidden');
    if (!n || !present.length) {
      setAttr(this.legendG, 'visibility', 'hidden');
      this.readout();
      return;
    }

    // Fold new rows into the bins, by step: a row at step s fills [s − 1, s] on the x axis. (Old rows are
    // min/max pairs of compacted buckets, not one per step.)
    const stepsView = h.steps.view();
    const s0 = stepsView[0];
    const xd: [number, number] = [s0 - 1, stepsView[Math.min(n, Math.max(1, rowsNow)) - 1]];
    present.forEach((m, j) => {
      const col = h.series[m.id]!.gradNormsOverTime;
      let layer = this.layers.get(m.id);
      if (!layer) {
        const canvas = document.createElement('canvas');
        canvas.width = maxCols;
        canvas.height = T;
        const ctx = canvas.getContext('2d')!;
        layer = { bins: new HeatBins(T, maxCols), canvas, ctx, img: ctx.createImageData(maxCols, T), top: 0 };
        this.layers.set(m.id, layer);
      }
      layer.top = M.top + j * (PANEL_H + M.gap);
      layer.bins.addRows(col.view(), Math.min(n, col.rows), stepsView);
      const { panel, marks } = this.panelFor(m.id);
      panel.setLabels({ title: m.label, xLabel: j === present.length - 1 ? 'training step' : '' });
      panel.layout(M.left, layer.top, plotW, PANEL_H);
      panel.setScales(xd, [0.5, T + 0.5], false);
      // This model's own λ / lr changes, as light lines over the heatmap (its label says which).
      drawChangeMarks(panel, marks, h.changes, styles, {
        filter: (c) => c.model === m.id,
        stroke: 'rgba(255,255,255,0.75)',
      });
    });

    // One colour domain for all models (the extent of every value seen, so it only ever widens).
    let lo = Infinity;
    let hi = -Infinity;
    for (const m of present) {
      const b = this.layers.get(m.id)!.bins;
      lo = Math.min(lo, b.lo);
      hi = Math.max(hi, b.hi);
    }
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    const domainMoved = lo !== this.colored[0] || hi !== this.colored[1];
    this.colored = [lo, hi];

    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = false;
    for (const m of present) {
      const layer = this.layers.get(m.id)!;
      const bins = layer.bins;
      const from = domainMoved ? 0 : bins.dirtyFrom;
      if (from < bins.cols || domainMoved) {
        paint(layer, from, lo, hi, domainMoved);
        bins.clearDirty();
      }
      // Full bins are equally wide; the last may be partial, so it is drawn to its own extent.
      const x = this.panelFor(m.id).panel.x;
      const full = bins.extent >= bins.cols * bins.binSize ? bins.cols : bins.cols - 1;
      const xs = (row: number) => M.left + x(s0 - 1 + row);
      if (full > 0)
        ctx.drawImage(
          layer.canvas,
          0,
          0,
          full,
          bins.T,
          xs(0),
          layer.top,
          xs(full * bins.binSize) - xs(0),
          PANEL_H,
        );
      if (full < bins.cols) {
        const a = xs(full * bins.binSize);
        ctx.drawImage(
          layer.canvas,
          full,
          0,
          1,
          bins.T,
          a,
          layer.top,
          Math.max(1, xs(bins.extent) - a),
          PANEL_H,
        );
      }
    }

    // Legend bar under the panels.
    const lw = Math.min(260, plotW);
    const ly = M.top + present.length * PANEL_H + (present.length - 1) * M.gap + M.bottom + 16;
    setAttr(this.legendG, 'visibility', 'visible');
    setAttr(this.legendG, 'transform', `translate(${M.left},${ly})`);
    setAttr(this.legendRect, 'width', lw);
    const legendKey = `${lo}|${hi}|${lw}`;
    if (legendKey !== this.legendKey) {
      this.legendKey = legendKey;
      const ls = d3.scaleLinear().domain([lo, hi]).range([0, lw]);
      const ints = d3.range(Math.ceil(lo), Math.floor(hi) + 1);
      const step = Math.max(1, Math.ceil(ints.length / Math.max(2, Math.floor(lw / 46))));
      // Decades when the domain spans two or more, else three ticks of log10 ‖∂L/∂h_t‖, labelled as values.
      const ticks = ints.length >= 2 ? ints.filter((_, i) => i % step === 0) : ls.ticks(3);
      const labels = ints.length >= 2 ? ticks.map(formatPow10) : formatTicks(ticks.map((v) => 10 ** v));
      this.legendAxis.update(ticks, ls, labels, lw);
    }
    this.readout();
  }

  private readout(): void {
    const el = this.roots.readout;
    const h = this.p?.history;
    const hov = this.hover;
    for (const mp of this.panels.values()) mp.panel.crosshair(null);
    if (!h || !h.steps.length) {
      setReadout(el, []);
      return;
    }
    const drawn = this.present.filter((m) => this.layers.has(m.id));
    const any = drawn.length ? this.layers.get(drawn[0].id)! : null;
    if (!any || !any.bins.cols) {
      setReadout(el, []);
      return;
    }
    const s0 = h.steps.view()[0];
    let c: number;
    let t: number;
    const hovered = hov ? this.panels.get(hov.id)?.panel : undefined;
    if (hov && hovered) {
      const row = Math.floor(hovered.x.invert(hov.px) - (s0 - 1));
      c = Math.max(0, Math.min(any.bins.cols - 1, Math.floor(row / any.bins.binSize)));
      t = Math.max(1, Math.min(any.bins.T, Math.round(hovered.y.invert(hov.py))));
      for (const m of drawn)
        this.panels.get(m.id)?.panel.crosshair(hovered.x(s0 - 1 + (c + 0.5) * any.bins.binSize));
    } else {
      c = any.bins.cols - 1;
      t = 1;
    }
    const [r0, r1] = any.bins.binRows(c);
    const steps =
      r1 - r0 > 1
        ? `steps ${formatCount(s0 + r0)}–${formatCount(s0 + r1 - 1)}`
        : `step ${formatCount(s0 + r0)}`;
    // The quantity is named once and the models' values follow side by side: short enough for two lines.
    const parts: ReadoutPart[] = [`${hovered ? '' : 'latest column, '}${steps}, t = ${t}: ‖∂L/∂h_t‖ ≈`];
    drawn.forEach((m, k) => {
      const mean = this.layers.get(m.id)!.bins.mean(c, t - 1);
      parts.push(
        k ? ', ' : ' ',
        { text: m.label, color: m.color },
        ` ${Number.isNaN(mean) ? '—' : formatValue(10 ** mean)}`,
      );
    });
    setReadout(el, parts);
  }
}

/** Recolour bins [from, cols) of a layer into its pixel canvas; `clear` first blanks every column. */
function paint(layer: ModelLayer, from: number, lo: number, hi: number, clear: boolean): void {
  const { bins, img } = layer;
  const data = img.data;
  const W = img.width;
  const T = bins.T;
  if (clear) data.fill(0);
  for (let c = from; c < bins.cols; c++) {
    for (let t = 0; t < T; t++) {
      const p = 4 * ((T - 1 - t) * W + c); // t = 1 at the bottom
      const m = bins.mean(c, t);
      if (m !== m) {
        data[p + 3] = 0;
        continue;
      }
      const k = 4 * lutIndex(m, lo, hi);
      data[p] = LUT[k];
      data[p + 1] = LUT[k + 1];
      data[p + 2] = LUT[k + 2];
      data[p + 3] = 255;
    }
  }
  const x0 = clear ? 0 : from;
  layer.ctx.putImageData(img, 0, 0, x0, 0, Math.max(1, (clear ? W : bins.cols) - x0), T);
}

export const create = (roots: ChartRoots) => new GradHeatDrawer(roots);

/** ‖∂L/∂h_t‖ over training step × position, per model, on one shared viridis log colour scale. */
export function GradHeatmap({ history, version }: GradHeatmapProps) {
  const { plotRef, readoutRef } = useChart(create, { history, version });
  const empty = history.steps.length === 0 || history.seqLength === 0;
  return (
    <ChartFrame
      name="grad-heatmap"
      title="Gradient norm ‖∂L/∂h_t‖ across positions and training"
      empty={empty}
      height={heatmapHeight(history.models.length || 2)}
      plotRef={plotRef}
      readoutRef={readoutRef}
    />
  );
}
