// Each KRU factor's singular values over training (small multiples, one panel per factor), with the unitary
// target σ = 1, and beside them the full W's spectral norm ‖W‖₂ for KRU and RNN.
import type { History } from '../engine/history';
import { modelColor, modelLabel, palette, type ModelKind } from './palette';
import { formatValue, linearDomain, logDomain, nearestIndex, type Downsampled } from './lib/data';
import { LineCache } from './lib/decimate';
import { BaseDrawer, ChartFrame, setReadout, useChart, type ChartRoots, type LegendItem, type ReadoutPart } from './lib/frame';
import { XYPanel, setAttr, svgEl } from './lib/panel';
import { positiveOnly, stepDomain, stepPath } from './lib/series';

export interface SingularValuesChartProps {
  history: History;
  version: number;
}

const PANEL_H = 96; // plot height of one factor panel
const NORM_H = 150; // plot height of the ‖W‖₂ panel when stacked below
const M = { top: 20, right: 10, bottom: 36, left: 46 };
const MIN_PANEL_W = 120;

class SingularValuesDrawer extends BaseDrawer<SingularValuesChartProps> {
  private readonly svg: SVGSVGElement;
  private readonly factorPanels: XYPanel[] = [];
  private readonly norm: XYPanel;
  private p: SingularValuesChartProps | null = null;
  private readonly cache = new LineCache();
  private hover: { panel: number; px: number } | null = null; // panel -1 = ‖W‖₂ panel

  constructor(roots: ChartRoots) {
    super(roots);
    this.svg = svgEl(roots.plot, 'svg', { height: 200, role: 'img', 'aria-label': 'factor singular values over training' });
    this.norm = new XYPanel(this.svg, { xLabel: 'training step', yLabel: '‖W‖₂', title: 'spectral norm of the full W' });
    this.listen(this.norm, -1);
  }

  private listen(panel: XYPanel, index: number): void {
    panel.onHover((pt) => {
      this.hover = pt ? { panel: index, px: pt[0] } : null;
      this.readout();
    });
  }

  protected teardown(): void {
    this.svg.remove();
  }

  protected render(p: SingularValuesChartProps, width: number): void {
    this.p = p;
    const h = p.history;
    const n = h.steps.length;
    const kru = h.series.kru;
    const sizes = h.detail.kru?.factorSizes ?? [];
    const P = kru ? kru.factorSingularValues.width : 0;
    // Factor sizes come from detail; fall back to one block if they do not match the column width.
    const fs = sizes.reduce((a, b) => a + b, 0) === P ? sizes : P ? [P] : [];
    const F = fs.length;
    setAttr(this.svg, 'width', width);
    setAttr(this.svg, 'display', n ? 'block' : 'none');

    // Layout: factor grid on the left and the ‖W‖₂ panel on the right when wide, else stacked.
    const side = width >= 640;
    const normW = side ? Math.min(360, Math.max(220, Math.round(width * 0.34))) : width;
    const areaW = side ? width - normW : width;
    const maxCols = Math.max(1, Math.min(F || 1, Math.floor(areaW / MIN_PANEL_W)));
    const cols = F ? Math.ceil(F / Math.ceil(F / maxCols)) : 1; // balanced rows: 6 factors → 3 + 3, not 5 + 1
    const rows = F ? Math.ceil(F / cols) : 0;
    const cellW = areaW / cols;
    const cellH = PANEL_H + M.top + M.bottom;
    const gridH = rows * cellH;
    const normTop = side ? 0 : gridH;
    const normCellH = side ? Math.max(gridH, NORM_H + M.top + M.bottom) : NORM_H + M.top + M.bottom;
    const height = Math.max(side ? Math.max(gridH, normCellH) : gridH + normCellH, 120);
    setAttr(this.svg, 'height', height);

    while (this.factorPanels.length < F) {
      const panel = new XYPanel(this.svg, { yTickSpacing: 28, xTickSpacing: 60 });
      this.listen(panel, this.factorPanels.length);
      this.factorPanels.push(panel);
    }
    while (this.factorPanels.length > F) this.factorPanels.pop()!.root.remove();

    const steps = h.steps.view();
    const xd = stepDomain(h);
    const svCol = kru?.factorSingularValues;
    const svRows = svCol ? Math.min(n, svCol.rows) : 0;
    const panelW = cellW - M.left - M.right;
    // One σ scale for all factors so they can be compared at a glance; it always shows the target σ = 1.
    const ext: [number, number] = [Infinity, -Infinity];
    const pts: Downsampled[] = [];
    if (svCol) {
      for (let j = 0; j < P; j++) {
        const r = this.cache.points(`s${j}`, svCol, svCol.view(), svRows, panelW / 2, { stride: P, offset: j });
        r.dec.extent(ext);
        pts.push(r.points);
      }
    }
    const yd = linearDomain(ext[0], ext[1], [1]);
    if (yd[0] < 0 && ext[0] >= 0) yd[0] = 0;

    let offset = 0;
    for (let f = 0; f < F; f++) {
      const panel = this.factorPanels[f];
      const c = f % cols;
      const r = Math.floor(f / cols);
      const lastRow = f + cols >= F;
      panel.setLabels({
        title: `W${sub(f)}  ${fs[f]}×${fs[f]}`,
        yLabel: c === 0 ? 'σ' : '',
        xLabel: lastRow ? 'training step' : '',
      });
      panel.layout(c * cellW + M.left, r * cellH + M.top, cellW - M.left - M.right, PANEL_H);
      panel.setScales(xd, yd, false);
      panel.begin();
      if (pts.length) {
        for (let i = 0; i < fs[f]; i++) {
          // σ are sorted descending, so same-coloured lines never cross; dashes tell σ_1 from the rest.
          panel.line(`s${i}`, stepPath(panel, steps, pts[offset + i]), modelColor.kru, 1.4, i === 0 ? '' : i === fs[f] - 1 ? '3 2' : '6 2');
        }
      }
      panel.hrule('one', 1, f === 0 ? 'σ = 1' : '', palette.target);
      panel.end();
      offset += fs[f];
    }

    // ‖W‖₂ panel (log: the KRU's is a product of F factor norms and the RNN's can grow far from 1).
    const norm = this.norm;
    const nx = side ? areaW + M.left : M.left;
    norm.layout(nx, normTop + M.top, normW - M.left - M.right, (side ? normCellH : NORM_H + M.top + M.bottom) - M.top - M.bottom);
    const next: [number, number] = [Infinity, -Infinity];
    const normPts: Array<[ModelKind, Downsampled]> = [];
    for (const kind of ['kru', 'rnn'] as const) {
      const c = h.series[kind]?.spectralNorm;
      if (!c) continue;
      const r = this.cache.points(`norm-${kind}`, c, c.view(), Math.min(n, c.rows), norm.w / 2, { map: positiveOnly, tag: 'pos' });
      r.dec.extent(next);
      normPts.push([kind, r.points]);
    }
    this.cache.sweep();
    norm.setScales(xd, logDomain(next[0], next[1], [1], 1e-6, 0.05, 0.5), true);
    norm.begin();
    for (const [kind, q] of normPts) norm.line(kind, stepPath(norm, steps, q), modelColor[kind], 1.6);
    norm.hrule('one', 1, '‖W‖₂ = 1', palette.target);
    norm.end();
    this.readout();
  }

