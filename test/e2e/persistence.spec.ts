// End-to-end: nothing lost. The run is saved in the browser as it trains: a reload reopens it where it was
// (step count, history, loss-view options), paused; a run file exported from the list imports again, and a
// corrupted one is refused with a message and changes nothing.
import { readFile } from 'node:fs/promises';
import type { Download, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { open, stepCount, watchErrors } from './helpers';

async function trainTo(page: Page, n: number): Promise<number> {
  await page.getByTestId('play').click();
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(n);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');
  return stepCount(page);
}

async function savedList(page: Page) {
  const panel = page.getByTestId('saved-runs');
  if (!(await panel.evaluate((d) => (d as HTMLDetailsElement).open))) await panel.locator('summary').click();
  return panel.getByTestId('saved-run');
}

test('a reload reopens the run where it was: step count, history and view options, paused', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await open(page);
  await page.getByLabel('log scale').uncheck();
  const steps = await trainTo(page, 25);
  await expect(page.getByTestId('view-loss')).toHaveAttribute('data-rows', String(steps));
  const rows = String(steps);
  const firstLoss = await page.getByTestId('view-loss').getAttribute('data-first-loss');
  // Saved once the pause's checkpoint arrived: the list shows it with its step count.
  const list = await savedList(page);
  await expect(list).toHaveCount(1);
  await expect(list.first()).toContainText(`${steps} steps`);

  await page.reload();
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText(`step ${steps}, paused`, { timeout: 60_000 });
  console.log(`notice: ${await notice.textContent()}`);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');
  expect(await stepCount(page)).toBe(steps);
  await expect(page.getByTestId('view-loss')).toHaveAttribute('data-rows', rows!);
  await expect(page.getByTestId('view-loss')).toHaveAttribute('data-first-loss', firstLoss!);
  await expect(page.getByLabel('log scale')).not.toBeChecked();
  // And it goes on from there.
  await page.getByTestId('play').click();
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThan(steps + 5);
  await page.getByTestId('pause').click();
  expect(errors).toEqual([]);
});

test('saving goes on without the storage worker: one that cannot load is replaced by the page itself', async ({
  page,
}) => {
  const errors = watchErrors(page);
  // The storage worker's script never arrives (a flaky network, a blocked file): its load fails.
  await page.route('**/storage.worker-*.js', (r) => r.abort());
  await open(page);
  const steps = await trainTo(page, 12);
  const list = await savedList(page);
  await expect(list).toHaveCount(1);
  await expect(list.first()).toContainText(`${steps} steps`);
  await page.reload();
  await expect(page.getByTestId('notice')).toContainText(`step ${steps}, paused`, { timeout: 60_000 });
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');
  await expect.poll(() => stepCount(page)).toBe(steps);
  // The only complaint is the aborted request itself.
  expect(errors.filter((e) => !e.includes('storage.worker') && !e.includes('ERR_FAILED'))).toEqual([]);
});

test('a run file exports and imports; a corrupted one is refused and changes nothing', async ({
  page,
}, info) => {
  const errors = watchErrors(page);
  await open(page);
  const steps = await trainTo(page, 10);
  const list = await savedList(page);
  await expect(list).toHaveCount(1);
  const [d]: [Download, void] = await Promise.all([
    page.waitForEvent('download'),
    list.first().getByTestId('export-run').click(),
  ]);
  const path = info.outputPath('run.json');
  await d.saveAs(path);
  const text = await readFile(path, 'utf8');
  const file = JSON.parse(text) as { format: string; checkpoint: { step: number } };
  expect(file.format).toBe('kru-explorer/run@1');
  expect(file.checkpoint.step).toBe(steps);

  const importFile = (name: string, body: string) =>
    page
      .getByTestId('import-run')
      .setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(body) });
  const note = page.getByTestId('saved-runs-note');
  const corrupted = [
    text.slice(0, text.length / 2), // cut short
    text.replace('"format":"kru-explorer/run@1"', '"format":"something-else"'),
    JSON.stringify({ ...JSON.parse(text), config: { ...JSON.parse(text).config, batch: -3 } }),
    text.replace(/"steps":"[A-Za-z0-9+/=]{8}/, '"steps":"!!!!!!!!'),
  ];
  for (const body of corrupted) {
    await importFile('bad.json', body);
    await expect(note).toContainText('Could not import the run file');
    console.log(`refused: ${await note.textContent()}`);
    await expect(list).toHaveCount(1);
  }
  expect(await stepCount(page)).toBe(steps);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');

  await importFile('run.json', text);
  await expect(note).toContainText('Imported');
  await expect(list).toHaveCount(2);
  // Rename the imported copy (the list is newest first), open it — the same step count — and delete the other.
  const copy = list.filter({ hasNot: page.locator('[data-current="true"]') }).first();
  page.once('dialog', (d) => void d.accept('imported copy'));
  await copy.getByRole('button', { name: 'Rename' }).click();
  await expect(list.filter({ hasText: 'imported copy' })).toHaveCount(1);
  await list.filter({ hasText: 'imported copy' }).getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('notice')).toContainText(`Opened "imported copy" at step ${steps}, paused`);
  expect(await stepCount(page)).toBe(steps);
  await expect(page.getByTestId('run-name')).toHaveValue('imported copy');
  await list.filter({ hasNotText: 'imported copy' }).getByRole('button', { name: 'Delete' }).click();
  await expect(list).toHaveCount(1);
  await expect(list.first()).toContainText('imported copy');
  expect(errors).toEqual([]);
});

test('a model file opens as a run of that model, from its weights: inspect it, then train it on', async ({
  page,
}, info) => {
  const errors = watchErrors(page);
  await open(page);
  const trained = await trainTo(page, 5);
  const [d]: [Download, void] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-kru').click(),
  ]);
  const path = info.outputPath('kru.json');
  await d.saveAs(path);
  const openModel = (name: string, body: string) =>
    page
      .getByTestId('open-model')
      .setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(body) });

  await openModel('broken.json', '{"format":"kru-explorer/model@1"');
  await expect(page.getByTestId('notice')).toContainText('Could not open the model file: it is not JSON');
  expect(await stepCount(page)).toBe(trained); // nothing changed

  await openModel('kru.json', await readFile(path, 'utf8'));
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText(
    'Opened kru.json: a KRU with N = 64 on the adding task, from its weights, paused',
  );
  await expect.poll(() => stepCount(page)).toBe(0);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');
  // One model, its spectrum drawn from the file's weights before any step.
  const spectrum = page.getByTestId('view-spectrum');
  await spectrum.scrollIntoViewIfNeeded();
  await expect(spectrum).toContainText('KRU (file)');
  await page.getByTestId('play').click();
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
  await page.getByTestId('pause').click();
  expect(errors).toEqual([]);
});
