// The Presets panel (one button per preset: load its run and start it), the "What to watch" banner shown while
// a preset's run is running, and the "show me" buttons the explainer uses. Presets are data (src/presets): the
// page reads their title, caption, focus view and loss scale, nothing else.
import { useEffect, useState, type ReactNode } from 'react';
import { PRESETS, presetByName, type ViewId } from '../presets';
import { activePreset, loadPreset, useApp } from './store';

/** The element of view `id` (views carry data-testid="view-<id>"). */
function viewElement(id: ViewId): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-testid="view-${id}"]`);
}

/** Where the window must scroll for view `el` to sit just below the sticky preset banner. */
function scrollTopFor(el: HTMLElement): number {
  const banner = document.querySelector<HTMLElement>('.preset-banner');
  return Math.max(0, el.getBoundingClientRect().top + window.scrollY - (banner?.offsetHeight ?? 0) - 12);
}

/**
 * Scrolls view `id` into sight below the sticky preset banner, and moves focus to it for keyboard users. Views
 * above it may change height while a smooth scroll passes them (they redraw as they come into sight), so once
 * the scroll ends its target is measured again and corrected.
 */
export function scrollToView(id: ViewId): void {
  const el = viewElement(id);
  if (!el) return;
  const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const target = scrollTopFor(el);
  const moves = Math.abs(target - window.scrollY) > 1;
  window.scrollTo({ top: target, behavior: smooth ? 'smooth' : 'auto' });
  el.focus({ preventScroll: true });
  if (!smooth || !moves) return; // no scroll, no scrollend: nothing to correct
  // Corrected only if the user does not take over the scroll meanwhile.
  const userInput = ['wheel', 'touchstart', 'keydown', 'pointerdown'] as const;
  const done = () => {
    window.removeEventListener('scrollend', settle);
    for (const t of userInput) window.removeEventListener(t, done);
  };
  const settle = () => {
    done();
    const top = scrollTopFor(el);
    if (Math.abs(top - window.scrollY) > 4) window.scrollTo({ top, behavior: 'auto' });
  };
  window.addEventListener('scrollend', settle);
  for (const t of userInput) window.addEventListener(t, done, { passive: true });
}

export function PresetsPanel() {
  const active = useApp((s) => activePreset(s)?.name ?? null);
  return (
    <fieldset className="panel presets" data-testid="presets">
      <legend>Presets</legend>
      <p className="hint">
        Runs that show one of the paper&apos;s claims. A click loads the run and starts it.
      </p>
      <div className="preset-buttons">
        {PRESETS.map((p) => (
          <button
            key={p.name}
            type="button"
            data-testid={`preset-${p.name}`}
            aria-pressed={active === p.name}
            onClick={() => void loadPreset(p.name)}
          >
            {p.title}
          </button>
        ))}
      </div>
    </fieldset>
  );
}

/**
 * "What to watch": the running preset's title and caption, above the views (sticky, so it stays in sight
 * while its focus view is scrolled to). Each load scrolls to the preset's focus view once.
 */
export function PresetBanner() {
  const preset = useApp(activePreset);
  const loads = useApp((s) => s.presetLoads);
  const focus = useApp((s) => (s.preset ? presetByName(s.preset)?.focus : undefined));
  useEffect(() => {
    if (!loads || !focus) return;
    // After this render (the banner's height is known) and the next frame's layout.
    const raf = requestAnimationFrame(() => scrollToView(focus));
    return () => cancelAnimationFrame(raf);
  }, [loads, focus]);
  // The banner stays in sight while scrolling; its caption can be folded away to free the screen, until the
  // next preset load (folding remembers the load it was done in).
  const [foldedIn, setFoldedIn] = useState(-1);
  const folded = foldedIn === loads;
  if (!preset) return null;
  return (
    <section className="preset-banner" aria-label="What to watch" data-testid="preset-banner">
      <header>
        <h2>
          What to watch: <span data-testid="preset-title">{preset.title}</span>
        </h2>
        <button
          type="button"
          className="link"
          aria-expanded={!folded}
          onClick={() => setFoldedIn(folded ? -1 : loads)}
          data-testid="preset-fold"
        >
          {folded ? 'show the caption' : 'fold'}
        </button>
      </header>
      <div hidden={folded}>
        <p data-testid="preset-caption">{preset.caption}</p>
        <button type="button" className="link" onClick={() => scrollToView(preset.focus)}>
          Show the {VIEW_NAMES[preset.focus]} view
        </button>
      </div>
    </section>
  );
}

/** Plain names of the views (what their headings say, shortened). */
export const VIEW_NAMES: Record<ViewId, string> = {
  loss: 'loss',
  accuracy: 'accuracy',
  'singular-values': 'singular values',
  deviation: 'distance from unitary',
  'grad-heatmap': 'gradient heatmap',
  'grad-profile': 'gradient profile',
  spectrum: 'spectrum',
  params: 'parameters',
};

/** "show me": loads a preset and starts it. Renders nothing if the preset no longer exists. */
export function ShowPreset({ name, children }: { name: string; children?: ReactNode }) {
  const p = presetByName(name);
  if (!p) return null;
  return (
    <button
      type="button"
      className="show-me"
      data-testid={`show-preset-${name}`}
      title={`Load and start the preset “${p.title}”`}
      onClick={() => void loadPreset(name)}
    >
      {children ?? `show me: ${p.title}`}
    </button>
  );
}

/** "show me": scrolls to a view. */
export function ShowView({ id, children }: { id: ViewId; children?: ReactNode }) {
  return (
    <button
      type="button"
      className="show-me"
      data-testid={`show-view-${id}`}
      onClick={() => scrollToView(id)}
    >
      {children ?? `show me: the ${VIEW_NAMES[id]} view`}
    </button>
  );
}
