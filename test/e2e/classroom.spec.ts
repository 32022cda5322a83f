// End-to-end: what a class sees — phone and half-screen layouts, the settings drawer, keyboard shortcuts and
// their help, a chart enlarged for a projector, one λ drag as one mark, and an accessibility check (axe-core)
// in light and dark schemes.
import { expect, test } from './fixtures';
import { VIEW_ORDER } from '../../src/app/shortcuts';
import { open, stepCount, steps } from './helpers';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

for (const [width, height] of [
  [390, 844],
  [800, 900],
] as const) {
  test(`at ${width} px: no sideways scrolling, every view readable, settings in a drawer`, async ({
    page,
  }) => {
    await page.setViewportSize({ width, height });
    await open(page);
    await steps(page, 3);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, 'sideways scroll').toBe(0);
    for (const v of VIEW_ORDER) {
      const view = page.getByTestId(`view-${v}`);
      await view.scrollIntoViewIfNeeded();
      const box = (await view.boundingBox())!;
      expect(box.x, v).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, v).toBeLessThanOrEqual(width);
      // Charts stack at a readable size: each chart is at least 300 px wide (the drawers' minimum).
      const plot = view.locator('.kru-chart-plot, table').first();
      await expect(plot, v).toBeVisible();
      expect((await plot.boundingBox())!.width, v).toBeGreaterThanOrEqual(Math.min(300, width - 60));
    }
    // The run buttons stay at hand at the top; the presets and settings are in a drawer.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await expect(page.getByTestId('play')).toBeInViewport();
    const drawer = page.getByTestId('drawer');
    await expect(drawer.getByTestId('preset-copy-memory')).toBeHidden();
    await page.getByTestId('drawer-toggle').click();
    await expect(drawer.getByTestId('preset-copy-memory')).toBeVisible();
    await expect(page.getByTestId('drawer-close')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(drawer.getByTestId('preset-copy-memory')).toBeHidden();
    await expect(page.getByTestId('drawer-toggle')).toBeFocused();
  });
}

test('keyboard shortcuts run the training and go to views; ? lists them', async ({ page }) => {
  await open(page);
  await page.locator('body').click({ position: { x: 5, y: 5 } }); // focus on the page, not a control
  await page.keyboard.press('s');
  await expect.poll(() => stepCount(page)).toBe(1);
  await page.keyboard.press(' ');
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'running');
  await page.keyboard.press(' ');
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');
  await page.keyboard.press('r');
  await expect(page.getByTestId('step-count')).toHaveText('0');
  // Typing in a field is never a shortcut.
  const lambda = page.getByTestId('lambda-input');
  await lambda.fill('');
  await lambda.pressSequentially('0.5');
  await expect(lambda).toHaveValue('0.5');
  await expect(page.getByTestId('step-count')).toHaveText('0');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('7');
  await expect(page.getByTestId('view-spectrum')).toBeInViewport();
  await expect(page.getByTestId('view-spectrum')).toBeFocused();
  await page.keyboard.press('?');
  const help = page.getByTestId('shortcut-help');
  await expect(help).toBeVisible();
  await expect(help).toContainText('Play or pause');
  await expect(help).toContainText('Enlarge the chart');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
});

test('a chart enlarges to fill the screen with larger type, and Escape brings it back', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await open(page);
  await steps(page, 3);
  const view = page.getByTestId('view-spectrum');
  await view.scrollIntoViewIfNeeded();
  const svg = view.locator('.kru-chart-plot svg').first();
  await expect(svg).toBeVisible();
  const before = (await svg.boundingBox())!;
  const fontBefore = await view.locator('h2').evaluate((h) => h.getBoundingClientRect().height);
  await page.getByTestId('enlarge-spectrum').click();
  await expect(page.getByTestId('enlarge-spectrum')).toHaveAttribute('aria-pressed', 'true');
  const box = (await view.boundingBox())!;
  expect(box.width).toBeGreaterThanOrEqual(1430);
  expect(box.height).toBeGreaterThanOrEqual(890);
  await expect.poll(async () => (await svg.boundingBox())!.width).toBeGreaterThan(before.width * 1.5);
  expect(await view.locator('h2').evaluate((h) => h.getBoundingClientRect().height)).toBeGreaterThan(
    fontBefore * 1.3,
  );
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('enlarge-spectrum')).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(async () => Math.round((await svg.boundingBox())!.width)).toBe(Math.round(before.width));
  // F enlarges the view that has focus.
  await page.getByTestId('view-deviation').focus();
  await page.keyboard.press('f');
  await expect(page.getByTestId('enlarge-deviation')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('enlarge-deviation')).toHaveAttribute('aria-pressed', 'false');
});

