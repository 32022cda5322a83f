// The structural settings, generated from the settings table: the run's own rows (task, batch, seed, …) and a
// card per model with its kind's rows. They rebuild the models, so they apply on Reset; a pending-changes line
// says what is waiting.
import { KIND_LABEL, MODEL_KINDS, type ModelKind } from '../core/vocabulary';
import { defaultFactors } from '../core/factor-layout';
import {
  defaultModel,
  freshId,
  getPath,
  MAX_MODELS,
  MODEL_ROWS,
  RUN_ROWS,
  setPath,
  structuralDiff,
  type ModelSpec,
  type RunConfig,
} from '../settings';
import { SettingField } from './setting-field';
import { draftError, reset, updateDraft, useApp } from './store';

/** Live rows are edited in the live panel; id is fixed once a model exists. */
const hiddenInCard = (path: string[]) => path[0] === 'id' || path[0] === 'lambda' || path[0] === 'lr';

function withPath<T extends object>(obj: T, path: string[], value: unknown): T {
  const copy = structuredClone(obj);
  setPath(copy, path, value);
  return copy;
}

function ModelCard({ model, index, count }: { model: ModelSpec; index: number; count: number }) {
  const rows = MODEL_ROWS[model.kind].filter(({ path }) => !hiddenInCard(path));
  const edit = (fn: (m: ModelSpec) => ModelSpec) =>
    updateDraft((d) => ({ ...d, models: d.models.map((m, i) => (i === index ? fn(m) : m)) }));
  return (
    <fieldset className="model-card" data-testid={`model-card-${model.id}`}>
      <legend>
        {model.label}{' '}
        <span className="kind">
          ({KIND_LABEL[model.kind]}, id {model.id})
        </span>
      </legend>
      <div className="grid2">
        {rows.map(({ path, row }) => {
          // Gaussian-only settings are shown only for a gaussian init.
          if (path[0] === 'init' && path[1] !== 'kind' && 'init' in model && model.init.kind !== 'gaussian')
            return null;
          return (
            <SettingField
              key={path.join('.')}
              row={row}
              value={getPath(model, path)}
              eager
              testId={path[0] === 'hidden' ? `hidden-${model.id}` : undefined}
              onChange={(v) =>
                edit((m) => {
                  const next = withPath(m, path, v);
                  // A new N gets the matching 2×2×… factorisation, so the draft stays valid; edit the factors after.
                  if (path[0] === 'hidden' && 'factors' in next) next.factors = defaultFactors(v as number);
                  return next;
                })
              }
            />
          );
        })}
      </div>
      <button
        type="button"
        disabled={count === 1}
        data-testid={`remove-${model.id}`}
        onClick={() => updateDraft((d) => ({ ...d, models: d.models.filter((_, i) => i !== index) }))}
      >
        Remove {model.label}
      </button>
    </fieldset>
  );
}

function addModel(d: RunConfig, kind: ModelKind): RunConfig {
  const id = freshId(kind, d.models);
  const m = defaultModel(kind);
  return { ...d, models: [...d.models, { ...m, id, label: id === kind ? m.label : id.toUpperCase() }] };
}

export function StructuralSettings() {
  const draft = useApp((s) => s.draft);
  // Computed here, not in a selector: a selector returning a fresh array would re-render forever.
  const applied = useApp((s) => s.applied);
  const pending = applied ? structuralDiff(draft, applied) : [];
  const invalid = useApp(draftError);
  const digits = draft.task.name === 'digits';
  return (
    <fieldset className="panel structural">
      <legend>Task &amp; models: apply on Reset</legend>
      <p className="note">
        These settings rebuild the models, so they take effect only when you press <strong>Reset</strong>. The
        run in progress keeps going until then.
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
        {RUN_ROWS.map(({ path, row }) => {
          const key = path.join('.');
          if (key === 'task.permuted' && !digits) return null;
          return (
            <SettingField
              key={key}
              row={row}
              value={getPath(draft, path)}
              eager
              wide={key === 'task.name'}
              label={key === 'task.T' ? (draft.task.name === 'copy' ? 'Delay T' : 'Length T') : undefined}
              disabled={key === 'task.T' && digits}
              hint={key === 'task.T' && digits ? 'digits: always 64' : undefined}
              testId={key === 'seed' ? 'seed-input' : undefined}
              onChange={(v) => updateDraft((d) => withPath(d, path, v))}
            />
          );
        })}
      </div>
      <h3 className="models-heading">Models ({draft.models.length})</h3>
      {draft.models.map((m, i) => (
        <ModelCard key={`${i}-${m.id}`} model={m} index={i} count={draft.models.length} />
      ))}
      <div className="buttons" role="group" aria-label="Add a model">
        {MODEL_KINDS.map((kind) => (
          <button
            key={kind}
            type="button"
            data-testid={`add-${kind}`}
            disabled={draft.models.length >= MAX_MODELS}
            onClick={() => updateDraft((d) => addModel(d, kind))}
          >
            + {KIND_LABEL[kind]}
          </button>
        ))}
      </div>
    </fieldset>
  );
}
