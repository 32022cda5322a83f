// End-to-end: a link reproduces the run it was copied from — its settings, seed and every live change with the
// step it happened at — step for step, to the same numbers (the first 20 losses of every model, as exported), and
// the loss view's options.
import { readFileSync } from 'node:fs';
import type { Download, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { open, steps, stepCount, watchErrors } from './helpers';

interface Metrics {
  steps: number[];
  series: Record<string, { loss: number[]; lambda: number[]; lr: number[] }>;
}

async function metrics(page: Page): Promise<Metrics> {
  const [d]: [Download, void] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-metrics-json').click(),
  ]);
  return JSON.parse(readFileSync((await d.path())!, 'utf8')) as Metrics;
}

async function setLive(page: Page, testId: string, value: string): Promise<void> {
  const box = page.getByTestId(testId);
  await box.fill(value);
  await box.press('Enter');
}

test('a link with live changes replays the run to the same numbers', async ({ page, browser }) => {
  const errors = watchErrors(page);
  await open(page, '?seed=11');
  await steps(page, 3);
  await setLive(page, 'lambda-input', '0.5');
  await steps(page, 4);
  await setLive(page, 'lr-input-rnn', '0.003');
  await setLive(page, 'lambda-input', '2');
  await steps(page, 13);
  await page.getByLabel('log scale').uncheck(); // view options travel too
  await expect.poll(() => page.url()).toContain('log=0');
  await expect.poll(() => page.url()).toContain('changes=');
  const link = page.url();
  console.log(`link: ${decodeURIComponent(new URL(link).search)}`);
  expect(decodeURIComponent(link)).toContain('changes=4:kru:lambda:0.5,8:rnn:lr:0.003,8:kru:lambda:2');
  const first = await metrics(page);
  expect(first.steps.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

  // The link, opened elsewhere (a fresh browser context: nothing saved), trained to the same step.
  const other = await (await browser.newContext()).newPage();
  const otherErrors = watchErrors(other);
  await open(other, new URL(link).search);
  await other.getByTestId('play').click();
  await expect.poll(() => stepCount(other), { timeout: 60_000 }).toBeGreaterThanOrEqual(20);
  await other.getByTestId('pause').click();
  await expect(other.getByTestId('status')).toHaveAttribute('data-state', 'ready');
  const again = await metrics(other);
  for (const id of ['kru', 'rnn']) {
    expect(again.series[id].loss.slice(0, 20)).toEqual(first.series[id].loss.slice(0, 20));
    expect(again.series[id].lr.slice(0, 20)).toEqual(first.series[id].lr.slice(0, 20));
  }
  expect(again.series.kru.lambda.slice(0, 20)).toEqual(first.series.kru.lambda.slice(0, 20));
  // Its controls followed the replay (λ is the last value set), and its loss view is linear, as it was.
  await expect(other.getByTestId('lambda-input')).toHaveValue('2');
  await expect(other.getByLabel('log scale')).not.toBeChecked();
  expect(errors).toEqual([]);
  expect(otherErrors).toEqual([]);
});
