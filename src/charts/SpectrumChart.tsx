// The full recurrent matrix at the latest snapshot: all N singular values (descending, log y) of every model's
// W, with σ = 1 marked, and beside them the eigenvalues of each on the complex plane with the unit circle.
// A unitary W has every σ on the line and every eigenvalue on the circle.
import type { History } from '../history/history';
import type { ModelDetail } from '../engine/types';
import { palette, type ModelStyle } from './palette';
import { finiteExtent, linePath, logDomain, minMaxDownsample } from './lib/data';
import { formatValue } from '../core/format';
import { BaseDrawer, ChartFrame, setReadout, useChart, type ChartRoots, type ReadoutPart } from './lib/frame';
import { spectrumLegend, stylesOf } from './lib/models';
import { XYPanel, setAttr, svgEl } from './lib/panel';
import { positiveOnly } from './lib/series';

export interface SpectrumChartProps {
  history: History;
  version: number;
}

const HEIGHT = 280;
const M = { top: 20, right: 14, bottom: 40, left: 60 };

/** The models that have detail (spectra), with it. */
function withDetail(h: History): Array<{ m: ModelStyle; d: ModelDetail }> {
  return stylesOf(h).flatMap((m) => (h.detail[m.id] ? [{ m, d: h.detail[m.id] }] : []));
}

class SpectrumDrawer extends BaseDrawer<SpectrumChartProps> {
  private readonly svg: SVGSVGElement;
  private readonly sv: XYPanel;
  private readonly eig: XYPanel;
  private readonly circle: SVGCircleElement;
  private readonly axes: SVGPathElement;
  private drawn: { details: ModelDetail[]; colors: string; width: number } | null = null;
  private models: Array<{ m: ModelStyle; d: ModelDetail }> = [];
  private p: SpectrumChartProps | null = null;
  private hover: { panel: 'sv' | 'eig'; px: number; py: number } | null = null;

  constructor(roots: ChartRoots) {
    super(roots);
    this.svg = svgEl(roots.plot, 'svg', {
      height: HEIGHT,
      role: 'img',
      'aria-label': 'singular values and eigenvalues of W',
    });
    this.sv = new XYPanel(this.svg, {
      title: 'singular values of W',
      xLabel: 'index i (descending)',
      yLabel: 'σ_i',
      xInteger: true,
    });
    this.eig = new XYPanel(this.svg, {
      title: 'eigenvalues of W',
      xLabel: 'Re λ',
      yLabel: 'Im λ',
      xTickSpacing: 50,
      yTickSpacing: 40,
    });
    this.axes = svgEl(this.eig.plot, 'path', {
      stroke: 'currentColor',
      'stroke-opacity': 0.25,
      fill: 'none',
    });
    this.circle = svgEl(this.eig.plot, 'circle', {
      fill: 'none',
      stroke: palette.target,
      'stroke-width': 1.3,
      'stroke-dasharray': '6 4',
    });
    for (const [name, panel] of [
      ['sv', this.sv],
      ['eig', this.eig],
    ] as const) {
      panel.onHover((pt) => {
        this.hover = pt ? { panel: name, px: pt[0], py: pt[1] } : null;
        this.readout();
      });
    }
  }

  protected teardown(): void {
    this.svg.remove();
  }

  protected render(p: SpectrumChartProps, width: number): void {
    this.p = p;
    const h = p.history;
    const models = withDetail(h);
    this.models = models;
    // Detail only changes when a snapshot carries a new one: skip the redraw otherwise.
    const details = models.map((x) => x.d);
    const colors = models.map((x) => `${x.m.id}:${x.m.color}:${x.m.dash}`).join('|');
    const dr = this.drawn;
    if (
      dr &&
      dr.width === width &&
      dr.colors === colors &&
      dr.details.length === details.length &&
      dr.details.every((x, i) => x === details[i])
    )
      return;
    this.drawn = { details, colors, width };
    const has = models.some((x) => x.d.singularValues.length);
    setAttr(this.svg, 'width', width);
    setAttr(this.svg, 'display', has ? 'block' : 'none');

    // Side by side when there is room for a square eigenvalue plane, else stacked.
    const side = width >= 560;
    const sq = side
      ? Math.min(HEIGHT - M.top - M.bottom, Math.round(width * 0.42) - M.left - M.right)
      : Math.min(260, width - M.left - M.right);
    const svW = side ? width - (sq + M.left + M.right) - M.left - M.right : width - M.left - M.right;
    const height = side ? HEIGHT : HEIGHT + sq + M.top + M.bottom;
    setAttr(this.svg, 'height', height);
    this.sv.layout(M.left, M.top, svW, HEIGHT - M.top - M.bottom);
    this.eig.layout(side ? width - sq - M.right : M.left, side ? M.top : HEIGHT + M.top, sq, sq);

    // Singular values, log y.
    const N = Math.max(0, ...models.map((x) => x.d.singularValues.length));
    const ext: [number, number] = [Infinity, -Infinity];
    for (const { d } of models) finiteExtent(d.singularValues, d.singularValues.length, true, 1, 0, ext);
    this.sv.setScales(N > 1 ? [1, N] : [0.5, 1.5], logDomain(ext[0], ext[1], [1], 1e-12, 0.05, 0.5), true);
    this.sv.begin();
    for (const { m, d } of models) {
      const s = d.singularValues;
      if (!s.length) continue;
      const ds = minMaxDownsample(s, s.length, this.sv.w, 1, 0, positiveOnly);
      this.sv.line(
        m.id,
        linePath(
          ds,
          (i) => this.sv.x(i + 1),
          (v) => this.sv.y(v),
        ),
        m.color,
        2,
        m.dash,
      );
    }
    this.sv.hrule('one', 1, 'σ = 1 (unitary)', palette.target);
    this.sv.end();

    // Eigenvalues: a square plane centred on 0 that always contains the unit circle.
    let r = 1.1;
    for (const { d: e } of models) {
      for (let i = 0; i < e.eigenRe.length; i++) {
        const m = Math.hypot(e.eigenRe[i], e.eigenIm[i]);
        if (Number.isFinite(m) && m * 1.05 > r) r = m * 1.05;
      }
    }
    const eig = this.eig;
    eig.setScales([-r, r], [-r, r], false);
    const cx = eig.x(0);
    const cy = eig.y(0);
    setAttr(this.axes, 'd', `M0,${cy}H${eig.w}M${cx},0V${eig.h}`);
    setAttr(this.circle, 'cx', cx);
    setAttr(this.circle, 'cy', cy);
    setAttr(this.circle, 'r', eig.x(1) - cx);
    eig.begin();
    const dot = Math.max(1.6, Math.min(3, 120 / Math.sqrt(Math.max(1, N))));
    for (const { m, d: e } of models) {
      // One path of tiny circles per model: N up to ~1000 points stays a single DOM node.
      let path = '';
      for (let i = 0; i < e.eigenRe.length; i++) {
        const x = eig.x(e.eigenRe[i]);
        const y = eig.y(e.eigenIm[i]);
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        path += `M${(x - dot).toFixed(1)},${y.toFixed(1)}a${dot},${dot} 0 1,0 ${2 * dot},0a${dot},${dot} 0 1,0 ${-2 * dot},0`;
      }
      const el = eig.mark(`dots-${m.id}`, 'path', { fill: m.color, 'fill-opacity': 0.7, stroke: 'none' });
      setAttr(el, 'fill', m.color);
      setAttr(el, 'd', path);
    }
    eig.end();
    this.readout();
  }

