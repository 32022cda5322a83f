// The captions of the constraint and factor-size presets, checked on the engine's data (the longest preset
// runs, in a file of their own so that vitest runs them beside presets.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFusedKernels } from '../../src/kernels/register';
import { useBackend } from '../support/backend';
import { LONG, logMeasure as log, measurePreset, presetNamed as preset } from './measure';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

describe('presets', { timeout: LONG }, () => {
  it('soft, strict or none: the strict KRU stays unitary; at step 1,000 strict and none are below 85% of the baseline, soft is on it', async () => {
    const p = preset('soft-strict-none');
    const m = await measurePreset(p);
    log(p.name, m);
    const b = m.baseline;
    expect(m.steps).toBe(1000);
    expect(m.models['kru-strict'].maxDeviation).toBeLessThan(1e-6);
    expect(m.models['kru-strict'].loss).toBeLessThan(0.85 * b);
    expect(m.models['kru-none'].loss).toBeLessThan(0.85 * b);
    expect(m.models['kru-soft'].loss).toBeGreaterThan(0.95 * b);
  });

  // Seeds 1–5 (bench/_tmp probe, 2026-12-02): 2×2 67–88%, 4×4 67–90%, 8×8 92–103%, 64×64 100.2–100.4% of the
  // baseline; the 8×8's 87% at seed 1 under the op-by-op penalty was within rounding of the threshold.
  it('factor sizes: 48 / 96 / 256 / 8,192 recurrent parameters; at step 1,000 the 2×2 and 4×4 KRUs are below 90% of the baseline, the 8×8 behind both, one 64×64 factor on it', async () => {
    const p = preset('factor-sizes');
    const m = await measurePreset(p);
    log(p.name, m);
    const b = m.baseline;
    expect(m.steps).toBe(1000);
    expect(['kru-2', 'kru-4', 'kru-8', 'kru-64'].map((id) => m.models[id].recurrentParams)).toEqual([
      48, 96, 256, 8192,
    ]);
    for (const id of ['kru-2', 'kru-4']) expect(m.models[id].loss, id).toBeLessThan(0.9 * b);
    expect(m.models['kru-8'].loss).toBeGreaterThan(Math.max(m.models['kru-2'].loss, m.models['kru-4'].loss));
    expect(m.models['kru-64'].loss).toBeGreaterThan(0.95 * b);
  });
});
