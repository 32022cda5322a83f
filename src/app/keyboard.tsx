// The page's keyboard shortcuts (see shortcuts.ts) and the overlay that lists them.
import { useEffect, useRef } from 'react';
import type { ViewId } from '../presets';
import { scrollToView } from './presets';
import { SHORTCUTS, shortcutFor, type ShortcutAction } from './shortcuts';
import { newSeed, pause, play, reset, step, useApp } from './store';
import { getUi, setUi, useUi } from './ui-state';

/** The view an element belongs to ("view-<id>" test id on its section), or null. */
function viewOf(el: Element | null): ViewId | null {
  const section = el?.closest<HTMLElement>('section.view[data-testid^="view-"]');
  return section ? (section.dataset.testid!.slice('view-'.length) as ViewId) : null;
}

let hovered: ViewId | null = null;

function run(a: ShortcutAction): void {
  const playing = useApp.getState().playing;
  switch (a.kind) {
    case 'play-pause':
      if (playing) pause();
      else play();
      return;
    case 'step':
      if (!playing) step();
      return;
    case 'reset':
      void reset();
      return;
    case 'new-seed':
      void newSeed();
      return;
    case 'enlarge': {
      const ui = getUi();
      setUi({ enlarged: ui.enlarged ? null : (viewOf(document.activeElement) ?? hovered ?? 'loss') });
      return;
    }
    case 'view':
      setUi({ enlarged: null });
      scrollToView(a.view);
      return;
    case 'drawer':
      setUi((s) => ({ drawerOpen: !s.drawerOpen }));
      return;
    case 'help':
      setUi({ helpOpen: true });
      return;
  }
}

/** Installs the shortcuts on the window while the page is mounted. */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if (e.key === 'Escape') {
        const ui = getUi();
        if (ui.enlarged) setUi({ enlarged: null });
        else if (ui.drawerOpen) setUi({ drawerOpen: false });
        return; // the help overlay is a modal <dialog>: Escape closes it natively
      }
      const t = e.target instanceof HTMLElement ? e.target : null;
      const action = shortcutFor({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        targetTag: t?.tagName ?? '',
        targetType: t instanceof HTMLInputElement ? t.type : undefined,
        targetEditable: t?.isContentEditable ?? false,
      });
      if (!action) return;
      e.preventDefault(); // Space would scroll the page
      run(action);
    };
    const onOver = (e: PointerEvent) => {
      hovered = viewOf(e.target instanceof Element ? e.target : null) ?? hovered;
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('pointerover', onOver);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerover', onOver);
    };
  }, []);
}

/** The list of shortcuts, in a modal dialog (Escape or the button closes it). */
export function ShortcutHelp() {
  const open = useUi((s) => s.helpOpen);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="shortcut-help"
      data-testid="shortcut-help"
      aria-labelledby="shortcut-help-title"
      onClose={() => setUi({ helpOpen: false })}
    >
      <h2 id="shortcut-help-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.text}>
              <th scope="row">
                {s.keys.map((k, i) => (k === '…' ? <span key={i}> … </span> : <kbd key={i}>{k}</kbd>))}
              </th>
              <td>{s.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="dialog">
        <button type="submit" autoFocus>
          Close
        </button>
      </form>
    </dialog>
  );
}
