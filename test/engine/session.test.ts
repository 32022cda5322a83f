// The session state machine behind the training worker, with the engine replaced by a recording double and
// the page by a list of updates: play, pause, step, reset (also while playing), live changes per model, errors.
import { describe, expect, it } from 'vitest';
import type { WorkerUpdate } from '../../src/engine/protocol';
import { CHECKPOINT_EVERY, CHECKPOINT_FORMAT, type RunCheckpoint } from '../../src/engine/checkpoint';
import { Session, type SessionExperiment } from '../../src/engine/session';
import type { RunConfig, Snapshot } from '../../src/engine/types';
import { defaultRunConfig } from '../../src/settings';
import { COLD_START, WARM_UP_LIMITS } from '../../src/engine/warm-up';

class FakeExperiment implements SessionExperiment {
  steps = 0;
  unsent = 0;
  disposed = false;
  log: string[] = [];
  failAt = Infinity;
  /** Models that diverged (as the engine reports them); the detail is one cached object, like the engine's. */
  diverged: Record<string, { step: number; reason: string }> = {};
  readonly detail = {};
  constructor(
    readonly config: RunConfig,
    from?: RunCheckpoint,
  ) {
    this.steps = from?.step ?? 0;
  }
  async checkpoint(): Promise<RunCheckpoint> {
    return {
      format: CHECKPOINT_FORMAT,
      config: this.config,
      step: this.steps,
      data: { state: this.steps, spare: null },
      models: [],
    };
  }
  get models() {
    return this.config.models.map((m) => ({ id: m.id, label: m.label, kind: m.kind }));
  }
  get msPerStep() {
    return 1;
  }
  async step(k = 1) {
    await new Promise((r) => setTimeout(r, 1));
    if (this.steps + k >= this.failAt) throw new Error('NaN in the loss');
    this.steps += k;
    this.unsent += k;
  }
  async snapshot(): Promise<Snapshot> {
    const k = this.unsent;
    this.unsent = 0;
    return {
      steps: Int32Array.from({ length: k }, (_, i) => this.steps - k + i + 1),
      models: this.models,
      series: {},
      detail: this.detail,
      stepCount: this.steps,
      baseline: 0,
      seqLength: 1,
      msPerStep: 1,
      backend: 'test',
      diverged: { ...this.diverged },
    };
  }
  setLambda(id: string, lambda: number) {
    if (!this.config.models.some((m) => m.id === id && m.kind === 'kru')) throw new Error(`no KRU "${id}"`);
    this.log.push(`λ ${id}=${lambda} after ${this.steps}`);
  }
  setLearningRate(id: string, lr: number) {
    this.log.push(`lr ${id}=${lr} after ${this.steps}`);
  }
  async exportModel(id: string) {
    return { id } as never;
  }
  dispose() {
    this.disposed = true;
  }
}

/** A throwaway warm-up copy (engine/warm-up.ts) that counts its steps; `copies` collects them. */
interface FakeCopy {
  config: RunConfig;
  steps: number;
  disposed: boolean;
}

function harness(opts: { failCreate?: string; warmUp?: FakeCopy[] | 'none' } = {}) {
  const updates: WorkerUpdate[] = [];
  const built: FakeExperiment[] = [];
  const session = new Session({
    create: async (config, checkpoint) => {
      await new Promise((r) => setTimeout(r, 2));
      if (opts.failCreate) throw new Error(opts.failCreate);
      const e = new FakeExperiment(config, checkpoint);
      built.push(e);
      return { experiment: e, placement: `${config.models.length} models here` };
    },
    send: async (u) => {
      updates.push(u);
    },
    yieldToEvents: () => new Promise((r) => setTimeout(r, 0)),
    backend: () => ({ name: 'test', reason: '' }),
    now: () => performance.now(),
    ...(opts.warmUp && {
      warmUp: {
        applies: () => opts.warmUp !== 'none', // as the worker's on a backend where none is worth it
        copy: async (config: RunConfig) => {
          const c: FakeCopy = { config, steps: 0, disposed: false };
          (opts.warmUp as FakeCopy[]).push(c);
          return {
            step: async () => {
              await new Promise((r) => setTimeout(r, 1));
              c.steps++;
            },
            dispose: () => void (c.disposed = true),
          };
        },
      },
    }),
  });
  const rowsSeen = () => updates.reduce((n, u) => n + (u.snapshot?.steps.length ?? 0), 0);
  const checkpoints = () => updates.flatMap((u) => (u.checkpoint ? [u.checkpoint.step] : []));
  return { session, updates, built, rowsSeen, checkpoints };
}

