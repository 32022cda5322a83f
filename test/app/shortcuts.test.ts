import { describe, expect, it } from 'vitest';
import { SHORTCUTS, VIEW_ORDER, shortcutFor, type KeyInput } from '../../src/app/shortcuts';

const key = (k: string, over: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  targetTag: 'BODY',
  ...over,
});

describe('keyboard shortcuts', () => {
  it('map the run keys, the digits and ? to their actions (either case)', () => {
    expect(shortcutFor(key(' '))).toEqual({ kind: 'play-pause' });
    expect(shortcutFor(key('s'))).toEqual({ kind: 'step' });
    expect(shortcutFor(key('S'))).toEqual({ kind: 'step' });
    expect(shortcutFor(key('r'))).toEqual({ kind: 'reset' });
    expect(shortcutFor(key('n'))).toEqual({ kind: 'new-seed' });
    expect(shortcutFor(key('f'))).toEqual({ kind: 'enlarge' });
    expect(shortcutFor(key('c'))).toEqual({ kind: 'drawer' });
    expect(shortcutFor(key('?'))).toEqual({ kind: 'help' });
    expect(shortcutFor(key('1'))).toEqual({ kind: 'view', view: 'loss' });
    expect(shortcutFor(key('8'))).toEqual({ kind: 'view', view: 'params' });
    expect(VIEW_ORDER).toHaveLength(8);
  });

  it('leave typing, modified keys and Space on a button alone', () => {
    for (const tag of ['INPUT', 'TEXTAREA', 'SELECT'])
      expect(shortcutFor(key('s', { targetTag: tag }))).toBeNull();
    expect(shortcutFor(key('r', { targetTag: 'DIV', targetEditable: true }))).toBeNull();
    expect(shortcutFor(key('r', { ctrlKey: true }))).toBeNull(); // reload stays reload
    expect(shortcutFor(key('s', { metaKey: true }))).toBeNull();
    expect(shortcutFor(key(' ', { targetTag: 'BUTTON' }))).toBeNull(); // Space presses the button itself
    expect(shortcutFor(key('s', { targetTag: 'BUTTON' }))).toEqual({ kind: 'step' });
    expect(shortcutFor(key('9'))).toBeNull();
    expect(shortcutFor(key('x'))).toBeNull();
  });

  it('are all listed in the help overlay', () => {
    const listed = SHORTCUTS.flatMap((s) => s.keys).join(' ');
    for (const k of ['Space', 'S', 'R', 'N', 'F', '1', '8', 'C', '?', 'Esc']) expect(listed).toContain(k);
  });
});
