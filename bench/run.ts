// `npm run bench -- --peer [-- --sizes 64,128]`: the KRU step here beside the same step in PyTorch (bench/peer.ts).
// `npm run bench [-- --quick] [-- --backends cpu,webgpu] [-- --out bench/results.json]
//   [-- --webgpu-layout auto|workgroup|workgroup-global|serial]` (default auto: serial on a software adapter)
//   [-- --models kru,rnn,lstm,kru-lstm,lowrank] [-- --sizes 64,128]` (a subset: rows of these kinds and N only)
// ms per training step (forward + backward + optimiser + the engine's per-step metrics, median of several)
// for the KRU (2×2 factors) and the dense RNN, fused kernels vs the op-by-op reference, on each backend.
// Speed claims are ratios measured in one run, never absolute numbers from unit tests.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend, type NodeBackendName } from '../src/engine/backend-node';
import { Experiment } from '../src/engine/experiment';
import type { Impl, ModelKind } from '../src/core/vocabulary';
import { defaultModel, defaultRunConfig } from '../src/settings';
import { setWebgpuKernelLayout } from '../src/kernels/webgpu';
import { PEER_BEGIN, PEER_END, runPeerBench } from './peer';

interface Row {
  model: ModelKind;
  N: number;
  T: number;
  batch: number;
  backend: NodeBackendName;
  impl: Impl;
  msPerStep: number;
  /** how many timed steps the median is over */
  reps: number;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const backends = (flag('--backends') ?? (quick ? 'cpu' : 'cpu,webgpu')).split(',') as NodeBackendName[];
const layouts = ['auto', 'workgroup', 'workgroup-global', 'serial'] as const;
const webgpuLayout = flag('--webgpu-layout') ?? 'auto';
if (!(layouts as readonly string[]).includes(webgpuLayout)) {
  console.error(`error: --webgpu-layout must be one of ${layouts.join(', ')}, got "${webgpuLayout}"`);
  process.exit(2);
}
setWebgpuKernelLayout(webgpuLayout as (typeof layouts)[number]);
const out = resolve(flag('--out') ?? 'bench/results.json');
/** Stop repeating a configuration once this much time was spent on it (after ≥ 1 timed step). */
const budgetMs = Number(flag('--budget-ms') ?? (quick ? 4000 : 12000));
const maxReps = quick ? 9 : 11;
const warmupMs = Number(flag('--warmup-ms') ?? (quick ? 1000 : 1500));

const BATCH = 32;
const onlyModels = flag('--models')?.split(',');
const onlySizes = flag('--sizes')?.split(',').map(Number);
const wanted = (model: ModelKind, N: number) =>
  (!onlyModels || onlyModels.includes(model)) && (!onlySizes || onlySizes.includes(N));

async function measure(
  model: ModelKind,
  N: number,
  T: number,
  impl: Impl,
): Promise<{ ms: number; reps: number }> {
  const e = await Experiment.create({
    ...defaultRunConfig(),
    task: { name: 'adding', T, permuted: false },
    batch: BATCH,
    impl,
    models: [defaultModel(model, N)],
  });
  try {
    // Warm-up (JIT tiering, shader compilation, first allocations): a ~30 ms configuration needs 10–20 steps
    // before V8 has optimised everything it runs, so warm up for warmupMs, and for at least one step.
    const w0 = performance.now();
    for (let n = 0; n < 30 && (n === 0 || performance.now() - w0 < warmupMs); n++) await e.step(1);
    const times: number[] = [];
    const start = performance.now();
    while (times.length < maxReps && (times.length < 1 || performance.now() - start < budgetMs)) {
      const t0 = performance.now();
      await e.step(1);
      times.push(performance.now() - t0);
    }
    await e.snapshot();
    times.sort((a, b) => a - b);
    return { ms: times[Math.floor(times.length / 2)], reps: times.length };
  } finally {
    e.dispose();
  }
}

/** Configurations whose op-by-op run would take minutes per step on a software GPU are skipped. */
function skip(backend: NodeBackendName, model: ModelKind, N: number, T: number, impl: Impl): string | null {
  if (impl === 'reference' && backend === 'webgpu' && model === 'kru' && (N > 256 || T > 100))
    return 'op-by-op KRU on lavapipe: minutes per step';
  if (impl === 'reference' && model === 'kru' && T > 300) return 'op-by-op KRU at T=1000: minutes per step';
  if (impl === 'reference' && backend === 'webgpu' && REMEDIES.includes(model) && N > 128)
    return 'op-by-op on lavapipe: minutes per step';
  return null;
}

/** The remedies' kinds (issue "The remedies side by side"): timed at N ≤ 256 (the LSTM's 4N² grows fastest). */
const REMEDIES: ModelKind[] = ['lstm', 'kru-lstm', 'lowrank'];

const rows: Row[] = [];
const skipped: string[] = [];

function fmt(ms: number | undefined): string {
  return ms === undefined ? '—' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}
const find = (model: string, N: number, T: number, backend: string, impl: string) =>
  rows.find((r) => r.model === model && r.N === N && r.T === T && r.backend === backend && r.impl === impl)
    ?.msPerStep;

async function main(): Promise<void> {
  const Ns = quick ? [64, 128] : [64, 128, 256, 512, 1024];
  const Ts = quick ? [] : [100, 300, 1000];
  for (const backend of backends) {
    const choice = await initNodeBackend(backend);
    console.error(`# backend ${choice.name}: ${choice.reason}`);
    const plan: Array<[ModelKind, number, number, Impl]> = [];
    for (const N of Ns)
      for (const model of ['kru', 'rnn'] as const)
        for (const impl of ['fused', 'reference'] as const) plan.push([model, N, 100, impl]);
    for (const N of Ns.filter((n) => n <= 256))
      for (const model of REMEDIES)
        for (const impl of ['fused', 'reference'] as const) plan.push([model, N, 100, impl]);
    for (const T of Ts)
      if (T !== 100) for (const impl of ['fused', 'reference'] as const) plan.push(['kru', 128, T, impl]);
    for (const [model, N, T, impl] of plan) {
      if (!wanted(model, N)) continue;
      const why = skip(backend, model, N, T, impl);
      if (why) {
        skipped.push(`${model} N=${N} T=${T} ${backend} ${impl}: ${why}`);
        continue;
      }
      const before = tf.memory().numTensors;
      const { ms, reps } = await measure(model, N, T, impl);
      if (tf.memory().numTensors !== before) throw new Error(`tensor leak in ${model} N=${N} ${impl}`);
      rows.push({ model, N, T, batch: BATCH, backend, impl, msPerStep: Number(ms.toFixed(3)), reps });
      console.error(`  ${model} N=${N} T=${T} ${impl}: ${fmt(ms)} ms/step (median of ${reps})`);
    }
  }

  mkdirSync(dirname(out), { recursive: true });
  // The peer rows (`npm run bench -- --peer`, which have `implementation`) stay until that is run again.
  const peerRows = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>[]).filter(
        (r) => 'implementation' in r,
      )
    : [];
  writeFileSync(out, JSON.stringify([...rows, ...peerRows], null, 1) + '\n');

