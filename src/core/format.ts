// The one number format of the page: the charts (axes, readouts, legends, change marks, the parameters table),
// the live fields and the messages write their numbers through this module (pure; unit-tested in node).
//
// - A measured value (formatValue): up to 3 significant digits, written plainly for 1e-3 ≤ |x| < 1e4
//   ("0.00296", "64.3", "1020"), else as mantissa and exponent with a real minus sign and no "+" ("1.39e−4",
//   "1.06e5"); negatives with "−"; "∞", "NaN". Never SI prefixes ("m", "µ", "k").
// - A count (formatCount: a step, a position, a number of parameters): the integer in full, grouped by thousands
//   from 10,000 up ("172", "4096", "16,384").
// - Axis ticks (formatTicks): the value format, with more significant digits only where neighbouring ticks would
//   otherwise read the same ("0.99995, 1, 1.00005", never "1, 1, 1"); integer axes (steps, positions) take
//   integer ticks only, written as counts.
// - A decade on a log axis (formatPow10): the plain value inside the plain range (0.001 … 1000), else 10 with a
//   superscript exponent ("10⁻⁶", "10⁴").

/** A measured value (3 significant digits). One argument only, so that `values.map(formatValue)` is safe. */
export function formatValue(v: number): string {
  return withDigits(v, 3);
}

/** v rounded to `digits` significant digits (v itself where that would overflow). */
function rounded(v: number, digits: number): number {
  const r = Number(v.toPrecision(digits));
  return Number.isFinite(r) ? r : v;
}

/** formatValue's notation with `digits` significant digits. */
function withDigits(v: number, digits: number): string {
  if (v === 0) return '0';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  // Round first, so that 9999.7 counts as 1e4 and 0.00099996 as 0.001 when choosing the notation.
  const r = rounded(v, digits);
  const a = Math.abs(r);
  const s =
    a >= 1e4 || a < 1e-3
      ? r
          .toExponential(digits - 1)
          .replace(/\.?0+e/, 'e')
          .replace('e+', 'e')
      : String(r); // shortest round-trip: plain in this range, without trailing zeros ("1020", "0.5")
  return s.replace(/-/g, '−');
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count (step, position, parameters): the integer in full, grouped by thousands from 10,000; "—" if not finite. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const s = Math.abs(n) >= 1e4 ? grouped.format(n) : String(Math.round(n));
  return s.replace(/-/g, '−');
}

/**
 * Labels for axis ticks: formatValue with the fewest significant digits (3 at least) that write every tick to
 * within 1% of the gap between ticks, so a tiny domain reads "0.99995, 1, 1.00005" rather than "1, 1, 1" (or
 * the unevenly spaced "0.99995, 1, 1.0001").
 */
export function formatTicks(values: readonly number[]): string[] {
  let gap = Infinity;
  for (let i = 1; i < values.length; i++) {
    const d = Math.abs(values[i] - values[i - 1]);
    if (d > 0 && d < gap) gap = d;
  }
  let digits = 3;
  while (digits < 17 && values.some((v) => Math.abs(rounded(v, digits) - v) > gap * 0.01)) digits++;
  return values.map((v) => withDigits(v, digits));
}

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/** Label for 10^k on a log axis: the plain value for 0.001 … 1000 (as formatValue writes it), else 10ᵏ. */
export function formatPow10(k: number): string {
  if (k >= -3 && k <= 3) return formatValue(10 ** k);
  return '10' + String(k).replace(/./g, (c) => SUPERSCRIPT[c] ?? c);
}

/** Approximate advance widths of the charts' sans-serif, in em (DejaVu Sans; Segoe UI and Roboto are narrower). */
const SMALL = new Set([...'⁰¹²³⁴⁵⁶⁷⁸⁹⁻₀₁₂₃₄₅₆₇₈₉']);
const NARROW = new Set([...' .,:;|!']);
const THIN = new Set([...'ijlrtf()[]/']);
const WIDE = new Set([...'−+×=·mwMW‖∂…']);

function charEm(c: string): number {
  if (SMALL.has(c)) return 0.42;
  if (NARROW.has(c)) return 0.32;
  if (THIN.has(c)) return 0.38;
  if (WIDE.has(c)) return 0.84;
  if (c >= '0' && c <= '9') return 0.64;
  if (c >= 'A' && c <= 'Z') return 0.7;
  return 0.6;
}

/** Estimated width in px of `s` at `fontPx` (to place a label beside tick text; not a measurement). */
export function textWidth(s: string, fontPx = 11): number {
  let em = 0;
  for (const c of s) em += charEm(c);
  return em * fontPx;
}
