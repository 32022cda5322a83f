// No tensor leaks over 5,000 training steps in Node: long training with snapshots and live λ/lr changes,
// resets (dispose + create) with other settings, presets' runs (their model kinds and options at a smaller
// size), checkpoints and runs rebuilt from them, cpu ↔ wasm backend switches, and the session state machine
// driving a real Experiment. After every chunk of steps the live tensors (count and bytes) must equal the
// run's steady state, and after every phase the baseline from before it: a leak of one tensor per step would
// show as +5,000. The harness is checked too: a run that leaks one tensor per step on purpose is reported.
//
// The file picks its own backends (cpu, then wasm and back), so the webgpu project skips it.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFactors, product } from '../../src/core/factor-layout';
import { initNodeBackend } from '../../src/engine/backend-node';
import { Experiment } from '../../src/engine/experiment';
import type { RunCheckpoint } from '../../src/engine/checkpoint';
import { Session } from '../../src/engine/session';
import { presetByName } from '../../src/presets';
import type { DigitsData } from '../../src/tasks/digits';
import { loadDigitsNode } from '../../src/tasks/digits-node';
import { defaultModel, defaultRunConfig, type RunConfig } from '../../src/settings';
import { testBackendName } from '../support/backend';

interface Mem {
  tensors: number;
  bytes: number;
}

function mem(): Mem {
  const m = tf.memory();
  return { tensors: m.numTensors, bytes: m.numBytes };
}

/** Throws, naming where and by how much, when the live tensors are not `expected`. */
function expectMem(where: string, expected: Mem): void {
  const now = mem();
  if (now.tensors === expected.tensors && now.bytes === expected.bytes) return;
  const d = (a: number, b: number) => `${a - b >= 0 ? '+' : ''}${a - b}`;
  throw new Error(
    `${where}: ${d(now.tensors, expected.tensors)} tensors, ${d(now.bytes, expected.bytes)} bytes ` +
      `(${now.tensors} tensors, ${now.bytes} bytes live; expected ${expected.tensors}, ${expected.bytes})`,
  );
}

/** Steps run by the whole file (the requirement is 5,000). */
let totalSteps = 0;

/** A KRU and an RNN, N = 16, on the adding problem with T = 10 and batch 8: a few ms per step on cpu. */
function smallRun(patch: Partial<RunConfig> = {}): RunConfig {
  return {
    ...defaultRunConfig(),
    task: { name: 'adding', T: 10, permuted: false },
    batch: 8,
    models: [defaultModel('kru', 16), defaultModel('rnn', 16)],
    ...patch,
  };
}

/**
 * A preset's run at a size that trains in seconds: every model N = 16 (a KRU's factors 2×2×2×2), T ≤ 10,
 * batch 8; the kinds, activations, inits, λ, lr, clipping and strictness stay the preset's.
 */
function shrunkPreset(name: string): RunConfig {
  const preset = presetByName(name);
  if (!preset) throw new Error(`no preset ${name}`);
  const c = structuredClone(preset.config);
  c.task.T = Math.min(c.task.T, 10);
  c.batch = 8;
  c.models = c.models.map((m) =>
    m.kind === 'kru' ? { ...m, hidden: 16, factors: defaultFactors(16) } : { ...m, hidden: 16 },
  );
  for (const m of c.models) if (m.kind === 'kru') expect(product(m.factors)).toBe(m.hidden);
  return c;
}

interface TrainOptions {
  /** Steps per chunk, cycled; every chunk ends with a snapshot and a memory check. */
  chunks: number[];
  /** Steps in all. */
  steps: number;
  /** Live λ and lr changes between chunks. */
  live?: boolean;
  /** Called once per step (the harness's own check leaks a tensor here). */
  perStep?: () => void;
}

/**
 * Trains `e` for `steps` steps in chunks. The first chunk builds the optimizer's slots; from then on the live
 * tensors after each chunk (and its snapshot and live changes) must equal what they were after the first.
 */
async function train(label: string, e: Experiment, opts: TrainOptions): Promise<void> {
  let done = 0;
  let chunk = 0;
  let steady: Mem | null = null;
  const kru = e.models.filter((m) => m.kind === 'kru').map((m) => m.id);
  const lambdas = [0, 0.01, 1, 10, 0.5];
  const lrs = [1e-3, 3e-3, 1e-4, 2e-3];
  while (done < opts.steps) {
    const k = Math.min(opts.chunks[chunk % opts.chunks.length], opts.steps - done);
    await e.step(k);
    for (let i = 0; i < k; i++) opts.perStep?.();
    done += k;
    totalSteps += k;
    await e.snapshot({ forceDetail: chunk % 4 === 0 });
    if (opts.live) {
      for (const id of kru) e.setLambda(id, lambdas[chunk % lambdas.length]);
      for (const m of e.models) e.setLearningRate(m.id, lrs[(chunk + m.id.length) % lrs.length]);
    }
    if (steady === null) steady = mem();
    else expectMem(`${label}, after step ${done} (chunk ${chunk + 1})`, steady);
    chunk++;
  }
}

