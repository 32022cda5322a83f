// End-to-end: faults the page must not hide. A model whose learning rate is set to 10 diverges within a few
// steps: the banner says which, when, why and the likely cause, the loss view marks it, and the other model
// trains on.
import { expect, test } from './fixtures';
import { open, stepCount, watchErrors } from './helpers';

test('a KRU at learning rate 10 diverges: banner, mark on the loss chart, the RNN trains on', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await open(page);
  // The default run: the KRU first, then the RNN; the first model's box is the plain `lr-input`.
  const lr = page.getByTestId('lr-input');
  await lr.fill('10');
  await lr.press('Enter');
  await page.getByTestId('play').click();

  const notice = page.getByTestId('notice');
  await expect(notice).toContainText('KRU diverged at step', { timeout: 60_000 });
  const text = (await notice.textContent()) ?? '';
  console.log(`notice: ${text}`);
  expect(text).toMatch(/KRU diverged at step \d+: the (loss|gradient norm) is (NaN|infinite)/);
  expect(text).toContain('Likely cause: a learning rate of 10 is large');
  expect(text).toContain('It stopped training; the other models go on.');

  const loss = page.getByTestId('view-loss');
  await loss.scrollIntoViewIfNeeded();
  await expect(loss.locator('.kru-diverged-label').first()).toHaveText('KRU diverged');

  // The RNN trains on: the run keeps running and its step count keeps rising.
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'running');
  const before = await stepCount(page);
  await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThan(before + 5);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'running');
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');
  expect(errors).toEqual([]);
});

test('once every model has diverged the run pauses and says so', async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, '?models=kru:kru'); // a run of one KRU
  await page.getByTestId('play').click();
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('lr-input').fill('10');
  await page.getByTestId('lr-input').press('Enter');
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText('no model is left training: the run is paused', { timeout: 60_000 });
  console.log(`notice: ${await notice.textContent()}`);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');
  const stopped = await stepCount(page);
  await page.waitForTimeout(800);
  expect(await stepCount(page)).toBe(stopped);
  const loss = page.getByTestId('view-loss');
  await loss.scrollIntoViewIfNeeded();
  await expect(loss.locator('.kru-diverged-label')).toHaveText(['KRU diverged']);
  expect(errors).toEqual([]);
});