  const lines: string[] = [];
  lines.push(`ms per training step, T=100, batch ${BATCH} (median); ratios from this run`, '');
  lines.push(
    '| backend | N | KRU fused | KRU reference | ref/fused | RNN fused | RNN reference | RNN fused / KRU fused |',
  );
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const b of backends)
    for (const N of Ns) {
      const kf = find('kru', N, 100, b, 'fused');
      const kr = find('kru', N, 100, b, 'reference');
      const rf = find('rnn', N, 100, b, 'fused');
      const rr = find('rnn', N, 100, b, 'reference');
      const ratio = (a?: number, c?: number) => (a && c ? `${(a / c).toFixed(1)}×` : '—');
      lines.push(
        `| ${b} | ${N} | ${fmt(kf)} | ${fmt(kr)} | ${ratio(kr, kf)} | ${fmt(rf)} | ${fmt(rr)} | ${ratio(rf, kf)} |`,
      );
    }
  lines.push('');
  for (const b of backends) {
    const k128 = find('kru', 128, 100, b, 'fused');
    const k1024 = find('kru', 1024, 100, b, 'fused');
    const r128 = find('rnn', 128, 100, b, 'fused');
    const r1024 = find('rnn', 1024, 100, b, 'fused');
    if (k128 && k1024)
      lines.push(
        `${b}: KRU fused ms(N=1024)/ms(N=128) = ${(k1024 / k128).toFixed(1)} (N·log N predicts ${((1024 * 10) / (128 * 7)).toFixed(1)}); RNN fused ${r128 && r1024 ? (r1024 / r128).toFixed(1) : '—'} (N² predicts 64)`,
        '',
      );
  }
  lines.push(
    '',
    `The remedies: ms per training step, T=100, batch ${BATCH} (median; model defaults: LSTM gates i,f,g,o;`,
  );
  lines.push('KRU-LSTM 2×…×2 real factors per gate; low-rank RNN rank 4)', '');
  lines.push('| backend | N | model | fused | reference | ref/fused |');
  lines.push('|---|---|---|---|---|---|');
  for (const b of backends)
    for (const N of Ns.filter((n) => n <= 256))
      for (const m of REMEDIES) {
        const f = find(m, N, 100, b, 'fused');
        const r = find(m, N, 100, b, 'reference');
        lines.push(
          `| ${b} | ${N} | ${m} | ${fmt(f)} | ${fmt(r)} | ${f && r ? `${(r / f).toFixed(1)}×` : '—'} |`,
        );
      }
  if (Ts.length) {
    lines.push('', `KRU N=128, batch ${BATCH}: ms per training step against T`, '');
    lines.push('| backend | T | fused | reference |');
    lines.push('|---|---|---|---|');
    for (const b of backends)
      for (const T of Ts)
        lines.push(
          `| ${b} | ${T} | ${fmt(find('kru', 128, T, b, 'fused'))} | ${fmt(find('kru', 128, T, b, 'reference'))} |`,
        );
  }
  if (skipped.length) lines.push('', 'skipped:', ...skipped.map((s) => `- ${s}`));
  const text = lines.join('\n');
  console.log(`${text}\n\nrows written to ${out}`);
  // The generated table beside the rows, so the repository keeps the last full run in readable form.
  if (!quick) {
    const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const mdPath = out.replace(/\.json$/, '.md');
    const old = existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '';
    const a = old.indexOf(PEER_BEGIN);
    const b = old.indexOf(PEER_END);
    const peer = a >= 0 && b > a ? `\n${old.slice(a, b + PEER_END.length)}\n` : '';
    const md = `# Benchmark results (generated by \`npm run bench\`, ${when} UTC, ${cpus().length} cores)\n\n${text}\n${peer}`;
    // Formatted as the repository's prettier check wants it (tables padded), so a fresh run commits clean.
    const style = (await prettier.resolveConfig(mdPath)) ?? {};
    writeFileSync(mdPath, await prettier.format(md, { ...style, parser: 'markdown' }));
  }
}

if (args.includes('--peer')) runPeerBench();
else
  main().then(
    () => process.exit(0), // Dawn keeps the event loop alive
    (err: unknown) => {
      console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
