// The checkpoints the page keeps of the current run (the worker posts them; see src/engine/checkpoint.ts): the
// latest few, for replacing a dead worker, plus, for each model that diverged, the last one taken while it was
// still healthy, for the "go back" button. Pure: unit-tested without a worker.
import { healthyFor, type RunCheckpoint } from '../engine/checkpoint';

/** Recent checkpoints kept (they come every few hundred steps, so this reaches back ~1,000 steps). */
export const KEEP_RECENT = 4;

export class CheckpointKeeper {
  private recent: RunCheckpoint[] = [];
  private pinned = new Map<string, RunCheckpoint>();

  /** Forgets everything (a new run that no checkpoint of the old one can restore). */
  clear(): void {
    this.recent = [];
    this.pinned.clear();
  }

  add(cp: RunCheckpoint): void {
    // A checkpoint at or before the newest one belongs to a restored run: the newer ones are another future.
    while (this.recent.length && this.recent[this.recent.length - 1].step >= cp.step) this.recent.pop();
    this.recent.push(cp);
    if (this.recent.length > KEEP_RECENT) this.recent.shift();
  }

  /** The newest checkpoint (what a replacement worker resumes from), or null. */
  latest(): RunCheckpoint | null {
    return this.recent[this.recent.length - 1] ?? null;
  }

  /**
   * Model `id` diverged at engine step `step` (that step's metrics showed it): keeps the newest checkpoint from
   * which it would not diverge straight away — taken while it was finite and not diverged, and at least two steps
   * before (the checkpoint one step before holds the weights that gave the bad step, which a restore would repeat
   * on the same batch). Returns it, or null when none is held.
   */
  pinFor(id: string, step: number): RunCheckpoint | null {
    const good = [...this.recent].reverse().find((cp) => cp.step + 1 < step && healthyFor(cp, id)) ?? null;
    if (good) this.pinned.set(id, good);
    return good;
  }

  /** The checkpoint pinned for model `id` when it diverged, or null. */
  restorePoint(id: string): RunCheckpoint | null {
    return this.pinned.get(id) ?? null;
  }

  /**
   * After a restore to `cp`: checkpoints of the abandoned future go, and so do the pins of the models that are
   * healthy in it (they train again; a model still broken in `cp` keeps its pin, further back).
   */
  restoredTo(cp: RunCheckpoint): void {
    this.recent = this.recent.filter((c) => c.step <= cp.step);
    if (!this.recent.includes(cp)) this.add(cp);
    for (const id of [...this.pinned.keys()]) if (healthyFor(cp, id)) this.pinned.delete(id);
  }
}
