// Every preset's caption is a claim about data: each test trains the preset for the steps its caption names
// (seeded, cpu backend, fused kernels) and asserts the caption's numbers. If one fails, the caption is wrong.
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFusedKernels } from '../../src/kernels/register';
import { PRESETS, presetByName } from '../../src/presets';
import { parseRunConfig } from '../../src/settings';
import { useBackend } from '../support/backend';
import { measurePreset, type PresetMeasure } from './measure';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

const LONG = 900_000;

function preset(name: string) {
  const p = presetByName(name);
  if (!p) throw new Error(`no preset ${name}`);
  return p;
}

function log(name: string, m: PresetMeasure): void {
  const rows = Object.entries(m.models).map(
    ([id, x]) =>
      `${id}: loss ${x.loss.toPrecision(3)} (${((100 * x.loss) / m.baseline).toFixed(1)}% of baseline), acc ${x.accuracy.toFixed(3)}, ` +
      `dev ${x.deviation.toExponential(2)}, g1/gT ${x.gradRatio.toExponential(2)} (step 1: ${x.firstGradRatio.toExponential(2)})`,
  );
  console.log(`${name}, ${m.steps} steps in ${m.seconds.toFixed(0)} s (${m.msPerStep.toFixed(0)} ms/step):\n  ${rows.join('\n  ')}`);
}

describe('presets', () => {
  it('are valid runs with unique names and models listed in their captions', () => {
    expect(new Set(PRESETS.map((p) => p.name)).size).toBe(PRESETS.length);
    for (const p of PRESETS) {
      expect(parseRunConfig(p.config).ok, p.name).toBe(true);
      expect(p.caption.length, p.name).toBeGreaterThan(40);
      expect(p.steps, p.name).toBeGreaterThan(0);
    }
  });

  it(
    'copy memory: the KRU reaches accuracy ≥ 0.99 and loss ≤ 5% of the baseline by step 3,000; the RNN stays ≥ 80%',
    async () => {
      const p = preset('copy-memory');
      const m = await measurePreset(p, { hit: (r, b) => r.accuracy >= 0.99 && r.loss <= 0.05 * b });
      log(p.name, m);
      expect(m.steps).toBe(3000);
      expect(m.models.kru.accuracy).toBeGreaterThanOrEqual(0.99);
      expect(m.models.kru.loss).toBeLessThanOrEqual(0.05 * m.baseline);
      expect(m.models.rnn.loss).toBeGreaterThanOrEqual(0.8 * m.baseline);
    },
    LONG,
  );

  it('vanishing gradients: at step 200 the RNN’s g₁/g_T is over 1,000× smaller than the KRU’s', async () => {
    const p = preset('vanishing-gradients');
    const m = await measurePreset(p);
    log(p.name, m);
    expect(m.steps).toBe(200);
    expect(m.models.kru.gradRatio / m.models.rnn.gradRatio).toBeGreaterThan(1e3);
  });

  it('exploding gradients: the gain-1.5 RNN’s g₁/g_T is over 10⁶ at the first step; the KRU’s is about 1', async () => {
    const p = preset('exploding-gradients');
    const m = await measurePreset(p);
    log(p.name, m);
    expect(m.models.rnn.firstGradRatio).toBeGreaterThan(1e6);
    expect(m.models['rnn-clip'].firstGradRatio).toBeGreaterThan(1e6);
    expect(m.models.kru.firstGradRatio).toBeGreaterThan(0.5);
    expect(m.models.kru.firstGradRatio).toBeLessThan(2);
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
