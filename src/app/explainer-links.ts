// The presets the explainer's "show me" buttons load, by name. One list so that a test can check every name
// still exists in PRESETS (the presets are tuned and renamed elsewhere); a missing one renders no button.
export const EXPLAINER_PRESETS = {
  copy: 'copy-memory',
  vanishing: 'vanishing-gradients',
  exploding: 'exploding-gradients',
  lambda: 'lambda-tug-of-war',
  strict: 'soft-strict-none',
  params: 'parameter-efficiency',
  factors: 'factor-sizes',
} as const;

export type ExplainerPreset = (typeof EXPLAINER_PRESETS)[keyof typeof EXPLAINER_PRESETS];
