// The loss view's options in the link: defaults left out, values round-trip, bad ones reported and ignored.
import { describe, expect, it } from 'vitest';
import { viewFromParams, viewToParams } from '../../src/app/view-link';

const defaults = { lossSmoothing: 0.6, lossLog: true };

describe('view options in the link', () => {
  it('writes only what differs from the defaults, and reads it back', () => {
    const p = new URLSearchParams();
    viewToParams(defaults, defaults, p);
    expect(p.toString()).toBe('');
    viewToParams({ lossSmoothing: 0.9, lossLog: false }, defaults, p);
    expect(p.toString()).toBe('smooth=0.9&log=0');
    expect(viewFromParams(p)).toEqual({ value: { lossSmoothing: 0.9, lossLog: false }, problems: [] });
  });

  it('reports a bad value and keeps its default', () => {
    const r = viewFromParams(new URLSearchParams('smooth=2&log=yes'));
    expect(r.value).toEqual({});
    expect(r.problems).toEqual([
      'smooth must be a number from 0 to 0.99, got "2"',
      'log must be 1 or 0, got "yes"',
    ]);
    expect(viewFromParams(new URLSearchParams('smooth=')).problems).toHaveLength(1);
  });
});
