// End-to-end: the training worker chooses its backend by measuring (src/engine/backend-choice.ts). Headless
// Chromium's only WebGPU adapter is SwiftShader, a software one that the app leaves out unmeasured;
// `?debug=measure-software-gpu` lets the measurement include it, so that this test sees the whole path: both
// figures in the status line and the winner (cpu, by far), the choice remembered in IndexedDB for the device and
// the run's configuration class, and a later load of that class using it without measuring.
import type { Page } from '@playwright/test';
import { expect, inWebgpuBrowser, test } from './fixtures';
import { open, stepCount, watchErrors } from './helpers';

/**
 * The default run (a KRU and an RNN of 64 units, adding problem, T = 50, batch 32), with the debug switch:
 * SwiftShader takes ~10× the cpu kernels' time per step there (1.36 s against 142 ms in one run), so cpu wins
 * beyond any noise, and its few webgpu steps still fit the test's time (a smaller run narrows the gap to ~2×).
 */
const LINK = '/?debug=measure-software-gpu';

const reason = (page: Page) => page.getByTestId('backend-reason');

/** The measured figures as the status line holds them (whole numbers, in its attributes). */
async function figures(page: Page): Promise<{ cpu: number; webgpu: number }> {
  return {
    cpu: Number(await reason(page).getAttribute('data-cpu-ms')),
    webgpu: Number(await reason(page).getAttribute('data-webgpu-ms')),
  };
}

test('measures cpu and webgpu on the first run of a class, shows both, and reuses the choice later', async ({
  playwright,
  launchOptions,
  baseURL,
}) => {
  test.setTimeout(90_000);
  await inWebgpuBrowser({ playwright, launchOptions, baseURL }, async (page, log) => {
    const errors = watchErrors(page);

    // First load: the worker says it is measuring, then which backend won and by how much.
    let t0 = Date.now();
    await page.goto(LINK);
    await expect(reason(page)).toContainText('measuring cpu and webgpu on a copy of this run');
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    const firstLoad = Date.now() - t0;
    await expect(reason(page)).toHaveAttribute('data-measure', 'measured');
    await expect(page.getByTestId('backend')).toHaveText('cpu');
    const measured = (await reason(page).textContent()) ?? '';
    expect(measured).toMatch(
      /^cpu [\d.]+ ms\/step · webgpu [\d.e]+ ms\/step: cpu chosen \(measured just now on a copy of this run; webgpu is a software adapter/,
    );
    const first = await figures(page);
    expect(first.cpu).toBeGreaterThan(0);
    expect(first.webgpu).toBeGreaterThan(first.cpu);
    console.log(`first load, ready after ${firstLoad} ms: ${measured}`);
    // The run trains on the chosen backend, from step 0: the measurement took none of its steps.
    await expect(page.getByTestId('step-count')).toHaveText('0');
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(1);

    // Second load of the same class (the page rewrote its link without the debug switch: the first link again):
    // the stored choice, not measured again — the very same figures, which a new measurement would not give.
    t0 = Date.now();
    await page.goto(LINK);
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    const secondLoad = Date.now() - t0;
    await expect(reason(page)).toHaveAttribute('data-measure', 'stored');
    await expect(page.getByTestId('backend')).toHaveText('cpu');
    expect(await figures(page)).toEqual(first);
    const stored = (await reason(page).textContent()) ?? '';
    expect(stored).toContain('cpu chosen (measured on this device');
    expect(stored).toContain('not measured again');
    console.log(`second load, ready after ${secondLoad} ms: ${stored}`);

    // The link's ?backend= overrides the stored choice, and nothing is measured.
    await open(page, '?backend=cpu&debug=measure-software-gpu');
    await expect(reason(page)).toHaveText('cpu requested by the link (not measured)');
    await expect(reason(page)).not.toHaveAttribute('data-measure', /.*/);

    expect(errors).toEqual([]);
    expect(log.violations).toEqual([]);
    expect(log.offOrigin).toEqual([]);
  });
});

test('without a WebGPU adapter there is nothing to measure, and the status line says so', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await open(page, '?debug=measure-software-gpu');
  await expect(page.getByTestId('backend')).toHaveText('cpu');
  await expect(reason(page)).toContainText('no WebGPU adapter here');
  await expect(reason(page)).toContainText('nothing to measure');
  expect(errors).toEqual([]);
});
