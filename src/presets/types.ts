// A preset: one click that loads a run which makes one of the paper's claims happen, with a caption that says
// what will happen and by when. The caption is a claim about data: test/presets checks it on the engine.
import type { RunConfig } from '../settings/table';

/** The views of the page, by the id the page gives them. */
export type ViewId =
  | 'loss'
  | 'accuracy'
  | 'singular-values'
  | 'deviation'
  | 'grad-heatmap'
  | 'grad-profile'
  | 'spectrum'
  | 'params';

export interface Preset {
  /** URL-safe name: `?preset=copy-memory`, `kru train --preset copy-memory`. */
  name: string;
  /** Short title for the button. */
  title: string;
  /** Plain words: what will happen, in which view, and by which step. Backed by test/presets. */
  caption: string;
  /** The step by which the caption's claim holds (the test trains exactly this many). */
  steps: number;
  /** The view that shows the claim. */
  focus: ViewId;
  /** Whether the loss chart should start on a log scale. */
  logLoss?: boolean;
  config: RunConfig;
}