test('one drag of the λ slider while training is one change, labelled with its final value', async ({
  page,
}) => {
  await open(page);
  await page.getByTestId('play').click();
  await expect.poll(() => stepCount(page)).toBeGreaterThanOrEqual(2);
  const slider = page.getByTestId('lambda-slider');
  const box = (await slider.boundingBox())!;
  const y = box.y + box.height / 2;
  const x0 = box.x + box.width * 0.4; // about λ = 0.01 (the start)
  await page.mouse.move(x0, y);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) {
    await page.mouse.move(x0 + (box.width * 0.45 * i) / 12, y);
    await page.waitForTimeout(60);
  }
  await page.mouse.up();
  const final = await page.getByTestId('lambda-input').inputValue();
  expect(Number(final)).toBeGreaterThan(0.5);
  const loss = page.getByTestId('view-loss');
  await expect(loss).toHaveAttribute('data-lambda', String(Math.fround(Number(final))), { timeout: 30_000 });
  await page.getByTestId('pause').click();
  await expect(loss).toHaveAttribute('data-lambda-changes', '1');
  const labels = loss.locator('.kru-lambda-label');
  await expect(labels).toHaveCount(1);
  await expect(labels.first()).toHaveText(new RegExp(`^KRU λ=${final.replace('.', '\\.')}`));
});

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

for (const scheme of ['light', 'dark'] as const) {
  test(`axe-core finds no serious or critical violation (${scheme} scheme)`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page);
    await steps(page, 3);
    await page.setViewportSize({
      width: 1280,
      height: await page.evaluate(() => document.body.scrollHeight),
    });
    await page.waitForTimeout(1500); // every view in sight catches up
    // Not addScriptTag: an inline <script> breaks the page's Content-Security-Policy; evaluate is not script-src.
    await page.evaluate(readFileSync(AXE, 'utf8'));
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as { axe: { run(): Promise<{ violations: Array<Record<string, unknown>> }> } }
      ).axe;
      const r = await axe.run();
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({
          id: v.id,
          impact: v.impact,
          nodes: (v.nodes as Array<{ target: unknown; failureSummary: string }>)
            .slice(0, 5)
            .map((n) => `${JSON.stringify(n.target)}: ${n.failureSummary}`),
        }));
    });
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
  });
}

test('a classroom link hides the panels and views it names, keeps them hidden, and reports unknown names', async ({
  page,
}) => {
  await open(page, '?seed=5');
  // Build one from the page: the defaults (presets, settings, files) plus the spectrum view.
  await page.locator('[data-testid="classroom-link-panel"] summary').click();
  await page.getByTestId('hide-spectrum').check();
  await page.getByTestId('copy-classroom-link').click();
  const link = await page.getByTestId('classroom-link').inputValue();
  expect(new URL(link).searchParams.get('hide')).toBe('presets,settings,files,spectrum');
  expect(new URL(link).searchParams.get('seed')).toBe('5');

  await open(page, new URL(link).search + ',nonsense');
  await expect(page.getByTestId('notice')).toContainText('"nonsense"');
  await expect(page.getByTestId('presets')).toHaveCount(0);
  await expect(page.getByTestId('import-settings')).toHaveCount(0);
  await expect(page.getByTestId('view-spectrum')).toHaveCount(0);
  await expect(page.getByTestId('view-loss')).toBeVisible();
  await expect(page.getByTestId('lambda-input')).toBeVisible(); // the live controls stay
  await page.getByTestId('step').click();
  await expect.poll(() => stepCount(page)).toBe(1);
  // The page keeps the list (what it could use of it) in its link as the run goes on.
  await expect
    .poll(() => new URL(page.url()).searchParams.get('hide'))
    .toBe('presets,settings,files,spectrum');
});
