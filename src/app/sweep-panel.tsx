// The sweep panel: train the run's KRU at every point of a grid — λ values, or factorisations of its N — on the
// same batches, in a worker of its own (the training run goes on undisturbed), with progress, time left and
// Cancel; the finished points are drawn against the grid (src/charts/SweepChart.tsx).
import { useId, useState } from 'react';
import { formatCount } from '../core/format';
import { factorisationsOf, logGrid, MAX_SWEEP_POINTS, type SweepGrid, type SweepSpec } from '../engine/sweep';
import { defaultModel, numberFromText, type KruModelSpec, type RunConfig } from '../settings';
import { SweepChart, type SweepX } from '../charts/SweepChart';
import { machineChoice, useApp } from './store';
import { BACKEND_NAMES } from '../engine/backend-names';
import {
  cancelSweep,
  clearSweepError,
  formatDuration,
  parseFactorList,
  parseLambdaList,
  startSweep,
  useSweep,
  type SweepState,
} from './sweep-store';

const LAMBDA_PRESETS: Array<{ name: string; values: number[] }> = [
  { name: '0 and 1e-4 … 10 log-spaced (12 values)', values: logGrid(1e-4, 10, 12) },
  { name: '0, 1e-3 … 10 (6 decades)', values: logGrid(1e-3, 10, 6) },
  { name: '0, 0.01, 1, 100', values: logGrid(0.01, 100, 4) },
];

const listText = (values: number[]) => values.join(', ');

/** The KRU the sweep varies: the run's first, else a default one. */
function sweptModel(config: RunConfig): { model: KruModelSpec; own: boolean } {
  const kru = config.models.find((m): m is KruModelSpec => m.kind === 'kru');
  return kru ? { model: kru, own: true } : { model: defaultModel('kru', 64), own: false };
}

function statusLine(s: SweepState): string {
  const p = s.progress;
  const finished = `${s.results.length} of ${s.points.length} points finished`;
  if (s.status === 'cancelled') return `Cancelled: ${finished}; they are kept below.`;
  if (s.status === 'done')
    return `Done: ${finished} in ${formatDuration(p?.elapsedMs ?? NaN)}${s.backend ? ` on ${s.backend}` : ''}.`;
  if (s.status === 'cancelling') return 'Cancelling after this step…';
  if (!p) return 'Starting…';
  return (
    `${formatCount(p.stepsDone)} / ${formatCount(p.stepsTotal)} steps · ${finished} · ` +
    `${formatDuration(p.remainingMs)} left`
  );
}

