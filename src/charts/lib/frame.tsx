// The React side shared by every chart: a <figure> with title, legend, a plot area that an imperative drawer
// owns, an empty-state overlay and a readout (two lines, fixed height). React renders the frame; d3 draws inside
// `plot`.
// Redraws go through the page's frame queue (a few per frame, under a time budget) and are skipped when nothing
// they read changed.
import { useEffect, useRef, type ReactNode, type RefObject } from 'react';
import { pageText } from './contrast';
import { cancelFrameJob, queueFrameJob } from './frame-queue';

export const EMPTY_TEXT = 'waiting for the first steps…';
export const MIN_WIDTH = 300;
/**
 * Data redraws are spaced at least this far apart (≈ 15 Hz). Snapshots can arrive 30×/s; a chart that moves
 * 15×/s still reads as live and halves the main-thread time the charts take. Hover updates are immediate.
 */
export const MIN_REDRAW_MS = 66;

export interface ChartRoots {
  plot: HTMLDivElement;
  readout: HTMLDivElement;
}

export interface Drawer<P> {
  draw(params: P): void;
  destroy(): void;
}

function shallowEqual(a: object, b: object): boolean {
  const ka = Object.keys(a) as Array<keyof typeof a>;
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is(a[k], b[k]));
}

/**
 * Base for the imperative drawers: tracks the plot width with a ResizeObserver (≥ MIN_WIDTH), redraws on
 * resize, and skips a draw when the params (history, version, options) and width are unchanged.
 */
export abstract class BaseDrawer<P extends object> implements Drawer<P> {
  protected width = 0;
  private last: P | null = null;
  private drawnWidth = -1;
  private timer = 0;
  private lastRender = -Infinity;
  private readonly ro: ResizeObserver;

  constructor(protected readonly roots: ChartRoots) {
    this.ro = new ResizeObserver((entries) => {
      const w = Math.max(MIN_WIDTH, Math.floor(entries[entries.length - 1].contentRect.width));
      if (w === this.width) return;
      this.width = w;
      // Resize callbacks can come in bursts while a window is dragged: redraw once per frame.
      this.schedule();
    });
    this.ro.observe(roots.plot);
  }

  draw(params: P): void {
    if (this.width === 0) {
      this.last = params; // drawn by the first resize callback
      return;
    }
    if (this.last && this.drawnWidth === this.width && shallowEqual(params, this.last)) return;
    this.last = params;
    const wait = this.lastRender + MIN_REDRAW_MS - performance.now();
    if (wait > 0 && this.drawnWidth === this.width) {
      // Too soon: draw the latest params once the interval has passed (later calls just replace them).
      if (!this.timer)
        this.timer = window.setTimeout(() => {
          this.timer = 0;
          if (this.last) this.schedule();
        }, wait);
      return;
    }
    this.drawnWidth = this.width;
    this.lastRender = performance.now();
    this.render(params, this.width);
  }

  private readonly redraw = (): void => {
    const p = this.last;
    if (!p) return;
    this.drawnWidth = -1; // force: params may equal the last ones that were skipped
    this.draw(p);
  };

  private schedule(): void {
    queueFrameJob(this.redraw);
  }

  destroy(): void {
    this.ro.disconnect();
    cancelFrameJob(this.redraw);
    if (this.timer) clearTimeout(this.timer);
    this.teardown();
  }

  protected abstract render(params: P, width: number): void;
  protected abstract teardown(): void;
}

/** Mount a drawer made by `create` (a module-level factory) and hand it `params` in the next free frame. */
export function useChart<P extends object>(
  create: (roots: ChartRoots) => Drawer<P>,
  params: P,
): { plotRef: RefObject<HTMLDivElement | null>; readoutRef: RefObject<HTMLDivElement | null> } {
  const plotRef = useRef<HTMLDivElement>(null);
  const readoutRef = useRef<HTMLDivElement>(null);
  const drawerRef = useRef<Drawer<P> | null>(null);
  useEffect(() => {
    const d = create({ plot: plotRef.current!, readout: readoutRef.current! });
    drawerRef.current = d;
    return () => {
      d.destroy();
      drawerRef.current = null;
    };
  }, [create]);
  // Every render (the parent re-renders on each version): the drawer itself skips unchanged params.
  useEffect(() => {
    const job = () => drawerRef.current?.draw(params);
    queueFrameJob(job);
    return () => cancelFrameJob(job);
  });
  return { plotRef, readoutRef };
}

