// Each KRU's factor singular values over training (small multiples: a block of panels per KRU, one panel per
// factor), with the unitary target σ = 1, and beside them the full W's spectral norm ‖W‖₂ of every model.
// RNNs have no factors: a run without a KRU says so and shows only ‖W‖₂. Every λ / lr change is marked: in a
// KRU's factor panels its own changes (lines only, the panels are small), in the ‖W‖₂ panel every model's,
// labelled; a reset or restore that continues the History is marked on every panel.
import { isFactored } from '../core/vocabulary';
import type { Column, History } from '../history/history';
import { palette, type ModelStyle } from './palette';
import { linearDomain, logDomain, nearestIndex, type Downsampled } from './lib/data';
import { formatCount, formatValue } from '../core/format';
import { LineCache } from './lib/decimate';
import { BaseDrawer, ChartFrame, setReadout, useChart, type ChartRoots, type ReadoutPart } from './lib/frame';
import { changeText, runMark, singularValuesLegend, styleOf, stylesOf } from './lib/models';
import { XYPanel, changesNear, drawChangeMarks, setAttr, setFill, setText, svgEl } from './lib/panel';
import { positiveOnly, stepDomain, stepPath } from './lib/series';

export interface SingularValuesChartProps {
  history: History;
  version: number;
}

const PANEL_H = 96; // plot height of one factor panel
const NORM_H = 150; // plot height of the ‖W‖₂ panel when stacked below
// left: room for tick labels such as "0.95" or "1000" and the rotated σ / ‖W‖₂ label beside them.
const M = { top: 20, right: 10, bottom: 36, left: 56 };
/** Smallest span of the shared σ axis: [0.94, 1.06] around 1, so that it has ticks at 0.95, 1 and 1.05. */
const MIN_SIGMA_SPAN = 0.12;
const MIN_PANEL_W = 120;
/** Height of a KRU block's heading (its label) above its row(s) of factor panels. */
const HEAD_H = 18;

/** One KRU's factors: where its σ live in factorSingularValues, and its grid of panels. */
interface Block {
  m: ModelStyle;
  col: Column;
  /** Factor sizes (summing to col.width). */
  fs: number[];
}

type Hover = { block: string; factor: number; px: number } | { block: null; px: number }; // null: ‖W‖₂ panel

class SingularValuesDrawer extends BaseDrawer<SingularValuesChartProps> {
  private readonly svg: SVGSVGElement;
  /** Factor panels by `${model id}:${factor}`. */
  private readonly factorPanels = new Map<string, XYPanel>();
  /** Change-mark layers: one per factor panel (same keys) and the ‖W‖₂ panel's. */
  private readonly factorChanges = new Map<string, SVGGElement>();
  private readonly normChanges: SVGGElement;
  private readonly heads: SVGTextElement[] = [];
  private readonly message: SVGTextElement;
  private readonly norm: XYPanel;
  private p: SingularValuesChartProps | null = null;
  private blocks: Block[] = [];
  private readonly cache = new LineCache();
  private hover: Hover | null = null;

  constructor(roots: ChartRoots) {
    super(roots);
    this.svg = svgEl(roots.plot, 'svg', {
      height: 200,
      role: 'img',
      'aria-label': 'factor singular values over training',
    });
    this.norm = new XYPanel(this.svg, {
      xLabel: 'training step',
      xInteger: true,
      yLabel: '‖W‖₂',
      title: 'spectral norm of the full W',
    });
    this.normChanges = svgEl(this.norm.plot, 'g');
    this.message = svgEl(this.svg, 'text', { class: 'kru-axis-label', x: M.left, y: 24 });
    this.norm.onHover((pt) => {
      this.hover = pt ? { block: null, px: pt[0] } : null;
      this.readout();
    });
  }

  private factorPanel(id: string, f: number): XYPanel {
    const key = `${id}:${f}`;
    let panel = this.factorPanels.get(key);
    if (!panel) {
      panel = new XYPanel(this.svg, { yTickSpacing: 28, xTickSpacing: 60, xInteger: true });
      panel.onHover((pt) => {
        this.hover = pt ? { block: id, factor: f, px: pt[0] } : null;
        this.readout();
      });
      this.factorPanels.set(key, panel);
      this.factorChanges.set(key, svgEl(panel.plot, 'g'));
    }
    return panel;
  }

  protected teardown(): void {
    this.svg.remove();
  }

