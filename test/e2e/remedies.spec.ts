// End-to-end: the remedies beside the KRU in the real app. One link with a KRU, an RNN, an LSTM, a KRU-LSTM and a
// low-rank RNN of similar total size: every view draws every model by its label, the parameter table gives
// each kind's recurrent count, and each factored model has its own λ control.
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';
import { open, steps, watchErrors } from './helpers';

const LINK =
  '?task=copy&T=10&models=kru:kru,rnn:rnn,lstm:lstm,kru-lstm:kru-lstm,lowrank:lowrank&kru.N=32' +
  '&kru.factors=2,2,2,2,2&rnn.N=28&lstm.N=13&kru-lstm.N=16&kru-lstm.factors=2,2,2,2&lowrank.N=64&lowrank.rank=1';

const LABELS = ['KRU', 'RNN', 'LSTM', 'KRU-LSTM', 'Low-rank RNN'];

test('a KRU, an RNN, an LSTM, a KRU-LSTM and a low-rank RNN train side by side; every view shows each', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await open(page, LINK);
  await steps(page, 3);
  await page.getByTestId('play').click();
  await expect
    .poll(async () => Number(await page.getByTestId('step-count').textContent()))
    .toBeGreaterThan(12);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');
  for (const id of [
    'view-loss',
    'view-deviation',
    'view-grad-heatmap',
    'view-grad-profile',
    'view-spectrum',
  ]) {
    await page.getByTestId(id).scrollIntoViewIfNeeded();
    for (const label of LABELS) await expect(page.getByTestId(id), `${id}: ${label}`).toContainText(label);
  }
  // Kronecker factors: the KRU's and the KRU-LSTM's (its forget gate's); ‖W‖₂ for every model.
  const sv = page.getByTestId('view-singular-values');
  await sv.scrollIntoViewIfNeeded();
  for (const label of LABELS) await expect(sv, label).toContainText(label);
  await expect(sv).not.toContainText('No KRU in this run');
  // Recurrent parameters: 2·Σp² = 40, N² = 784, 4N² = 676, 4·Σp² = 64, 2·N·r = 128.
  const rows = page.getByTestId('view-params').locator('tbody tr');
  await expect(rows).toHaveCount(5);
  const recurrent = ['40', '784', '676', '64', '128'];
  for (const [i, n] of recurrent.entries()) await expect(rows.nth(i).locator('td').first()).toHaveText(n);
  await expect(rows.nth(2)).toContainText('4 gates × 13×13 (real)');
  await expect(rows.nth(4)).toContainText('64×64 = (64×1)·(1×64) (real)');
  // The factored kinds have a λ each.
  await expect(page.getByTestId('lambda-input')).toHaveValue('0.01');
  await expect(page.getByTestId('lambda-input-kru-lstm')).toHaveValue('0.01');
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height });
  await page.waitForTimeout(1500);
  await page.screenshot({
    path: fileURLToPath(new URL('../../docs/remedies-app.png', import.meta.url)),
    fullPage: true,
  });
  expect(errors).toEqual([]);
});
