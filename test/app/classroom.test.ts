import { describe, expect, it } from 'vitest';
import { HIDEABLE, classroomLink, hiddenFromParams } from '../../src/app/classroom';

describe('classroom links (hide=)', () => {
  it('read the names a link hides; unknown ones are reported and the rest apply', () => {
    expect(hiddenFromParams(new URLSearchParams('')).hidden.size).toBe(0);
    const ok = hiddenFromParams(new URLSearchParams('hide=presets,settings,params'));
    expect([...ok.hidden]).toEqual(['presets', 'settings', 'params']);
    expect(ok.problem).toBeNull();
    const bad = hiddenFromParams(new URLSearchParams('hide=presets,<script>,everything'));
    expect([...bad.hidden]).toEqual(['presets']);
    expect(bad.problem).toContain('"<script>", "everything"');
  });

  it('write a link that hides the chosen parts, in a stable order, keeping the rest of it', () => {
    const link = classroomLink('http://x/app/?seed=3&hide=files', new Set(['spectrum', 'presets']));
    expect(link.ok && new URL(link.value).searchParams.get('hide')).toBe('presets,spectrum');
    expect(link.ok && new URL(link.value).searchParams.get('seed')).toBe('3');
    const none = classroomLink('http://x/?hide=files', new Set());
    expect(none.ok && new URL(none.value).searchParams.has('hide')).toBe(false);
    expect(HIDEABLE.map((h) => h.name)).toContain('grad-heatmap');
  });
});
