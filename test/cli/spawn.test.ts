// The real entry point, as `npm run kru` runs it (esbuild bundle, then node): stdout must be pure JSON lines
// (no tfjs banner), the process must exit by itself, and a bad flag must exit non-zero with nothing on stdout.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

function kru(...args: string[]) {
  return spawnSync(process.execPath, ['scripts/run-ts.mjs', 'src/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  });
}

describe('spawned CLI', () => {
  it('train prints only JSON lines on stdout and exits 0; a bad flag exits 2 with one line on stderr', () => {
    const r = kru(
      'train',
      '--task',
      'copy',
      '--model',
      'kru',
      '--hidden',
      '4',
      '--T',
      '2',
      '--batch',
      '2',
      '--steps',
      '3',
    );
    expect(r.error).toBeUndefined();
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.pop()).toBe(''); // trailing newline, nothing after it
    expect(lines).toHaveLength(3);
    const rows = lines.map((l) => JSON.parse(l) as { step: number; loss: number });
    expect(rows.map((x) => x.step)).toEqual([1, 2, 3]);
    for (const row of rows) expect(Number.isFinite(row.loss)).toBe(true);

    const bad = kru('train', '--task', 'copy', '--model', 'kru', '--hidden', 'abc');
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toEqual(['error: --hidden must be a number, got "abc"']);
  });
});
