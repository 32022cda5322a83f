// Page layout: header and explainer, control panel (run buttons, presets, settings), status line, notices, the
// preset's "What to watch" banner, the eight views and the credits. Below 1024 px the run buttons stay in a bar
// at the top and the rest of the controls move into a drawer (app.css).
import { useEffect, useRef } from 'react';
import { FileControls, LiveControls, RunControls } from './controls';
import { Explainer } from './explainer';
import { ShortcutHelp, useShortcuts } from './keyboard';
import { PresetBanner, PresetsPanel } from './presets';
import { SavedRunsPanel } from './saved-runs-panel';
import { startAutosave } from './run-saver';
import { StructuralSettings } from './run-settings';
import { SweepPanel } from './sweep-panel';
import { NoticeBanner, StatusLine } from './status';
import { setUi, useUi } from './ui-state';
import { Views } from './views';

/** The run buttons, and on narrow screens the button that opens the settings drawer; the shortcut list. */
function RunBar() {
  const open = useUi((s) => s.drawerOpen);
  return (
    <div className="runbar">
      <RunControls />
      <div className="runbar-tools">
        <button
          type="button"
          className="drawer-toggle"
          data-testid="drawer-toggle"
          aria-expanded={open}
          aria-controls="drawer"
          onClick={() => setUi({ drawerOpen: !open })}
        >
          ☰ Settings
        </button>
        <button
          type="button"
          data-testid="help-button"
          title="Keyboard shortcuts (?)"
          aria-label="Keyboard shortcuts"
          onClick={() => setUi({ helpOpen: true })}
        >
          ?
        </button>
      </div>
    </div>
  );
}

/** Presets and settings: a column beside the charts, or a drawer over them on narrow screens. */
function Drawer() {
  const open = useUi((s) => s.drawerOpen);
  const hidden = useUi((s) => s.hidden);
  const closeRef = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  useEffect(() => {
    // Focus follows the drawer: into it when it opens, back to its button when it closes.
    if (open) closeRef.current?.focus();
    else if (wasOpen.current) document.querySelector<HTMLElement>('[data-testid="drawer-toggle"]')?.focus();
    wasOpen.current = open;
  }, [open]);
  return (
    <div id="drawer" className="drawer" data-open={open ? 'true' : 'false'} data-testid="drawer">
      <button
        type="button"
        ref={closeRef}
        className="drawer-close"
        data-testid="drawer-close"
        onClick={() => setUi({ drawerOpen: false })}
      >
        ✕ Close settings
      </button>
      {!hidden.has('presets') && <PresetsPanel />}
      {!hidden.has('live') && <LiveControls />}
      {!hidden.has('settings') && <StructuralSettings />}
      {!hidden.has('files') && <FileControls />}
      {!hidden.has('files') && <SavedRunsPanel />}
      <SweepPanel />
    </div>
  );
}

export function App() {
  useShortcuts();
  useEffect(() => startAutosave(), []);
  const hidden = useUi((s) => s.hidden);
  return (
    <>
      <a className="skip-link" href="#views">
        Skip to the charts
      </a>
      <header className="page-header">
        <h1>KRU Explorer</h1>
        <p>
          A recurrent network multiplies its hidden state by the same matrix W at every step, so gradients
          flowing back through time shrink or explode unless W keeps its singular values near 1. A{' '}
          <em>Kronecker Recurrent Unit</em> builds W as a Kronecker product of tiny complex matrices, with far
          fewer parameters, and a soft penalty of strength λ pulls each of them towards unitary: here one
          trains beside a plain RNN on the same batches while you move λ.
        </p>
        {!hidden.has('explainer') && <Explainer />}
      </header>
      <div className="layout">
        <aside className="sidebar" aria-label="Controls">
          <RunBar />
          <Drawer />
        </aside>
        <main id="views" tabIndex={-1}>
          <StatusLine />
          <NoticeBanner />
          <PresetBanner />
          <Views />
        </main>
      </div>
      <footer className="page-footer">
        <p>
          Kronecker Recurrent Units: C. Jose, M. Cissé, F. Fleuret, <cite>Kronecker Recurrent Units</cite>,
          ICML 2018 (<a href="https://arxiv.org/abs/1705.10142">arXiv:1705.10142</a>).
        </p>
        <p>
          Digits data: <cite>Optical Recognition of Handwritten Digits</cite>, E. Alpaydin and C. Kaynak,
          1998, UCI Machine Learning Repository (
          <a href="https://archive.ics.uci.edu/dataset/80">archive.ics.uci.edu/dataset/80</a>), licensed under{' '}
          <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.
        </p>
      </footer>
      <ShortcutHelp />
    </>
  );
}
