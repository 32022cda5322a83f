// What the charts need to know of a run's models, and their legends: pure functions of the History (no DOM),
// unit-tested in node. A run has 1–8 models of either kind, identified by id; every chart draws one series per
// model with that model's label, colour and dash (palette.modelStyles).
import { isFactored, SHOWN_MATRIX } from '../../core/vocabulary';
import type { Column, History, SettingChange } from '../../history/history';
import { modelStyles, palette, theme, type ModelStyle } from '../palette';
import { formatCount, formatValue } from '../../core/format';
import type { LegendItem } from './frame';

/** The run's models with their styles, in config order. */
export function stylesOf(h: History): ModelStyle[] {
  return modelStyles(h.models);
}

/** Rows column `c` of model `id` holds, capped at n (0 when the model has no rows yet). */
export function rowsOf(c: Column | undefined, n = Infinity): number {
  return c ? Math.min(n, c.rows) : 0;
}

const positiveSeen = new WeakMap<Column, { rows: number; epoch: number; any: boolean }>();

/**
 * Whether any row of a single-value column is > 0. Incremental: each call scans only the rows appended since
 * the last one, so asking every frame costs O(new rows); from scratch when the column's rows were rewritten
 * (its epoch: compaction keeps every maximum, but a truncation may drop the only positive row).
 */
export function anyPositive(c: Column | undefined): boolean {
  if (!c) return false;
  let s = positiveSeen.get(c);
  if (!s || s.epoch !== c.epoch) positiveSeen.set(c, (s = { rows: 0, epoch: c.epoch, any: false }));
  if (s.any) return true;
  const v = c.view();
  for (let i = s.rows; i < v.length; i++) {
    if (v[i] > 0) {
      s.any = true;
      break;
    }
  }
  s.rows = v.length;
  return s.any;
}

/** The factored models (KRU, KRU-LSTM) that draw a λ·R line: those with λ > 0 at some step. */
export function penalisedKrus(h: History, styles: ModelStyle[] = stylesOf(h)): ModelStyle[] {
  return styles.filter((m) => isFactored(m.kind) && anyPositive(h.series[m.id]?.lambda));
}

/** Dash of the λ·R lines (model colour). */
export const LAMBDA_REG_DASH = '5 3';
/**
 * Dash of the vertical change marks: λ and lr (model colour); a reset's and a restore's mark is solid (neutral
 * colour); a model's divergence is solid in the model's colour.
 */
export const CHANGE_DASH: Record<SettingChange['setting'], string> = {
  lambda: '2 3',
  lr: '1 2',
  reset: '',
  restore: '',
  diverged: '',
};

/** Marks of the whole run (a reset, a restore from a checkpoint): neutral, on every panel of every model. */
export function runMark(c: SettingChange): boolean {
  return c.setting === 'reset' || c.setting === 'restore';
}

const SETTING_NAME: Record<'lambda' | 'lr', string> = { lambda: 'λ', lr: 'lr' };

/**
 * The mark label of a change: "KRU λ=1", "RNN lr=0.001", "reset · seed 1→2", "restored step 1,200 · lr ÷10" (a
 * restore's note says it all), "KRU diverged".
 */
export function changeLabel(c: SettingChange, label: string): string {
  if (c.setting === 'reset') return c.note ? `reset · ${c.note}` : 'reset';
  if (c.setting === 'restore') return c.note || 'restored';
  if (c.setting === 'diverged') return `${label} diverged`;
  return `${label} ${SETTING_NAME[c.setting]}=${formatValue(c.to)}`;
}

/**
 * The readout text of a change: "KRU λ 0.01 → 1 at step 300", "reset (seed 1→2) at step 301",
 * "restored step 1,200 · lr ÷10, from step 1,201", "KRU diverged at step 337: the loss is NaN".
 */
export function changeText(c: SettingChange, label: string): string {
  if (c.setting === 'reset') return `reset${c.note ? ` (${c.note})` : ''} at step ${formatCount(c.step)}`;
  if (c.setting === 'restore') return `${c.note || 'restored'}, from step ${formatCount(c.step)}`;
  if (c.setting === 'diverged')
    return `${label} diverged at step ${formatCount(c.step)}${c.note ? `: ${c.note}` : ''}`;
  return `${label} ${SETTING_NAME[c.setting]} ${formatValue(c.from)} → ${formatValue(c.to)} at step ${formatCount(c.step)}`;
}

/** The style of model `id` (a neutral one when the run no longer has it). */
export function styleOf(styles: readonly ModelStyle[], id: string): ModelStyle {
  return (
    styles.find((s) => s.id === id) ?? { id, label: id, kind: 'kru', index: -1, color: theme.muted, dash: '' }
  );
}

/** Legend entries of the change marks that the run has (λ always, like the old single λ mark). */
export function changeLegend(h: History): LegendItem[] {
  // The marks take the changed model's colour (their label names it): the legend shows only their dash.
  const items: LegendItem[] = [
    { label: 'λ changed', color: theme.muted, dash: CHANGE_DASH.lambda, width: 1 },
  ];
  if (h.changes.some((c) => c.setting === 'lr'))
    items.push({ label: 'lr changed', color: theme.muted, dash: CHANGE_DASH.lr, width: 1 });
  if (h.changes.some((c) => c.setting === 'reset'))
    items.push({ label: 'reset (new run)', color: theme.muted, width: 1.5 });
  if (h.changes.some((c) => c.setting === 'restore'))
    items.push({ label: 'restored from a checkpoint', color: theme.muted, width: 1.5 });
  if (h.changes.some((c) => c.setting === 'diverged'))
    items.push({ label: 'model diverged (stopped)', color: theme.muted, width: 1 });
  return items;
}

