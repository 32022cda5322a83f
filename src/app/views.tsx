// The eight live views, each framed with a title and a plain-language caption saying what to look for.
import { isFactored } from '../core/vocabulary';
import { useId, useRef, type ReactNode } from 'react';
import type { History } from '../history/history';
import {
  AccuracyChart,
  DeviationChart,
  GradHeatmap,
  GradProfile,
  LossChart,
  ParamsTable,
  SingularValuesChart,
  SpectrumChart,
} from '../charts';
import { figureToSvg, svgToPng } from '../charts/lib/chart-export';
import { download } from './download';
import { setUi, useUi } from './ui-state';
import { useViewData, useViewVisibility, type ViewData } from './view-scheduler';
import type { ViewId } from '../presets';

interface FrameProps {
  /** The view's key in the scheduler (its test id is `view-<key>`). */
  view: ViewId;
  title: string;
  caption: ReactNode;
  tools?: ReactNode;
  children: ReactNode;
  className?: string;
  data?: Record<`data-${string}`, string | number>;
  /** Offer SVG and PNG files of its chart (not for a table). */
  exportable?: boolean;
}

const EXPORTS = [
  { kind: 'svg', title: 'Save this chart as an SVG file (title, legend and axes included)' },
  { kind: 'png', title: 'Save this chart as a PNG at twice its size, for slides' },
] as const;

/** Saves the view's chart as an SVG, or as a PNG at 2× for slides. */
async function exportChart(section: HTMLElement | null, p: FrameProps, kind: 'svg' | 'png'): Promise<void> {
  const figure = section?.querySelector<HTMLElement>('figure.kru-chart');
  if (!figure) return;
  const file = figureToSvg(figure, p.title);
  if (kind === 'svg') download(`kru-explorer-${p.view}.svg`, file.svg, 'image/svg+xml');
  else download(`kru-explorer-${p.view}.png`, await svgToPng(file, 2));
}

/** Type scale of an enlarged view: the chart is laid out at 1/zoom of the screen and scaled up, type included. */
function enlargedZoom(): number {
  return Math.max(1, Math.min(2.2, window.innerWidth / 820, window.innerHeight / 520));
}

function ViewFrame(p: FrameProps) {
  const id = useId();
  const ref = useRef<HTMLElement>(null);
  useViewVisibility(p.view, ref);
  const enlarged = useUi((s) => s.enlarged === p.view);
  const hidden = useUi((s) => s.hidden.has(p.view));
  if (hidden) return null; // a classroom link left it out
  return (
    <section
      ref={ref}
      className={`view ${p.className ?? ''}${enlarged ? ' enlarged' : ''}`}
      data-testid={`view-${p.view}`}
      aria-labelledby={id}
      aria-modal={enlarged ? true : undefined}
      role={enlarged ? 'dialog' : undefined}
      tabIndex={-1}
      {...p.data}
    >
      <div className="view-body" style={enlarged ? { zoom: enlargedZoom() } : undefined}>
        <header>
          <h2 id={id}>{p.title}</h2>
          <div className="tools">
            {p.tools}
            {p.exportable !== false &&
              EXPORTS.map((e) => (
                <button
                  key={e.kind}
                  type="button"
                  className="enlarge"
                  data-testid={`export-${e.kind}-${p.view}`}
                  title={e.title}
                  onClick={() => void exportChart(ref.current, p, e.kind)}
                >
                  ⤓ {e.kind.toUpperCase()}
                </button>
              ))}
            <button
              type="button"
              className="enlarge"
              data-testid={`enlarge-${p.view}`}
              aria-pressed={enlarged}
              title={enlarged ? 'Back to the page (Esc)' : 'Enlarge this chart (F)'}
              onClick={() => setUi({ enlarged: enlarged ? null : p.view })}
            >
              {enlarged ? '✕ Close' : '⤢ Enlarge'}
            </button>
          </div>
        </header>
        <p className="caption">{p.caption}</p>
        <div className="chart">{p.children}</div>
      </div>
    </section>
  );
}

/**
 * Test hooks on the loss view: λ of the first KRU's newest row received ('' without a KRU), λ changes seen
 * (any model), and every model's first-step loss of the current run ("id=loss" in model order, ';'-separated;
 * after a reset that continued the charts, the new run's first step).
 */
function lossData(h: History): Record<`data-${string}`, string | number> {
  const kru = h.models.find((m) => isFactored(m.kind));
  const lamCol = kru ? h.series[kru.id]?.lambda : undefined;
  const lam = lamCol?.length ? String(lamCol.view()[lamCol.length - 1]) : '';
  const first = h.models
    .filter((m) => (h.series[m.id]?.loss.length ?? 0) > h.runStart)
    .map((m) => `${m.id}=${h.series[m.id]!.loss.view()[h.runStart]}`)
    .join(';');
  return {
    'data-lambda': lam,
    'data-lambda-changes': h.changes.filter((c) => c.setting === 'lambda').length,
    'data-resets': h.changes.filter((c) => c.setting === 'reset').length,
    'data-first-loss': first,
    'data-rows': h.steps.length,
  };
}

