// Small form fields shared by the control panels: every input has a real <label>, and number boxes commit on
// change / Enter / blur rather than on every keystroke (so typing "0.05" never applies "0" on the way).
import { useId, useState, type ReactNode } from 'react';

/**
 * A number as a field's editable text: plain ASCII that Number() reads back (up to 4 significant digits). Text
 * that is only read (labels, the status line) uses formatValue from core/format instead.
 */
export function fieldText(v: number): string {
  if (!Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(2).replace('e+', 'e');
}

/** Parses a user-typed number; null when it is not one. */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!t) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

interface NumberFieldProps {
  label: ReactNode;
  value: number;
  /** Returns an error message, or null when v is acceptable. */
  validate?: (v: number) => string | null;
  onCommit: (v: number) => void;
  step?: number | 'any';
  min?: number;
  max?: number;
  disabled?: boolean;
  testId?: string;
  hint?: ReactNode;
  /** Commit on every valid keystroke too (for settings that only apply on reset). */
  eager?: boolean;
}

export function NumberField(p: NumberFieldProps) {
  const id = useId();
  // While the user edits, show their text; otherwise the store's value. No effect needed to sync the two.
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const shown = editing ?? fieldText(p.value);

  const check = (text: string): number | null => {
    const v = parseNumber(text);
    const err = v === null ? 'enter a number' : (p.validate?.(v) ?? null);
    setError(err);
    return err ? null : v;
  };
  const commit = () => {
    if (editing === null) return;
    const v = check(editing);
    if (v !== null) {
      p.onCommit(v);
      setEditing(null);
    }
  };

  return (
    <div className="field">
      <label htmlFor={id}>{p.label}</label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        value={shown}
        step={p.step ?? 'any'}
        min={p.min}
        max={p.max}
        disabled={p.disabled}
        data-testid={p.testId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-err` : undefined}
        onChange={(e) => {
          const text = e.target.value;
          setEditing(text);
          // Eager fields apply straight away; live ones wait for Enter or leaving the box (the change event).
          if (p.eager) {
            const v = check(text);
            if (v !== null) p.onCommit(v);
          }
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') {
            setEditing(null);
            setError(null);
          }
        }}
        onBlur={() => {
          commit();
          if (error === null) setEditing(null);
        }}
      />
      {p.hint && <span className="hint">{p.hint}</span>}
      {error && (
        <span className="field-error" id={`${id}-err`} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

interface SelectFieldProps<T extends string> {
  label: ReactNode;
  value: T;
  options: readonly T[];
  onChange: (v: T) => void;
  labels?: Partial<Record<T, string>>;
  disabled?: boolean;
  testId?: string;
  /** Span both columns of a two-column grid. */
  wide?: boolean;
}

export function SelectField<T extends string>(p: SelectFieldProps<T>) {
  const id = useId();
  return (
    <div className={p.wide ? 'field wide' : 'field'}>
      <label htmlFor={id}>{p.label}</label>
      <select
        id={id}
        value={p.value}
        disabled={p.disabled}
        data-testid={p.testId}
        onChange={(e) => p.onChange(e.target.value as T)}
      >
        {p.options.map((o) => (
          <option key={o} value={o}>
            {p.labels?.[o] ?? o}
          </option>
        ))}
      </select>
    </div>
  );
}

export function CheckField(p: {
  label: ReactNode;
  checked: boolean;
  onChange: (v: boolean) => void;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="field check">
      <input
        id={id}
        type="checkbox"
        checked={p.checked}
        disabled={p.disabled}
        onChange={(e) => p.onChange(e.target.checked)}
      />
      <label htmlFor={id}>{p.label}</label>
    </div>
  );
}
