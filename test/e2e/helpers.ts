// What every e2e spec needs: open the app and wait for its worker, read the step count, collect page errors.
import { expect, type Page } from '@playwright/test';

/** Console errors and uncaught page errors, collected from the moment the page opens. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

export async function open(page: Page, query = ''): Promise<void> {
  await page.goto(`/${query}`);
  // Ready = the worker built the experiment (backend chosen, models initialised).
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}

export async function stepCount(page: Page): Promise<number> {
  return Number(await page.getByTestId('step-count').textContent());
}

export async function waitForSteps(page: Page, n: number): Promise<void> {
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(n);
}

/** Presses Step `n` times, each time waiting for the count to go up by exactly one. */
export async function steps(page: Page, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const before = await stepCount(page);
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(before + 1);
  }
}
