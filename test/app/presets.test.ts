// The page's side of the presets: the explainer's "show me" names exist, and a preset stays recognised as
// running through live changes and through the link the page writes, but not after a structural change.
import { describe, expect, it } from 'vitest';
import { EXPLAINER_PRESETS } from '../../src/app/explainer-links';
import { activePreset, isPresetRun } from '../../src/app/store';
import { PRESETS, presetByName } from '../../src/presets';
import {
  defaultAppSettings,
  defaultRunConfig,
  parseRunConfig,
  settingsFromParams,
  settingsToParams,
  type RunConfig,
} from '../../src/settings';

function parsed(c: RunConfig): RunConfig {
  const r = parseRunConfig(c);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('explainer links', () => {
  it('name presets that exist', () => {
    for (const name of Object.values(EXPLAINER_PRESETS))
      expect(presetByName(name), `preset "${name}"`).toBeDefined();
  });
});

describe('the running preset', () => {
  for (const p of PRESETS) {
    it(`${p.name}: recognised as loaded, after live changes and from the link the page writes`, () => {
      const config = parsed(p.config);
      expect(isPresetRun(p, config)).toBe(true);
      expect(activePreset({ preset: p.name, applied: config })).toBe(p);
      expect(activePreset({ preset: null, applied: config })).toBeNull();

      // λ and lr are live: the run is still the preset's.
      const live: RunConfig = {
        ...config,
        models: config.models.map((m) =>
          m.kind === 'kru' ? { ...m, lambda: 5, lr: 0.1 } : { ...m, lr: 0.1 },
        ),
      };
      expect(isPresetRun(p, live)).toBe(true);

      const link = settingsFromParams(settingsToParams({ config: live, app: defaultAppSettings() }));
      expect(link.problems).toEqual([]);
      expect(isPresetRun(p, link.value!.config)).toBe(true);

      // A structural change (here the seed) is another run.
      expect(isPresetRun(p, { ...config, seed: config.seed + 1 })).toBe(false);
      expect(activePreset({ preset: p.name, applied: { ...config, seed: config.seed + 1 } })).toBeNull();
    });
  }

  it('the default run is no preset', () => {
    const d = parsed(defaultRunConfig());
    for (const p of PRESETS) expect(isPresetRun(p, d)).toBe(false);
  });
});