/** One entry per model (label, colour, dash): the legend of charts whose only lines are one per model. */
export function modelLegend(styles: readonly ModelStyle[], suffix = '', width?: number): LegendItem[] {
  return styles.map((m) => ({
    label: `${m.label}${suffix}`,
    color: m.color,
    dash: m.dash || undefined,
    width,
  }));
}

export function lossLegend(h: History): LegendItem[] {
  const styles = stylesOf(h);
  const penalised = new Set(penalisedKrus(h, styles).map((m) => m.id));
  const items: LegendItem[] = [];
  for (const m of styles) {
    items.push({ label: `${m.label} task loss`, color: m.color, dash: m.dash || undefined });
    if (penalised.has(m.id))
      items.push({ label: `${m.label} λ·R`, color: m.color, dash: LAMBDA_REG_DASH, width: 1.2 });
  }
  items.push({ label: 'memoryless baseline', color: theme.muted, dash: '6 4', width: 1.2 });
  return [...items, ...changeLegend(h)];
}

export function deviationLegend(h: History, factorDash: string): LegendItem[] {
  const styles = stylesOf(h);
  const items: LegendItem[] = styles.map((m) => ({
    label:
      m.kind === 'kru'
        ? `${m.label} full W`
        : m.kind === 'kru-lstm'
          ? `${m.label} full ${SHOWN_MATRIX[m.kind]}`
          : `${m.label} ${SHOWN_MATRIX[m.kind]} (‖WᵀW − I‖²_F)`,
    color: m.color,
    dash: m.dash || undefined,
    width: 2.5,
  }));
  const krus = styles.filter((m) => isFactored(m.kind));
  if (krus.length) {
    const one = krus.length === 1;
    items.push({
      label: one ? `${krus[0].label} each factor` : 'each Kronecker factor (thin, model colour)',
      color: one ? krus[0].color : theme.muted,
      dash: factorDash,
      width: 1,
      opacity: 0.8,
    });
  }
  return [...items, ...changeLegend(h)];
}

export function singularValuesLegend(h: History): LegendItem[] {
  const styles = stylesOf(h);
  const krus = styles.filter((m) => isFactored(m.kind));
  const items: LegendItem[] = krus.map((m) => ({ label: `${m.label} factor σ₁ (largest)`, color: m.color }));
  if (krus.length) {
    items.push({ label: 'smaller σ', color: krus.length === 1 ? krus[0].color : theme.muted, dash: '6 2' });
    items.push({ label: 'unitary target σ = 1', color: palette.target, dash: '6 4', width: 1.2 });
  }
  items.push(...modelLegend(styles, ' ‖W‖₂', 2.5));
  return h.changes.length ? [...items, ...changeLegend(h)] : items;
}

export function gradProfileLegend(h: History): LegendItem[] {
  return [
    ...modelLegend(stylesOf(h), ', latest step'),
    { label: 'step 1 (faint, dotted)', color: 'currentColor', dash: '3 3', width: 1.2, opacity: 0.6 },
  ];
}

export function spectrumLegend(h: History): LegendItem[] {
  return [
    ...modelLegend(stylesOf(h)),
    { label: 'unitary: σ = 1, |λ| = 1', color: palette.target, dash: '6 4', width: 1.3 },
  ];
}

/**
 * Whether the run's task has an accuracy (copy memory, digits) rather than none (the adding problem, whose
 * accuracy column is all NaN). A task has it on every row or on none, so the first row decides.
 */
export function hasAccuracy(h: History): boolean {
  return h.models.some((m) => {
    const c = h.series[m.id]?.accuracy;
    return !!c && c.length > 0 && Number.isFinite(c.view()[0]);
  });
}

/** Each model's latest held-out test accuracy, for the models that have one (digits), in run order. */
export function testAccuracies(
  h: History,
  styles: ModelStyle[] = stylesOf(h),
): Array<{ m: ModelStyle; value: number }> {
  const out: Array<{ m: ModelStyle; value: number }> = [];
  for (const m of styles) {
    const v = h.detail[m.id]?.testAccuracy;
    if (typeof v === 'number' && Number.isFinite(v)) out.push({ m, value: v });
  }
  return out;
}

export function accuracyLegend(h: History): LegendItem[] {
  const styles = stylesOf(h);
  const test = new Map(testAccuracies(h, styles).map(({ m, value }) => [m.id, value]));
  const items: LegendItem[] = styles.map((m) => ({
    label: test.has(m.id)
      ? `${m.label} training (held-out test ${formatValue(test.get(m.id)!)})`
      : `${m.label} training`,
    color: m.color,
    dash: m.dash || undefined,
  }));
  return h.changes.length ? [...items, ...changeLegend(h)] : items;
}
