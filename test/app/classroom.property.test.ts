// Property tests of the link's `hide=` list (src/app/classroom.ts) and of its other page keys (backend,
// threads: src/app/machine.ts): hostile lists never throw, every known name applies whatever else the list
// holds, the problem is one line; a classroom link reads back as exactly the names it was written with.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HIDEABLE, HIDE_KEY, classroomLink, hiddenFromParams } from '../../src/app/classroom';
import { machineFromParams } from '../../src/app/machine';
import { expectOneLine, hostileText, guardPrototypes } from '../settings/arbitraries';

guardPrototypes();

const NAMES = HIDEABLE.map((h) => h.name);
const name = fc.oneof(fc.constantFrom(...NAMES), hostileText, fc.constantFrom('__proto__', 'constructor'));

describe('hide=', () => {
  it('applies every known name whatever else the list holds, and reports the rest on one line', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 30 }), fc.constantFrom(',', ' , ', ',,'), (list, sep) => {
        const params = new URLSearchParams([[HIDE_KEY, list.join(sep)]]);
        const { hidden, problem } = hiddenFromParams(params);
        // What the link carries, item by item (URLSearchParams replaces unpaired surrogates with U+FFFD).
        const items = params
          .get(HIDE_KEY)!
          .split(',')
          .map((x) => x.trim());
        expect([...hidden].sort()).toEqual([...new Set(items.filter((n) => NAMES.includes(n)))].sort());
        const unknown = items.filter((n) => n && !NAMES.includes(n));
        if (unknown.length) expectOneLine(problem);
        else expect(problem).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips: a classroom link reads back as exactly its names, and keeps the rest of the link', () => {
    fc.assert(
      fc.property(
        fc.subarray(NAMES),
        fc.array(fc.tuple(fc.constantFrom('seed', 'task', 'kru.lr', 'preset'), hostileText), {
          maxLength: 4,
        }),
        fc.array(name, { maxLength: 4 }),
        (names, others, junk) => {
          const page = new URL('https://example.org/kru/');
          for (const [k, v] of others) page.searchParams.set(k, v);
          page.searchParams.set(HIDE_KEY, junk.join(','));
          // Extra names the page does not have are left out of the link, not written into it.
          const r = classroomLink(page.href, new Set([...names, ...junk]));
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const back = new URL(r.value).searchParams;
          const read = hiddenFromParams(back);
          const expected = NAMES.filter((n) => names.includes(n) || junk.includes(n));
          expect([...read.hidden]).toEqual(expected);
          expect(read.problem).toBeNull();
          for (const [k] of others) expect(back.get(k)).toBe(page.searchParams.get(k));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counterexamples: a bad page address is an error result, not a thrown TypeError; names stay one line', () => {
    expect(classroomLink('not a url', new Set(['presets']))).toEqual({
      ok: false,
      error: 'not a link: "not a url"',
    });
    const r = hiddenFromParams(new URLSearchParams([[HIDE_KEY, `a\nb,${'x,'.repeat(1000)}presets`]]));
    expect([...r.hidden]).toEqual(['presets']);
    expect(r.problem).toMatch(/^The link's hide list names "a\\nb", "x", "x", "x", "x" and 996 more, which/);
    fc.assert(
      fc.property(hostileText, (href) => {
        const link = classroomLink(href, new Set(NAMES));
        if (!link.ok) expectOneLine(link.error);
      }),
      { numRuns: 200 },
    );
  });
});

describe('backend= and threads=', () => {
  it('never throw: a choice of the listed ones, or an error result', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('backend', 'threads', 'x'),
            fc.oneof(hostileText, fc.constantFrom('1', '2', 'cpu', 'wasm')),
          ),
          {
            maxLength: 4,
          },
        ),
        (pairs) => {
          const r = machineFromParams(new URLSearchParams(pairs));
          if (r.ok) {
            expect(['webgpu', 'webgl', 'wasm', 'cpu', undefined]).toContain(r.value.backend);
            expect([1, 2, undefined]).toContain(r.value.threads);
          } else expect(typeof r.error).toBe('string');
        },
      ),
      { numRuns: 200 },
    );
  });
});
