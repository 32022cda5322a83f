// The live changes of a run — each λ and learning rate set while it trained, with the step that first used it —
// as data: the engine records them as they happen and replays them from a link (`changes=`), so that a link
// reproduces a run step for step, drags of a slider included. Values are kept as float32 (what the computation
// uses: tfjs turns a JS number into a float32 scalar), so a replayed value is exactly the one that was used.
import { formatValue } from '../core/format';
import type { RunConfig } from './types';

export interface LiveChange {
  /** The first step that used the new value (1-based, the engine's own count). */
  step: number;
  model: string;
  setting: 'lambda' | 'lr';
  value: number;
}

/** The link key of a run's live changes. */
export const CHANGES_KEY = 'changes';
/** A link holds at most this many (a long drag is ~one per step; more would make the link unwieldy). */
export const MAX_CHANGES = 2000;

const f32 = (v: number) => Math.fround(v);

/** `step:model:setting:value` entries joined by commas, in step order (shortest text that reads back exactly). */
export function changesToParam(changes: readonly LiveChange[]): string {
  return changes.map((c) => `${c.step}:${c.model}:${c.setting}:${shortestFloat32(c.value)}`).join(',');
}

/** The shortest decimal that reads back as the same float32 (0.1, not 0.10000000149011612). */
export function shortestFloat32(v: number): string {
  for (let p = 1; p <= 9; p++) {
    const text = String(Number(v.toPrecision(p)));
    if (f32(Number(text)) === f32(v)) return text;
  }
  return String(v);
}

/**
 * Reads `changes=` for the run `config`: every entry must name a model of the run that has that setting (λ only
 * for a KRU), a step ≥ 1 and a value in range; entries come out sorted by step. All or nothing: a list with
 * one bad entry is refused with a one-line message naming it.
 */
export function parseChanges(
  text: string,
  config: RunConfig,
): { ok: true; value: LiveChange[] } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: true, value: [] };
  const entries = text.split(',');
  if (entries.length > MAX_CHANGES) return { ok: false, error: `more than ${MAX_CHANGES} changes` };
  const out: LiveChange[] = [];
  for (const [i, e] of entries.entries()) {
    const bad = (why: string) => ({ ok: false as const, error: `change ${i + 1}: ${why}` });
    const parts = e.split(':');
    if (parts.length !== 4) return bad('write it as step:model:setting:value');
    const [stepText, model, setting, valueText] = parts;
    const step = Number(stepText);
    if (!/^\d{1,9}$/.test(stepText) || step < 1) return bad('the step must be a whole number ≥ 1');
    const spec = config.models.find((m) => m.id === model);
    if (!spec) return bad(`there is no model ${JSON.stringify(model.slice(0, 40))} in this run`);
    if (setting !== 'lambda' && setting !== 'lr') return bad('the setting must be lambda or lr');
    if (setting === 'lambda' && !('lambda' in spec)) return bad(`${model} has no λ`);
    const value = Number(valueText);
    if (!/^[0-9.e+-]{1,24}$/i.test(valueText) || !Number.isFinite(value))
      return bad('the value must be a number');
    if (setting === 'lambda' ? value < 0 || value > 1e6 : value <= 0 || value > 10)
      return bad(`${setting === 'lambda' ? 'λ' : 'lr'} = ${formatValue(value)} is out of range`);
    out.push({ step, model, setting, value: f32(value) });
  }
  out.sort((a, b) => a.step - b.step);
  return { ok: true, value: out };
}

/**
 * Records live changes as the engine applies them: a change set before step s is stored at s; several set
 * before the same step (a fast drag) keep only the last per model and setting, as only it was used.
 */
export class ChangeLog {
  private list: LiveChange[] = [];
  private sent = 0;

  record(c: LiveChange): void {
    const v = { ...c, value: f32(c.value) };
    const same = this.list.findIndex(
      (x, i) => i >= this.sent && x.step === v.step && x.model === v.model && x.setting === v.setting,
    );
    if (same >= 0) this.list[same] = v;
    else this.list.push(v);
  }

  /** The changes recorded since the last call (a snapshot carries them to the page). */
  takeNew(): LiveChange[] {
    const out = this.list.slice(this.sent);
    this.sent = this.list.length;
    return out;
  }
}
