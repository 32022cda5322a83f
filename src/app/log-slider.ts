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
