// The link's machine parameters (backend, threads): read strictly, so a typo is reported instead of ignored.
import { describe, expect, it } from 'vitest';
import { machineFromParams } from '../../src/app/machine';
import { settingsFromParams } from '../../src/settings';

const q = (s: string) => new URLSearchParams(s);

describe('machineFromParams', () => {
  it('reads backend and threads, and leaves absent ones to the worker', () => {
    expect(machineFromParams(q(''))).toEqual({ ok: true, value: {} });
    expect(machineFromParams(q('backend=cpu&threads=2'))).toEqual({
      ok: true,
      value: { backend: 'cpu', threads: 2 },
    });
    expect(machineFromParams(q('threads=1&N=64'))).toEqual({ ok: true, value: { threads: 1 } });
  });

  it('rejects unknown values with a message naming the parameter', () => {
    for (const [query, needle] of [
      ['threads=3', 'threads must be 1 or 2, got "3"'],
      ['threads=', 'threads must be 1 or 2, got ""'],
      ['threads=two', 'threads must be 1 or 2'],
      ['backend=gpu', 'backend must be one of webgpu, webgl, wasm, cpu, got "gpu"'],
    ] as const) {
      const r = machineFromParams(q(query));
      expect(r.ok, query).toBe(false);
      if (!r.ok) expect(r.error).toContain(needle);
    }
  });

  it('is not part of the settings: a link with only machine parameters keeps the default settings', () => {
    expect(settingsFromParams(q('backend=cpu&threads=1'))).toEqual({ value: null, problems: [] });
  });
});
