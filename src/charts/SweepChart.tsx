// A sweep's results: one small panel per metric against the grid — λ on a log axis with 0 set one grid step
// left of the smallest λ > 0 (behind an axis break), or, for factor sizes, the recurrent parameter count (log)
// or ms per step — and the loss curves of every point below, the hovered point's drawn in full colour.
// Props in, SVG out; a dozen points at most, so React renders it all.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import * as d3 from 'd3';
import { formatCount, formatPow10, formatTicks, formatValue } from '../core/format';
import type { SweepPointResult } from '../engine/sweep';
import { okabeIto, theme } from './palette';

export type SweepX = 'lambda' | 'params' | 'ms';
export type SweepMetric = 'finalLoss' | 'accuracy' | 'fullDeviation' | 'spectralNorm' | 'gradRatio';

export const SWEEP_METRICS: ReadonlyArray<{ key: SweepMetric; title: string; log: boolean }> = [
  { key: 'finalLoss', title: 'final loss (mean of the last steps)', log: false },
  { key: 'accuracy', title: 'accuracy (mean of the last steps)', log: false },
  { key: 'fullDeviation', title: 'distance from unitary ‖WᴴW − I‖²', log: true },
  { key: 'spectralNorm', title: '‖W‖₂', log: false },
  { key: 'gradRatio', title: '‖∂L/∂h₁‖ / ‖∂L/∂h_T‖', log: true },
];

/** A position on the x axis in "u" units (log10 for log axes), and the ticks to draw. */
export interface XAxis {
  u(r: Pick<SweepPointResult, 'lambda' | 'params' | 'msPerStep'>): number;
  domain: [number, number];
  ticks: Array<{ u: number; label: string }>;
  /** Where the axis breaks between 0 and the log part (u), or null. */
  breakAt: number | null;
  label: string;
}

/**
 * λ on a log axis; 0, which a log axis cannot hold, one grid step (the spacing of the λ > 0 in decades, 1 to 2)
 * left of the smallest λ > 0, labelled "0", with a break between.
 */
export function lambdaAxis(lambdas: readonly number[]): XAxis {
  const pos = lambdas.filter((l) => l > 0).map(Math.log10);
  const hasZero = lambdas.some((l) => l === 0);
  const lo = pos.length ? Math.min(...pos) : 0;
  const hi = pos.length ? Math.max(...pos) : 0;
  const spacing = pos.length > 1 ? (hi - lo) / (pos.length - 1) : 1;
  const step = Math.min(2, Math.max(1, spacing));
  const zero = pos.length ? lo - step : 0;
  const left = hasZero ? zero : lo;
  const pad = step * 0.3;
  const ticks: XAxis['ticks'] = hasZero ? [{ u: zero, label: '0' }] : [];
  const decades = d3.range(Math.ceil(lo - 1e-9), Math.floor(hi + 1e-9) + 1);
  const every = Math.ceil(decades.length / 5);
  decades.forEach((k, i) => (i % every === 0 ? ticks.push({ u: k, label: formatPow10(k) }) : undefined));
  return {
    u: (r) => (r.lambda > 0 ? Math.log10(r.lambda) : zero),
    domain: [left - pad, Math.max(hi, left) + pad],
    ticks,
    breakAt: hasZero && pos.length ? zero + step / 2 : null,
    label: 'λ',
  };
}

