// A JIT warm-up of the training code while the page waits for Play. On a fresh worker the first second of
// training runs cold code: V8 compiles the hot kernels on background threads (TurboFan and Maglev took ~1.3 s of
// CPU in the first 1.2 s of a Chromium trace, on a 2-core machine), and the page's main thread, drawing each
// chart for the first time, lost its core to them: one task over 50 ms in about a third of the runs. A
// throwaway copy of the run takes a few steps first, so that work is done before training starts. The run
// itself is untouched (the copy has its own models, data and random numbers), and the warm-up gives way at once
// to anything the user does: Play, Step or a new run stop it. A run played before the warm-up is done starts at
// half speed instead (COLD_START).
import type { RunConfig } from './types';

/** A throwaway copy of a run: a step of it, and its release. */
export interface WarmUpCopy {
  step(): Promise<void>;
  dispose(): void;
}

/** Enough for V8 to optimise the step's hot functions (25 and 60 steps both removed the long tasks); a cap on time
 * for runs whose steps are slow (long digit sequences), where the JIT's share of the first steps is small. */
export const WARM_UP_LIMITS = { steps: 40, ms: 2500 };

/**
 * A run played before its warm-up was done rests after each of its first `ticks` training ticks for `rest` times
 * the tick's duration: half speed for about a second. Measured with Play clicked the moment the page was ready
 * (default run, 2 cores): a task over 50 ms in 7 of 12 runs without the rest, 3 of 20 with it (docs/performance.md).
 */
export const COLD_START = { ticks: 60, rest: 1 };

/** Runs that train with the same code (backend, task, model kinds) need one warm-up per worker. */
export function warmUpKey(config: RunConfig, backend: string): string {
  return JSON.stringify([backend, config.task.name, config.models.map((m) => m.kind).sort()]);
}

export interface WarmUpOptions {
  copy: WarmUpCopy;
  /** Runs one step of the copy in turn with the run's own work (the session's chain). */
  inTurn(step: () => Promise<void>): Promise<void>;
  /** True once the user has acted (Play, Step, a new run): the warm-up stops before its next step. */
  stopped(): boolean;
  now(): number;
  yieldToEvents(): Promise<void>;
  limits?: { steps: number; ms: number };
}

/** Steps the copy until the limits or a stop; 'done' when it reached a limit. Always disposes the copy. */
export async function warmUp(o: WarmUpOptions): Promise<'done' | 'stopped'> {
  const { steps, ms } = o.limits ?? WARM_UP_LIMITS;
  const t0 = o.now();
  try {
    for (let n = 0; n < steps && o.now() - t0 < ms; n++) {
      await o.yieldToEvents(); // a Play that arrived meanwhile is seen before the next step
      if (o.stopped()) return 'stopped';
      await o.inTurn(() => o.copy.step());
    }
    return 'done';
  } finally {
    o.copy.dispose();
  }
}

/** How the worker warms up: whether it is worth it on the backend in use, and a throwaway copy of a run. */
export interface WarmUpHook {
  applies(): boolean;
  copy(config: RunConfig): Promise<WarmUpCopy>;
}

/** What a warm-up needs from the session: its chain, its clock and event loop, and whether it plays. */
export interface WarmUpContext {
  inTurn(step: () => Promise<void>): Promise<void>;
  now(): number;
  yieldToEvents(): Promise<void>;
  playing(): boolean;
}

/** A worker's warm-ups: whose code is warm, the current run's key, and the warm-up the user's next act stops. */
export class WarmUps {
  private readonly done = new Set<string>();
  /** The current run's warmUpKey ('' while it is being built). */
  private key = '';
  /** Bumped by every build, Play and Step: a warm-up under way stops when it changes. */
  private epoch = 0;

  constructor(private readonly hook: WarmUpHook | undefined) {}

  /** A run is being built: a warm-up under way stops. */
  building(): void {
    this.epoch++;
    this.key = '';
  }

  built(config: RunConfig, backend: string): void {
    this.key = warmUpKey(config, backend);
  }

  /** Play or Step: a warm-up under way stops. */
  userActed(): void {
    this.epoch++;
  }

  /** The current run's code needs no warm-up: done in this worker, or not worth it here (or no hook at all). */
  isWarm(): boolean {
    return !this.hook || !this.hook.applies() || this.done.has(this.key);
  }

  /** Training ticks a run played now rests after (COLD_START); 0 when its code is warm. */
  coldTicks(): number {
    return this.isWarm() ? 0 : COLD_START.ticks;
  }

  /** The current run's code is warm now (after its cold ticks). */
  markWarm(): void {
    this.done.add(this.key);
  }

  /**
   * Warms the current run's code on a throwaway copy until done or the user acts. True when it became warm (the
   * page should hear of it); a failure is ignored (an optimisation only: the next build tries again).
   */
  async run(config: RunConfig, ctx: WarmUpContext): Promise<boolean> {
    const { hook, key, epoch } = this;
    if (!hook || this.isWarm()) return false;
    const stopped = () => this.epoch !== epoch || ctx.playing();
    try {
      const copy = await hook.copy(config);
      if (stopped()) {
        copy.dispose();
        return false;
      }
      if ((await warmUp({ copy, stopped, ...ctx })) === 'stopped') return false;
    } catch {
      return false;
    }
    this.done.add(key);
    return key === this.key;
  }
}
