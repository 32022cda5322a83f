// One palette for every chart, so a model has the same colour everywhere on the page. A model's style comes
// from its position in the run (History.models): the first is blue and the second vermillion, so the default
// run (KRU, then RNN) reads as it always has, whatever the models' kinds.
// Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies. The model colours keep
// ≥ 3:1 contrast (WCAG non-text) against white and against a near-black background, so they need no dark
// variant (yellow and black are left out for that reason).
import type { ModelInfo } from '../engine/types';

/** The eight Okabe–Ito colours. */
export const okabeIto = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const;

/** Reference colours (hex, so they work in SVG, CSS and canvas alike). */
export const palette = {
  /** Reference marks (σ = 1, unit circle, unitary target). */
  target: okabeIto.bluishGreen,
  /** λ change marks' legend entry (the marks themselves take the changed model's colour). */
  lambda: okabeIto.reddishPurple,
} as const;

/**
 * Model colours by position in the run. Bluish green, the reference colour, comes last so that it is a
 * model's only when a run has six or more.
 */
export const modelColors = [
  okabeIto.blue,
  okabeIto.vermillion,
  okabeIto.reddishPurple,
  okabeIto.orange,
  okabeIto.skyBlue,
  okabeIto.bluishGreen,
] as const;

/**
 * Dash patterns of model lines beyond the first modelColors.length models (whose colours repeat), so up to
 * 12 models stay distinguishable. They avoid the variants charts draw in a model's colour ('5 3' λ·R,
 * '6 2' smaller σ, '3 3' step 1).
 */
const extraDashes = ['8 3 2 3', '1 3'] as const;

/** How one model is drawn: its identity (id, label, kind) plus colour and line dash ('' = solid). */
export interface ModelStyle extends ModelInfo {
  /** Position in History.models. */
  index: number;
  color: string;
  dash: string;
}

/** Colour and dash of the model at position `index` of a run. */
export function modelStyleAt(index: number): { color: string; dash: string } {
  const n = modelColors.length;
  const i = Math.max(0, Math.floor(index));
  return {
    color: modelColors[i % n],
    dash: i < n ? '' : extraDashes[(Math.floor(i / n) - 1) % extraDashes.length],
  };
}

/** One style per model, in the run's order. */
export function modelStyles(models: readonly ModelInfo[]): ModelStyle[] {
  return models.map((m, index) => ({
    id: m.id,
    label: m.label,
    kind: m.kind,
    index,
    ...modelStyleAt(index),
  }));
}

/**
 * Theme colours for text, axes and grid, as CSS values with fallbacks, so the page can set --fg / --muted /
 * --grid and the charts still read well in light and dark schemes when it does not.
 */
export const theme = {
  fg: 'var(--fg, currentColor)',
  muted: 'var(--muted, color-mix(in srgb, currentColor 62%, transparent))',
  grid: 'var(--grid, color-mix(in srgb, currentColor 14%, transparent))',
} as const;

/** Dash patterns that tell same-coloured lines apart without relying on colour. */
export const dashes = ['', '5 3', '2 2', '8 3 2 3', '1 3', '10 4'] as const;
