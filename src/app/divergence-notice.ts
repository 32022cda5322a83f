// What the page says when models diverge: pure, from the snapshot that first reports it (the store shows it).
import { divergenceHint } from '../engine/divergence';
import type { Snapshot } from '../engine/types';
import type { History } from '../history/history';
import type { ModelSpec } from '../settings';

/** A float32 setting from a snapshot row as the number it was set to (0.003, not 0.003000000026). */
function setting(v: number): number {
  return Number(v.toPrecision(6));
}

/**
 * What the banner says when snapshot `snap` first reports models diverged (none of `announced`): for each, when
 * (on the charts' step axis, like its mark), why, and the likely cause from its spec in `models` and its λ and
 * lr at that step; then that the others train on, or, when no model of the run is left, that the run pauses.
 * `h` is the History the snapshot was just appended to. Null when nothing new diverged.
 */
export function divergenceNotice(
  snap: Snapshot,
  h: History,
  models: readonly ModelSpec[],
  announced: ReadonlySet<string>,
): { ids: string[]; text: string; all: boolean } | null {
  const fresh = Object.entries(snap.diverged ?? {}).filter(([id]) => !announced.has(id));
  if (!fresh.length) return null;
  // A run continued after a reset counts its own steps from 1; the charts place them after the earlier ones.
  const k = snap.steps.length;
  const n = h.steps.length;
  const offset = k && n ? h.steps.view()[n - 1] - snap.steps[k - 1] : 0;
  const sentences: string[] = [];
  for (const [id, d] of fresh) {
    const info = snap.models.find((m) => m.id === id);
    const spec = models.find((m) => m.id === id && m.kind === info?.kind);
    // λ and lr in force at the step that showed it (the snapshot's row for it, else its latest row).
    const rows = snap.series[id];
    const i = snap.steps.indexOf(d.step);
    const at = i >= 0 ? i : k - 1;
    const lr = rows && at >= 0 ? setting(rows.lr[at]) : (spec?.lr ?? NaN);
    const lambda = rows && at >= 0 ? setting(rows.lambda[at]) : spec && 'lambda' in spec ? spec.lambda : 0;
    const hint = spec ? ` Likely cause: ${divergenceHint(spec, lr, lambda)}.` : '';
    sentences.push(`${info?.label ?? id} diverged at step ${d.step + offset}: ${d.reason}.${hint}`);
  }
  const ids = fresh.map(([id]) => id);
  const gone = new Set([...announced, ...ids]);
  const all = snap.models.length > 0 && snap.models.every((m) => gone.has(m.id));
  return { ids, text: sentences.join(' '), all };
}

/**
 * What to do next, after the notice's sentences: go back with the notice's button when a checkpoint from
 * before the divergence is kept (`canGoBack`), else fix the cause and reset. The diverged weights are NaN.
 */
export function divergenceAdvice(count: number, all: boolean, canGoBack: boolean): string {
  const they = count === 1 ? 'It' : 'They';
  const its = count === 1 ? 'Its' : 'Their';
  const stopped = all
    ? `${they} stopped training, and no model is left training: the run is paused.`
    : `${they} stopped training; the other models go on.`;
  const next = canGoBack
    ? `${its} weights are no longer numbers: the button below repeats the run from a checkpoint taken before ` +
      'the divergence, on the same batches, with a tenth of the learning rate; or fix the likely cause and press ' +
      'Reset.'
    : `${its} weights are no longer numbers: fix the likely cause and press Reset to train again` +
      (all ? '.' : ' (the charts keep this run before the reset mark).');
  return `${stopped} ${next}`;
}