/** Builds a run, trains it, disposes it; the live tensors must be back at the baseline from before. */
async function phase(label: string, config: RunConfig, opts: TrainOptions): Promise<void> {
  const before = mem();
  const e = await Experiment.create(config, { digits: config.task.name === 'digits' ? digits : undefined });
  try {
    await train(label, e, opts);
  } finally {
    e.dispose();
  }
  expectMem(`${label}, after dispose`, before);
}

const backend = testBackendName();
let baseline: Mem;
let digits: DigitsData;
const timings: string[] = [];

/** Runs a phase and notes its steps, wall time and CPU time (the wall time depends on the machine's load). */
async function timed(name: string, f: () => Promise<void>): Promise<void> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const steps = totalSteps;
  await f();
  const used = process.cpuUsage(cpu);
  const s = (ms: number) => (ms / 1000).toFixed(1);
  timings.push(
    `${name}: ${totalSteps - steps} steps, ${s(performance.now() - t)} s (cpu ${s((used.user + used.system) / 1000)} s)`,
  );
}

describe.skipIf(backend !== 'cpu')('no tensor leaks over 5,000 steps (cpu, wasm)', () => {
  beforeAll(async () => {
    await initNodeBackend('cpu');
    digits = await loadDigitsNode();
    baseline = mem();
  });

  afterAll(() => {
    console.log(`leaks-long: ${totalSteps} steps\n  ${timings.join('\n  ')}`);
  });

  it('the harness reports a run that leaks one tensor per step', async () => {
    const leaked: tf.Tensor[] = [];
    const before = mem();
    await expect(
      phase('leaky run', smallRun(), {
        chunks: [1, 5],
        steps: 20,
        perStep: () => leaked.push(tf.scalar(1)),
      }),
    ).rejects.toThrow(/^leaky run, after step 6 \(chunk 2\): \+5 tensors, \+20 bytes/);
    // …and one left behind after a run's dispose.
    const beforeSecond = mem();
    await expect(
      (async () => {
        const e = await Experiment.create(smallRun());
        await e.step(2);
        leaked.push(tf.scalar(2));
        e.dispose();
        expectMem('after dispose', beforeSecond);
      })(),
    ).rejects.toThrow(/^after dispose: \+1 tensors, \+4 bytes/);
    tf.dispose(leaked);
    expectMem('after the harness check', before);
    totalSteps = 0; // the harness check's steps do not count
  });

  it('2,300 steps of one run with snapshots and live λ and lr changes', async () => {
    await timed('steady run', () =>
      phase('steady run', smallRun(), { chunks: [1, 3, 7, 25, 64], steps: 2300, live: true }),
    );
    expectMem('after the steady run', baseline);
  });

  it('resets: eight runs with other settings (optimisers, reference ops, clipping, activations, copy, digits)', async () => {
    const kru = (patch: object) => ({ ...defaultModel('kru', 16), ...patch });
    const rnn = (patch: object) => ({ ...defaultModel('rnn', 16), ...patch });
    const runs: RunConfig[] = [
      smallRun({ seed: 2, optimizer: 'adam' }),
      smallRun({ seed: 3, optimizer: 'sgd', batch: 5 }),
      smallRun({ impl: 'reference', task: { name: 'adding', T: 6, permuted: false } }),
      smallRun({ models: [kru({ activation: 'modrelu', clip: 1 }), rnn({ activation: 'relu', clip: 0.5 })] }),
      smallRun({
        task: { name: 'copy', T: 5, permuted: false },
        models: [
          kru({ factors: [4, 4], init: { kind: 'gaussian', scale: 0.3 } }),
          rnn({ init: { kind: 'orthogonal', gain: 1 } }),
        ],
      }),
      smallRun({
        models: [kru({ activation: 'tanh' }), kru({ id: 'kru-2', activation: 'linear', lambda: 0 })],
      }),
      smallRun({ models: [rnn({ activation: 'linear', init: { kind: 'identity', gain: 1 } })] }),
      // Digits: held-out accuracy on the test split (the runners' evaluate) in every forced snapshot.
      smallRun({ task: { name: 'digits', T: 50, permuted: true }, models: [kru({}), rnn({})] }),
    ];
    await timed('resets', async () => {
      for (const [i, c] of runs.entries()) {
        const steps = c.task.name === 'digits' ? 30 : 75;
        await phase(`reset ${i + 1} (${c.task.name})`, c, { chunks: [1, 9, 20], steps, live: true });
        expectMem(`after reset ${i + 1}`, baseline);
      }
    });
  });

  it("three presets' runs at N = 16: exploding gradients (clipping), soft/strict/none (strict KRU), λ tug-of-war", async () => {
    await timed('presets', async () => {
      for (const name of ['exploding-gradients', 'soft-strict-none', 'lambda-tug-of-war']) {
        // The strict KRU's polar step after every step is slow (~15 ms): fewer steps for that preset.
        const steps = name === 'soft-strict-none' ? 100 : 200;
        await phase(`preset ${name}`, shrunkPreset(name), { chunks: [1, 10, 40], steps, live: true });
        expectMem(`after preset ${name}`, baseline);
      }
    });
  });

  it('checkpoints: a run checkpointed, disposed and rebuilt from its checkpoint, four times over', async () => {
    await timed('checkpoints', async () => {
      let checkpoint: RunCheckpoint | undefined;
      // Adam: the optimiser's moments travel in the checkpoint too.
      const config = smallRun({
        optimizer: 'adam',
        models: [{ ...defaultModel('kru', 16), activation: 'modrelu' }, defaultModel('rnn', 16)],
      });
      for (let i = 0; i < 4; i++) {
        const before = mem();
        const e = await Experiment.create(config, { checkpoint });
        try {
          expect(e.steps).toBe(i * 60);
          await train(`restored run ${i + 1}`, e, { chunks: [1, 19, 40], steps: 60, live: true });
          const live = mem();
          checkpoint = await e.checkpoint();
          expectMem(`restored run ${i + 1}, after its checkpoint`, live);
        } finally {
          e.dispose();
        }
        expectMem(`after restored run ${i + 1}`, before);
      }
    });
    expectMem('after the checkpoints', baseline);
  });

  it('backend switches: cpu → wasm → cpu, the run disposed and built again each time', async () => {
    await timed('backend switches', async () => {
      for (const [i, name] of (['wasm', 'cpu', 'wasm', 'cpu'] as const).entries()) {
        const before = mem();
        expect((await initNodeBackend(name)).name).toBe(name);
        expect(tf.getBackend()).toBe(name);
        await phase(`on ${name} (switch ${i + 1})`, smallRun({ seed: 10 + i }), {
          chunks: [1, 8, 16],
          steps: name === 'wasm' ? 60 : 150,
          live: true,
        });
        expectMem(`after the run on ${name} (switch ${i + 1})`, before);
      }
    });
    expect(tf.getBackend()).toBe('cpu');
    expectMem('after the backend switches', baseline);
  });

  it('a session (play, pause, single steps, live changes, resets, a restore) around real experiments', async () => {
    const built: Array<{ experiment: Experiment; from: number }> = [];
    let lastCheckpoint: RunCheckpoint | undefined;
    const session = new Session({
      create: async (config, checkpoint) => {
        const experiment = await Experiment.create(config, { checkpoint });
        built.push({ experiment, from: checkpoint?.step ?? 0 });
        return { experiment, placement: 'here' };
      },
      send: async (update) => {
        if (update.checkpoint) lastCheckpoint = update.checkpoint;
      },
      yieldToEvents: () => new Promise((r) => setTimeout(r, 0)),
      backend: () => ({ name: tf.getBackend(), reason: 'test' }),
      now: () => performance.now(),
    });
    const idle = async () => {
      // Until the loop has stopped and its last snapshot is out (state 'ready', the count stable).
      for (let last = -1; ;) {
        await new Promise((r) => setTimeout(r, 5));
        const s = session.status();
        if (s.error) throw new Error(`the session failed: ${s.error}`);
        if (s.state === 'ready' && s.stepCount === last) return;
        last = s.stepCount;
      }
    };
    const playFor = async (steps: number) => {
      const start = session.status().stepCount;
      session.play();
      while (session.status().stepCount - start < steps) await new Promise((r) => setTimeout(r, 2));
      session.pause();
      await idle();
    };
    await timed('session', async () => {
      const runs = [smallRun({ seed: 21 }), shrunkPreset('vanishing-gradients'), smallRun({ seed: 22 })];
      for (const [i, config] of runs.entries()) {
        // From the second run on, a reset while playing: the session disposes the run mid-flight.
        await session.reset(config);
        session.pause();
        await idle();
        await session.step();
        await idle();
        const steady = mem();
        for (let round = 0; round < 3; round++) {
          session.setStepsPerTick([1, 5, 20][round]);
          await playFor(100);
          for (let s = 0; s < 10; s++) await session.step();
          for (const m of config.models) {
            if (m.kind === 'kru') await session.setLambda(m.id, [0, 2, 0.01][round]);
            await session.setLearningRate(m.id, [1e-3, 5e-3, 2e-3][round]);
          }
          await idle();
          expectMem(`session run ${i + 1}, round ${round + 1}`, steady);
        }
        session.play();
        await new Promise((r) => setTimeout(r, 30));
      }
      // Back to the last checkpoint the session posted (what the page does after a divergence or a reload).
      session.pause();
      await idle();
      expect(lastCheckpoint).toBeDefined();
      await session.restore(lastCheckpoint!, { lr: { kru: 2e-3 } });
      await idle();
      await playFor(100);
      totalSteps += built.reduce((n, b) => n + b.experiment.steps - b.from, 0);
    });
    // The worker's end: the session has disposed every run but its last, which dies with the worker.
    built[built.length - 1].experiment.dispose();
    expectMem('after the session', baseline);
  });

  it('in all: at least 5,000 steps, and the live tensors back at the baseline', async () => {
    expect(totalSteps).toBeGreaterThanOrEqual(5000);
    expectMem('at the end', baseline);
  });
});
