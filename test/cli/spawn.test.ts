// The real entry point, as `npm run kru` runs it (esbuild bundle, then node): stdout must be pure JSON lines
// (no tfjs banner), the process must exit by itself, and a bad flag must exit non-zero with nothing on stdout.
import { spawn, spawnSync } from 'node:child_process';
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

  it('sweep stops at Ctrl-C (SIGINT): exit 130, the finished points summarised, the count on stderr', async () => {
    // One factorisation at a time (factor sweeps are not stacked); the second's 100,000 steps never finish.
    const args = [
      'sweep',
      '--factors',
      '2x2,4',
      '--task',
      'adding',
      '--T',
      '3',
      '--batch',
      '2',
      '--hidden',
      '4',
    ];
    const child = spawn(
      process.execPath,
      [
        'scripts/run-ts.mjs',
        'src/cli/main.ts',
        ...args,
        '--model',
        'kru',
        '--steps',
        '100000',
        '--log-every',
        '50',
      ],
      {
        cwd: root,
        env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
        detached: true, // a process group of its own, as a terminal's foreground job
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    // Interrupt once the sweep has trained and printed a few progress lines.
    await new Promise<void>((started) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.split('\n').length > 3) started();
      }),
    );
    // Ctrl-C: SIGINT to the whole group (the run-ts wrapper and the CLI it runs).
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    const m = /interrupted: (\d) of 2 grid points finished/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Progress lines carry a step; the summary lines (one per finished point) do not.
    const summaries = lines.filter((l) => !('step' in l));
    expect(summaries).toHaveLength(Number(m![1]));
    expect(lines.some((l) => 'step' in l)).toBe(true);
  });
});
