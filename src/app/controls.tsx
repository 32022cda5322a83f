// The run's buttons, its live settings (each KRU's λ, each model's learning rate, the update rate) and the
// settings and model files. The structural settings are in run-settings.tsx.
import { useEffect, useId, useRef, useState } from 'react';
import type { ModelSpec } from '../settings';
import { APP_TABLE, MODEL_TABLES } from '../settings/table';
import { schemaError } from './setting-field';
import { formatValue } from '../core/format';
import { metricsCsv, metricsJson } from '../history/export';
import { HIDEABLE, classroomLink } from './classroom';
import { download } from './download';
import { openModelFile } from './recovery';
import { JsonFileButton } from './json-file-button';
import { NumberField } from './fields';
import {
  LAMBDA_STEPS,
  lambdaFromSlider,
  LR_STEPS,
  lambdaAfterKey,
  lrFromSlider,
  sliderFromLambda,
  sliderFromLr,
} from './log-slider';
import {
  exportModel,
  exportSettingsJson,
  importSettingsJson,
  newSeed,
  pause,
  play,
  reset,
  setLambda,
  setLearningRate,
  setStepsPerTick,
  step,
  useApp,
} from './store';

export function RunControls() {
  const playing = useApp((s) => s.playing);
  const state = useApp((s) => s.status.state);
  const busy = state === 'starting';
  const playRef = useRef<HTMLButtonElement>(null);
  const pauseRef = useRef<HTMLButtonElement>(null);
  // The pressed button disables itself; hand focus to its twin once it is enabled, or focus falls to <body>.
  const focusNext = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    focusNext.current?.focus();
    focusNext.current = null;
  }, [playing]);
  return (
    <div className="run-controls" role="group" aria-label="Run">
      <button
        type="button"
        data-testid="play"
        ref={playRef}
        onClick={() => {
          if (document.activeElement === playRef.current) focusNext.current = pauseRef.current;
          play();
        }}
        disabled={playing}
        className="primary"
      >
        ▶ Play
      </button>
      <button
        type="button"
        data-testid="pause"
        ref={pauseRef}
        onClick={() => {
          if (document.activeElement === pauseRef.current) focusNext.current = playRef.current;
          pause();
        }}
        disabled={!playing}
      >
        ❚❚ Pause
      </button>
      <button
        type="button"
        data-testid="step"
        onClick={step}
        disabled={playing || busy}
        title="One training step"
      >
        Step
      </button>
      <button
        type="button"
        data-testid="reset"
        onClick={() => void reset()}
        title="Restart from step 0 with the current settings (same seed → same run)"
      >
        ↺ Reset
      </button>
      <button
        type="button"
        data-testid="new-seed"
        onClick={() => void newSeed()}
        title="Draw a new seed and restart"
      >
        New seed
      </button>
    </div>
  );
}

/** A test id for the first model of a kind keeps the plain name (`lambda-input`); others add their id. */
function testId(base: string, m: ModelSpec, first: boolean): string {
  return first ? base : `${base}-${m.id}`;
}

/** The live fields check what they accept against the same rows as links, files and the CLI. */
const LAMBDA_ROW = MODEL_TABLES.kru.lambda;
const LR_ROW = MODEL_TABLES.kru.lr;

function LambdaControl({ model, first }: { model: Extract<ModelSpec, { lambda: number }>; first: boolean }) {
  const sliderId = useId();
  const lambda = model.lambda;
  return (
    <div className="lambda-control">
      <label htmlFor={sliderId}>
        {model.label}: λ, the pull towards {model.kind === 'kru' ? 'unitary' : 'orthogonal'}:{' '}
        <output>{formatValue(lambda)}</output>
      </label>
      <input
        id={sliderId}
        type="range"
        min={0}
        max={LAMBDA_STEPS}
        step={1}
        value={sliderFromLambda(lambda)}
        aria-valuetext={`λ = ${formatValue(lambda)}`}
        data-testid={testId('lambda-slider', model, first)}
        onChange={(e) => setLambda(model.id, lambdaFromSlider(Number(e.target.value)))}
        onKeyDown={(e) => {
          const next = lambdaAfterKey(lambda, e.key);
          if (next === null) return;
          e.preventDefault(); // the range input's own step is ~3% of λ
          if (next !== lambda) setLambda(model.id, next);
        }}
      />
      <div className="scale" aria-hidden="true">
        <span>0</span>
        <span>1e-4</span>
        <span>1e-2</span>
        <span>1</span>
        <span>10</span>
      </div>
      <NumberField
        label="λ exactly"
        value={lambda}
        min={LAMBDA_ROW.min}
        max={LAMBDA_ROW.max}
        testId={testId('lambda-input', model, first)}
        validate={(v) => schemaError(LAMBDA_ROW, v)}
        onCommit={(v) => setLambda(model.id, v)}
        hint="Enter to apply"
      />
    </div>
  );
}