function LossView() {
  const { history, version } = useViewData('loss');
  const smoothing = useUi((s) => s.lossSmoothing);
  const logY = useUi((s) => s.lossLog);
  const smoothId = useId();
  const logId = useId();
  return (
    <ViewFrame
      view="loss"
      className="wide"
      title="Training loss"
      caption={
        <>
          All the models see the same batches. The dashed line is the memoryless baseline: a model stuck on it
          has not learned to use the past. Vertical marks show where you changed a model&apos;s λ or learning
          rate — try a large λ and watch whether that KRU&apos;s loss suffers or improves.
        </>
      }
      data={lossData(history)}
      tools={
        <>
          <label htmlFor={smoothId}>Smoothing</label>
          <input
            id={smoothId}
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => setUi({ lossSmoothing: Number(e.target.value) })}
          />
          <input
            id={logId}
            type="checkbox"
            checked={logY}
            onChange={(e) => setUi({ lossLog: e.target.checked })}
          />
          <label htmlFor={logId}>log scale</label>
        </>
      }
    >
      <LossChart history={history} version={version} smoothing={smoothing} logY={logY} />
    </ViewFrame>
  );
}

/** Renders a chart with this view's own copy of the data (see view-scheduler: one view per frame). */
function Live({ id, chart: Chart }: { id: string; chart: (p: ViewData) => ReactNode }) {
  const { history, version } = useViewData(id);
  return <Chart history={history} version={version} />;
}

/** The views below the loss chart, in page order per column: 0 the short ones (left), 1 the tall ones. */
const CHART_VIEWS: ReadonlyArray<{
  view: ViewId;
  column: 0 | 1;
  title: string;
  caption: string;
  chart: (p: ViewData) => ReactNode;
  exportable?: boolean;
}> = [
  {
    view: 'accuracy',
    column: 0,
    title: 'Accuracy',
    caption:
      'The share of targets each model gets right on its training batch (copy memory: the symbols it must repeat; digits: the class of each image), and for digits its latest accuracy on held-out images in the legend. The adding problem is a regression and has no accuracy.',
    chart: AccuracyChart,
  },
  {
    view: 'deviation',
    column: 0,
    title: 'Distance from unitary',
    caption:
      "‖WᴴW − I‖² for each model's recurrent matrix (0 = exactly unitary). A KRU's falls fast when its λ is large; nothing pulls an RNN's.",
    chart: DeviationChart,
  },
  {
    view: 'grad-profile',
    column: 0,
    title: 'Gradient profile now',
    caption:
      "The latest ‖∂L/∂hₜ‖ at each time step, on a log scale, for each model. A flat line means gradients survive the whole sequence; watch a plain RNN's decay towards the early steps.",
    chart: GradProfile,
  },
  {
    view: 'params',
    column: 0,
    title: 'Parameters and gradients',
    caption:
      "Each model's parameter counts and the gradient norm of each of its parameter groups. A KRU's recurrent matrix costs 2·Σp_f² numbers instead of a dense N².",
    chart: ParamsTable,
    exportable: false,
  },
  {
    view: 'singular-values',
    column: 1,
    title: "Singular values of the KRUs' factors",
    caption:
      "Each line traces a singular value of one small factor W_f of a KRU (a row of panels per KRU); the last panel is every model's ‖W‖₂, for a KRU the product of its factors'. All at 1 means every factor, and so W, is unitary. With λ large they are pulled to 1; at λ = 0 they drift wherever the task pushes them.",
    chart: SingularValuesChart,
  },
  {
    view: 'grad-heatmap',
    column: 1,
    title: 'Gradient reaching each time step',
    caption:
      '‖∂L/∂hₜ‖ at each sequence position t (up) as training goes on (right), one panel per model. Dark at the bottom means the early positions get almost no learning signal: the gradient vanished on its way back through time.',
    chart: GradHeatmap,
  },
  {
    view: 'spectrum',
    column: 1,
    title: 'Spectrum of W',
    caption:
      "All singular values of each model's W, largest first, and its eigenvalues in the complex plane with the unit circle. Inside the circle memory fades, outside it explodes; a unitary W keeps every value on 1 and every eigenvalue on the circle.",
    chart: SpectrumChart,
  },
];

export function Views() {
  // Two independent columns (one on narrow screens): the short views on the left, the tall ones on the right,
  // so that no short view sits beside a tall one over an empty area.
  return (
    <div className="views">
      <LossView />
      <div className="views-columns">
        {([0, 1] as const).map((column) => (
          <div className="views-col" key={column}>
            {CHART_VIEWS.filter((v) => v.column === column).map((v) => (
              <ViewFrame
                key={v.view}
                view={v.view}
                title={v.title}
                caption={v.caption}
                exportable={v.exportable}
              >
                <Live id={v.view} chart={v.chart} />
              </ViewFrame>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
