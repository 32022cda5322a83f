// `node scripts/run-ts.mjs bench/sweep.ts [--quick] [--out bench/sweep.md]`
// ms per sweep step (one training step of every grid point) for k = 1, 4 and 12 points of a λ sweep, on the
// tfjs cpu backend with the fused kernels, for a small KRU and for the app's default one. Median of several
// timed repeats after a warm-up; the table and the machine it ran on go to bench/sweep.md.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../src/engine/backend-node';
import { Experiment } from '../src/engine/experiment';
import { logGrid, runSweep, type SweepSpec } from '../src/engine/sweep';
import { defaultModel, defaultRunConfig, type RunSettings } from '../src/settings';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outIndex = args.indexOf('--out');
const out = resolve(outIndex >= 0 ? args[outIndex + 1] : 'bench/sweep.md');
const REPEATS = quick ? 3 : 7;
const STEPS = quick ? 10 : 20;
const KS = [1, 4, 12];

interface Case {
  name: string;
  run: RunSettings;
  N: number;
}

const base = (() => {
  const { models: _m, ...run } = defaultRunConfig();
  void _m;
  return run;
})();
const CASES: Case[] = [
  {
    name: 'adding T=10, N=8 (2×2×2), batch 8',
    run: { ...base, task: { name: 'adding', T: 10, permuted: false }, batch: 8 },
    N: 8,
  },
  {
    name: 'copy T=10, N=16 (2×2×2×2), batch 16',
    run: { ...base, task: { name: 'copy', T: 10, permuted: false }, batch: 16 },
    N: 16,
  },
  { name: 'adding T=50, N=64 (2×…×2), batch 32 (the default run)', run: base, N: 64 },
];

/** ms per sweep step: wall time of a k-point sweep of STEPS steps, divided by STEPS (Experiment set-up excluded). */
async function msPerSweepStep(c: Case, k: number, stack: boolean): Promise<number> {
  const spec: SweepSpec = {
    run: c.run,
    model: defaultModel('kru', c.N),
    grid: { kind: 'lambda', values: logGrid(1e-4, 10, 12).slice(0, k) },
    steps: STEPS,
  };
  const r = await runSweep(spec, { reportEvery: STEPS, stack });
  // msPerStep of each point is its group's step time shared among the group's points: their sum is the sweep's.
  return r.results.reduce((s, p) => s + p.msPerStep, 0);
}

/**
 * Where one point-step's time goes (k = 1, tf.profile over 10 steps): the fused recurrence kernels (forward and
 * backward through time) against every other op (read-out, loss, penalty, metrics, optimiser), and how many ops.
 */
