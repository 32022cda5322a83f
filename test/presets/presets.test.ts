// Every preset's caption is a claim about data (the factor-size and constraint presets: constraints.test.ts): each test trains the preset for the steps its caption names
// (seeded, cpu backend, fused kernels) and asserts the caption's numbers. If one fails, the caption is wrong.
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFusedKernels } from '../../src/kernels/register';
import { PRESETS } from '../../src/presets';
import { parseRunConfig } from '../../src/settings';
import { useBackend } from '../support/backend';
import { LONG, logMeasure as log, measurePreset, presetNamed as preset } from './measure';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

describe('presets', { timeout: LONG }, () => {
  it('are valid runs with unique names and models listed in their captions', () => {
    expect(new Set(PRESETS.map((p) => p.name)).size).toBe(PRESETS.length);
    for (const p of PRESETS) {
      expect(parseRunConfig(p.config).ok, p.name).toBe(true);
      expect(p.caption.length, p.name).toBeGreaterThan(40);
      expect(p.steps, p.name).toBeGreaterThan(0);
    }
  });

  it('copy memory: by step 1,000 the KRU is ≥ 0.99 accurate with loss ≤ 5% of the baseline; the RNN stays ≥ 80%', async () => {
    const p = preset('copy-memory');
    const m = await measurePreset(p, { hit: (r, b) => r.accuracy >= 0.99 && r.loss <= 0.05 * b });
    log(p.name, m);
    expect(m.steps).toBe(1000);
    expect(m.models.kru.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(m.models.kru.loss).toBeLessThanOrEqual(0.05 * m.baseline);
    expect(m.models.rnn.loss).toBeGreaterThanOrEqual(0.8 * m.baseline);
    expect(m.models.kru.recurrentParams).toBe(56);
    expect(m.models.rnn.recurrentParams).toBe(16384);
  });

  it('parameter efficiency: with as many parameters, the KRU solves copy by step 1,000 and the RNN does not', async () => {
    const p = preset('parameter-efficiency');
    const m = await measurePreset(p);
    log(p.name, m);
    const { kru, rnn63 } = m.models;
    expect(m.steps).toBe(1000);
    expect([kru.totalParams, kru.recurrentParams, rnn63.totalParams, rnn63.recurrentParams]).toEqual([
      5313, 56, 5238, 3969,
    ]);
    expect(kru.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(kru.loss).toBeLessThanOrEqual(0.05 * m.baseline);
    expect(rnn63.loss).toBeGreaterThanOrEqual(0.8 * m.baseline);
  });

  it('vanishing gradients: at step 200 the RNN’s g₁/g_T is over 1,000× smaller than the KRU’s', async () => {
    const p = preset('vanishing-gradients');
    const m = await measurePreset(p);
    log(p.name, m);
    expect(m.steps).toBe(200);
    expect(m.models.kru.gradRatio / m.models.rnn.gradRatio).toBeGreaterThan(1e3);
  });

  it('exploding gradients: the gain-2 RNN’s g₁/g_T is over 10⁶ at step 1 (the KRU’s is 1); clipping cuts its loss 1,000×', async () => {
    const p = preset('exploding-gradients');
    const m = await measurePreset(p);
    log(p.name, m);
    const { kru, rnn } = m.models;
    const clipped = m.models['rnn-clip'];
    expect(m.steps).toBe(200);
    expect(rnn.firstGradRatio).toBeGreaterThan(1e6);
    expect(clipped.firstGradRatio).toBeGreaterThan(1e6);
    expect(kru.firstGradRatio).toBeCloseTo(1, 3);
    expect(rnn.loss / clipped.loss).toBeGreaterThan(1e3);
    expect(clipped.loss).toBeGreaterThan(5 * m.baseline);
    expect(kru.loss).toBeLessThan(2 * m.baseline);
  });

  it('λ tug-of-war: at step 300 the λ = 10 KRU is within 1e-3 of unitary, the λ = 0 one ≥ 100× further', async () => {
    const p = preset('lambda-tug-of-war');
    const m = await measurePreset(p);
    log(p.name, m);
    expect(m.steps).toBe(300);
    expect(m.models['kru-l10'].deviation).toBeLessThan(1e-3);
    expect(m.models['kru-l0'].deviation).toBeGreaterThanOrEqual(100 * m.models['kru-l10'].deviation);
  });
});
