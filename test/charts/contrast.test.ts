import { describe, expect, it } from 'vitest';
import { contrastRatio, readableText } from '../../src/charts/lib/contrast';
import { modelColors } from '../../src/charts/palette';

// The page's two schemes (src/app/app.css --bg / --fg).
const LIGHT = { bg: '#ffffff', fg: '#1b1d21' };
const DARK = { bg: '#14161a', fg: '#e7e9ee' };

describe('readable model colours as text', () => {
  it('computes WCAG contrast ratios', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
    expect(contrastRatio('#D55E00', '#ffffff')).toBeCloseTo(3.86, 1); // what axe-core reported
    expect(contrastRatio('#0072B2', '#14161a')).toBeCloseTo(3.49, 1);
  });

  it('reaches 4.5:1 for every model colour in both schemes, and keeps a colour that already does', () => {
    for (const s of [LIGHT, DARK])
      for (const c of modelColors) {
        const t = readableText(c, s.bg, s.fg);
        expect(contrastRatio(t, s.bg), `${c} on ${s.bg}`).toBeGreaterThanOrEqual(4.5);
      }
    expect(readableText('#0072B2', LIGHT.bg, LIGHT.fg)).toBe('#0072b2');
  });
});
