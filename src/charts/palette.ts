// One palette for every chart, so "KRU blue / RNN vermillion" means the same thing everywhere on the page.
// Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies. Both model colours keep
// ≥ 3:1 contrast (WCAG non-text) against white and against a near-black background, so they need no dark variant.

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

export type ModelKind = 'kru' | 'rnn';

/** Model colours (hex, so they work in SVG, CSS and canvas alike). */
export const palette = {
  kru: okabeIto.blue,
  rnn: okabeIto.vermillion,
  /** Reference marks (σ = 1, unit circle, unitary target). */
  target: okabeIto.bluishGreen,
  /** λ change marks. */
  lambda: okabeIto.reddishPurple,
} as const;

export const modelColor: Record<ModelKind, string> = { kru: palette.kru, rnn: palette.rnn };
export const modelLabel: Record<ModelKind, string> = { kru: 'KRU', rnn: 'RNN' };

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