async function split(c: Case): Promise<{ ops: number; recurrence: number; other: number }> {
  const e = await Experiment.create({ ...c.run, models: [defaultModel('kru', c.N)] });
  await e.step(3);
  let recurrence = 0;
  let other = 0;
  let ops = 0;
  const REPS = 10;
  for (let i = 0; i < REPS; i++) {
    const prof = await tf.profile(() => e.step(1));
    ops = prof.kernels.length;
    for (const k of prof.kernels) {
      const ms = Number(k.kernelTimeMs) / REPS;
      if (k.name.startsWith('KruRecurrence')) recurrence += ms;
      else other += ms;
    }
  }
  e.dispose();
  return { ops, recurrence, other };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const backend = await initNodeBackend('cpu');
tf.enableProdMode();

/** A markdown table with padded columns, as prettier writes it (the file passes `prettier --check`). */
function table(head: string[], rows: string[][]): string[] {
  const width = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const timed: string[][] = [];
const splits: string[][] = [];
for (const c of CASES) {
  // Warm-up: kernels and caches.
  await msPerSweepStep(c, 4, false);
  await msPerSweepStep(c, 4, true);
  const one = { separate: NaN, stacked: NaN };
  for (const k of KS) {
    // The two modes alternate, so that a change of load on the machine hits both alike.
    const times = { separate: [] as number[], stacked: [] as number[] };
    for (let i = 0; i < REPEATS; i++) {
      times.separate.push(await msPerSweepStep(c, k, false));
      times.stacked.push(await msPerSweepStep(c, k, true));
    }
    const ms = { separate: median(times.separate), stacked: median(times.stacked) };
    for (const mode of ['separate', 'stacked'] as const)
      console.error(`${c.name} k=${k} ${mode}: ${fmt(ms[mode])} ms (${times[mode].map(fmt).join(', ')})`);
    if (k === 1) Object.assign(one, ms);
    timed.push([
      c.name,
      String(k),
      fmt(ms.separate),
      `${(ms.separate / one.separate).toFixed(2)}×`,
      fmt(ms.stacked),
      `${(ms.stacked / one.stacked).toFixed(2)}×`,
      `${(ms.separate / ms.stacked).toFixed(2)}×`,
    ]);
  }
  const s = await split(c);
  splits.push([
    c.name,
    String(s.ops),
    fmt(s.recurrence),
    fmt(s.other),
    `${((100 * s.other) / (s.other + s.recurrence)).toFixed(0)}%`,
  ]);
}
const lines = [
  '# Sweeps: ms per sweep step',
  '',
  'Generated by `node scripts/run-ts.mjs bench/sweep.ts` (`--quick`: fewer repeats). A sweep step is one training',
  'step of every grid point of a λ sweep (the same KRU at k values of λ, on the same batches).',
  '',
  "**How the points are batched.** A λ sweep's points differ only in λ: same shape, same start, same options. So",
  'src/engine/sweep-stack.ts trains a group of up to 8 of them as one model whose parameters are [k, …] variables:',
  'the read-out (one batched matMul), the loss, the accuracy, the unitary penalty, the gradient norms and the',
  'optimiser are one tfjs op each for the whole group (4 points of the copy run below: 363 ops per group step',
  'against 1,116 for 4 separate points, counted with tf.profile).',
  'The fused recurrence (forward and backward through time) and ‖∂L/∂h_t‖ still run once per point. On the cpu',
  'backend the numbers are bit for bit those of separate models (test/engine/sweep.test.ts); kru sweep stacks',
  'groups of 8, the app groups of 4 (so that points finish, are drawn and survive a cancel sooner).',
  '',
  "**What it achieves.** It removes tfjs's per-op cost, not arithmetic. Where that cost is most of a step (a",
  'tiny KRU) k points cost well under k times one; where the step is arithmetic — the fused recurrence kernels of',
  'the default N = 64 run, or the read-out and softmax of copy memory at every one of its T + 20 positions — k',
  'points still cost about k times one, stacked or not. The second table shows where one point-step goes.',
  '',
  '**What more it would take.** The arithmetic itself has to run in parallel: a WebGPU kernel that steps all k factor',
  "sets in one dispatch (k times the threads for one dispatch's cost), or the cpu kernels of the group spread over",
  'cores (as the training run does with a second worker on machines with 3 or more cores). Neither is done here.',
  '',
  `Measured: tfjs ${backend.name} backend with the fused kernels, median of ${REPEATS} sweeps of ${STEPS} steps`,
  `(set-up excluded); ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average ${loadavg()[0].toFixed(1)} at the start.`,
  'separate: one Trainer per point; stacked: each group of up to 8 points as one stacked model.',
  '',
  ...table(['run', 'k', 'separate, ms', '÷ k=1', 'stacked, ms', '÷ k=1', 'separate ÷ stacked'], timed),
  '',
  'Where one point-step goes (k = 1, tf.profile, mean of 10 steps; kernel times only):',
  '',
  ...table(
    ['run', 'tfjs ops per step', 'fused recurrence kernels, ms', 'all other ops, ms', 'other share'],
    splits,
  ),
];
writeFileSync(out, `${lines.join('\n')}\n`);
console.error(`written to ${out}`);
