// Classroom links: `hide=` a comma-separated list of panels and views the page leaves out, so a teacher can send a
// link that shows only what the lesson is about. Not a setting of the run: kept in the link like `backend`.
import { VIEW_ORDER } from './shortcuts';
import { quoteText, type Parsed } from '../settings/run-config';

/** What a link can hide, with the words the "classroom link" form shows for each. */
export const HIDEABLE: ReadonlyArray<{ name: string; text: string }> = [
  { name: 'explainer', text: 'the explainer' },
  { name: 'presets', text: 'the presets' },
  { name: 'live', text: 'the live λ and learning-rate controls' },
  { name: 'settings', text: 'the task & models settings' },
  { name: 'files', text: 'share & save' },
  ...VIEW_ORDER.map((v) => ({ name: v, text: `the ${v.replace(/-/g, ' ')} view` })),
];

export const HIDE_KEY = 'hide';

/** The names in a link's `hide`; every unknown one is reported and the known ones still apply. */
export function hiddenFromParams(params: URLSearchParams): { hidden: Set<string>; problem: string | null } {
  const raw = params.get(HIDE_KEY);
  const hidden = new Set<string>();
  if (raw === null || raw.trim() === '') return { hidden, problem: null };
  const unknown: string[] = [];
  for (const name of raw.split(',').map((x) => x.trim())) {
    if (HIDEABLE.some((h) => h.name === name)) hidden.add(name);
    else if (name) unknown.push(name);
  }
  // Quoted with escapes and cut short, at most five named: a hostile link cannot make it long or multi-line.
  const named = unknown
    .slice(0, 5)
    .map((n) => quoteText(n))
    .join(', ');
  const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : '';
  const problem = unknown.length
    ? `The link's hide list names ${named}${more}, which the page does ` +
      `not have (it can hide: ${HIDEABLE.map((h) => h.name).join(', ')}); the others are hidden.`
    : null;
  return { hidden, problem };
}

/** The page's link with `hide` set to `names` (in HIDEABLE order), or without it when none. */
export function classroomLink(href: string, names: ReadonlySet<string>): Parsed<string> {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return { ok: false, error: `not a link: ${quoteText(href)}` };
  }
  const list = HIDEABLE.map((h) => h.name).filter((n) => names.has(n));
  if (list.length) url.searchParams.set(HIDE_KEY, list.join(','));
  else url.searchParams.delete(HIDE_KEY);
  return { ok: true, value: url.toString() };
}
