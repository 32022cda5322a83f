// How this machine should train: the link's `backend` and `threads`. Not settings of the run (a shared link
// reproduces the same numbers either way), but kept in the link so a page opened with them keeps them.
import { BACKEND_NAMES } from '../engine/backend-names';
import type { BackendPreference, TrainingThreads } from '../engine/protocol';
import { quoteText, type Parsed } from '../settings/run-config';

export interface MachineChoice {
  backend?: BackendPreference;
  threads?: TrainingThreads;
}

export const MACHINE_KEYS = ['backend', 'threads'] as const;

/** Reads `backend` and `threads` from a query string; absent ones are left to the worker's own choice. */
export function machineFromParams(params: URLSearchParams): Parsed<MachineChoice> {
  const choice: MachineChoice = {};
  const backend = params.get('backend');
  if (backend !== null) {
    const b = BACKEND_NAMES.find((x) => x === backend);
    if (!b)
      return {
        ok: false,
        error: `backend must be one of ${BACKEND_NAMES.join(', ')}, got ${quoteText(backend)}`,
      };
    choice.backend = b;
  }
  const threads = params.get('threads');
  if (threads !== null) {
    if (threads !== '1' && threads !== '2')
      return { ok: false, error: `threads must be 1 or 2, got ${quoteText(threads)}` };
    choice.threads = threads === '1' ? 1 : 2;
  }
  return { ok: true, value: choice };
}
