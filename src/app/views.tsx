// The seven live views, each framed with a title and a plain-language caption saying what to look for.
import { useId, useState, type ReactNode } from 'react';
import type { History } from '../engine/history';
import {
  DeviationChart,
  GradHeatmap,
  GradProfile,
  LossChart,
  ParamsTable,
  SingularValuesChart,
  SpectrumChart,
} from '../charts';
import { useViewData, type ViewData } from './view-scheduler';

interface FrameProps {
  testId: string;
  title: string;
  caption: ReactNode;
  tools?: ReactNode;
  children: ReactNode;
  className?: string;
  data?: Record<`data-${string}`, string | number>;
}

function ViewFrame(p: FrameProps) {
  const id = useId();
  return (
    <section className={`view ${p.className ?? ''}`} data-testid={p.testId} aria-labelledby={id} {...p.data}>
      <header>
        <h2 id={id}>{p.title}</h2>
        {p.tools && <div className="tools">{p.tools}</div>}
      </header>
      <p className="caption">{p.caption}</p>
      <div className="chart">{p.children}</div>
    </section>
  );
}

/** Test hooks on the loss view: λ of the newest row received, λ changes seen, and the first step's losses. */
function lossData(h: History): Record<`data-${string}`, string | number> {
  const lam = h.lambda.length ? String(h.lambda.view()[h.lambda.length - 1]) : '';
  const first = (['kru', 'rnn'] as const)
    .filter((k) => (h.series[k]?.loss.length ?? 0) > 0)
    .map((k) => `${k}=${h.series[k]!.loss.view()[0]}`)
    .join(';');
  return {
    'data-lambda': lam,
    'data-lambda-changes': h.lambdaChanges.length,
    'data-first-loss': first,
    'data-rows': h.steps.length,
  };
}

function LossView() {
  const { history, version } = useViewData('loss');
  const [smoothing, setSmoothing] = useState(0.6);
  const [logY, setLogY] = useState(false);
  const smoothId = useId();
  const logId = useId();
  return (
    <ViewFrame
      testId="view-loss"
      className="wide"
      title="Training loss"
      caption={
        <>
          Both models see the same batches. The dashed line is the memoryless baseline: a model stuck on it
          has not learned to use the past. Vertical marks show where you changed λ — try a large λ and watch
          whether the KRU&apos;s loss suffers or improves.
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
            onChange={(e) => setSmoothing(Number(e.target.value))}
          />
          <input id={logId} type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} />
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

export function Views() {
  return (
    <div className="views">
      <LossView />
      <ViewFrame
        testId="view-singular-values"
        title="Singular values of the KRU's factors"
        caption="Each line traces a singular value of one small factor W_f; the last panel is ‖W‖₂, their product. All at 1 means every factor, and so W, is unitary. With λ large they are pulled to 1; at λ = 0 they drift wherever the task pushes them."
      >
        <Live id="singular-values" chart={SingularValuesChart} />
      </ViewFrame>
      <ViewFrame
        testId="view-deviation"
        title="Distance from unitary"
        caption="‖WᴴW − I‖² for each model's recurrent matrix (0 = exactly unitary). The KRU's falls fast when λ is large; nothing pulls the RNN's."
      >
        <Live id="deviation" chart={DeviationChart} />
      </ViewFrame>
      <ViewFrame
        testId="view-grad-heatmap"
        title="Gradient reaching each time step"
        caption="‖∂L/∂hₜ‖ at each sequence position t (up) as training goes on (right). Dark at the bottom means the early positions get almost no learning signal: the gradient vanished on its way back through time."
      >
        <Live id="grad-heatmap" chart={GradHeatmap} />
      </ViewFrame>
      <ViewFrame
        testId="view-grad-profile"
        title="Gradient profile now"
        caption="The latest ‖∂L/∂hₜ‖ at each time step, on a log scale. A flat KRU line means gradients survive the whole sequence; watch the RNN's decay towards the early steps."
      >
        <Live id="grad-profile" chart={GradProfile} />
      </ViewFrame>
      <ViewFrame
        testId="view-spectrum"
        title="Spectrum of W"
        caption="All singular values of W, largest first, and its eigenvalues in the complex plane with the unit circle. Inside the circle memory fades, outside it explodes; a unitary W keeps every value on 1 and every eigenvalue on the circle."
      >
        <Live id="spectrum" chart={SpectrumChart} />
      </ViewFrame>
      <ViewFrame
        testId="view-params"
        title="Parameters and gradients"
        caption="Parameter counts and the gradient norm of each parameter group. The KRU's recurrent matrix costs 2·Σp_f² numbers instead of the RNN's N²."
      >
        <Live id="params" chart={ParamsTable} />
      </ViewFrame>
    </div>
  );
}
