// Trains every preset in the real app (headless Debian chromium, production build served by `vite preview` on
// :4173) until its caption's step, then saves a screenshot of the view it points at: docs/presets/<name>.png.
// Usage: npm run build && (npx vite preview --port 4173 &) && node scripts/preset-screenshots.mjs [name…]
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const presets = JSON.parse(execFileSync('npm', ['run', '-s', 'kru', '--', 'presets'], { encoding: 'utf8' }));
const only = process.argv.slice(2);
mkdirSync('docs/presets', { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
for (const p of presets) {
  if (only.length && !only.includes(p.name)) continue;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`http://localhost:4173/?preset=${p.name}`);
  const status = page.getByTestId('status');
  await status.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 120_000 });
  await page.getByTestId('steps-per-tick').fill('50');
  const t0 = Date.now();
  await page.getByTestId('play').click();
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="step-count"]')?.textContent) >= n,
    p.steps,
    { timeout: 1_800_000, polling: 500 },
  );
  await page.getByTestId('pause').click();
  await page.locator('[data-testid="status"][data-state="ready"]').waitFor();
  await page.waitForTimeout(1500); // the last snapshot's charts
  const focus = page.getByTestId(`view-${p.focus ?? 'loss'}`);
  await focus.scrollIntoViewIfNeeded();
  await focus.screenshot({ path: `docs/presets/${p.name}.png` });
  const steps = await page.getByTestId('step-count').textContent();
  console.log(
    `${p.name}: ${steps} steps in ${((Date.now() - t0) / 1000).toFixed(0)} s → docs/presets/${p.name}.png`,
  );
  await page.close();
}
await browser.close();
