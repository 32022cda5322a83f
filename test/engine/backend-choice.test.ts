// Choosing the backend by measuring (src/engine/backend-choice.ts): the decision from fake timings, the
// configuration class and the cache key, stored records read back with suspicion, the timing loop on a fake
// clock, and — on the real engine — that measuring a throwaway copy leaves the run's numbers bit for bit as
// they are without it.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHOICE_FORMAT,
  chooseBackend,
  choiceKey,
  configClass,
  FUSED_BACKENDS,
  MAX_AGE_MS,
  parseStoredChoice,
  pickFaster,
  seqLengthBucket,
  taskSeqLength,
  timeSteps,
  type ChoiceInput,
  type ChoiceStore,
  type FusedBackend,
  type StoredChoice,
} from '../../src/engine/backend-choice';
import { measureOn, startBackend } from '../../src/engine/backend';
import { Experiment } from '../../src/engine/experiment';
import { registerFusedKernels } from '../../src/kernels/register';
import { defaultModel, defaultRunConfig, type RunConfig } from '../../src/settings';
import { useBackend } from '../support/backend';
import { smallRun, withModel } from '../support/run';

const NOW = Date.UTC(2026, 11, 1);
const GPU = { label: 'acme tensorcore 9000', software: false };

describe('pickFaster', () => {
  it('takes the faster backend', () => {
    expect(pickFaster({ cpu: 12.3, webgpu: 30.1 })).toBe('cpu');
    expect(pickFaster({ cpu: 30.1, webgpu: 12.3 })).toBe('webgpu');
  });

  it('gives a tie, or webgpu less than 5% ahead, to cpu', () => {
    expect(pickFaster({ cpu: 10, webgpu: 10 })).toBe('cpu');
    expect(pickFaster({ cpu: 10, webgpu: 9.6 })).toBe('cpu');
    expect(pickFaster({ cpu: 10, webgpu: 9.4 })).toBe('webgpu');
  });

  it('lets a failed or meaningless figure lose, and gives null when both are', () => {
    for (const bad of [null, NaN, Infinity, -1, 0]) {
      expect(pickFaster({ cpu: bad, webgpu: 50 })).toBe('webgpu');
      expect(pickFaster({ cpu: 50, webgpu: bad })).toBe('cpu');
      expect(pickFaster({ cpu: bad, webgpu: bad })).toBeNull();
    }
  });
});

describe('configClass', () => {
  const base = defaultRunConfig();

  it('is the models’ kinds and sizes, the length bucket, the batch and the implementation', () => {
    expect(configClass(base)).toBe('L≤64 B32 fused kru:64:2x2x2x2x2x2 rnn:64');
    const remedies: RunConfig = {
      ...base,
      models: [defaultModel('lowrank', 32), defaultModel('kru-lstm', 16), defaultModel('lstm', 8)],
    };
    expect(configClass(remedies)).toBe('L≤64 B32 fused kru-lstm:16:2x2x2x2 lowrank:32:r4 lstm:8');
  });

  it('ignores what does not change the speed: model order, λ, lr, activation, seed, task beyond its length', () => {
    const same: RunConfig[] = [
      { ...base, models: [...base.models].reverse() },
      withModel(base, 'kru', { lambda: 3, lr: 0.1, activation: 'modrelu' } as never),
      { ...base, seed: 7, optimizer: 'adam' },
      { ...base, task: { name: 'adding', T: 33, permuted: false } },
      { ...base, task: { name: 'copy', T: 44, permuted: false } }, // 44 + 20 = 64
      { ...base, task: { name: 'digits', T: 2, permuted: true } }, // 64 pixels
    ];
    for (const c of same) expect(configClass(c)).toBe(configClass(base));
  });

  it('changes with N, the factor sizes, the batch, the length bucket or the implementation', () => {
    const other: RunConfig[] = [
      withModel(base, 'rnn', { hidden: 128 }),
      withModel(base, 'kru', { factors: [4, 4, 4] } as never),
      { ...base, batch: 16 },
      { ...base, task: { name: 'adding', T: 65, permuted: false } },
      { ...base, impl: 'reference' },
      { ...base, models: [base.models[0]] },
    ];
    const classes = new Set([configClass(base), ...other.map(configClass)]);
    expect(classes.size).toBe(other.length + 1);
  });

  it('buckets sequence lengths by powers of two', () => {
    expect([1, 2, 3, 16, 17, 50, 64, 65, 2000].map(seqLengthBucket)).toEqual([
      1, 2, 4, 16, 32, 64, 64, 128, 2048,
    ]);
    expect(taskSeqLength({ name: 'copy', T: 10, permuted: false })).toBe(30);
  });

  it('keys a measurement by device and class', () => {
    expect(choiceKey('gpu A', 'c')).not.toBe(choiceKey('gpu B', 'c'));
    expect(choiceKey('gpu A', 'c')).not.toBe(choiceKey('gpu A', 'd'));
  });
});