export interface LegendItem {
  label: string;
  color: string;
  /** line (default), dashed line via `dash`, dot, or a gradient bar drawn elsewhere. */
  mark?: 'line' | 'dot';
  dash?: string;
  width?: number;
  opacity?: number;
}

export function Legend({ items }: { items: LegendItem[] }) {
  return (
    <ul className="kru-legend">
      {items.map((it, i) => (
        <li key={`${i}:${it.label}`}>
          <svg width={22} height={10} aria-hidden="true">
            {it.mark === 'dot' ? (
              <circle cx={11} cy={5} r={3.5} fill={it.color} opacity={it.opacity ?? 1} />
            ) : (
              <line
                x1={1}
                x2={21}
                y1={5}
                y2={5}
                stroke={it.color}
                strokeWidth={it.width ?? 2}
                strokeDasharray={it.dash}
                opacity={it.opacity ?? 1}
              />
            )}
          </svg>
          {it.label}
        </li>
      ))}
    </ul>
  );
}

export interface ChartFrameProps {
  /** data-chart attribute (stable hook for tests and styling). */
  name: string;
  title: ReactNode;
  legend?: LegendItem[];
  empty: boolean;
  /** Height reserved for the plot, so the page does not jump when data arrives. */
  height: number;
  plotRef: RefObject<HTMLDivElement | null>;
  readoutRef: RefObject<HTMLDivElement | null>;
  children?: ReactNode;
}

export function ChartFrame({
  name,
  title,
  legend,
  empty,
  height,
  plotRef,
  readoutRef,
  children,
}: ChartFrameProps) {
  return (
    <figure className="kru-chart" data-chart={name} data-empty={empty ? 'true' : 'false'}>
      <figcaption className="kru-chart-head">
        <span className="kru-chart-title">{title}</span>
        {legend && <Legend items={legend} />}
      </figcaption>
      <div className="kru-chart-body" style={{ minHeight: height }}>
        {/* React never renders inside this div: the drawer owns its children. */}
        <div className="kru-chart-plot" ref={plotRef} />
        {empty && (
          <div className="kru-chart-empty" role="status">
            {EMPTY_TEXT}
          </div>
        )}
      </div>
      {children}
      <div className="kru-chart-readout" ref={readoutRef} aria-live="off" />
    </figure>
  );
}

export type ReadoutPart = string | { text: string; color: string };

/**
 * Replace the readout text; skipped when the text is unchanged (it is refreshed every frame). When only the numbers
 * changed (the same parts in the same colours, the usual case while training), the existing nodes are rewritten in
 * place rather than replaced: new nodes on every redraw are garbage for Blink's collector.
 */
export function setReadout(el: HTMLElement, parts: ReadoutPart[]): void {
  const key = parts.map((p) => (typeof p === 'string' ? p : `\u0001${p.color}\u0002${p.text}`)).join('');
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  const shape = parts.map((p) => (typeof p === 'string' ? '' : p.color)).join('\u0001');
  const nodes = el.childNodes;
  if (el.dataset.shape === shape && nodes.length === parts.length) {
    parts.forEach((p, i) => {
      const node = nodes[i];
      const text = (typeof p === 'string' ? node : node.firstChild) as Text;
      const value = typeof p === 'string' ? p : p.text;
      if (text.data !== value) text.data = value;
    });
    return;
  }
  el.dataset.shape = shape;
  el.replaceChildren(
    ...parts.map((p) => {
      if (typeof p === 'string') return document.createTextNode(p);
      const s = document.createElement('b');
      s.style.color = pageText(p.color); // the model's colour, made readable as text (WCAG AA)
      s.appendChild(document.createTextNode(p.text));
      return s;
    }),
  );
}
