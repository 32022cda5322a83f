#!/usr/bin/env node
// Regenerates public/data/digits.u8 from the scikit-learn copy of the UCI digits (digits.csv.gz):
//   node scripts/make-digits.mjs [input.csv.gz] [output.u8]
// Defaults: ../shared/data/digits.csv.gz (relative to the repo root; or $KRU_DIGITS_CSV) → public/data/digits.u8.
// Each csv line: 64 integers 0..16 (8×8 image, row-major) then the label 0..9. Output: one 65-byte record per
// line in file order (64 pixel bytes, then the label byte), no header: 1,797 × 65 = 116,805 bytes.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const input = resolve(
  process.argv[2] ?? process.env.KRU_DIGITS_CSV ?? resolve(root, '../shared/data/digits.csv.gz'),
);
const output = resolve(process.argv[3] ?? resolve(root, 'public/data/digits.u8'));

const raw = readFileSync(input);
const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
const out = new Uint8Array(lines.length * 65);
lines.forEach((line, i) => {
  const fields = line.split(',').map((s) => Number(s.trim()));
  if (fields.length !== 65) throw new Error(`line ${i + 1}: expected 65 fields, got ${fields.length}`);
  fields.forEach((v, j) => {
    const max = j < 64 ? 16 : 9;
    if (!Number.isInteger(v) || v < 0 || v > max)
      throw new Error(`line ${i + 1}, field ${j + 1}: ${v} is not an integer in 0..${max}`);
    out[i * 65 + j] = v;
  });
});
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, out);
const sha = createHash('sha256').update(out).digest('hex');
console.log(`${lines.length} images → ${output} (${out.length} bytes, sha256 ${sha})`);