function record(patch: Partial<StoredChoice> = {}): StoredChoice {
  return {
    format: CHOICE_FORMAT,
    device: GPU.label,
    configClass: 'cls',
    chosen: 'cpu',
    msPerStep: { cpu: 12.3, webgpu: 30.1 },
    measuredAt: NOW - 1000,
    ...patch,
  };
}

describe('parseStoredChoice', () => {
  const expected = { device: GPU.label, configClass: 'cls', now: NOW };

  it('reads a sound record back', () => {
    expect(parseStoredChoice(record(), expected)).toEqual(record());
    const gpu = record({ chosen: 'webgpu', msPerStep: { cpu: 40, webgpu: 4 } });
    expect(parseStoredChoice(JSON.parse(JSON.stringify(gpu)), expected)).toEqual(gpu);
  });

  it('ignores anything corrupt, foreign, inconsistent or stale', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'cpu',
      42,
      [record()],
      {},
      { ...record(), format: 'kru-explorer/backend-choice@0' },
      { ...record(), device: 'another gpu' },
      { ...record(), configClass: 'another class' },
      { ...record(), chosen: 'wasm' },
      { ...record(), chosen: 'webgpu' }, // its own figures say cpu
      { ...record(), msPerStep: { cpu: 12.3 } },
      { ...record(), msPerStep: { cpu: 'fast', webgpu: 30.1 } },
      { ...record(), msPerStep: { cpu: NaN, webgpu: 30.1 } },
      { ...record(), msPerStep: { cpu: -1, webgpu: 30.1 } },
      { ...record(), msPerStep: null },
      { ...record(), measuredAt: 'yesterday' },
      { ...record(), measuredAt: NaN },
      { ...record(), measuredAt: NOW - MAX_AGE_MS - 1 },
      { ...record(), measuredAt: NOW + 2 * 24 * 3600 * 1000 },
    ];
    for (const raw of bad) expect(parseStoredChoice(raw, expected), JSON.stringify(raw)).toBeNull();
  });
});

describe('timeSteps', () => {
  /** A step that advances a fake clock by the next of `durations`. */
  function fakeRun(durations: number[]) {
    let t = 0;
    let i = 0;
    const step = async () => {
      t += durations[Math.min(i++, durations.length - 1)];
    };
    return { step, clock: { now: () => t }, steps: () => i };
  }

  it('takes 2 warm-up steps, then the median of 5 timed ones', async () => {
    const r = fakeRun([500, 400, 12, 11, 30, 13, 14]);
    expect(await timeSteps(r.step, r.clock)).toBe(13);
    expect(r.steps()).toBe(7);
  });

  it('cuts each phase short once it has taken the budget, one step at least', async () => {
    const r = fakeRun([5000, 2000, 2000, 2000]);
    expect(await timeSteps(r.step, r.clock, { warmup: 2, timed: 5, budgetMs: 3000 })).toBe(2000);
    expect(r.steps()).toBe(1 + 2); // one warm-up step over budget; two timed ones reach it
  });

  it('yields to the event loop between steps', async () => {
    const r = fakeRun([1]);
    let yields = 0;
    await timeSteps(r.step, { ...r.clock, yieldToEvents: async () => void yields++ });
    expect(yields).toBe(r.steps());
  });
});

/** A store in memory that counts its calls (and can be made to fail). */
function memoryStore(fail = false): ChoiceStore & { map: Map<string, unknown>; gets: number; sets: number } {
  const map = new Map<string, unknown>();
  const s = {
    map,
    gets: 0,
    sets: 0,
    async get(key: string) {
      s.gets++;
      if (fail) throw new Error('IndexedDB is not available');
      return map.get(key);
    },
    async set(key: string, value: StoredChoice) {
      s.sets++;
      if (fail) throw new Error('IndexedDB is not available');
      map.set(key, value);
    },
  };
  return s;
}

