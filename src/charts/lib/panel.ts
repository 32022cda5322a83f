// Imperative SVG building blocks shared by the charts. The DOM of a panel (axes, grid, clip, layers) is
// created once; a redraw only changes path data and attributes, and axes are re-rendered only when their
// domain or size changed, so a frame at 30 snapshots/s stays cheap.
import * as d3 from 'd3';
import type { SettingChange } from '../../history/history';
import { theme, type ModelStyle } from '../palette';
import { integerTicks, pow10Ticks } from './data';
import { formatCount, formatPow10, formatTicks, textWidth } from '../../core/format';
import { CHANGE_DASH, changeLabel, runMark, styleOf } from './models';

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function svgEl<K extends keyof SVGElementTagNameMap>(
  parent: Element,
  tag: K,
  attrs: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent.appendChild(e);
  return e;
}

/** Set an attribute only when it changed (string compare is far cheaper than a style recalc). */
export function setAttr(e: Element, name: string, value: string | number): void {
  const v = String(value);
  if (e.getAttribute(name) !== v) e.setAttribute(name, v);
}

/**
 * Sets an element's inline fill through the CSSOM, only when it changed: a style attribute written as markup
 * (setAttribute('style', …)) is refused by the page's Content-Security-Policy, element.style is not.
 */
export function setFill(e: SVGElement, color: string): void {
  if (e.dataset.fill === color) return;
  e.dataset.fill = color;
  e.style.fill = color;
}

/**
 * Sets an element's text only when it changed, rewriting its Text node in place: `textContent =` makes a new Text
 * node each time, and tick labels change on most redraws (garbage for Blink's collector, a childList change).
 */
export function setText(e: Element, text: string): void {
  const t = e.firstChild;
  if (t && t === e.lastChild && t.nodeType === 3 /* Node.TEXT_NODE */) {
    if ((t as Text).data !== text) (t as Text).data = text;
  } else if (e.textContent !== text) e.textContent = text;
}

let uid = 0;

export interface PanelOptions {
  xLabel?: string;
  yLabel?: string;
  title?: string;
  /** Pixels per x tick (default 80). */
  xTickSpacing?: number;
  /** Pixels per y tick (default 40). */
  yTickSpacing?: number;
  /** Whole-number axis (training step, position): integer ticks only, written as counts. */
  xInteger?: boolean;
  yInteger?: boolean;
}

/** Font size of tick labels and axis labels (charts.css: .kru-axis text, .kru-axis-label). */
const AXIS_FONT_PX = 11;
/** Tick labels end this far left of the y axis (Axis: tick line 5 px, text at x = −8). */
const TICK_TEXT_GAP = 8;

type YScale = d3.ScaleLinear<number, number> | d3.ScaleLogarithmic<number, number>;

/**
 * A minimal axis: a pool of tick elements whose positions and labels are set only when they change. d3.axis
 * rebuilds through selections on every call, which at 30 redraws/s × a dozen axes was the largest cost of a
 * frame; here a growing x domain costs a few transform updates.
 */
export class Axis {
  private readonly domain: SVGPathElement;
  private readonly ticks: Array<{ g: SVGGElement; text: SVGTextElement; grid: SVGLineElement | null }> = [];

  constructor(
    private readonly g: SVGGElement,
    private readonly orient: 'bottom' | 'left',
    private readonly gridG: SVGGElement | null = null,
  ) {
    this.domain = svgEl(g, 'path', { class: 'domain', stroke: 'currentColor', fill: 'none' });
  }

