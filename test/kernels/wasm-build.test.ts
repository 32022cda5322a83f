// The committed WebAssembly bytes (src/kernels/cpu/wasm/loops-wasm.ts) must be what wabt assembles from
// loops.wat today: an edit to the .wat without re-running the build would otherwise ship stale code.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('loops.wat', () => {
  it('matches the committed bytes (node scripts/build-wasm.mjs --check)', () => {
    const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
