// End-to-end: faults that must not lose the run. A diverged model goes back to its last good checkpoint in one
// click; a training worker whose step throws, or that dies without a word, is replaced within about a second and
// the run resumes from its last checkpoint.
import { expect, inWebgpuBrowser, test } from './fixtures';
import { open, stepCount, watchErrors } from './helpers';
import type { Page } from '@playwright/test';

const status = (page: Page) => page.getByTestId('status');

test('a diverged KRU goes back to its last good checkpoint with a smaller learning rate, and trains on', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await open(page);
  await page.getByTestId('play').click();
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(30);
  const lr = page.getByTestId('lr-input');
  await lr.fill('10');
  await lr.press('Enter');
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText('KRU diverged at step', { timeout: 60_000 });
  const action = page.getByTestId('notice-action');
  // The checkpoint just before the change: its learning rate (0.001) ÷ 10.
  await expect(action).toHaveText(/^Back to step [\d,]+ with lr 1e−4$/);
  const label = (await action.textContent()) ?? '';
  const back = Number(label.match(/step ([\d,]+)/)![1].replace(/,/g, ''));
  const divergedAt = Number(
    ((await notice.textContent()) ?? '').match(/diverged at step ([\d,]+)/)![1].replace(/,/g, ''),
  );
  console.log(`${label}; diverged at ${divergedAt}`);
  expect(back).toBeLessThan(divergedAt - 1);
  await action.click();

  await expect(notice).toHaveCount(0);
  await expect(lr).toHaveValue('1.00e-4');
  const loss = page.getByTestId('view-loss');
  await loss.scrollIntoViewIfNeeded();
  await expect(loss.locator('.kru-restore-label').first()).toContainText(
    `back to step ${back.toLocaleString('en-US')}`,
  );
  // It trains past the step it diverged at, and stays finite.
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThan(divergedAt + 20);
  await expect(status(page)).toHaveAttribute('data-state', 'running');
  await expect(page.getByTestId('notice')).toHaveCount(0);
  await page.getByTestId('pause').click();
  expect(errors).toEqual([]);
});

const FAULTS = {
  'throw-in-step': 'throws inside a step',
  exit: 'exits silently (self.close())',
  terminate: 'is terminated',
} as const;

for (const fault of ['throw-in-step', 'exit', 'terminate'] as const) {
  test(`a training worker that ${FAULTS[fault]} is replaced and the run resumes from its last checkpoint`, async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await open(page, '?debug=faults');
    await page.getByTestId('play').click();
    await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(10);
    const before = await stepCount(page);
    const answers = await page.evaluate(() =>
      (window as unknown as { kruDebug: { answerTimes(): number[] } }).kruDebug.answerTimes(),
    );
    console.log(`ping answers (ms): ${answers.map((a) => a.toFixed(0)).join(', ')}`);
    const t0 = Date.now();
    // Not awaited in the page: a worker that exits never answers the call.
    await page.evaluate((kind) => {
      void (
        window as unknown as { kruDebug: { injectFault(k: string): Promise<void> } }
      ).kruDebug.injectFault(kind);
    }, fault);
    const notice = page.getByTestId('notice');
    await expect(notice).toContainText('The training worker stopped at step', { timeout: 10_000 });
    const noticed = Date.now() - t0;
    await expect(notice).toContainText('resumed the run', { timeout: 30_000 });
    const text = (await notice.textContent()) ?? '';
    console.log(`${fault}: noticed after ${noticed} ms: ${text}`);
    // A throw is reported at once; silence is declared after 1 s, or 3× the slowest recent answer on a machine
    // so loaded that the worker answers late (1 s + one ping on an idle one).
    const silence = Math.max(1000, 3 * Math.max(...answers));
    expect(noticed).toBeLessThan(fault === 'throw-in-step' ? 1500 : silence + 1500);
    const from = Number(text.match(/resumed the run from step ([\d,]+)/)![1].replace(/,/g, ''));
    expect(from).toBeLessThanOrEqual(before + 50);
    await expect(status(page)).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
    await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThan(before + 10);
    const loss = page.getByTestId('view-loss');
    await loss.scrollIntoViewIfNeeded();
    await expect(loss.locator('.kru-restore-label').first()).toContainText('worker restarted');
    await page.getByTestId('pause').click();
    expect(errors.filter((e) => !e.includes('injected fault'))).toEqual([]);
  });
}

test('a lost GPU device moves the run to a new worker on the cpu backend, from its last checkpoint', async ({
  playwright,
  launchOptions,
  baseURL,
}) => {
  test.setTimeout(150_000);
  // WebGPU in headless Chromium: SwiftShader's software adapter, behind flags (a browser of its own, slow).
  await inWebgpuBrowser({ playwright, launchOptions, baseURL }, async (page) => {
    const errors = watchErrors(page);
    await open(page, '?backend=webgpu&debug=faults&models=rnn:rnn&rnn.N=16&T=10&batch=8');
    await expect(page.getByTestId('backend')).toHaveText('webgpu');
    for (let i = 1; i <= 2; i++) {
      await page.getByTestId('step').click();
      await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBe(i);
    }
    await page.evaluate(() => {
      void (
        window as unknown as { kruDebug: { injectFault(k: string): Promise<void> } }
      ).kruDebug.injectFault('lose-device');
    });
    const notice = page.getByTestId('notice');
    await expect(notice).toContainText('the GPU device was lost', { timeout: 10_000 });
    await expect(notice).toContainText('A new one on the cpu backend resumed the run from step 2', {
      timeout: 60_000,
    });
    console.log(`device lost: ${await notice.textContent()}`);
    await expect(page.getByTestId('backend')).toHaveText('cpu');
    expect(await stepCount(page)).toBe(2);
    await page.getByTestId('step').click();
    await expect.poll(() => stepCount(page)).toBe(3);
    expect(errors).toEqual([]);
  });
});
