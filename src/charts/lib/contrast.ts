// Text in a model's colour must stay readable (WCAG AA: 4.5:1 for normal text). The palette's colours are
// chosen for lines (3:1); as text, vermillion on white (3.9:1) or blue on the dark background (3.5:1) fall
// short. `readableText` moves a colour towards the page's text colour just far enough, so the hue still says
// which model it is.

function channels(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  const n = parseInt(full.slice(0, 6), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two #rrggbb colours (1 … 21). */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [luminance(channels(a)), luminance(channels(b))];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

const hex = (c: [number, number, number]) =>
  '#' + c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');

/**
 * `color`, mixed towards `fg` in steps of 5% until it has at least `min` contrast against `bg` (all #rrggbb);
 * `color` itself when it already has.
 */
export function readableText(color: string, bg: string, fg: string, min = 4.5): string {
  const c = channels(color);
  const f = channels(fg);
  for (let t = 0; t <= 1.0001; t += 0.05) {
    const mixed = hex([0, 1, 2].map((i) => c[i] + (f[i] - c[i]) * t) as [number, number, number]);
    if (contrastRatio(mixed, bg) >= min) return mixed;
  }
  return fg;
}

const cache = new Map<string, string>();

/** A CSS colour (any syntax: the built CSS writes #fff, not #ffffff) as #rrggbb, via the browser's own parser. */
function cssColor(value: string): string {
  const probe = document.createElement('span');
  probe.style.color = value;
  document.body.append(probe);
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(probe).color);
  probe.remove();
  return m ? hex([Number(m[1]), Number(m[2]), Number(m[3])]) : '';
}
/** The page's --bg and --fg, read once per colour scheme (reading styles in a draw would force a style pass). */
let scheme: { dark: boolean; bg: string; fg: string } | null = null;

/** `readableText` against the page's --bg and --fg in the current colour scheme (light or dark), cached. */
export function pageText(color: string): string {
  if (typeof document === 'undefined' || typeof getComputedStyle === 'undefined') return color;
  const dark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  if (!scheme || scheme.dark !== dark)
    scheme = { dark, bg: cssColor('var(--bg)'), fg: cssColor('var(--fg)') };
  const { bg, fg } = scheme;
  if (!/^#[0-9a-f]{6}$/i.test(bg) || !/^#[0-9a-f]{6}$/i.test(fg)) return color;
  const key = `${color}|${bg}|${fg}`;
  let out = cache.get(key);
  if (!out) cache.set(key, (out = readableText(color, bg, fg)));
  return out;
}