  protected render(p: SingularValuesChartProps, width: number): void {
    this.p = p;
    const h = p.history;
    const n = h.steps.length;
    const styles = stylesOf(h);
    // Every KRU with factor σ rows; factor sizes come from detail, else one block of the column's width.
    const blocks: Block[] = [];
    for (const m of styles) {
      const col = h.series[m.id]?.factorSingularValues;
      if (!isFactored(m.kind) || !col || !col.width) continue;
      const sizes = h.detail[m.id]?.factorSizes ?? [];
      blocks.push({ m, col, fs: sizes.reduce((a, b) => a + b, 0) === col.width ? sizes : [col.width] });
    }
    this.blocks = blocks;
    setAttr(this.svg, 'width', width);
    setAttr(this.svg, 'display', n ? 'block' : 'none');

    // Layout: the KRUs' factor grids (one block per KRU, stacked) on the left and the ‖W‖₂ panel on the right
    // when wide, else everything stacked. A run without a KRU shows a line saying so above ‖W‖₂.
    const side = width >= 640 && blocks.length > 0;
    const normW = side ? Math.min(360, Math.max(220, Math.round(width * 0.34))) : width;
    const areaW = side ? width - normW : width;
    const cellH = PANEL_H + M.top + M.bottom;
    const grids = blocks.map((b) => {
      const F = b.fs.length;
      const maxCols = Math.max(1, Math.min(F, Math.floor(areaW / MIN_PANEL_W)));
      const cols = Math.ceil(F / Math.ceil(F / maxCols)); // balanced rows: 6 factors → 3 + 3, not 5 + 1
      return { cols, rows: Math.ceil(F / cols) };
    });
    const headH = blocks.length > 1 ? HEAD_H : 0; // one KRU: the chart's title already says whose factors
    const gridH = blocks.length ? grids.reduce((a, g) => a + headH + g.rows * cellH, 0) : 36;
    const normTop = side ? 0 : gridH;
    const normCellH = side ? Math.max(gridH, NORM_H + M.top + M.bottom) : NORM_H + M.top + M.bottom;
    const height = Math.max(side ? Math.max(gridH, normCellH) : gridH + normCellH, 120);
    setAttr(this.svg, 'height', height);
    setAttr(this.message, 'visibility', blocks.length ? 'hidden' : 'visible');
    // Before the first step a run with KRUs has no factor rows yet: say nothing rather than "no KRU".
    const msg =
      h.models.length && !h.models.some((m) => isFactored(m.kind))
        ? 'No KRU in this run: only a KRU or a KRU-LSTM has Kronecker factors. ‖W‖₂ of every model below.'
        : '';
    setText(this.message, msg);

    const steps = h.steps.view();
    const xd = stepDomain(h);
    // One σ scale for all factors of all KRUs so they can be compared at a glance; it always shows σ = 1.
    const ext: [number, number] = [Infinity, -Infinity];
    const pts = blocks.map((b, j) => {
      const P = b.col.width;
      const panelW = areaW / grids[j].cols - M.left - M.right;
      const rows = Math.min(n, b.col.rows);
      const out: Downsampled[] = [];
      for (let i = 0; i < P; i++) {
        const r = this.cache.points(`${b.m.id}:s${i}`, b.col, b.col.view(), rows, panelW / 2, {
          stride: P,
          offset: i,
        });
        r.dec.extent(ext);
        out.push(r.points);
      }
      return out;
    });
    // At least MIN_SIGMA_SPAN wide: in a run's first steps σ is within 1e-4 of 1, and that must not fill the panel.
    const yd = linearDomain(ext[0], ext[1], [1], 0.05, MIN_SIGMA_SPAN);
    if (yd[0] < 0 && ext[0] >= 0) yd[0] = 0;

    const used = new Set<string>();
    let top = 0;
    blocks.forEach((b, j) => {
      const { cols } = grids[j];
      const F = b.fs.length;
      const cellW = areaW / cols;
      const head = this.heads[j] ?? (this.heads[j] = svgEl(this.svg, 'text', { class: 'kru-panel-title' }));
      setAttr(head, 'x', 4);
      setAttr(head, 'y', top + 13);
      setFill(head, b.m.color);
      setAttr(head, 'visibility', headH ? 'visible' : 'hidden');
      setText(head, b.m.label);
      top += headH;
      let offset = 0;
      for (let f = 0; f < F; f++) {
        const panel = this.factorPanel(b.m.id, f);
        used.add(`${b.m.id}:${f}`);
        const c = f % cols;
        const r = Math.floor(f / cols);
        const lastRow = f + cols >= F;
        panel.setLabels({
          title: `W${sub(f)}  ${b.fs[f]}×${b.fs[f]}`,
          yLabel: c === 0 ? 'σ' : '',
          xLabel: lastRow ? 'training step' : '',
        });
        panel.layout(c * cellW + M.left, top + r * cellH + M.top, cellW - M.left - M.right, PANEL_H);
        panel.setScales(xd, yd, false);
        panel.begin();
        for (let i = 0; i < b.fs[f]; i++) {
          // σ are sorted descending, so same-coloured lines never cross; dashes tell σ_1 from the rest.
          const dash = i === 0 ? b.m.dash : i === b.fs[f] - 1 ? '3 2' : '6 2';
          panel.line(`s${i}`, stepPath(panel, steps, pts[j][offset + i]), b.m.color, 1.4, dash);
        }
        panel.hrule('one', 1, f === 0 && j === 0 ? 'σ = 1' : '', palette.target);
        drawChangeMarks(panel, this.factorChanges.get(`${b.m.id}:${f}`)!, h.changes, styles, {
          filter: (c) => c.model === b.m.id,
          labels: false,
        });
        panel.end();
        offset += b.fs[f];
      }
      top += grids[j].rows * cellH;
    });
    for (const [key, panel] of this.factorPanels) {
      if (used.has(key)) continue;
      panel.root.remove();
      this.factorPanels.delete(key);
      this.factorChanges.delete(key);
    }
    while (this.heads.length > blocks.length) this.heads.pop()!.remove();
    if (this.hover?.block != null && !used.has(`${this.hover.block}:${this.hover.factor}`)) this.hover = null;

    // ‖W‖₂ panel (log: a KRU's is a product of F factor norms and an RNN's can grow far from 1).
    const norm = this.norm;
    const nx = side ? areaW + M.left : M.left;
    norm.layout(
      nx,
      normTop + M.top,
      normW - M.left - M.right,
      (side ? normCellH : NORM_H + M.top + M.bottom) - M.top - M.bottom,
    );
    const next: [number, number] = [Infinity, -Infinity];
    const normPts: Array<[ModelStyle, Downsampled]> = [];
    for (const m of styles) {
      const c = h.series[m.id]?.spectralNorm;
      if (!c) continue;
      const r = this.cache.points(`${m.id}:norm`, c, c.view(), Math.min(n, c.rows), norm.w / 2, {
        map: positiveOnly,
        tag: 'pos',
      });
      r.dec.extent(next);
      normPts.push([m, r.points]);
    }
    this.cache.sweep();
    norm.setScales(xd, logDomain(next[0], next[1], [1], 1e-6, 0.05, 0.5), true);
    norm.begin();
    for (const [m, q] of normPts) norm.line(m.id, stepPath(norm, steps, q), m.color, 1.6, m.dash);
    norm.hrule('one', 1, '‖W‖₂ = 1', palette.target);
    if (n) drawChangeMarks(norm, this.normChanges, h.changes, styles);
    norm.end();
    this.readout();
  }

