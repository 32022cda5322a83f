// The sweep panel: a small λ sweep shows its progress rising while the training run still answers, a cancel
// keeps (and draws) the points that finished, and a sweep started again runs to the end, where hovering a point
// shows its loss curve. A tiny KRU (N = 8, copy with T = 5, batch 8) keeps it short.
import { test, expect } from './fixtures';
import { open, steps, watchErrors } from './helpers';
import type { Page } from '@playwright/test';

const SMALL_RUN = '?task=copy&T=5&batch=8&models=kru:kru&kru.N=8';

/** Points drawn in the first results panel (the final loss): one per finished grid point. */
const drawnPoints = (page: Page) => page.locator('[data-metric="finalLoss"] [data-testid="sweep-point"]');
const progressValue = async (page: Page) =>
  Number(await page.locator('[data-testid="sweep-progress"] progress').getAttribute('value'));

test('a λ sweep shows progress, is cancelled keeping its finished points, and runs again to the end', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await open(page, SMALL_RUN);
  await page.locator('[data-testid="sweep-panel"] summary').click();

  // Five points: the app trains λ points four at a time, so the first four finish while the fifth waits (its
  // 400 steps leave time to cancel).
  await page.getByTestId('sweep-grid').fill('0, 0.001, 0.01, 0.1, 1');
  await page.getByTestId('sweep-steps').fill('400');
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-progress')).toHaveAttribute('data-status', 'running');
  await expect.poll(() => progressValue(page), { timeout: 30_000 }).toBeGreaterThan(0);
  const early = await progressValue(page);
  await expect.poll(() => progressValue(page)).toBeGreaterThan(early);
  await expect(page.getByTestId('sweep-status')).toContainText(/ \/ 2000 steps · .* left/);

  // The sweep has a worker of its own: the training run still steps meanwhile.
  await steps(page, 2);

  // Cancel once the first four have finished: they stay, drawn; the unfinished one is dropped.
  await expect(drawnPoints(page)).toHaveCount(4, { timeout: 45_000 });
  await page.getByTestId('sweep-cancel').click();
  await expect(page.getByTestId('sweep-progress')).toHaveAttribute('data-status', 'cancelled');
  await expect(drawnPoints(page)).toHaveCount(4);
  await expect(page.getByTestId('sweep-status')).toHaveText(
    'Cancelled: 4 of 5 points finished; they are kept below.',
  );
  await expect(page.getByTestId('sweep-cancel')).toBeDisabled();

  // Again, shorter, to the end: every point drawn in every panel, and a hovered point's curve.
  await page.getByTestId('sweep-steps').fill('15');
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-progress')).toHaveAttribute('data-status', 'done', {
    timeout: 45_000,
  });
  await expect(page.getByTestId('sweep-status')).toContainText('Done: 5 of 5 points finished');
  await expect(drawnPoints(page)).toHaveCount(5);
  // A point's message may arrive after the run's answer: it must not be counted twice.
  await page.waitForTimeout(500);
  await expect(page.getByTestId('sweep-status')).toContainText('Done: 5 of 5 points finished');
  await expect(drawnPoints(page)).toHaveCount(5);
  for (const metric of ['accuracy', 'fullDeviation', 'spectralNorm', 'gradRatio'])
    await expect(page.locator(`[data-metric="${metric}"] [data-testid="sweep-point"]`)).toHaveCount(5);
  await drawnPoints(page).nth(4).hover();
  await expect(page.getByTestId('sweep-curve')).toBeVisible();
  await expect(page.getByTestId('sweep-readout')).toContainText('λ=1: loss');
  expect(errors).toEqual([]);
});

test('a grid that cannot be swept is refused with a message, and nothing starts', async ({ page }) => {
  await open(page, SMALL_RUN);
  await page.locator('[data-testid="sweep-panel"] summary').click();
  await page.getByTestId('sweep-grid').fill('0, 1, x');
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-error')).toHaveText(/"x" is not a number/);
  await page.getByTestId('sweep-kind-factors').check();
  await page.getByTestId('sweep-grid').fill('2x2x2, 2x2');
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-error')).toHaveText('factors 2×2 multiply to 4, not N = 8');
  await expect(page.getByTestId('sweep-progress')).toHaveCount(0);
});

test('a factor-size sweep trains each factorisation of N and plots it against parameters and ms per step', async ({
  page,
}) => {
  const errors = watchErrors(page);
  // The sweep trains on the backend the link asks for, as the run does.
  await open(page, `${SMALL_RUN}&backend=wasm`);
  await page.locator('[data-testid="sweep-panel"] summary').click();
  await page.getByTestId('sweep-kind-factors').check();
  await page.getByTestId('sweep-grid').fill('2x2x2, 2x4, 8');
  await page.getByTestId('sweep-steps').fill('15');
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-progress')).toHaveAttribute('data-status', 'done', {
    timeout: 45_000,
  });
  await expect(page.getByTestId('sweep-status')).toContainText(
    /Done: 3 of 3 points finished in .* on wasm\./,
  );
  await expect(drawnPoints(page)).toHaveCount(3);
  // x = recurrent parameters: 2·Σp² = 24, 40 and 128 for 2×2×2, 2×4 and one 8×8 factor.
  const x = page.locator('.sweep-x select');
  await expect(x).toHaveValue('params');
  await drawnPoints(page).nth(1).hover();
  await expect(page.getByTestId('sweep-readout')).toContainText('2×4');
  await expect(page.getByTestId('sweep-curve')).toBeVisible();
  const cxAt = async () =>
    Promise.all([0, 1, 2].map(async (i) => Number(await drawnPoints(page).nth(i).getAttribute('cx'))));
  const byParams = await cxAt();
  expect(byParams[0]).toBeLessThan(byParams[1]);
  expect(byParams[1]).toBeLessThan(byParams[2]);
  await x.selectOption('ms');
  await expect.poll(async () => JSON.stringify(await cxAt())).not.toBe(JSON.stringify(byParams));
  expect(errors).toEqual([]);
});
