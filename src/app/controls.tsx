// The control panel: run buttons, live settings (λ, learning rate, speed) and the structural settings that only
// apply on reset, with their pending-changes indicator, plus settings/model import and export.
import { useId, useRef, useState } from 'react';
import {
  defaultFactors,
  IMPLS,
  KRU_ACTIVATIONS,
  KRU_INITS,
  OPTIMIZERS,
  parseFactors,
  RNN_ACTIVATIONS,
  RNN_INITS,
  TASK_NAMES,
} from '../model/config';
import type { ExperimentConfig } from '../engine/types';
import { CheckField, fmt, NumberField, SelectField } from './fields';
import {
  LAMBDA_STEPS,
  lambdaFromSlider,
  MAX_STEPS_PER_TICK,
  sliderFromLambda,
  structuralDiff,
} from './settings';
import {
  draftError,
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
  updateDraft,
  useApp,
} from './store';

function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function RunControls() {
  const playing = useApp((s) => s.playing);
  const state = useApp((s) => s.status.state);
  const busy = state === 'starting';
  return (
    <div className="run-controls" role="group" aria-label="Run">
      <button type="button" data-testid="play" onClick={play} disabled={playing} className="primary">
        ▶ Play
      </button>
      <button type="button" data-testid="pause" onClick={pause} disabled={!playing}>
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

function LambdaControl() {
  const lambda = useApp((s) => s.lambda);
  const sliderId = useId();
  return (
    <div className="lambda-control">
      <label htmlFor={sliderId}>
        λ, the pull towards unitary: <output>{fmt(lambda)}</output>
      </label>
      <input
        id={sliderId}
        type="range"
        min={0}
        max={LAMBDA_STEPS}
        step={1}
        value={sliderFromLambda(lambda)}
        aria-valuetext={`λ = ${fmt(lambda)}`}
        data-testid="lambda-slider"
        onChange={(e) => setLambda(lambdaFromSlider(Number(e.target.value)))}
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
        min={0}
        max={1000}
        testId="lambda-input"
        validate={(v) => (v < 0 ? 'λ must be ≥ 0' : v > 1000 ? 'λ must be ≤ 1000' : null)}
        onCommit={setLambda}
        hint="Enter to apply"
      />
    </div>
  );
}

const LR_MIN = 1e-5;
const LR_MAX = 1;
const LR_STEPS = 200;

export function LiveControls() {
  const lr = useApp((s) => s.lr);
  const spt = useApp((s) => s.stepsPerTick);
  const lrId = useId();
  const sptId = useId();
  const lrPos = Math.round(
    (Math.log(Math.min(LR_MAX, Math.max(LR_MIN, lr)) / LR_MIN) / Math.log(LR_MAX / LR_MIN)) * LR_STEPS,
  );
  return (
    <fieldset className="panel">
      <legend>Live: applies immediately</legend>
      <LambdaControl />
      <label htmlFor={lrId}>
        Learning rate: <output>{fmt(lr)}</output>
      </label>
      <input
        id={lrId}
        type="range"
        min={0}
        max={LR_STEPS}
        value={lrPos}
        aria-valuetext={`learning rate ${fmt(lr)}`}
        onChange={(e) =>
          setLearningRate(
            Number((LR_MIN * Math.pow(LR_MAX / LR_MIN, Number(e.target.value) / LR_STEPS)).toPrecision(2)),
          )
        }
      />
      <NumberField
        label="Learning rate exactly"
        value={lr}
        testId="lr-input"
        validate={(v) => (v <= 0 ? 'must be > 0' : v > 10 ? 'must be ≤ 10' : null)}
        onCommit={setLearningRate}
      />
      <label htmlFor={sptId}>
        Steps per tick: <output>{spt}</output>
      </label>
      <input
        id={sptId}
        type="range"
        min={1}
        max={MAX_STEPS_PER_TICK}
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

const TASK_LABELS = {
  copy: 'Copy memory',
  adding: 'Adding problem',
  digits: 'Pixel-by-pixel digits',
} as const;

function FactorsField({ draft }: { draft: ExperimentConfig }) {
  const id = useId();
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const shown = text ?? draft.kru.factors.join(',');
  return (
    <div className="field">
      <label htmlFor={id}>KRU factor sizes p_f</label>
      <input
        id={id}
        type="text"
        value={shown}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          try {
            const factors = parseFactors(e.target.value);
            setError(null);
            updateDraft((d) => ({ ...d, kru: { ...d.kru, factors } }));
          } catch (err) {
            setError(err instanceof Error ? err.message : String(err));
          }
        }}
        onBlur={() => {
          if (!error) setText(null);
        }}
      />
      <span className="hint">comma-separated, product = N (e.g. 2,2,2,2,2,2 for N = 64)</span>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function StructuralSettings() {
  const draft = useApp((s) => s.draft);
  const applied = useApp((s) => s.applied);
  // Computed here, not in a selector: a selector returning a fresh array would re-render forever.
  const pending = applied ? structuralDiff(draft, applied) : [];
  const invalid = useApp(draftError);
  const edit = (fn: (d: ExperimentConfig) => ExperimentConfig) => updateDraft(fn);
  const digits = draft.task.name === 'digits';
  return (
    <fieldset className="panel structural">
      <legend>Model &amp; task: apply on Reset</legend>
      <p className="note">
        These settings rebuild both models, so they take effect only when you press <strong>Reset</strong>.
        The run in progress keeps going until then.
      </p>
      {pending.length > 0 && (
        <p className="pending" data-testid="pending" role="status">
          <span className="dot" aria-hidden="true" /> Not applied yet: {pending.join(', ')}.{' '}
          <button type="button" onClick={() => void reset()}>
            Reset to apply
          </button>
        </p>
      )}
      {invalid && (
        <p className="field-error" role="alert" data-testid="draft-error">
          {invalid}
        </p>
      )}
      <div className="grid2">
        <SelectField
          wide
          label="Task"
          value={draft.task.name}
          options={TASK_NAMES}
          labels={TASK_LABELS}
          onChange={(name) => edit((d) => ({ ...d, task: { ...d.task, name } }))}
        />
        <NumberField
          label={draft.task.name === 'copy' ? 'Delay T' : 'Length T'}
          value={draft.task.T}
          min={2}
          max={2000}
          step={1}
          eager
          disabled={digits}
          hint={digits ? 'digits: always 64' : undefined}
          validate={(v) => (Number.isInteger(v) && v >= 2 && v <= 2000 ? null : 'an integer from 2 to 2000')}
          onCommit={(T) => edit((d) => ({ ...d, task: { ...d.task, T } }))}
        />
        {digits && (
          <CheckField
            label="Permuted pixels"
            checked={draft.task.permuted}
            onChange={(permuted) => edit((d) => ({ ...d, task: { ...d.task, permuted } }))}
          />
        )}
        <NumberField
          label="Hidden size N"
          value={draft.hidden}
          min={1}
          max={4096}
          step={1}
          eager
          validate={(v) => (Number.isInteger(v) && v >= 1 && v <= 4096 ? null : 'an integer from 1 to 4096')}
          // A new N gets the matching 2×2×… factorisation, so the draft stays valid; edit the factors after.
          onCommit={(hidden) =>
            edit((d) => ({ ...d, hidden, kru: { ...d.kru, factors: defaultFactors(hidden) } }))
          }
        />
      </div>
      <FactorsField draft={draft} />
      <div className="grid2">
        <SelectField
          label="KRU activation"
          value={draft.kru.activation}
          options={KRU_ACTIVATIONS}
          onChange={(activation) => edit((d) => ({ ...d, kru: { ...d.kru, activation } }))}
        />
        <SelectField
          label="KRU init"
          value={draft.kru.init.kind}
          options={KRU_INITS}
          onChange={(kind) => edit((d) => ({ ...d, kru: { ...d.kru, init: { ...d.kru.init, kind } } }))}
        />
        {draft.kru.init.kind === 'gaussian' && (
          <NumberField
            label="KRU init scale"
            value={draft.kru.init.scale}
            eager
            validate={(v) => (v > 0 && v <= 100 ? null : 'from 0 (excluded) to 100')}
            onCommit={(scale) => edit((d) => ({ ...d, kru: { ...d.kru, init: { ...d.kru.init, scale } } }))}
          />
        )}
        <SelectField
          label="RNN activation"
          value={draft.rnn.activation}
          options={RNN_ACTIVATIONS}
          onChange={(activation) => edit((d) => ({ ...d, rnn: { ...d.rnn, activation } }))}
        />
        <SelectField
          label="RNN init"
          value={draft.rnn.init.kind}
          options={RNN_INITS}
          onChange={(kind) => edit((d) => ({ ...d, rnn: { ...d.rnn, init: { ...d.rnn.init, kind } } }))}
        />
        {draft.rnn.init.kind === 'gaussian' && (
          <NumberField
            label="RNN init gain g"
            value={draft.rnn.init.gain}
            eager
            validate={(v) => (v > 0 && v <= 100 ? null : 'from 0 (excluded) to 100')}
            onCommit={(gain) => edit((d) => ({ ...d, rnn: { ...d.rnn, init: { ...d.rnn.init, gain } } }))}
          />
        )}
        <NumberField
          label="Batch size"
          value={draft.batch}
          min={1}
          max={1024}
          step={1}
          eager
          validate={(v) => (Number.isInteger(v) && v >= 1 && v <= 1024 ? null : 'an integer from 1 to 1024')}
          onCommit={(batch) => edit((d) => ({ ...d, batch }))}
        />
        <NumberField
          label="Seed"
          value={draft.seed}
          min={0}
          step={1}
          eager
          testId="seed-input"
          validate={(v) => (Number.isInteger(v) && v >= 0 && v < 2 ** 32 ? null : 'an integer ≥ 0')}
          onCommit={(seed) => edit((d) => ({ ...d, seed }))}
        />
        <SelectField
          label="Optimizer"
          value={draft.optimizer}
          options={OPTIMIZERS}
          onChange={(optimizer) => edit((d) => ({ ...d, optimizer }))}
        />
        <SelectField
          label="Implementation"
          value={draft.impl}
          options={IMPLS}
          labels={{ fused: 'fused kernels', reference: 'op-by-op reference' }}
          onChange={(impl) => edit((d) => ({ ...d, impl }))}
        />
        <CheckField
          label="Clip gradient norm"
          checked={draft.clip !== null}
          onChange={(on) => edit((d) => ({ ...d, clip: on ? 1 : null }))}
        />
        {draft.clip !== null && (
          <NumberField
            label="Clip at"
            value={draft.clip}
            eager
            validate={(v) => (v > 0 ? null : 'must be > 0')}
            onCommit={(clip) => edit((d) => ({ ...d, clip }))}
          />
        )}
      </div>
      <div className="models" role="group" aria-label="Models to train">
        {(['kru', 'rnn'] as const).map((m) => (
          <CheckField
            key={m}
            label={`Train the ${m.toUpperCase()}`}
            checked={draft.models.includes(m)}
            // Keep at least one model, in a fixed order.
            disabled={draft.models.length === 1 && draft.models[0] === m}
            onChange={(on) =>
              edit((d) => ({
                ...d,
                models: (['kru', 'rnn'] as const).filter((k) => (k === m ? on : d.models.includes(k))),
              }))
            }
          />
        ))}
      </div>
    </fieldset>
  );
}

export function FileControls() {
  const fileRef = useRef<HTMLInputElement>(null);
  const fileId = useId();
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
        <input
          id={fileId}
          ref={fileRef}
          className="visually-hidden"
          type="file"
          accept="application/json,.json"
          data-testid="import-settings"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) importSettingsJson(await file.text());
            if (fileRef.current) fileRef.current.value = ''; // allow re-importing the same file
          }}
        />
        <label htmlFor={fileId} className="button">
          Import settings…
        </label>
      </div>
      <div className="buttons">
        {(['kru', 'rnn'] as const).map((kind) => (
          <button
            key={kind}
            type="button"
            data-testid={`export-${kind}`}
            onClick={async () => {
              const model = await exportModel(kind);
              if (model) download(`kru-explorer-${kind}-model.json`, JSON.stringify(model));
            }}
          >
            Export {kind.toUpperCase()} model
          </button>
        ))}
      </div>
    </fieldset>
  );
}
