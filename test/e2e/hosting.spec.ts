// End-to-end: the production build served from a subpath (/kru-explorer/) by a plain static server that sends no
// special headers, as a static host would: the page, its workers, the wasm files and the digits data all load.
// After the first visit it works offline (scripts/service-worker.js), and a new build replaces the cached one.
import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';
import {
  cpSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
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

/** What the server serves: a copy of dist, so a test can deploy a "new build" over it. */
let root = '';
let server: Server;
let origin = '';
/** false: the server drops every connection, as if the Wi-Fi were gone. */
let online = true;
const requested: string[] = [];

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kru-dist-'));
  cpSync(DIST, root, { recursive: true });
  server = createServer((req, res) => {
    if (!online) return void req.socket.destroy();
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requested.push(path);
    if (!path.startsWith(PREFIX)) return void res.writeHead(404).end();
    const file = normalize(join(root, path.slice(PREFIX.length) || 'index.html'));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile())
      return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

test.afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

test.afterEach(() => {
  online = true;
});

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

/** Waits until the service worker controls the page with every file of the build cached. */
async function offlineReady(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-offline', 'ready', { timeout: 60_000 });
}

/** The names of the caches the page's origin holds. */
const cacheNames = (page: Page) => page.evaluate(() => caches.keys());

test('after the first visit it works offline: the page reloads and trains on the digits', async ({
  page,
  context,
}) => {
  await page.goto(`${origin}${PREFIX}?task=digits`);
  await offlineReady(page);
  expect(requested).toContain(`${PREFIX}data/digits.u8`);

  const errors = watchErrors(page);
  await context.setOffline(true);
  online = false;
  const before = requested.length;
  await page.reload();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  // The page writes its settings back into the address: still the digits task, its data from the cache.
  expect(new URL(page.url()).searchParams.get('task')).toBe('digits');
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await expect(page.getByTestId('view-loss')).not.toHaveAttribute('data-first-loss', '');
  expect(requested.length, 'nothing reached the server while offline').toBe(before);
  expect(errors).toEqual([]);
});

test('a new build replaces the cached one on the next visit, and the old cache goes', async ({
  page,
  context,
}) => {
  await page.goto(`${origin}${PREFIX}`);
  await offlineReady(page);
  const [first] = await cacheNames(page);
  expect(await cacheNames(page)).toEqual([first]);

  // "Deploy" a new build: a changed page, so a new version of sw.js (its version hashes every file).
  const sw = join(root, 'sw.js');
  const page1 = readFileSync(join(root, 'index.html'), 'utf8');
  const sw1 = readFileSync(sw, 'utf8');
  const version = /const VERSION = "([0-9a-f]+)"/.exec(sw1)?.[1];
  expect(version).toBeTruthy();
  try {
    writeFileSync(
      join(root, 'index.html'),
      page1.replace('<title>', '<meta name="build" content="2" />\n<title>'),
    );
    writeFileSync(sw, sw1.replace(version!, 'feedfacefeedface'));

    // The next visit installs it (register() checks sw.js for changes); the new one takes over and deletes the
    // old cache.
    await page.reload();
    await expect
      .poll(() => cacheNames(page), { timeout: 30_000 })
      .toEqual([expect.stringMatching(/feedfacefeedface$/)]);
    // Offline now, the page is the new build's.
    await context.setOffline(true);
    online = false;
    await page.reload();
    await expect(page.locator('meta[name="build"]')).toHaveAttribute('content', '2');
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  } finally {
    writeFileSync(join(root, 'index.html'), page1);
    writeFileSync(sw, sw1);
  }
});