  private readout(): void {
    const p = this.p;
    const el = this.roots.readout;
    const h = p?.history;
    const all = [...this.factorPanels.values(), this.norm];
    if (!h || !h.steps.length) {
      setReadout(el, []);
      for (const panel of all) panel.crosshair(null);
      return;
    }
    const steps = h.steps.view();
    const n = steps.length;
    const hov = this.hover;
    const panel = hov
      ? hov.block === null
        ? this.norm
        : this.factorPanels.get(`${hov.block}:${hov.factor}`)
      : undefined;
    const i = hov && panel ? nearestIndex(steps, n, panel.x.invert(hov.px)) : n - 1;
    for (const q of all) q.crosshair(hov && panel ? q.x(steps[i]) : null);
    const parts: ReadoutPart[] = [`${hov ? '' : 'latest: '}step ${formatCount(steps[i])}`];
    // Name one factor's σ (the hovered one, else the first KRU's W_0) to keep the line short.
    const b = hov && hov.block !== null ? this.blocks.find((x) => x.m.id === hov.block) : this.blocks[0];
    const f = hov && hov.block !== null ? hov.factor : 0;
    if (b && i < b.col.rows && f < b.fs.length) {
      const off = b.fs.slice(0, f).reduce((a, c) => a + c, 0);
      const row = b.col.row(i).subarray(off, off + b.fs[f]);
      parts.push(
        ' · ',
        { text: b.m.label, color: b.m.color },
        ` W${sub(f)} σ = ${Array.from(row, formatValue).join(', ')}`,
      );
    }
    for (const m of stylesOf(h)) {
      const c = h.series[m.id];
      if (c && i < c.spectralNorm.rows)
        parts.push(
          ' · ',
          { text: m.label, color: m.color },
          ` ‖W‖₂ ${formatValue(c.spectralNorm.view()[i])}`,
        );
    }
    if (hov && panel) {
      const styles = stylesOf(h);
      const own =
        hov.block === null ? h.changes : h.changes.filter((c) => c.model === hov.block || runMark(c));
      for (const c of changesNear(panel, own, hov.px))
        parts.push(` · ${changeText(c, styleOf(styles, c.model).label)}`);
    }
    setReadout(el, parts);
  }
}

const SUBSCRIPT = '₀₁₂₃₄₅₆₇₈₉';
function sub(k: number): string {
  return String(k).replace(/\d/g, (d) => SUBSCRIPT[+d]);
}

export const create = (roots: ChartRoots) => new SingularValuesDrawer(roots);

/** Singular values of each KRU's factors over training, the σ = 1 target, and ‖W‖₂ of every model. */
export function SingularValuesChart({ history, version }: SingularValuesChartProps) {
  const { plotRef, readoutRef } = useChart(create, { history, version });
  return (
    <ChartFrame
      name="singular-values"
      title="Singular values of the Kronecker factors"
      legend={singularValuesLegend(history)}
      empty={history.steps.length === 0}
      height={200}
      plotRef={plotRef}
      readoutRef={readoutRef}
    />
  );
}
