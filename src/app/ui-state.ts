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
}

export const useUi = create<UiState>()(() => ({
  enlarged: null,
  helpOpen: false,
  drawerOpen: false,
  hidden: new Set<string>(),
}));

export const setUi = useUi.setState;
export const getUi = useUi.getState;