  private readout(): void {
    const p = this.p;
    const el = this.roots.readout;
    const h = p?.history;
    const all = [...this.factorPanels, this.norm];
    if (!h || !h.steps.length) {
      setReadout(el, []);
      for (const panel of all) panel.crosshair(null);
      return;
    }
    const steps = h.steps.view();
    const n = steps.length;
    const hov = this.hover;
    const panel = hov ? (hov.panel < 0 ? this.norm : this.factorPanels[hov.panel]) : null;
    const i = hov && panel ? nearestIndex(steps, n, panel.x.invert(hov.px)) : n - 1;
    for (const q of all) q.crosshair(hov ? q.x(steps[i]) : null);
    const parts: ReadoutPart[] = [`${hov ? '' : 'latest: '}step ${steps[i]}`];
    const kru = h.series.kru;
    // Name one factor's σ (the hovered one, else W_0) to keep the line short.
    const f = hov && hov.panel >= 0 ? hov.panel : 0;
    const sizes = h.detail.kru?.factorSizes ?? [];
    if (kru && i < kru.factorSingularValues.rows && f < sizes.length) {
      const off = sizes.slice(0, f).reduce((a, b) => a + b, 0);
      const row = kru.factorSingularValues.row(i).subarray(off, off + sizes[f]);
      parts.push(` · W${sub(f)} σ = ${Array.from(row, formatValue).join(', ')}`);
    }
    for (const kind of ['kru', 'rnn'] as const) {
      const c = h.series[kind];
      if (c && i < c.spectralNorm.rows) parts.push(' · ', { text: modelLabel[kind], color: modelColor[kind] }, ` ‖W‖₂ ${formatValue(c.spectralNorm.view()[i])}`);
    }
    setReadout(el, parts);
  }
}

const SUBSCRIPT = '₀₁₂₃₄₅₆₇₈₉';
function sub(k: number): string {
  return String(k).replace(/\d/g, (d) => SUBSCRIPT[+d]);
}

const create = (roots: ChartRoots) => new SingularValuesDrawer(roots);

const legend: LegendItem[] = [
  { label: 'KRU factor σ₁ (largest)', color: modelColor.kru },
  { label: 'smaller σ', color: modelColor.kru, dash: '6 2' },
  { label: 'unitary target σ = 1', color: palette.target, dash: '6 4', width: 1.2 },
  { label: 'KRU ‖W‖₂', color: modelColor.kru, width: 2.5 },
  { label: 'RNN ‖W‖₂', color: modelColor.rnn, width: 2.5 },
];

/** Singular values of each KRU factor over training, the σ = 1 target, and ‖W‖₂ of KRU and RNN. */
export function SingularValuesChart({ history, version }: SingularValuesChartProps) {
  const { plotRef, readoutRef } = useChart(create, { history, version });
  return (
    <ChartFrame
      name="singular-values"
      title="Singular values of the Kronecker factors"
      legend={legend}
      empty={history.steps.length === 0}
      height={200}
      plotRef={plotRef}
      readoutRef={readoutRef}
    />
  );
}
