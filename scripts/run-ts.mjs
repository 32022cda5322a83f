#!/usr/bin/env node
// Runs a TypeScript entry point (the CLI, the benchmark) in Node. tfjs-core's ESM build uses extensionless
// imports that Node's loader (and tsx) cannot resolve, so we bundle the entry with esbuild first (~0.5 s).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.mjs <entry.ts> [args...]');
  process.exit(2);
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'node_modules', '.cache', 'kru-run');
mkdirSync(outDir, { recursive: true });
// One bundle per process, so that simultaneous runs (tests, a bench beside the CLI) never collide.
const outfile = join(outDir, basename(entry).replace(/\.ts$/, `-${process.pid}.mjs`));
await build({
  entryPoints: [resolve(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
  // dawn.node is a native addon, and prettier (bench/run.ts formats its table) loads its plugins at run time:
  // both come from node_modules when the bundle runs.
  external: ['webgpu', 'prettier'],
  // One copy of tfjs: resolve every tfjs package to its ESM build (the .node.js bundles would pull a second core).
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
// Ctrl-C reaches the whole process group: the entry point handles it (kru sweep prints what finished and exits
// 130); this wrapper must not die first, or the shell returns while the entry point is still writing.
process.on('SIGINT', () => {});
const r = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit', env });
rmSync(outfile, { force: true });
process.exit(r.status ?? 1);