/** chooseBackend's input with fake timings (ms per step, or an Error to throw), recording what was measured. */
function input(
  timings: Record<FusedBackend, number | Error>,
  patch: Partial<ChoiceInput> = {},
): ChoiceInput & { measured: FusedBackend[]; announced: string[] } {
  const measured: FusedBackend[] = [];
  const announced: string[] = [];
  return {
    config: defaultRunConfig(),
    adapter: GPU,
    store: memoryStore(),
    now: () => NOW,
    measure: async (b) => {
      measured.push(b);
      const t = timings[b];
      if (t instanceof Error) throw t;
      return t;
    },
    onMeasuring: (what) => announced.push(what),
    measured,
    announced,
    ...patch,
  };
}

describe('chooseBackend', () => {
  it('measures both on the first run of a class, keeps the faster and says so with both figures', async () => {
    const a = input({ cpu: 12.3, webgpu: 30.1 });
    const d = await chooseBackend(a);
    expect(a.measured).toEqual(['cpu', 'webgpu']);
    expect(a.announced).toHaveLength(1);
    expect(d.name).toBe('cpu');
    expect(d.reason).toMatch(/^cpu 12\.3 ms\/step · webgpu 30\.1 ms\/step: cpu chosen \(measured just now/);
    expect(d.measure).toMatchObject({
      chosen: 'cpu',
      source: 'measured',
      msPerStep: { cpu: 12.3, webgpu: 30.1 },
    });
    const b = await chooseBackend(input({ cpu: 30.1, webgpu: 12.3 }));
    expect(b.name).toBe('webgpu');
  });

  it('remembers the choice per device and class: a later run of that class is not measured', async () => {
    const store = memoryStore();
    await chooseBackend(input({ cpu: 40, webgpu: 4 }, { store }));
    expect(store.sets).toBe(1);
    const later = input({ cpu: 1, webgpu: 1000 }, { store, now: () => NOW + 60_000 });
    const d = await chooseBackend(later);
    expect(later.measured).toEqual([]);
    expect(later.announced).toEqual([]);
    expect(d.name).toBe('webgpu');
    expect(d.measure).toMatchObject({ source: 'stored', msPerStep: { cpu: 40, webgpu: 4 } });
    expect(d.reason).toMatch(/webgpu chosen \(measured on this device 60 s ago/);
    // A run that differs only in what does not change the speed is of the same class.
    const relabelled = input({ cpu: 1, webgpu: 1000 }, { store, config: { ...defaultRunConfig(), seed: 9 } });
    expect((await chooseBackend(relabelled)).name).toBe('webgpu');
    expect(relabelled.measured).toEqual([]);
    // Another class, or another device, is measured.
    const bigger = input({ cpu: 1, webgpu: 1000 }, { store, config: { ...defaultRunConfig(), batch: 8 } });
    expect((await chooseBackend(bigger)).name).toBe('cpu');
    expect(bigger.measured).toEqual(['cpu', 'webgpu']);
    const elsewhere = input({ cpu: 1, webgpu: 1000 }, { store, adapter: { ...GPU, label: 'other gpu' } });
    expect((await chooseBackend(elsewhere)).name).toBe('cpu');
    expect(elsewhere.measured).toEqual(['cpu', 'webgpu']);
  });

  it('ignores a corrupt stored record: measures again and replaces it', async () => {
    const store = memoryStore();
    const key = choiceKey(GPU.label, configClass(defaultRunConfig()));
    store.map.set(key, { format: CHOICE_FORMAT, chosen: 'webgpu', msPerStep: 'garbage' });
    const a = input({ cpu: 12, webgpu: 30 }, { store });
    expect((await chooseBackend(a)).name).toBe('cpu');
    expect(a.measured).toEqual(['cpu', 'webgpu']);
    expect(
      parseStoredChoice(store.map.get(key), {
        device: GPU.label,
        configClass: configClass(defaultRunConfig()),
        now: NOW,
      })?.chosen,
    ).toBe('cpu');
  });

  it('falls back safely when a measurement fails or gives no time, and stores nothing then', async () => {
    const store = memoryStore();
    const gpuFails = await chooseBackend(input({ cpu: 12, webgpu: new Error('shader failed') }, { store }));
    expect(gpuFails.name).toBe('cpu');
    expect(gpuFails.reason).toBe(
      'cpu 12 ms/step · webgpu failed (shader failed): cpu chosen (measured again next time)',
    );
    const cpuNaN = await chooseBackend(input({ cpu: NaN, webgpu: 30 }, { store }));
    expect(cpuNaN.name).toBe('webgpu');
    const both = await chooseBackend(input({ cpu: new Error('x'), webgpu: Infinity }, { store }));
    expect(both).toMatchObject({ name: 'cpu', measure: null });
    expect(both.reason).toMatch(/cpu failed \(x\) · webgpu failed .*: cpu used/);
    expect(store.sets).toBe(0);
    // The next run of the class measures again.
    const again = input({ cpu: 12, webgpu: 30 }, { store });
    await chooseBackend(again);
    expect(again.measured).toEqual(['cpu', 'webgpu']);
  });

  it('decides without a working store', async () => {
    const store = memoryStore(true);
    const d = await chooseBackend(input({ cpu: 30, webgpu: 3 }, { store }));
    expect(d.name).toBe('webgpu');
    expect(store.gets + store.sets).toBe(2);
  });

  it('lets the link’s ?backend= override: nothing measured, stored or read', async () => {
    for (const prefer of ['cpu', 'webgpu', 'wasm', 'webgl'] as const) {
      const store = memoryStore();
      const a = input({ cpu: 1, webgpu: 1 }, { store, prefer });
      const d = await chooseBackend(a);
      expect(d.name).toBe(prefer);
      expect(d.measure).toBeNull();
      expect(d.reason).toContain(`${prefer} requested by the link`);
      expect(a.measured).toEqual([]);
      expect(store.gets + store.sets).toBe(0);
    }
  });

  it('measures nothing without a hardware adapter, unless asked to measure a software one', async () => {
    const none = input({ cpu: 1, webgpu: 1 }, { adapter: null });
    expect(await chooseBackend(none)).toMatchObject({ name: 'cpu', measure: null });
    expect((await chooseBackend(none)).reason).toContain('no WebGPU adapter here');
    expect(none.measured).toEqual([]);
    const software = { label: 'google swiftshader', software: true };
    const sw = input({ cpu: 10, webgpu: 2000 }, { adapter: software });
    const d = await chooseBackend(sw);
    expect(d).toMatchObject({ name: 'cpu', measure: null });
    expect(d.reason).toContain('only a software adapter here (google swiftshader)');
    expect(sw.measured).toEqual([]);
    const debug = input({ cpu: 10, webgpu: 2000 }, { adapter: software, measureSoftware: true });
    const m = await chooseBackend(debug);
    expect(debug.measured).toEqual(['cpu', 'webgpu']);
    expect(m.reason).toMatch(/^cpu 10 ms\/step · webgpu 2000 ms\/step: cpu chosen .*software adapter/);
  });
});

describe('measuring on the real engine', () => {
  beforeAll(async () => {
    await useBackend();
    registerFusedKernels();
  });

  /** A few steps of the run; its losses and its final checkpoint. */
  async function train(config: RunConfig) {
    const e = await Experiment.create(config);
    await e.step(4);
    const s = await e.snapshot();
    const cp = await e.checkpoint();
    e.dispose();
    return { losses: Object.values(s.series).map((x) => Array.from(x.loss)), models: cp.models };
  }

  it('times a throwaway copy and leaves the run bit for bit as it is without measuring', async () => {
    const config = smallRun({ seed: 3 });
    const plain = await train(config);
    // Measured on every fused backend here (on the webgpu project, cpu then webgpu, as the worker does), then
    // the run is built on the backend it ran on before.
    const backend = await useBackend();
    for (const b of backend === 'webgpu' ? FUSED_BACKENDS : (['cpu'] as const)) {
      const ms = await measureOn(
        b,
        async () => {
          const e = await Experiment.create(config);
          return { step: () => e.step(1), dispose: () => e.dispose() };
        },
        { now: () => performance.now() },
      );
      expect(ms).toBeGreaterThan(0);
    }
    expect(await startBackend(backend)).toBe(true);
    expect(await train(config)).toEqual(plain);
  });
});
