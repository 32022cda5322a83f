// The peer row: the KRU training step here (tfjs cpu backend, fused kernels) beside the same step written as a
// researcher would in PyTorch (bench/peer_kru.py: complex64 autograd, one tensordot per factor, a Python loop
// over t), one thread each, timed in one run, N after N, so that both see the same machine load.
//
//   npm run bench -- --peer [--sizes 64,128,256,512,1024] [--budget-ms 12000] [--out bench/results.json]
//   node scripts/run-ts.mjs bench/peer.ts [same flags]
//
// PyTorch is Debian's python3-torch for /usr/bin/python3, installed here with apt-get when missing (as root;
// ~1–3 min); without it the peer rows are skipped with a message. For every N the script also feeds one of our
// runs' initial weights and first batch to the PyTorch model and compares the step-1 loss, regulariser and
// ‖∂L/∂h_t‖, so the two time the same computation. Rows go to bench/results.json (field `implementation`:
// 'ours' or 'pytorch'; a full `npm run bench` keeps them) and a table to bench/results.md (section "Peer").
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../src/engine/backend-node';
import { Experiment } from '../src/engine/experiment';
import { dataRng, runnerInit } from '../src/engine/model-init';
import { disposeLossAndGrads, toDeviceBatch, Trainer } from '../src/engine/trainer';
import { stepNorms } from '../src/kernels/ops';
import { createTask } from '../src/tasks';
import { defaultModel, defaultRunConfig } from '../src/settings';
import type { RunConfig } from '../src/engine/types';

const PYTHON = '/usr/bin/python3';
const T = 100;
const BATCH = 32;
const D = 2; // the adding problem's input size

/**
 * Arithmetic of one training step, in floating-point operations, for 2×2 factors (F = log2 N), as an
 * implementation-independent estimate (docs/performance.md, "Speed v2"): per sequence and step,
 * forward 14·N·F (each factor: two complex multiply-adds per output) + 4·N·D (U x + b) + 2N (activation);
 * backward 30·N·F (Wᴴ dy: 14, Σ dy xᴴ: 16 per element and factor) + 8·N·D (dU, dx) + 6N (carry, σ', db).
 * The read-out, loss, regulariser and optimiser are O(N) per step and left out; so is our backward's
 * recomputation of the factor chain (an implementation choice, 14·N·(F−1) more).
 */
export function stepFlops(N: number, batch = BATCH, steps = T, inputs = D): number {
  const F = Math.log2(N);
  return (44 * N * F + 12 * N * inputs + 8 * N) * batch * steps;
}

export interface PeerRow {
  model: 'kru';
  N: number;
  T: number;
  batch: number;
  backend: 'cpu';
  implementation: 'ours' | 'pytorch';
  /** 'fused' (ours) or the PyTorch version */
  impl: string;
  msPerStep: number;
  cpuMsPerStep: number;
  /** minor page faults per step (median): first touches of fresh memory, ~16 µs each on this project's VM */
  pageFaults: number;
  reps: number;
  mflop: number;
}

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = (flag('--sizes') ?? '64,128,256,512,1024').split(',').map(Number);
const budgetMs = Number(flag('--budget-ms') ?? 12000);
const warmupMs = Number(flag('--warmup-ms') ?? 1500);
const maxReps = 11;
const out = resolve(flag('--out') ?? 'bench/results.json');

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runConfig(N: number): RunConfig {
  return {
    ...defaultRunConfig(),
    task: { name: 'adding', T, permuted: false },
    batch: BATCH,
    impl: 'fused',
    models: [defaultModel('kru', N)],
  };
}

