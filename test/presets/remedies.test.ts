// The remedies preset's caption, checked on the engine's data: five kinds at matched parameter counts on copy
// memory (the same run as docs/examples/remedies-copy.json, which `kru train --config` reads; docs/remedies.md
// has the long runs).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFusedKernels } from '../../src/kernels/register';
import { parseRunConfig, settingsFromJson } from '../../src/settings';
import { useBackend } from '../support/backend';
import { LONG, logMeasure as log, measurePreset, presetNamed as preset } from './measure';

beforeAll(async () => {
  await useBackend();
  registerFusedKernels();
});

describe('remedies preset', { timeout: LONG }, () => {
  it('is the run of docs/examples/remedies-copy.json', () => {
    const file = settingsFromJson(readFileSync('docs/examples/remedies-copy.json', 'utf8'));
    if (!file.ok) throw new Error(file.error);
    const p = parseRunConfig(preset('remedies').config);
    if (!p.ok) throw new Error(p.error);
    expect(p.value).toEqual(file.value.config);
  });

  it('five kinds at ~1,360 parameters; by step 300 the KRU is ≥ 0.95 accurate with loss < 25% of the baseline, the other four stay above 90% of it', async () => {
    const p = preset('remedies');
    const m = await measurePreset(p);
    log(p.name, m);
    const { kru, rnn, lstm, lowrank } = m.models;
    const kruLstm = m.models['kru-lstm'];
    expect(m.steps).toBe(300);
    expect([kru, rnn, lstm, kruLstm, lowrank].map((x) => [x.totalParams, x.recurrentParams])).toEqual([
      [1361, 40],
      [1353, 784],
      [1374, 676],
      [1365, 84],
      [1353, 384],
    ]);
    expect(kru.accuracy).toBeGreaterThan(0.95);
    expect(kru.loss).toBeLessThan(0.25 * m.baseline);
    for (const [id, x] of Object.entries({ rnn, lstm, 'kru-lstm': kruLstm, lowrank })) {
      expect(x.loss, id).toBeGreaterThan(0.9 * m.baseline);
      expect(x.accuracy, id).toBeLessThan(0.75);
    }
  });
});