const until = async (cond: () => boolean, ms = 3000) => {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('Session', () => {
  it('builds a run, steps while paused, and posts every row exactly once', async () => {
    const h = harness();
    const st = await h.session.init(defaultRunConfig());
    expect(st).toMatchObject({ state: 'ready', runId: 1, placement: '2 models here', backend: 'test' });
    await h.session.step();
    await h.session.step();
    expect(h.session.status().stepCount).toBe(2);
    expect(h.rowsSeen()).toBe(2);
    // init with the same config is idempotent (React StrictMode calls it twice)
    await h.session.init(defaultRunConfig());
    expect(h.built).toHaveLength(1);
  });

  it('plays until paused, then reports ready with every step posted', async () => {
    const h = harness();
    await h.session.init(defaultRunConfig());
    h.session.play();
    expect(h.session.status().state).toBe('running');
    await until(() => h.session.status().stepCount >= 20);
    h.session.pause();
    await until(() => h.session.status().state === 'ready');
    await until(() => h.rowsSeen() === h.built[0].steps);
    const n = h.built[0].steps;
    await new Promise((r) => setTimeout(r, 20));
    expect(h.built[0].steps).toBe(n); // stopped
    expect(h.updates.at(-1)!.status.stepCount).toBe(n);
  });

  it("passes the engine's divergences on in every snapshot, also those whose unchanged detail it leaves out", async () => {
    const h = harness();
    await h.session.init(defaultRunConfig());
    await h.session.step();
    h.built[0].diverged.kru = { step: 2, reason: 'the loss is NaN' };
    await h.session.step();
    await h.session.step();
    const snaps = h.updates.flatMap((u) => (u.snapshot ? [u.snapshot] : []));
    expect(snaps.map((s) => Object.keys(s.diverged ?? {}))).toEqual([[], [], ['kru'], ['kru']]);
    expect(snaps.at(-1)!.diverged).toEqual({ kru: { step: 2, reason: 'the loss is NaN' } });
    expect(snaps.at(-1)!.detail).not.toBe(h.built[0].detail); // the repeated detail was left out
  });

  it('applies live λ and lr per model between steps, and keeps them across a rebuild in flight', async () => {
    const h = harness();
    await h.session.init(defaultRunConfig());
    await h.session.step();
    await h.session.setLambda('kru', 2);
    await h.session.setLearningRate('rnn', 0.5);
    expect(h.built[0].log).toEqual(['λ kru=2 after 1', 'lr rnn=0.5 after 1']);
    await expect(h.session.setLambda('rnn', 1)).rejects.toThrow('no KRU "rnn"');
    // Invalid numbers are ignored, not sent.
    await h.session.setLambda('kru', -1);
    await h.session.setLearningRate('kru', 0);
    expect(h.built[0].log).toHaveLength(2);
    // A change that arrives while the next run is being built applies to that run.
    const pending = h.session.reset(defaultRunConfig());
    void h.session.setLambda('kru', 7);
    await pending;
    expect(h.built[1].log).toContain('λ kru=7 after 0');
  });

  it('resets while playing: the old run is disposed, its late rows dropped, the new one plays on', async () => {
    const h = harness();
    await h.session.init(defaultRunConfig());
    h.session.play();
    await until(() => h.session.status().stepCount >= 5);
    const c = { ...defaultRunConfig(), seed: 9 };
    const st = await h.session.reset(c);
    expect(st.runId).toBe(2);
    expect(h.built[0].disposed).toBe(true);
    await until(() => h.session.status().stepCount >= 5);
    h.session.pause();
    await until(() => h.session.status().state === 'ready');
    const newRun = h.updates.filter((u) => u.status.runId === 2 && u.snapshot);
    const rows = newRun.reduce((n, u) => n + u.snapshot!.steps.length, 0);
    await until(
      () =>
        h.updates
          .filter((u) => u.status.runId === 2 && u.snapshot)
          .reduce((n, u) => n + u.snapshot!.steps.length, 0) === h.built[1].steps,
    );
    expect(rows).toBeLessThanOrEqual(h.built[1].steps);
    expect(h.built[1].config.seed).toBe(9);
  });

  it('refuses an invalid config without touching the run', async () => {
    const h = harness();
    await h.session.init(defaultRunConfig());
    const bad = defaultRunConfig();
    bad.models[0].hidden = 3;
    const st = await h.session.reset(bad);
    expect(st.runId).toBe(1);
    expect(st.error).toMatch(/^invalid settings: kru\.factors: the product of the factor sizes/);
    expect(h.built).toHaveLength(1);
    expect(h.built[0].disposed).toBe(false);
  });

  it('reports a failed build and a failed step as errors, and stops playing', async () => {
    const failing = harness({ failCreate: 'could not load the digits data' });
    const st = await failing.session.init(defaultRunConfig());
    expect(st).toMatchObject({ state: 'error', error: 'could not load the digits data' });

    const h = harness();
    await h.session.init(defaultRunConfig());
    h.built[0].failAt = 3;
    h.session.play();
    await until(() => h.session.status().state === 'error');
    expect(h.session.status().error).toBe('training step failed: NaN in the loss');
    expect(h.updates.at(-1)!.status.state).toBe('error');
  });

  it('clamps steps per tick to the table row', async () => {
    const h = harness();
    expect(h.session.setStepsPerTick(1000).stepsPerTick).toBe(50);
    expect(h.session.setStepsPerTick(0).stepsPerTick).toBe(1);
    expect(h.session.setStepsPerTick(NaN).stepsPerTick).toBe(1);
  });

  it('exports a model, or says there is none yet', async () => {
    const h = harness();
    await expect(h.session.exportModel('kru')).rejects.toThrow('there is no model to export yet');
    await h.session.init(defaultRunConfig());
    await expect(h.session.exportModel('kru')).resolves.toEqual({ id: 'kru' });
  });

  it('checkpoints a run when built, every few hundred steps, when it pauses and before a live change', async () => {
    const h = harness();
    await h.session.init(defaultRunConfig());
    expect(h.checkpoints()).toEqual([0]);
    h.session.setStepsPerTick(50);
    h.session.play();
    await until(() => h.session.status().stepCount >= 2 * CHECKPOINT_EVERY + 50, 10_000);
    h.session.pause();
    await until(() => h.session.status().state === 'ready');
    await new Promise((r) => setTimeout(r, 20));
    const n = h.built[0].steps;
    expect(h.checkpoints().slice(0, 3)).toEqual([0, CHECKPOINT_EVERY, 2 * CHECKPOINT_EVERY]);
    expect(h.checkpoints().at(-1)).toBe(n); // where it paused
    // A live change right after a checkpoint needs none; one later does, before it applies (once per drag).
    await h.session.setLambda('kru', 0.5);
    expect(h.checkpoints().at(-1)).toBe(n);
    h.session.setStepsPerTick(30);
    await h.session.step();
    for (const v of [1, 2, 3]) void h.session.setLambda('kru', v);
    await h.session.setLambda('kru', 4);
    const count = h.checkpoints().filter((s) => s === n + 1).length;
    expect(count).toBe(1); // the manual step's; the change within 20 steps of it takes none
    for (let i = 0; i < 25; i++) await h.session.step();
    const before = h.checkpoints().length;
    h.session.setLambda('kru', 5);
    await h.session.setLambda('kru', 6);
    expect(h.checkpoints().length).toBe(before); // each manual step already took one
  });

  it('restores a run from a checkpoint, with new learning rates, above the given run id', async () => {
    const h = harness();
    await h.session.init(defaultRunConfig());
    for (let i = 0; i < 3; i++) await h.session.step();
    const cp = h.updates.flatMap((u) => (u.checkpoint ? [u.checkpoint] : [])).at(-1)!;
    expect(cp.step).toBe(3);
    await h.session.step();
    const st = await h.session.restore(cp, { lr: { rnn: 1e-4 }, runIdAbove: 40 });
    expect(st).toMatchObject({ state: 'ready', runId: 41, stepCount: 3 });
    expect(h.built).toHaveLength(2);
    expect(h.built[0].disposed).toBe(true);
    expect(h.built[1].log).toEqual(['lr rnn=0.0001 after 3']);
    await h.session.step();
    expect(h.updates.at(-2)!.snapshot!.steps).toEqual(Int32Array.from([4]));
    // The changed run is checkpointed afresh (its lr is not the checkpoint's).
    expect(h.checkpoints().at(-2)).toBe(3);
  });

  it('reports a failed step and a lost device as faults that need a new worker', async () => {
    const h = harness();
    await h.session.init(defaultRunConfig());
    expect(h.session.status().fault).toBeNull();
    h.session.failNextStep();
    h.session.play();
    await until(() => h.session.status().state === 'error');
    expect(h.session.status().fault).toEqual({
      kind: 'step',
      message: 'training step failed: injected fault: this step threw',
    });
    const g = harness();
    await g.session.init(defaultRunConfig());
    g.session.play();
    g.session.deviceLost('destroyed');
    expect(g.updates.at(-1)!.status).toMatchObject({
      state: 'error',
      fault: { kind: 'device', message: 'the GPU device was lost (destroyed)' },
    });
  });
});

/** The warm-up's waits run dozens of timer-paced steps: generous on a loaded CI machine. */
const SLOW = 15_000;

describe('Session warm-up', () => {
  it('steps a throwaway copy once the run is ready, leaves the run alone, and says when it is done', async () => {
    const copies: FakeCopy[] = [];
    const h = harness({ warmUp: copies });
    const st = await h.session.init(defaultRunConfig());
    expect(st.warmedUp).toBe(false);
    await until(() => h.session.status().warmedUp === true, SLOW);
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ steps: WARM_UP_LIMITS.steps, disposed: true });
    expect(h.built[0].steps).toBe(0); // the run itself took no step
    expect(h.session.status().stepCount).toBe(0);
    expect(h.updates.at(-1)!.status.warmedUp).toBe(true); // the page hears of it
    expect(h.rowsSeen()).toBe(0);

    // Another run of the same kinds and task needs none; another task does.
    await h.session.reset({ ...defaultRunConfig(), seed: 99 });
    expect(h.session.status().warmedUp).toBe(true);
    await h.session.reset({ ...defaultRunConfig(), task: { name: 'copy', T: 10, permuted: false } });
    expect(h.session.status().warmedUp).toBe(false);
    await until(() => h.session.status().warmedUp === true, SLOW);
    expect(copies).toHaveLength(2);
  });

  it('gives way to Play at once: the copy is freed and the run trains', async () => {
    const copies: FakeCopy[] = [];
    const h = harness({ warmUp: copies });
    await h.session.init(defaultRunConfig());
    await until(() => copies.length === 1 && copies[0].steps >= 2, SLOW);
    h.session.play();
    await until(() => copies[0].disposed, SLOW);
    const stoppedAt = copies[0].steps;
    expect(stoppedAt).toBeLessThan(WARM_UP_LIMITS.steps);
    await until(() => h.session.status().stepCount >= 5, SLOW);
    h.session.pause();
    expect(copies[0].steps).toBe(stoppedAt); // nothing more after Play
    expect(h.session.status().warmedUp).toBe(false); // not done: a later build tries again
  });

  it('counts a run played before the warm-up as warmed after its first COLD_START ticks', async () => {
    const copies: FakeCopy[] = [];
    const h = harness({ warmUp: copies });
    await h.session.init(defaultRunConfig());
    h.session.play();
    await until(() => h.session.status().stepCount >= COLD_START.ticks / 2, SLOW);
    expect(h.session.status().warmedUp).toBe(false);
    await until(() => h.session.status().stepCount >= COLD_START.ticks, SLOW);
    await until(() => h.session.status().warmedUp === true, SLOW);
    h.session.pause();
    // The same kinds and task later need no warm-up copy.
    await h.session.reset({ ...defaultRunConfig(), seed: 3 });
    expect(h.session.status().warmedUp).toBe(true);
    expect(copies.every((c) => c.disposed)).toBe(true);
  });

  it('stops for Step and for a new run too', async () => {
    const copies: FakeCopy[] = [];
    const h = harness({ warmUp: copies });
    await h.session.init(defaultRunConfig());
    await until(() => copies.length === 1 && copies[0].steps >= 1, SLOW);
    await h.session.step();
    await until(() => copies[0].disposed, SLOW);
    expect(copies[0].steps).toBeLessThan(WARM_UP_LIMITS.steps);
    expect(h.session.status().stepCount).toBe(1);

    await h.session.reset({ ...defaultRunConfig(), seed: 5 }); // not warmed yet: a new copy
    await until(() => copies.length === 2 && copies[1].steps >= 1, SLOW);
    await h.session.reset({ ...defaultRunConfig(), seed: 6 });
    await until(() => copies[1].disposed, SLOW);
    expect(copies[1].steps).toBeLessThan(WARM_UP_LIMITS.steps);
  });

  it('counts as done where no copy is worth making, and without the hook at all', async () => {
    const none = harness({ warmUp: 'none' });
    expect((await none.session.init(defaultRunConfig())).warmedUp).toBe(true);
    const without = harness();
    expect((await without.session.init(defaultRunConfig())).warmedUp).toBe(true);
  });
});