  update(
    values: number[],
    pos: (v: number) => number,
    labels: string[],
    length: number,
    gridLength = 0,
  ): void {
    const bottom = this.orient === 'bottom';
    setAttr(this.domain, 'd', bottom ? `M0,0.5H${length}` : `M-0.5,0V${length}`);
    while (this.ticks.length < values.length) {
      const g = svgEl(this.g, 'g', { class: 'tick' });
      svgEl(g, 'line', bottom ? { stroke: 'currentColor', y2: 5 } : { stroke: 'currentColor', x2: -5 });
      const text = svgEl(
        g,
        'text',
        bottom
          ? { y: 8, dy: '0.71em', 'text-anchor': 'middle' }
          : { x: -8, dy: '0.32em', 'text-anchor': 'end' },
      );
      const grid = this.gridG ? svgEl(this.gridG, 'line', bottom ? { y1: 0 } : { x1: 0 }) : null;
      this.ticks.push({ g, text, grid });
    }
    while (this.ticks.length > values.length) {
      const t = this.ticks.pop()!;
      t.g.remove();
      t.grid?.remove();
    }
    values.forEach((v, i) => {
      const t = this.ticks[i];
      const p = Math.round(pos(v) * 10) / 10 + 0.5;
      setAttr(t.g, 'transform', bottom ? `translate(${p},0)` : `translate(0,${p})`);
      setText(t.text, labels[i]);
      if (t.grid) {
        if (bottom) {
          setAttr(t.grid, 'x1', p);
          setAttr(t.grid, 'x2', p);
          setAttr(t.grid, 'y2', -gridLength);
        } else {
          setAttr(t.grid, 'y1', p);
          setAttr(t.grid, 'y2', p);
          setAttr(t.grid, 'x2', gridLength);
        }
      }
    });
  }
}

/** One x/y plot area: axes, horizontal grid, a clipped marks layer, a crosshair and a pointer overlay. */
export class XYPanel {
  readonly root: SVGGElement;
  /** Clipped layer for data marks. */
  readonly plot: SVGGElement;
  /** Unclipped layer above the data (reference labels). */
  readonly over: SVGGElement;
  readonly x = d3.scaleLinear();
  private readonly yLin = d3.scaleLinear();
  private readonly yLog = d3.scaleLog();
  y: YScale = this.yLin;
  logY = false;
  w = 0;
  h = 0;
  private readonly grid: SVGGElement;
  private readonly gx: SVGGElement;
  private readonly gy: SVGGElement;
  private readonly clipRect: SVGRectElement;
  private readonly xLabel: SVGTextElement;
  private readonly yLabel: SVGTextElement;
  private readonly titleEl: SVGTextElement;
  private readonly cross: SVGLineElement;
  readonly overlay: SVGRectElement;
  private yKey = '';
  /** Left margin of the plot area, from layout(). */
  private left = 0;
  /** Distance from the y axis to the baseline of the rotated y label (from the widest y tick label). */
  private yLabelOffset = 40;
  private readonly xAxis: Axis;
  private readonly yAxis: Axis;
  private readonly els = new Map<string, SVGElement>();
  private readonly used = new Set<string>();

  constructor(
    parent: SVGElement,
    private opts: PanelOptions = {},
  ) {
    const id = `kru-clip-${++uid}`;
    this.root = svgEl(parent, 'g', { class: 'kru-panel' });
    const clip = svgEl(svgEl(this.root, 'defs'), 'clipPath', { id });
    this.clipRect = svgEl(clip, 'rect', { x: 0, y: -2 });
    this.grid = svgEl(this.root, 'g', { class: 'kru-grid', 'aria-hidden': 'true' });
    this.gx = svgEl(this.root, 'g', { class: 'kru-axis kru-axis-x' });
    this.gy = svgEl(this.root, 'g', { class: 'kru-axis kru-axis-y' });
    this.plot = svgEl(this.root, 'g', { 'clip-path': `url(#${id})` });
    this.over = svgEl(this.root, 'g');
    this.cross = svgEl(this.root, 'line', { class: 'kru-cross', y1: 0, visibility: 'hidden' });
    this.xLabel = svgEl(this.root, 'text', { class: 'kru-axis-label', 'text-anchor': 'middle' });
    this.yLabel = svgEl(this.root, 'text', { class: 'kru-axis-label', 'text-anchor': 'middle' });
    this.titleEl = svgEl(this.root, 'text', { class: 'kru-panel-title', x: 0, y: -6 });
    this.overlay = svgEl(this.root, 'rect', { class: 'kru-overlay', fill: 'transparent' });
    this.xAxis = new Axis(this.gx, 'bottom');
    this.yAxis = new Axis(this.gy, 'left', this.grid);
    this.setLabels(opts);
  }

