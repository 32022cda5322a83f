// Page state that is about presentation, not the run: which view is enlarged, whether the shortcut list or the
// settings drawer (narrow screens) is open. Kept apart from the run's store so that none of it reaches links,
// settings files or the worker.
import { create } from 'zustand';
import type { ViewId } from '../presets';

export interface UiState {
  /** The view shown full-screen, or null. */
  enlarged: ViewId | null;
  helpOpen: boolean;
  drawerOpen: boolean;
  /** Panels and views a classroom link hides (`hide=`, classroom.ts); set once from the link. */
  hidden: ReadonlySet<string>;
  /** The loss view's options (saved with a run): EMA smoothing 0…0.99 and a log-scale y axis. */
  lossSmoothing: number;
  lossLog: boolean;
}

export const useUi = create<UiState>()(() => ({
  enlarged: null,
  helpOpen: false,
  drawerOpen: false,
  hidden: new Set<string>(),
  lossSmoothing: 0.6,
  // Log-y by default: the losses span decades (copy memory's falls from about 1 to about 0.01, and the first
  // steps can spike far above where training settles), which a linear axis squashes into a flat line at the
  // bottom after the first few steps. The checkbox still switches to linear; a preset may ask for either.
  lossLog: true,
}));

export const setUi = useUi.setState;
export const getUi = useUi.getState;