function LearningRateControl({ model, first }: { model: ModelSpec; first: boolean }) {
  const id = useId();
  return (
    <div className="lr-control">
      <label htmlFor={id}>
        {model.label}: learning rate <output>{formatValue(model.lr)}</output>
      </label>
      <input
        id={id}
        type="range"
        min={0}
        max={LR_STEPS}
        value={sliderFromLr(model.lr)}
        aria-valuetext={`learning rate ${formatValue(model.lr)}`}
        onChange={(e) => setLearningRate(model.id, lrFromSlider(Number(e.target.value)))}
      />
      <NumberField
        label="Learning rate exactly"
        value={model.lr}
        testId={testId('lr-input', model, first)}
        max={LR_ROW.max}
        validate={(v) => schemaError(LR_ROW, v)}
        onCommit={(v) => setLearningRate(model.id, v)}
      />
    </div>
  );
}

export function LiveControls() {
  const models = useApp((s) => s.applied?.models ?? s.draft.models);
  const spt = useApp((s) => s.app.stepsPerTick);
  const sptId = useId();
  const row = APP_TABLE.stepsPerTick;
  const krus = models.filter((m): m is Extract<ModelSpec, { lambda: number }> => 'lambda' in m);
  return (
    <fieldset className="panel">
      <legend>Live: applies immediately</legend>
      {krus.map((m, i) => (
        <LambdaControl key={m.id} model={m} first={i === 0} />
      ))}
      {models.map((m, i) => (
        <LearningRateControl key={m.id} model={m} first={i === 0} />
      ))}
      <label htmlFor={sptId}>
        {row.label}: <output>{spt}</output>
      </label>
      <input
        id={sptId}
        type="range"
        min={row.min}
        max={row.max}
        value={spt}
        data-testid="steps-per-tick"
        onChange={(e) => setStepsPerTick(Number(e.target.value))}
      />
      <p className="hint">
        More steps between screen updates trains faster; fewer keeps the controls snappier.
      </p>
    </fieldset>
  );
}

/** A stable empty list: a selector returning a fresh [] would re-render for ever. */
const NO_MODELS: ModelSpec[] = [];

export function FileControls() {
  const models = useApp((s) => s.applied?.models ?? NO_MODELS);
  const [copied, setCopied] = useState(false);
  return (
    <fieldset className="panel files">
      <legend>Share &amp; save</legend>
      <div className="buttons">
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(location.href).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
          title="The address bar always holds every setting"
        >
          {copied ? 'Link copied' : 'Copy link'}
        </button>
        <button
          type="button"
          data-testid="export-settings"
          onClick={() => download('kru-explorer-settings.json', exportSettingsJson())}
        >
          Export settings
        </button>
        <JsonFileButton
          label="Import settings…"
          testId="import-settings"
          onFile={(text) => void importSettingsJson(text)}
        />
      </div>
      <ClassroomLink />
      <div className="buttons">
        {models.map((m) => (
          <button
            key={m.id}
            type="button"
            data-testid={`export-${m.id}`}
            onClick={async () => {
              const file = await exportModel(m.id);
              if (file) download(`kru-explorer-${m.id}-model.json`, JSON.stringify(file));
            }}
          >
            Export {m.label} model
          </button>
        ))}
        <JsonFileButton
          label="Open a model file…"
          testId="open-model"
          title="Inspect a saved model, or train it on"
          onFile={openModelFile}
        />
      </div>
      <div className="buttons">
        <button
          type="button"
          data-testid="export-metrics-csv"
          title="Every metric of every model so far: step, model, metric, value (one row each)"
          onClick={() =>
            download('kru-explorer-metrics.csv', metricsCsv(useApp.getState().history), 'text/csv')
          }
        >
          Metrics as CSV
        </button>
        <button
          type="button"
          data-testid="export-metrics-json"
          title="Every metric of every model so far, with the run's marks, as one JSON object"
          onClick={() => download('kru-explorer-metrics.json', metricsJson(useApp.getState().history))}
        >
          Metrics as JSON
        </button>
      </div>
    </fieldset>
  );
}

/** Builds a link that opens this run with some panels and views left out (`hide=`), for a class. */
function ClassroomLink() {
  const [chosen, setChosen] = useState<ReadonlySet<string>>(() => new Set(['presets', 'settings', 'files']));
  const [link, setLink] = useState('');
  const toggle = (name: string) =>
    setChosen((old) => {
      const next = new Set(old);
      if (!next.delete(name)) next.add(name);
      return next;
    });
  return (
    <details className="classroom-link" data-testid="classroom-link-panel">
      <summary>Classroom link…</summary>
      <p className="hint">The same run, with these parts left out of the page:</p>
      <div className="checks">
        {HIDEABLE.map((h) => (
          <label key={h.name}>
            <input
              type="checkbox"
              data-testid={`hide-${h.name}`}
              checked={chosen.has(h.name)}
              onChange={() => toggle(h.name)}
            />{' '}
            {h.text}
          </label>
        ))}
      </div>
      <button
        type="button"
        data-testid="copy-classroom-link"
        onClick={() => {
          const r = classroomLink(location.href, chosen);
          if (!r.ok) return;
          setLink(r.value);
          void navigator.clipboard?.writeText(r.value).catch(() => undefined);
        }}
      >
        Copy classroom link
      </button>
      {link && (
        <input
          readOnly
          aria-label="Classroom link"
          data-testid="classroom-link"
          value={link}
          onFocus={(e) => e.target.select()}
        />
      )}
    </details>
  );
}
