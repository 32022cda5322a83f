// End-to-end: the built page's Content-Security-Policy (vite.config.ts). The fixtures' guard records a violation
// and a request to another origin when one happens, and every tfjs backend trains under the policy with none.
import type { Page } from '@playwright/test';
import { expect, inWebgpuBrowser, test } from './fixtures';
import { open, stepCount, watchErrors } from './helpers';

test('the built page carries the policy; the guard records a violation and a request elsewhere', async ({
  page,
  security,
}) => {
  await open(page);
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval';");
  expect(policy).toContain("object-src 'none'");

  // An inline script does not run, and the guard hears of it.
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'document.body.dataset.inlineRan = "yes"';
    document.head.append(s);
    return document.body.dataset.inlineRan === 'yes';
  });
  expect(ran).toBe(false);
  await expect.poll(() => security.violations.join('\n')).toMatch(/script-src(-elem)? blocked inline/);

  // A page opened on another origin (the policy does not govern navigation): the guard lists the request.
  await page.evaluate(() => void window.open('http://127.0.0.1:9/elsewhere'));
  await expect.poll(() => security.offOrigin.join('\n')).toContain('http://127.0.0.1:9/elsewhere');

  // Both were provoked on purpose: forget them, or the guard fails this test when it ends.
  security.violations.length = 0;
  security.offOrigin.length = 0;
});

/**
 * A first WebGL or WebGPU step compiles its shaders, which takes long on SwiftShader: those backends train a
 * small run (one RNN of 16 units on sequences of 10) instead of the default pair.
 */
const SMALL = '&models=rnn:rnn&rnn.N=16&T=10&batch=8';

/** Opens the app on `backend` and trains one step. */
async function trainOneStep(page: Page, backend: string, query = ''): Promise<void> {
  await open(page, `?backend=${backend}${query}`);
  await expect(page.getByTestId('backend')).toHaveText(backend);
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBe(1);
}

for (const [backend, query] of [
  ['wasm', ''],
  ['cpu', ''],
  ['webgl', SMALL],
] as const) {
  test(`the ${backend} backend trains under the policy`, async ({ page }) => {
    const errors = watchErrors(page);
    await trainOneStep(page, backend, query);
    expect(errors).toEqual([]);
  });
}

test('the webgpu backend trains under the policy', async ({ playwright, launchOptions, baseURL }) => {
  test.setTimeout(120_000);
  await inWebgpuBrowser({ playwright, launchOptions, baseURL }, async (page, log) => {
    const errors = watchErrors(page);
    await trainOneStep(page, 'webgpu', SMALL);
    expect(errors).toEqual([]);
    expect(log.violations).toEqual([]);
    expect(log.offOrigin).toEqual([]);
  });
});