  private readout(): void {
    const el = this.roots.readout;
    const models = this.models;
    this.sv.crosshair(null);
    if (!this.p || !models.length) {
      setReadout(el, []);
      return;
    }
    const hov = this.hover;
    const parts: ReadoutPart[] = [];
    if (hov?.panel === 'eig') {
      // Nearest eigenvalue in pixels (a linear scan: 2N points, only on pointer move).
      let best: { m: ModelStyle; e: ModelDetail; i: number; d: number } | null = null;
      for (const { m, d: e } of models) {
        for (let i = 0; i < e.eigenRe.length; i++) {
          const dd = Math.hypot(this.eig.x(e.eigenRe[i]) - hov.px, this.eig.y(e.eigenIm[i]) - hov.py);
          if (dd < (best?.d ?? 14)) best = { m, e, i, d: dd };
        }
      }
      if (best) {
        const { e, m } = best;
        const re = e.eigenRe[best.i];
        const im = e.eigenIm[best.i];
        parts.push(
          { text: m.label, color: m.color },
          ` eigenvalue ${formatValue(re)} ${im < 0 ? '−' : '+'} ${formatValue(Math.abs(im))}i, |λ| = ${formatValue(Math.hypot(re, im))}`,
        );
      } else {
        const re = this.eig.x.invert(hov.px);
        const im = this.eig.y.invert(hov.py);
        parts.push(
          `z = ${formatValue(re)} ${im < 0 ? '−' : '+'} ${formatValue(Math.abs(im))}i, |z| = ${formatValue(Math.hypot(re, im))}`,
        );
      }
    } else {
      const N = Math.max(0, ...models.map((x) => x.d.singularValues.length));
      const i = hov ? Math.max(1, Math.min(N, Math.round(this.sv.x.invert(hov.px)))) : 1;
      if (hov) this.sv.crosshair(this.sv.x(i));
      // Each quantity named once, then every model's value: the comparison fits two lines.
      parts.push(`${hov ? '' : 'largest, '}σ_${i}:`);
      let k = 0;
      for (const { m, d } of models) {
        const s = d.singularValues;
        if (i <= s.length)
          parts.push(k++ ? ', ' : ' ', { text: m.label, color: m.color }, ` ${formatValue(s[i - 1])}`);
      }
      parts.push(' · σ range:');
      k = 0;
      for (const { m, d } of models) {
        const s = d.singularValues;
        if (s.length)
          parts.push(
            k++ ? ', ' : ' ',
            { text: m.label, color: m.color },
            ` ${formatValue(s[s.length - 1])}…${formatValue(s[0])}`,
          );
      }
    }
    setReadout(el, parts);
  }
}

export const create = (roots: ChartRoots) => new SpectrumDrawer(roots);

/** All N singular values of every model's W with σ = 1, and their eigenvalues with the unit circle. */
export function SpectrumChart({ history, version }: SpectrumChartProps) {
  const { plotRef, readoutRef } = useChart(create, { history, version });
  const empty = !history.models.some((m) => history.detail[m.id]);
  return (
    <ChartFrame
      name="spectrum"
      title="Spectrum of the recurrent matrix W (latest)"
      legend={spectrumLegend(history)}
      empty={empty}
      height={HEIGHT}
      plotRef={plotRef}
      readoutRef={readoutRef}
    />
  );
}
