// Keyboard shortcuts for the run and the views: one table, which the help overlay lists and `shortcutFor` reads.
// Keys typed into a field, or Space on a button (which presses it), are left alone.
import type { ViewId } from '../presets';

/** The views in page order: the digit keys 1–8 go to them. */
export const VIEW_ORDER: readonly ViewId[] = [
  'loss',
  'accuracy',
  'singular-values',
  'deviation',
  'grad-heatmap',
  'grad-profile',
  'spectrum',
  'params',
];

export type ShortcutAction =
  | { kind: 'play-pause' }
  | { kind: 'step' }
  | { kind: 'reset' }
  | { kind: 'new-seed' }
  | { kind: 'enlarge' }
  | { kind: 'view'; view: ViewId }
  | { kind: 'drawer' }
  | { kind: 'help' };

/** What the help overlay lists: the keys as shown, and what they do. */
export const SHORTCUTS: ReadonlyArray<{ keys: string[]; text: string }> = [
  { keys: ['Space'], text: 'Play or pause' },
  { keys: ['S'], text: 'One training step (while paused)' },
  { keys: ['R'], text: 'Reset: restart with the current settings' },
  { keys: ['N'], text: 'New seed, and restart' },
  { keys: ['F'], text: 'Enlarge the chart in focus or under the pointer (Esc: back)' },
  { keys: ['1', '…', '8'], text: 'Go to view 1 (loss) … 8 (parameters)' },
  { keys: ['C'], text: 'Open or close the settings (narrow screens)' },
  { keys: ['?'], text: 'This list' },
  { keys: ['Esc'], text: 'Close the enlarged chart, this list or the settings' },
];

/** The parts of a keydown event that decide a shortcut. */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** The focused element's tag name (upper case) and, for inputs, its type. */
  targetTag: string;
  targetType?: string;
  targetEditable?: boolean;
}

const TYPING_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
/** Elements that Space already activates. */
const PRESSABLE_TAGS = new Set(['BUTTON', 'SUMMARY', 'A']);

/** The shortcut a key press means, or null (not a shortcut, or typed into a field). */
export function shortcutFor(e: KeyInput): ShortcutAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (TYPING_TAGS.has(e.targetTag) || e.targetEditable) return null;
  if (e.key === ' ') return PRESSABLE_TAGS.has(e.targetTag) ? null : { kind: 'play-pause' };
  if (e.key === '?') return { kind: 'help' };
  if (/^[1-8]$/.test(e.key)) return { kind: 'view', view: VIEW_ORDER[Number(e.key) - 1] };
  switch (e.key.toLowerCase()) {
    case 's':
      return { kind: 'step' };
    case 'r':
      return { kind: 'reset' };
    case 'n':
      return { kind: 'new-seed' };
    case 'f':
      return { kind: 'enlarge' };
    case 'c':
      return { kind: 'drawer' };
    default:
      return null;
  }
}