  setLabels(opts: Pick<PanelOptions, 'xLabel' | 'yLabel' | 'title'>): void {
    Object.assign(this.opts, opts);
    setText(this.xLabel, this.opts.xLabel ?? '');
    setText(this.yLabel, this.opts.yLabel ?? '');
    setText(this.titleEl, this.opts.title ?? '');
  }

  /** Place the plot area (left, top, width, height in SVG pixels). */
  layout(left: number, top: number, w: number, h: number): void {
    this.w = Math.max(10, w);
    this.h = Math.max(10, h);
    this.left = left;
    setAttr(this.root, 'transform', `translate(${left},${top})`);
    setAttr(this.clipRect, 'width', this.w);
    setAttr(this.clipRect, 'height', this.h + 4);
    setAttr(this.overlay, 'width', this.w);
    setAttr(this.overlay, 'height', this.h);
    setAttr(this.cross, 'y2', this.h);
    setAttr(this.gx, 'transform', `translate(0,${this.h})`);
    setAttr(this.xLabel, 'x', this.w / 2);
    setAttr(this.xLabel, 'y', this.h + 30);
    this.placeYLabel();
    this.x.range([0, this.w]);
    this.yLin.range([this.h, 0]);
    this.yLog.range([this.h, 0]);
  }

  /**
   * The rotated y label just clear of the widest y tick label, but never so far left that it leaves the SVG (its
   * line box reaches the font's ascent, ~0.93 em, beyond the baseline, on the far side from the axis).
   */
  private placeYLabel(): void {
    const x = Math.min(this.yLabelOffset, this.left - Math.ceil(AXIS_FONT_PX * 0.93));
    setAttr(this.yLabel, 'transform', `translate(${-x},${this.h / 2}) rotate(-90)`);
  }

  /** Set the domains; tick elements are updated only where a position or label changed. */
  setScales(xd: [number, number], yd: [number, number], logY = false): void {
    this.logY = logY;
    this.x.domain(xd);
    this.y = logY ? this.yLog : this.yLin;
    this.y.domain(yd);
    const xCount = Math.max(2, Math.floor(this.w / (this.opts.xTickSpacing ?? 80)));
    const xv = this.opts.xInteger ? integerTicks(xd[0], xd[1], xCount) : this.x.ticks(xCount);
    this.xAxis.update(xv, this.x, this.opts.xInteger ? xv.map(formatCount) : formatTicks(xv), this.w);
    const key = `${yd[0]}|${yd[1]}|${logY}|${this.w}|${this.h}`;
    if (key === this.yKey) return;
    this.yKey = key;
    const yCount = Math.max(2, Math.floor(this.h / (this.opts.yTickSpacing ?? 40)));
    let yv: number[];
    let labels: string[];
    if (logY) {
      const ks = pow10Ticks(yd[0], yd[1], yCount + 1);
      if (ks.length >= 2) {
        yv = ks.map((k) => 10 ** k);
        labels = ks.map(formatPow10);
      } else {
        // Less than two decades: d3's 1-2-5 log ticks, thinned.
        const all = this.yLog.ticks(yCount);
        const every = Math.ceil(all.length / (yCount + 1));
        yv = all.filter((_, i) => i % every === 0);
        labels = formatTicks(yv);
      }
    } else if (this.opts.yInteger) {
      yv = integerTicks(yd[0], yd[1], yCount);
      labels = yv.map(formatCount);
    } else {
      yv = this.yLin.ticks(yCount);
      labels = formatTicks(yv);
    }
    this.yAxis.update(yv, this.y, labels, this.h, this.w);
    // Baseline of the rotated label: past the widest tick label, plus the label's descent (~0.25 em) and a gap.
    const widest = Math.max(0, ...labels.map((l) => textWidth(l, AXIS_FONT_PX)));
    this.yLabelOffset = Math.ceil(TICK_TEXT_GAP + widest + AXIS_FONT_PX * 0.25 + 4);
    this.placeYLabel();
  }