/** Our step, as `npm run bench` times it (Experiment.step: batch, forward, backward, RMSProp, metrics). */
async function timeOurs(N: number): Promise<{ ms: number; cpu: number; faults: number; reps: number }> {
  const e = await Experiment.create(runConfig(N));
  try {
    const w0 = performance.now();
    for (let n = 0; n < 30 && (n < 2 || performance.now() - w0 < warmupMs); n++) await e.step(1);
    const wall: number[] = [];
    const cpu: number[] = [];
    const faults: number[] = [];
    const start = performance.now();
    while (wall.length < maxReps && (wall.length < 1 || performance.now() - start < budgetMs)) {
      const t0 = performance.now();
      const c0 = cpuMs();
      const f0 = process.resourceUsage().minorPageFault;
      await e.step(1);
      wall.push(performance.now() - t0);
      cpu.push(cpuMs() - c0);
      faults.push(process.resourceUsage().minorPageFault - f0);
    }
    return { ms: median(wall), cpu: median(cpu), faults: median(faults), reps: wall.length };
  } finally {
    e.dispose();
  }
}

interface Step1 {
  loss: number;
  reg: number;
  gT: number[];
}

/** Our step-1 numbers for N, and the weights and batch they come from (for the PyTorch check). */
async function ourStep1(N: number): Promise<{ step1: Step1; weights: Record<string, unknown> }> {
  const config = runConfig(N);
  const spec = config.models[0];
  const task = createTask(config.task);
  const init = runnerInit(config, spec, task);
  const batch = task.trainBatch(dataRng(config.seed), BATCH);
  const trainer = new Trainer(init.spec, init.arrays, init.options);
  const device = toDeviceBatch(batch, task.loss, task.hasAccuracy);
  const r = trainer.lossAndGrads(device, 'lambda' in spec ? spec.lambda : 0);
  const g = stepNorms(r.probeGrad);
  const step1 = {
    loss: (await r.loss.data())[0],
    reg: (await r.reg.data())[0],
    gT: Array.from(await g.data()),
  };
  g.dispose();
  disposeLossAndGrads(r);
  tf.dispose([device.x, device.weights, device.values]);
  trainer.dispose();
  const a = init.arrays;
  const list = (k: string) => Array.from(a[k] as ArrayLike<number>);
  const target = Array.from({ length: BATCH }, (_, b) => batch.targets[b * T + T - 1]);
  const factorSizes = spec.kind === 'kru' ? spec.factors : [];
  return {
    step1,
    weights: {
      sizes: factorSizes,
      N,
      D: task.inputSize,
      K: task.outputSize,
      B: BATCH,
      T,
      factors: list('factors'),
      U: list('U'),
      b: list('b'),
      V: list('V'),
      c: list('c'),
      x: Array.from(batch.x),
      target,
    },
  };
}

