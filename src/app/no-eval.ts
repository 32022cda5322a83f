// Imported first by main.tsx, before any module builds a zod schema. zod compiles object parsers with
// new Function when it can, and probes for that as each object schema is built; the page's
// Content-Security-Policy forbids eval (vite.config.ts), so the probe alone would be reported as a violation.
// jitless: zod parses by interpretation instead (the schemas here are small). Workers are not affected.
import { z } from 'zod';

z.config({ jitless: true });