export function SweepPanel() {
  const config = useApp((s) => s.applied ?? s.draft);
  const sweep = useSweep();
  const [kind, setKind] = useState<SweepGrid['kind']>('lambda');
  const [lambdaText, setLambdaText] = useState(listText(LAMBDA_PRESETS[0].values));
  const [factorText, setFactorText] = useState<string | null>(null);
  const [stepsText, setStepsText] = useState('300');
  const [x, setX] = useState<Exclude<SweepX, 'lambda'>>('params');
  const ids = { grid: useId(), steps: useId(), preset: useId(), x: useId() };
  const { model, own } = sweptModel(config);
  const factorsShown =
    factorText ??
    factorisationsOf(model.hidden)
      .map((f) => f.join('×'))
      .join(', ');
  const busy = sweep.status === 'running' || sweep.status === 'cancelling';

  const start = () => {
    let grid: SweepGrid;
    let steps: number;
    try {
      grid =
        kind === 'lambda'
          ? { kind, values: parseLambdaList(lambdaText) }
          : { kind, values: parseFactorList(factorsShown) };
      steps = numberFromText(stepsText);
      if (!Number.isInteger(steps) || steps < 1 || steps > 100_000)
        throw new Error('steps must be a whole number from 1 to 100,000');
    } catch (e) {
      useSweep.setState({ error: (e as Error).message });
      return;
    }
    const { models: _models, ...run } = config;
    void _models;
    const spec: SweepSpec = { run, model, grid, steps };
    // The sweep trains where the run does: the link's ?backend=, else the backend the run uses (chosen, or measured).
    const inUse = BACKEND_NAMES.find((b) => b === useApp.getState().status.backend);
    void startSweep(spec, machineChoice().prefer ?? inUse);
  };

  const task = config.task.name === 'digits' ? 'digits' : `${config.task.name} (T = ${config.task.T})`;
  const edit = (f: () => void) => {
    clearSweepError();
    f();
  };
  return (
    <details className="panel sweep-panel" data-testid="sweep-panel">
      <summary>λ sweep</summary>
      <p className="hint">
        Trains {own ? `the run's KRU "${model.label}"` : 'a KRU'} (N = {model.hidden}) on {task}, batch{' '}
        {config.batch}, seed {config.seed}, once per grid point, every point on the same batches — in a worker
        of its own, so the run above goes on.
      </p>
      <div className="sweep-kind" role="radiogroup" aria-label="What to sweep">
        <label>
          <input type="radio" checked={kind === 'lambda'} onChange={() => edit(() => setKind('lambda'))} /> λ
        </label>
        <label>
          <input
            type="radio"
            data-testid="sweep-kind-factors"
            checked={kind === 'factors'}
            onChange={() => edit(() => setKind('factors'))}
          />{' '}
          factor sizes of N = {model.hidden}
        </label>
      </div>
      {kind === 'lambda' ? (
        <>
          <label htmlFor={ids.preset}>Grid</label>
          <select
            id={ids.preset}
            data-testid="sweep-preset"
            value={LAMBDA_PRESETS.find((p) => listText(p.values) === lambdaText)?.name ?? ''}
            onChange={(e) => {
              const p = LAMBDA_PRESETS.find((q) => q.name === e.target.value);
              if (p) edit(() => setLambdaText(listText(p.values)));
            }}
          >
            {LAMBDA_PRESETS.map((p) => (
              <option key={p.name}>{p.name}</option>
            ))}
            <option value="">your list (below)</option>
          </select>
          <label htmlFor={ids.grid}>λ values (1 to {MAX_SWEEP_POINTS})</label>
          <input
            id={ids.grid}
            data-testid="sweep-grid"
            value={lambdaText}
            onChange={(e) => edit(() => setLambdaText(e.target.value))}
          />
        </>
      ) : (
        <>
          <label htmlFor={ids.grid}>Factorisations of N (each timed alone)</label>
          <input
            id={ids.grid}
            data-testid="sweep-grid"
            value={factorsShown}
            onChange={(e) => edit(() => setFactorText(e.target.value))}
          />
        </>
      )}
      <label htmlFor={ids.steps}>Steps per point</label>
      <input
        id={ids.steps}
        data-testid="sweep-steps"
        inputMode="numeric"
        value={stepsText}
        onChange={(e) => edit(() => setStepsText(e.target.value))}
      />
      <div className="buttons">
        <button type="button" className="primary" data-testid="sweep-start" disabled={busy} onClick={start}>
          {sweep.results.length || sweep.status === 'failed' ? 'Start again' : 'Start sweep'}
        </button>
        <button
          type="button"
          data-testid="sweep-cancel"
          disabled={sweep.status !== 'running'}
          onClick={cancelSweep}
        >
          Cancel
        </button>
      </div>
      {sweep.error && (
        <p className="field-error" role="alert" data-testid="sweep-error">
          {sweep.error}
        </p>
      )}
      {sweep.status !== 'idle' && sweep.status !== 'failed' && (
        <div className="sweep-progress" data-testid="sweep-progress" data-status={sweep.status}>
          <progress
            max={sweep.progress?.stepsTotal ?? 1}
            value={sweep.progress?.stepsDone ?? 0}
            aria-label="Sweep progress"
          />
          <p className="hint" role="status" data-testid="sweep-status">
            {statusLine(sweep)}
          </p>
        </div>
      )}
      {sweep.kind === 'factors' && sweep.results.length > 0 && (
        <div className="sweep-x">
          <label htmlFor={ids.x}>x axis</label>
          <select id={ids.x} value={x} onChange={(e) => setX(e.target.value as 'params' | 'ms')}>
            <option value="params">recurrent parameters</option>
            <option value="ms">ms per step</option>
          </select>
        </div>
      )}
      {sweep.status !== 'idle' && (
        <SweepChart
          results={sweep.results}
          lambdas={sweep.kind === 'lambda' ? sweep.points.map((p) => p.lambda) : undefined}
          x={sweep.kind === 'lambda' ? 'lambda' : x}
        />
      )}
    </details>
  );
}