/** Recurrent parameter count (log) or ms per step (linear), over the finished points. */
export function factorAxis(results: readonly SweepPointResult[], x: 'params' | 'ms'): XAxis {
  if (x === 'params') {
    const logs = results.map((r) => Math.log10(r.params.recurrent));
    const lo = Math.min(...logs, Infinity);
    const hi = Math.max(...logs, -Infinity);
    const [a, b] = Number.isFinite(lo) ? [lo - 0.3, hi + 0.3] : [0, 1];
    const ticks = d3
      .range(Math.ceil(a), Math.floor(b) + 1)
      .map((k) => ({ u: k, label: formatCount(10 ** k) }));
    return {
      u: (r) => Math.log10(r.params.recurrent),
      domain: [a, b],
      ticks,
      breakAt: null,
      label: 'recurrent parameters',
    };
  }
  const ms = results.map((r) => r.msPerStep);
  const hi = ms.length ? Math.max(...ms) * 1.1 : 1;
  const values = d3.scaleLinear().domain([0, hi]).nice(4).ticks(4);
  const labels = formatTicks(values);
  return {
    u: (r) => r.msPerStep,
    domain: [0, hi],
    ticks: values.map((u, i) => ({ u, label: labels[i] })),
    breakAt: null,
    label: 'ms per step',
  };
}

/** The finite values of one metric, with each point's x position (u) and grid index. */
export function metricPoints(
  results: readonly SweepPointResult[],
  metric: SweepMetric,
  axis: XAxis,
): Array<{ index: number; u: number; y: number }> {
  const out: Array<{ index: number; u: number; y: number }> = [];
  for (const r of results) {
    const y = r[metric];
    if (y !== null && Number.isFinite(y)) out.push({ index: r.index, u: axis.u(r), y });
  }
  return out.sort((a, b) => a.u - b.u);
}

/** The y scale of a panel: a log scale over the positive values where asked (and possible), else linear. */
export function yScale(values: readonly number[], log: boolean, fixed?: [number, number]) {
  const positive = values.filter((v) => v > 0);
  if (log && positive.length && positive.length === values.length) {
    const lo = Math.min(...positive);
    const hi = Math.max(...positive);
    return d3
      .scaleLog()
      .domain(lo === hi ? [lo / 2, hi * 2] : [lo, hi])
      .nice();
  }
  if (fixed) return d3.scaleLinear().domain(fixed);
  const [lo, hi] = d3.extent(values) as [number, number];
  if (lo === undefined) return d3.scaleLinear().domain([0, 1]);
  const pad = lo === hi ? Math.abs(lo) * 0.1 || 1 : (hi - lo) * 0.08;
  // Values that cannot be negative (losses, norms) keep a non-negative axis.
  return d3
    .scaleLinear()
    .domain([lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad])
    .nice(3);
}

function yTicks(scale: d3.ScaleLinear<number, number> | d3.ScaleLogarithmic<number, number>) {
  if ('base' in scale) {
    const [a, b] = scale.domain().map(Math.log10);
    const ks = d3.range(Math.ceil(a - 1e-9), Math.floor(b + 1e-9) + 1);
    const every = Math.ceil(ks.length / 3);
    const picked = ks.filter((_, i) => i % every === 0);
    return picked.map((k) => ({ v: 10 ** k, label: formatPow10(k) }));
  }
  const values = scale.ticks(3);
  const labels = formatTicks(values);
  return values.map((v, i) => ({ v, label: labels[i] }));
}

const POINT = okabeIto.blue;
const HOVER = okabeIto.vermillion;
const MARGIN = { left: 46, right: 10, top: 24, bottom: 20 };
const PANEL_H = 110;
const CURVE_H = 150;

