// A form field generated from a settings-table row: the row says the label, the kind of input, the range and
// the help text, and its schema validates what the user types (the same check as links, files and the CLI).
import { useId, useState } from 'react';
import { readText, type Row } from '../settings/rows';
import { CheckField, NumberField, SelectField } from './fields';

interface Props {
  row: Row;
  value: unknown;
  onChange: (v: unknown) => void;
  /** Replaces the row's label (e.g. "Delay T" for the copy task). */
  label?: string;
  disabled?: boolean;
  hint?: string;
  testId?: string;
  /** Commit number fields on every valid keystroke (structural settings); live ones wait for Enter. */
  eager?: boolean;
  wide?: boolean;
}

/** The row's message for a value it refuses, or null. */
export function schemaError(row: Row, v: unknown): string | null {
  const r = row.schema.safeParse(v);
  return r.success ? null : r.error.issues[0].message;
}

/** Free text (factor sizes, ids, labels): parsed by the row as the user types. */
function TextField(p: Props) {
  const id = useId();
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const shown = text ?? p.row.formatText(p.value as never);
  return (
    <div className={p.wide ? 'field wide' : 'field'}>
      <label htmlFor={id}>{p.label ?? p.row.label}</label>
      <input
        id={id}
        type="text"
        value={shown}
        spellCheck={false}
        disabled={p.disabled}
        data-testid={p.testId}
        aria-invalid={error ? true : undefined}
        title={p.row.help}
        onChange={(e) => {
          setText(e.target.value);
          const r = readText(p.row, e.target.value);
          setError(r.ok ? null : r.error);
          if (r.ok) p.onChange(r.value);
        }}
        onBlur={() => {
          if (!error) setText(null);
        }}
      />
      {p.hint && <span className="hint">{p.hint}</span>}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function SettingField(p: Props) {
  const { row } = p;
  const label = p.label ?? row.label;
  switch (row.field) {
    case 'int':
    case 'number':
      return (
        <NumberField
          label={label}
          value={p.value as number}
          min={row.min}
          max={row.max}
          step={row.field === 'int' ? 1 : 'any'}
          eager={p.eager}
          disabled={p.disabled}
          testId={p.testId}
          hint={p.hint}
          validate={(v) => schemaError(row, v)}
          onCommit={p.onChange}
        />
      );
    case 'choice':
      return (
        <SelectField
          wide={p.wide}
          label={label}
          value={p.value as string}
          options={row.options ?? []}
          disabled={p.disabled}
          testId={p.testId}
          onChange={p.onChange}
        />
      );
    case 'bool':
      return (
        <CheckField label={label} checked={p.value as boolean} disabled={p.disabled} onChange={p.onChange} />
      );
    case 'optional-number': {
      const v = p.value as number | null;
      return (
        <>
          <CheckField
            label={label}
            checked={v !== null}
            disabled={p.disabled}
            onChange={(on) => p.onChange(on ? 1 : null)}
          />
          {v !== null && (
            <NumberField
              label={`${label}: at`}
              value={v}
              eager={p.eager}
              disabled={p.disabled}
              validate={(x) => schemaError(row, x)}
              onCommit={p.onChange}
            />
          )}
        </>
      );
    }
    case 'factors':
    case 'text':
      return <TextField {...p} />;
  }
}
