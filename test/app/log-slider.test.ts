// The λ slider's keyboard steps: arrows through 0, 1e-4, 2e-4, 5e-4, …, 10; Page Up/Down a decade; Home/End.
import { describe, expect, it } from 'vitest';
import { lambdaAfterKey, lambdaFromSlider, sliderFromLambda } from '../../src/app/log-slider';

describe('λ slider keys', () => {
  it('steps through 1-2-5 values with the arrows, from 0 to 10 and back', () => {
    const up: number[] = [];
    for (let v = 0; v < 10;) up.push((v = lambdaAfterKey(v, 'ArrowUp')!));
    expect(up).toEqual([1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]);
    expect(lambdaAfterKey(10, 'ArrowRight')).toBe(10);
    expect(lambdaAfterKey(0.0316, 'ArrowUp')).toBe(0.05); // from between two values, to the next one
    expect(lambdaAfterKey(0.0316, 'ArrowDown')).toBe(0.02);
    expect(lambdaAfterKey(1e-4, 'ArrowLeft')).toBe(0);
    expect(lambdaAfterKey(0, 'ArrowDown')).toBe(0);
  });

  it('moves a decade with Page Up/Down, and to the ends with Home/End', () => {
    expect(lambdaAfterKey(0.01, 'PageUp')).toBe(0.1);
    expect(lambdaAfterKey(5, 'PageUp')).toBe(10);
    expect(lambdaAfterKey(0, 'PageUp')).toBe(1e-4);
    expect(lambdaAfterKey(0.01, 'PageDown')).toBe(0.001);
    expect(lambdaAfterKey(5e-4, 'PageDown')).toBe(0);
    expect(lambdaAfterKey(0.3, 'Home')).toBe(0);
    expect(lambdaAfterKey(0.3, 'End')).toBe(10);
    expect(lambdaAfterKey(0.3, 'a')).toBeNull();
  });

  it('puts the slider thumb within one position (≤ 1.2% of λ) of every keyboard value', () => {
    expect(lambdaFromSlider(sliderFromLambda(0))).toBe(0);
    for (const v of [1e-4, 2e-4, 5e-3, 0.01, 0.5, 1, 10]) {
      expect(Math.abs(lambdaFromSlider(sliderFromLambda(v)) - v) / v).toBeLessThan(0.012);
    }
  });
});