/** Width of the element, following resizes. */
function useWidth(fallback: number): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setWidth(Math.max(200, Math.floor(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

interface FrameProps {
  width: number;
  height: number;
  title: string;
  xTicks: Array<{ x: number; label: string }>;
  yTicks: Array<{ y: number; label: string }>;
  xLabel?: string;
  children: ReactNode;
  metric: string;
}

/** One small panel: title, grid, axes and tick labels around the plot drawn by its children. */
function Frame({ width, height, title, xTicks, yTicks, xLabel, children, metric }: FrameProps) {
  const w = width - MARGIN.left - MARGIN.right;
  const h = height - MARGIN.top - MARGIN.bottom;
  return (
    <svg width={width} height={height} data-metric={metric} role="img" aria-label={title}>
      <text x={MARGIN.left} y={12} className="sweep-panel-title" fill={theme.fg}>
        {title}
      </text>
      <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
        {yTicks.map((t) => (
          <g key={`y${t.label}`}>
            <line x1={0} x2={w} y1={t.y} y2={t.y} stroke={theme.grid} />
            <text x={-5} y={t.y} dy="0.32em" textAnchor="end" fill={theme.muted}>
              {t.label}
            </text>
          </g>
        ))}
        <line x1={0} x2={w} y1={h + 0.5} y2={h + 0.5} stroke={theme.muted} />
        {xTicks
          // The axis label sits at the right end: a tick label under it would collide.
          .filter((t) => !xLabel || t.x < w - 8 * xLabel.length - 8)
          .map((t) => (
            <text key={`x${t.label}`} x={t.x} y={h + 13} textAnchor="middle" fill={theme.muted}>
              {t.label}
            </text>
          ))}
        {xLabel && (
          <text x={w} y={h + 13} textAnchor="end" fill={theme.muted} className="sweep-x-label">
            {xLabel}
          </text>
        )}
        {children}
      </g>
    </svg>
  );
}

export interface SweepChartProps {
  /** The finished points, in grid order. */
  results: SweepPointResult[];
  /** Every λ of the sweep (finished or not): the λ axis covers the whole grid from the start. */
  lambdas?: number[];
  x: SweepX;
}

/** One panel per metric against the grid, then every point's loss curve; hover a point to pick its curve. */
export function SweepChart({ results, lambdas, x }: SweepChartProps) {
  const [ref, width] = useWidth(286);
  const [hover, setHover] = useState<number | null>(null);
  const axis = x === 'lambda' ? lambdaAxis(lambdas ?? results.map((r) => r.lambda)) : factorAxis(results, x);
  const w = width - MARGIN.left - MARGIN.right;
  const sx = d3.scaleLinear().domain(axis.domain).range([0, w]);
  const hovered = results.find((r) => r.index === hover) ?? null;
  const metrics = SWEEP_METRICS.filter(
    (m) => m.key !== 'accuracy' || results.some((r) => r.accuracy !== null),
  );
  const xTicks = axis.ticks.map((t) => ({ x: sx(t.u), label: t.label }));

  const panels = metrics.map((m, mi) => {
    const pts = metricPoints(results, m.key, axis);
    const sy = yScale(
      pts.map((p) => p.y),
      m.log,
      m.key === 'accuracy' ? [0, 1] : undefined,
    ).range([PANEL_H - MARGIN.top - MARGIN.bottom, 0]);
    const ticks = yTicks(sy).map((t) => ({ y: sy(t.v), label: t.label }));
    const line = d3
      .line<(typeof pts)[number]>()
      .x((p) => sx(p.u))
      .y((p) => sy(p.y));
    // The break splits the line: λ = 0 is not on the log scale's continuum.
    const split = axis.breakAt;
    const parts = split === null ? [pts] : [pts.filter((p) => p.u < split), pts.filter((p) => p.u >= split)];
    const h = PANEL_H - MARGIN.top - MARGIN.bottom;
    return (
      <Frame
        key={m.key}
        metric={m.key}
        width={width}
        height={PANEL_H}
        title={m.title}
        xTicks={xTicks}
        yTicks={ticks}
        xLabel={mi === metrics.length - 1 ? axis.label : undefined}
      >
        {split !== null && (
          <path
            d={`M${sx(split) - 3},${h - 4}l3,8M${sx(split) + 1},${h - 4}l3,8`}
            stroke={theme.muted}
            className="sweep-break"
          />
        )}
        {parts.map((part, i) =>
          part.length > 1 ? (
            <path key={i} d={line(part) ?? ''} fill="none" stroke={POINT} strokeWidth={1.4} />
          ) : null,
        )}
        {pts.map((p) => (
          <circle
            key={p.index}
            data-testid="sweep-point"
            data-index={p.index}
            cx={sx(p.u)}
            cy={sy(p.y)}
            r={p.index === hover ? 5 : 3.5}
            fill={p.index === hover ? HOVER : POINT}
            tabIndex={mi === 0 ? 0 : -1}
            onMouseEnter={() => setHover(p.index)}
            onFocus={() => setHover(p.index)}
          >
            <title>{`${results.find((r) => r.index === p.index)?.label}: ${formatValue(p.y)}`}</title>
          </circle>
        ))}
      </Frame>
    );
  });

  // Loss curves: every finished point's, faint; the hovered one's in colour, on top.
  const curves = results.filter((r) => r.curve.loss.some(Number.isFinite));
  const maxStep = Math.max(1, ...curves.map((r) => r.curve.steps.at(-1) ?? 1));
  const losses = curves.flatMap((r) => r.curve.loss.filter(Number.isFinite));
  const ch = CURVE_H - MARGIN.top - MARGIN.bottom;
  const cx = d3.scaleLinear().domain([0, maxStep]).range([0, w]);
  // Log: a loss falls over decades, and the points' ends differ by a few per cent.
  const cy = yScale(losses, true).range([ch, 0]);
  const stepTicks = cx.ticks(4).filter(Number.isInteger);
  const curvePath = (r: SweepPointResult) =>
    d3
      .line<number>()
      .defined((v) => Number.isFinite(v))
      .x((_, i) => cx(r.curve.steps[i]))
      .y((v) => cy(v))(r.curve.loss) ?? '';
  const readout = hovered
    ? `${hovered.label}: loss ${formatValue(hovered.finalLoss ?? NaN)}` +
      (hovered.accuracy !== null ? ` · accuracy ${formatValue(hovered.accuracy)}` : '') +
      ` · ‖WᴴW − I‖² ${formatValue(hovered.fullDeviation ?? NaN)} · ‖W‖₂ ${formatValue(hovered.spectralNorm ?? NaN)}` +
      ` · g₁/g_T ${formatValue(hovered.gradRatio ?? NaN)} · ${formatCount(hovered.params.recurrent)} recurrent parameters` +
      ` · ${formatValue(hovered.msPerStep)} ms/step` +
      (hovered.diverged ? ` · diverged at step ${formatCount(hovered.diverged.step)}` : '')
    : 'Hover a point to see its numbers and its loss curve.';

  return (
    <figure
      className="sweep-chart"
      data-chart="sweep"
      data-empty={results.length ? 'false' : 'true'}
      data-testid="sweep-chart"
      onMouseLeave={() => setHover(null)}
    >
      <div ref={ref} className="sweep-chart-body">
        {results.length === 0 ? (
          <p className="hint">The results appear here as grid points finish.</p>
        ) : (
          <>
            {panels}
            <Frame
              metric="curves"
              width={width}
              height={CURVE_H}
              title={`loss over training${hovered ? ` · ${hovered.label}` : ''}`}
              xTicks={stepTicks.map((s) => ({ x: cx(s), label: formatCount(s) }))}
              yTicks={yTicks(cy).map((t) => ({ y: cy(t.v), label: t.label }))}
              xLabel="step"
            >
              {curves.map((r) =>
                r.index === hover ? null : (
                  <path
                    key={r.index}
                    d={curvePath(r)}
                    fill="none"
                    stroke={theme.muted}
                    strokeOpacity={0.45}
                  />
                ),
              )}
              {hovered && (
                <path
                  d={curvePath(hovered)}
                  fill="none"
                  stroke={HOVER}
                  strokeWidth={2}
                  data-testid="sweep-curve"
                />
              )}
            </Frame>
          </>
        )}
      </div>
      <figcaption className="sweep-readout" data-testid="sweep-readout" aria-live="polite">
        {results.length ? readout : ''}
      </figcaption>
    </figure>
  );
}
