// End-to-end: the production build served from a subpath (/kru-explorer/) by a plain static server that sends no
// special headers, as a static host would: the page, its workers, the wasm files and the digits data all load.
import { expect, test } from './fixtures';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stepCount, watchErrors } from './helpers';

const DIST = fileURLToPath(new URL('../../dist', import.meta.url));
const PREFIX = '/kru-explorer/';
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

let server: Server;
let origin = '';
const requested: string[] = [];

test.beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requested.push(path);
    if (!path.startsWith(PREFIX)) return void res.writeHead(404).end();
    const file = normalize(join(DIST, path.slice(PREFIX.length) || 'index.html'));
    if (!file.startsWith(DIST) || !existsSync(file) || !statSync(file).isFile())
      return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

test.afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('the build works under a subpath from a plain static server, digits data included', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(`${origin}${PREFIX}?task=digits`);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await expect(page.getByTestId('view-loss')).not.toHaveAttribute('data-first-loss', '');
  expect(requested).toContain(`${PREFIX}data/digits.u8`);
  expect(requested.filter((p) => !p.startsWith(PREFIX))).toEqual([]); // nothing asked outside the subpath
  expect(errors).toEqual([]);
});