/** PyTorch for /usr/bin/python3: its version, installing Debian's python3-torch first when missing. */
function torchVersion(): { version: string } | { why: string } {
  const probe = () =>
    spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (!existsSync(PYTHON)) return { why: `${PYTHON} not found` };
  let r = probe();
  if (r.status !== 0) {
    const root = process.getuid?.() === 0;
    if (!root || !existsSync('/usr/bin/apt-get'))
      return {
        why: 'PyTorch is not installed for /usr/bin/python3 (apt-get install python3-torch, as root)',
      };
    console.error('# installing python3-torch with apt-get (Debian; 1–3 minutes)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => spawnSync('apt-get', ['install', '-y', 'python3-torch'], { stdio: 'inherit', env });
    if (install().status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
      install();
    }
    r = probe();
    if (r.status !== 0) return { why: 'apt-get could not install python3-torch' };
  }
  return { version: r.stdout.trim() };
}

interface PyResult {
  N: number;
  msPerStep: number;
  cpuMsPerStep: number;
  pageFaults: number;
  reps: number;
  torch: string;
  check?: { loss: number; reg: number; gT: number[] };
}

function runPeer(N: number, weightsFile: string): PyResult {
  const r = spawnSync(
    PYTHON,
    [
      'bench/peer_kru.py',
      '--sizes',
      String(N),
      '--T',
      String(T),
      '--batch',
      String(BATCH),
      '--check',
      weightsFile,
      '--warmup-s',
      String(warmupMs / 1000),
      '--budget-s',
      String(budgetMs / 1000),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`bench/peer_kru.py failed: ${r.stderr.trim().split('\n').pop()}`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const timing = lines.find((l) => l.N === N) as unknown as PyResult;
  const check = lines.find((l) => l.check)?.check as PyResult['check'];
  return { ...timing, check };
}

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

async function main(): Promise<void> {
  await initNodeBackend('cpu');
  const torch = torchVersion();
  if ('why' in torch) console.error(`# peer skipped: ${torch.why}`);
  const loadStart = loadavg();
  const rows: PeerRow[] = [];
  const checks: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kru-peer-'));
  try {
    for (const N of sizes) {
      const mflop = stepFlops(N) / 1e6;
      const ours = await timeOurs(N);
      rows.push({
        model: 'kru',
        N,
        T,
        batch: BATCH,
        backend: 'cpu',
        implementation: 'ours',
        impl: 'fused',
        msPerStep: Number(ours.ms.toFixed(3)),
        cpuMsPerStep: Number(ours.cpu.toFixed(3)),
        pageFaults: ours.faults,
        reps: ours.reps,
        mflop: Number(mflop.toFixed(2)),
      });
      console.error(
        `  ours    N=${N}: ${fmt(ours.ms)} ms/step (cpu ${fmt(ours.cpu)}, ${ours.faults} page faults; median of ${ours.reps})`,
      );
      if ('why' in torch) continue;
      const { step1, weights } = await ourStep1(N);
      const file = join(dir, `weights-${N}.json`);
      writeFileSync(file, JSON.stringify(weights));
      const py = runPeer(N, file);
      rows.push({
        model: 'kru',
        N,
        T,
        batch: BATCH,
        backend: 'cpu',
        implementation: 'pytorch',
        impl: `torch ${py.torch}`,
        msPerStep: Number(py.msPerStep.toFixed(3)),
        cpuMsPerStep: Number(py.cpuMsPerStep.toFixed(3)),
        pageFaults: py.pageFaults,
        reps: py.reps,
        mflop: Number(mflop.toFixed(2)),
      });
      console.error(
        `  PyTorch N=${N}: ${fmt(py.msPerStep)} ms/step (cpu ${fmt(py.cpuMsPerStep)}, ${py.pageFaults} page faults; median of ${py.reps})`,
      );
      if (py.check) {
        const gMax = Math.max(...step1.gT);
        const gErr = Math.max(...step1.gT.map((g, t) => Math.abs(g - py.check!.gT[t]))) / gMax;
        const line =
          `N=${N}: loss ${step1.loss.toPrecision(6)} vs ${py.check.loss.toPrecision(6)} ` +
          `(rel ${relErr(py.check.loss, step1.loss).toExponential(1)}), ` +
          `R ${step1.reg.toPrecision(6)} vs ${py.check.reg.toPrecision(6)}, ` +
          `max |Δg_t| / max g_t = ${gErr.toExponential(1)}`;
        checks.push(line);
        console.error(`  step-1 check ${line}`);
        if (relErr(py.check.loss, step1.loss) > 1e-4 || gErr > 1e-3)
          throw new Error(`the PyTorch step computes something else: ${line}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const loadEnd = loadavg();
  writeRows(rows);
  const table = peerTable(rows, loadStart, loadEnd, checks, 'why' in torch ? torch.why : null);
  console.log(table);
  writePeerSection(table);
}

/** bench/results.json keeps the full run's rows; the peer rows (with `implementation`) are replaced. */
function writeRows(rows: PeerRow[]): void {
  let kept: unknown[] = [];
  try {
    kept = (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>[]).filter(
      (r) => !('implementation' in r) || !rows.some((n) => n.N === r.N),
    );
  } catch {
    // no file yet
  }
  writeFileSync(out, JSON.stringify([...kept, ...rows], null, 1) + '\n');
}

export const PEER_BEGIN = '<!-- peer: generated by `npm run bench -- --peer` -->';
export const PEER_END = '<!-- /peer -->';

function peerTable(
  rows: PeerRow[],
  load0: number[],
  load1: number[],
  checks: string[],
  skipped: string | null,
): string {
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const find = (N: number, who: PeerRow['implementation']) =>
    rows.find((r) => r.N === N && r.implementation === who);
  const torch = rows.find((r) => r.implementation === 'pytorch')?.impl ?? 'PyTorch';
  const lines = [
    `## Peer: the same training step in PyTorch (${when} UTC, ${cpus().length} cores)`,
    '',
    `KRU, 2×…×2 factors, adding problem, T = ${T}, batch ${BATCH}: ms per training step (forward, backward,`,
    `RMSProp, ‖∂L/∂h_t‖), median; ours = tfjs cpu backend with the fused kernels, PyTorch = bench/peer_kru.py`,
    `(${torch}, complex64 autograd, one tensordot per factor, a loop over t), one thread each, timed N after N in`,
    `one run. GFLOP/s = the step's arithmetic (bench/peer.ts stepFlops: 44·N·F + 32·N per sequence and step) over`,
    `our wall time. Page faults: minor faults per step (median), first touches of fresh memory.`,
    `Load average ${load0.map((l) => l.toFixed(2)).join(', ')} at the start, ` +
      `${load1.map((l) => l.toFixed(2)).join(', ')} at the end.`,
    '',
  ];
  const table: string[][] = [
    [
      'N',
      'ours',
      'PyTorch',
      'PyTorch / ours',
      'ours cpu',
      'PyTorch cpu',
      'ratio (cpu)',
      'page faults (ours, PyTorch)',
      'MFLOP',
      'ours GFLOP/s',
    ],
  ];
  for (const N of sizes) {
    const o = find(N, 'ours');
    const p = find(N, 'pytorch');
    if (!o) continue;
    const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(1)}×` : '—');
    table.push([
      String(N),
      fmt(o.msPerStep),
      p ? fmt(p.msPerStep) : '—',
      ratio(p?.msPerStep, o.msPerStep),
      fmt(o.cpuMsPerStep),
      p ? fmt(p.cpuMsPerStep) : '—',
      ratio(p?.cpuMsPerStep, o.cpuMsPerStep),
      `${o.pageFaults}, ${p ? p.pageFaults : '—'}`,
      o.mflop.toFixed(0),
      (o.mflop / o.msPerStep).toFixed(1),
    ]);
  }
  lines.push(...markdownTable(table));
  if (skipped) lines.push('', `PyTorch skipped: ${skipped}`);
  if (checks.length)
    lines.push(
      '',
      'Step 1 from the same weights and batch (ours vs PyTorch):',
      '',
      ...checks.map((c) => `- ${c}`),
    );
  return lines.join('\n');
}

/** A table with its columns padded as prettier pads them (bench/results.md is checked by prettier). */
function markdownTable(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(3, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((x, c) => x.padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)];
}

/** Replaces (or appends) the peer section of bench/results.md. */
function writePeerSection(table: string): void {
  const md = out.replace(/\.json$/, '.md');
  let text = existsSync(md) ? readFileSync(md, 'utf8') : '';
  const section = `${PEER_BEGIN}\n\n${table}\n\n${PEER_END}`;
  const a = text.indexOf(PEER_BEGIN);
  const b = text.indexOf(PEER_END);
  if (a >= 0 && b > a) text = text.slice(0, a) + section + text.slice(b + PEER_END.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(md, text);
}

/** Runs the peer benchmark and exits (bench/run.ts calls this for `--peer`). */
export function runPeerBench(): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`peer bench failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}

// Run directly (scripts/run-ts.mjs bundles this file as peer-<pid>.mjs); imported, it only exports.
if (/(^|[/\\])peer-\d+\.mjs$/.test(process.argv[1] ?? '')) runPeerBench();
