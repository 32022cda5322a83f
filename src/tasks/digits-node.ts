// Node-only loader for the shipped digits file (kept apart so the browser bundle never imports node:fs;
// the browser fetches DIGITS_FILE and calls parseDigits itself).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIGITS_FILE, parseDigits, type DigitsData } from './digits';

function findUp(start: string, rel: string): string | null {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, rel);
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Path of public/data/digits.u8: found by walking up from this module's location (source file, or an
 * esbuild bundle under node_modules/.cache) to the repo root, falling back to the current directory.
 */
export function digitsPathNode(): string {
  const rel = join('public', DIGITS_FILE);
  const here = dirname(fileURLToPath(import.meta.url));
  const found = findUp(here, rel) ?? findUp(process.cwd(), rel);
  if (!found) {
    throw new Error(
      `digits data: could not find ${rel} above ${here} or ${process.cwd()}; run node scripts/make-digits.mjs`,
    );
  }
  return found;
}

/** Reads and parses public/data/digits.u8 (or the given path). */
export async function loadDigitsNode(path?: string): Promise<DigitsData> {
  const file = path ?? digitsPathNode();
  const buf = await readFile(file);
  return parseDigits(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}
