// Page layout: header and explainer, control panel (run buttons, presets, settings), status line, notices, the
// preset's "What to watch" banner, the eight views and the credits.
import { FileControls, LiveControls, RunControls } from './controls';
import { Explainer } from './explainer';
import { PresetBanner, PresetsPanel } from './presets';
import { StructuralSettings } from './run-settings';
import { NoticeBanner, StatusLine } from './status';
import { Views } from './views';

export function App() {
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
        <Explainer />
      </header>
      <div className="layout">
        <aside className="sidebar" aria-label="Controls">
          <RunControls />
          <PresetsPanel />
          <LiveControls />
          <StructuralSettings />
          <FileControls />
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
    </>
  );
}
