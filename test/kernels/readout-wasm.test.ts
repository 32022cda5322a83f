// The committed bytes of the read-out's SIMD loops (src/kernels/cpu/readout-wasm.ts) must be what wabt
// assembles from readout.wat today. READOUT_WASM_WRITE=1 rewrites the file from the .wat instead of checking it.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const WAT = 'src/kernels/cpu/readout.wat';
const OUT = 'src/kernels/cpu/readout-wasm.ts';

async function assemble(): Promise<string> {
  const wabt = await createRequire(import.meta.url)('wabt')();
  const module = wabt.parseWat('readout.wat', readFileSync(WAT, 'utf8'), { simd: true });
  module.validate();
  const { buffer } = module.toBinary({ write_debug_names: false });
  module.destroy();
  const lines: string[] =
    Buffer.from(buffer)
      .toString('base64')
      .match(/.{1,100}/g) ?? [];
  return `// Generated from ./readout.wat (${buffer.length} bytes) by test/kernels/readout-wasm.test.ts. Do not edit.
export const READOUT_WASM_BASE64 =
${lines.map((l) => `  '${l}'`).join(' +\n')};
`;
}

describe('readout.wat', () => {
  it('matches the committed bytes', async () => {
    const text = await assemble();
    if (process.env.READOUT_WASM_WRITE) writeFileSync(OUT, text);
    expect(readFileSync(OUT, 'utf8')).toBe(text);
  });
});