  /** Start a redraw: marks not requested again before end() are removed. */
  begin(): void {
    this.used.clear();
  }

  end(): void {
    for (const [k, e] of this.els) {
      if (!this.used.has(k)) {
        e.remove();
        this.els.delete(k);
      }
    }
  }

  /** A persistent element for `key` (created with `attrs` on first use) in the clipped layer or `over`. */
  mark<K extends keyof SVGElementTagNameMap>(
    key: string,
    tag: K,
    attrs: Record<string, string | number> = {},
    layer: 'plot' | 'over' = 'plot',
  ): SVGElementTagNameMap[K] {
    this.used.add(key);
    let e = this.els.get(key);
    if (!e) {
      e = svgEl(layer === 'plot' ? this.plot : this.over, tag, attrs);
      this.els.set(key, e);
    }
    return e as SVGElementTagNameMap[K];
  }

  /** A data line. */
  line(key: string, d: string, color: string, width = 1.5, dash = '', opacity = 1): SVGPathElement {
    const p = this.mark(key, 'path', {
      fill: 'none',
      stroke: color,
      'stroke-width': width,
      'stroke-dasharray': dash,
      'stroke-linejoin': 'round',
      'stroke-linecap': 'round',
      opacity,
    });
    setAttr(p, 'd', d);
    return p;
  }

  /** A dashed horizontal reference at value v, labelled at the right end (hidden outside the domain). */
  hrule(key: string, v: number, label: string, color: string = theme.muted): void {
    const yv = this.y(v);
    const inside = Number.isFinite(yv) && yv >= -0.5 && yv <= this.h + 0.5;
    const l = this.mark(`${key}-line`, 'line', {
      stroke: color,
      'stroke-dasharray': '6 4',
      'stroke-width': 1.2,
      x1: 0,
    });
    const t = this.mark(`${key}-label`, 'text', { class: 'kru-ref-label', 'text-anchor': 'end' }, 'over');
    setFill(t, color);
    setAttr(l, 'visibility', inside ? 'visible' : 'hidden');
    setAttr(t, 'visibility', inside && label ? 'visible' : 'hidden');
    if (!inside) return;
    setAttr(l, 'x2', this.w);
    setAttr(l, 'y1', yv);
    setAttr(l, 'y2', yv);
    setAttr(t, 'x', this.w - 4);
    // Label above the rule unless that would leave the plot.
    setAttr(t, 'y', yv < 14 ? yv + 12 : yv - 4);
    setText(t, label);
  }

  /** Show the crosshair at plot x (null hides it). */
  crosshair(px: number | null): void {
    if (px === null || !Number.isFinite(px)) {
      setAttr(this.cross, 'visibility', 'hidden');
      return;
    }
    setAttr(this.cross, 'visibility', 'visible');
    setAttr(this.cross, 'x1', px);
    setAttr(this.cross, 'x2', px);
  }

  /** Pointer position inside the plot area, or null when outside. */
  pointer(ev: PointerEvent): [number, number] | null {
    const [px, py] = d3.pointer(ev, this.root);
    return px >= 0 && px <= this.w && py >= 0 && py <= this.h ? [px, py] : null;
  }

  /** Calls back with the pointer's plot coordinates as it moves, and with null when it leaves. */
  onHover(callback: (pt: [number, number] | null) => void): void {
    this.overlay.addEventListener('pointermove', (ev) => callback(this.pointer(ev)));
    this.overlay.addEventListener('pointerleave', () => callback(null));
  }
}

