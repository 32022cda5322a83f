// Sliders on a log scale for λ (with a position for exactly 0) and the learning rate.

// λ: position 0 is λ = 0; positions 1…LAMBDA_STEPS span 1e-4…10 logarithmically.
export const LAMBDA_MIN = 1e-4;
export const LAMBDA_MAX = 10;
export const LAMBDA_STEPS = 500;

export function lambdaFromSlider(pos: number): number {
  if (pos <= 0) return 0;
  const f = (pos - 1) / (LAMBDA_STEPS - 1);
  const v = LAMBDA_MIN * Math.pow(LAMBDA_MAX / LAMBDA_MIN, f);
  return Number(v.toPrecision(3)); // round so the number box shows 0.0316, not 0.031622776601683794
}

export function sliderFromLambda(lambda: number): number {
  if (!(lambda > 0)) return 0;
  const clamped = Math.min(LAMBDA_MAX, Math.max(LAMBDA_MIN, lambda));
  const f = Math.log(clamped / LAMBDA_MIN) / Math.log(LAMBDA_MAX / LAMBDA_MIN);
  return 1 + Math.round(f * (LAMBDA_STEPS - 1));
}

// Learning rate: positions 0…LR_STEPS span 1e-5…1 logarithmically.
export const LR_MIN = 1e-5;
export const LR_MAX = 1;
export const LR_STEPS = 200;

export function lrFromSlider(pos: number): number {
  return Number((LR_MIN * Math.pow(LR_MAX / LR_MIN, pos / LR_STEPS)).toPrecision(2));
}

export function sliderFromLr(lr: number): number {
  const clamped = Math.min(LR_MAX, Math.max(LR_MIN, lr));
  return Math.round((Math.log(clamped / LR_MIN) / Math.log(LR_MAX / LR_MIN)) * LR_STEPS);
}

/** λ values the keyboard steps through with the arrow keys: 0, then 1, 2, 5 in each decade from 1e-4 to 10. */
export const LAMBDA_TICKS = [
  0, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10,
];

/**
 * The λ a key press on the λ slider moves to, or null for keys it leaves alone. Arrows step through
 * LAMBDA_TICKS, Page Up/Down move a decade, Home/End go to 0 and to LAMBDA_MAX: steps a person can use, where the
 * range input's own steps (1/500 of the log scale) change λ by about 3%.
 */
export function lambdaAfterKey(lambda: number, key: string): number | null {
  const up = LAMBDA_TICKS.find((t) => t > lambda * (1 + 1e-9));
  const down = [...LAMBDA_TICKS].reverse().find((t) => t < lambda * (1 - 1e-9));
  switch (key) {
    case 'ArrowUp':
    case 'ArrowRight':
      return up ?? LAMBDA_MAX;
    case 'ArrowDown':
    case 'ArrowLeft':
      return down ?? 0;
    case 'PageUp':
      return lambda <= 0 ? LAMBDA_MIN : Math.min(LAMBDA_MAX, Number((lambda * 10).toPrecision(3)));
    case 'PageDown':
      return lambda / 10 < LAMBDA_MIN ? 0 : Number((lambda / 10).toPrecision(3));
    case 'Home':
      return 0;
    case 'End':
      return LAMBDA_MAX;
    default:
      return null;
  }
}