/**
 * Vertical marks at λ and lr changes inside the x domain, in the changed model's colour (λ dashed, lr dotted),
 * each labelled at the top with the model and the new value ("KRU λ=1", "RNN lr=0.001"), and at resets (solid,
 * neutral, "reset · seed 1→2") and restores from a checkpoint (the same, "restored step 1,200 · lr ÷10"). Labels
 * go in up to three rows; one that would overlap the previous label of every row is dropped (the readout names
 * the change on hover). Labels carry the class kru-lambda-label, kru-lr-label, kru-reset-label or
 * kru-restore-label. `filter` limits the λ/lr marks to some models (a per-model panel; resets and restores
 * show on every panel); `stroke` overrides the line colour (e.g. over a heatmap); `labels: false`
 * draws the lines only (small multiples, where another panel of the chart carries the labels).
 * Elements are pooled: the x domain moves on every frame, so mostly only positions are rewritten.
 */
export function drawChangeMarks(
  panel: XYPanel,
  group: SVGGElement,
  changes: readonly SettingChange[],
  styles: readonly ModelStyle[],
  opts: { filter?: (c: SettingChange) => boolean; stroke?: string; labels?: boolean } = {},
): void {
  const [x0, x1] = panel.x.domain();
  let nLines = 0;
  let nLabels = 0;
  const rowEnd = [-Infinity, -Infinity, -Infinity];
  const lines = group.getElementsByTagName('line');
  const texts = group.getElementsByTagName('text');
  for (const c of changes) {
    const reset = runMark(c); // a reset's or restore's: no filter, neutral colour, on every panel
    if (c.step < x0 || c.step > x1 || (!reset && opts.filter && !opts.filter(c))) continue;
    const m = styleOf(styles, c.model);
    const px = Math.round(panel.x(c.step) * 10) / 10;
    const l = lines[nLines++] ?? svgEl(group, 'line', { y1: 0 });
    setAttr(l, 'stroke', opts.stroke ?? m.color);
    setAttr(l, 'stroke-width', reset ? 1.5 : 1);
    setAttr(l, 'stroke-dasharray', CHANGE_DASH[c.setting]);
    setAttr(l, 'x1', px);
    setAttr(l, 'x2', px);
    setAttr(l, 'y2', panel.h);
    if (opts.labels === false) continue;
    const label = changeLabel(c, m.label);
    const w = label.length * 5.6 + 6; // ≈ 10 px text
    // Right of the mark, or left of it near the right edge (the layer is clipped to the plot).
    const left = px + 3 + w > panel.w;
    const start = left ? px - 3 - w : px;
    const row = rowEnd.findIndex((end) => start >= end);
    if (row < 0) continue;
    rowEnd[row] = start + w + 6;
    const t = texts[nLabels++] ?? svgEl(group, 'text');
    setAttr(t, 'class', `kru-${c.setting === 'lambda' ? 'lambda' : c.setting}-label`);
    setFill(t, m.color);
    setAttr(t, 'text-anchor', left ? 'end' : 'start');
    setAttr(t, 'x', left ? px - 3 : px + 3);
    setAttr(t, 'y', 10 + 12 * row);
    setText(t, label);
  }
  while (lines.length > nLines) lines[lines.length - 1].remove();
  while (texts.length > nLabels) texts[texts.length - 1].remove();
}

/** The changes within `tolPx` pixels of plot x `px` (all of them at the nearest step), in order. */
export function changesNear(
  panel: XYPanel,
  changes: readonly SettingChange[],
  px: number,
  tolPx = 5,
): SettingChange[] {
  let bestD = tolPx;
  let step = NaN;
  for (const c of changes) {
    const d = Math.abs(panel.x(c.step) - px);
    if (d <= bestD) {
      bestD = d;
      step = c.step;
    }
  }
  return Number.isNaN(step) ? [] : changes.filter((c) => c.step === step);
}
