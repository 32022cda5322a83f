// End-to-end: files for slides and analysis — each chart as SVG and as a 2× PNG, every metric as CSV and JSON.
import type { Download, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { readFileSync } from 'node:fs';
import { open, steps } from './helpers';

async function saved(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [d]: [Download, void] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: d.suggestedFilename(), bytes: readFileSync((await d.path())!) };
}

test('each chart saves as an SVG with its title, legend and axis labels, and as a PNG at 2×', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await open(page);
  await steps(page, 3);
  const svg = await saved(page, () => page.getByTestId('export-svg-loss').click());
  expect(svg.name).toBe('kru-explorer-loss.svg');
  const text = svg.bytes.toString('utf8');
  expect(text.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  for (const s of ['Training loss', 'KRU task loss', 'RNN task loss', 'training step', 'memoryless baseline'])
    expect(text, s).toContain(s);
  expect(text).toMatch(/<path[^>]+d="M/); // the loss lines themselves
  expect(text).not.toContain('class="'); // styles are inline: the file needs no stylesheet

  // The heatmap's canvas layers travel as embedded images.
  await page.getByTestId('view-grad-heatmap').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('view-grad-heatmap').locator('canvas').first()).toBeVisible();
  const heat = (
    await saved(page, () => page.getByTestId('export-svg-grad-heatmap').click())
  ).bytes.toString();
  expect(heat).toContain('<image');
  expect(heat).toContain('data:image/png;base64,');

  const png = await saved(page, () => page.getByTestId('export-png-loss').click());
  expect(png.name).toBe('kru-explorer-loss.png');
  expect(png.bytes.subarray(1, 4).toString()).toBe('PNG');
  const width = png.bytes.readUInt32BE(16); // IHDR
  const svgWidth = Number(/width="(\d+)"/.exec(text)![1]);
  expect(width).toBe(2 * svgWidth);
  expect(png.bytes.length).toBeGreaterThan(10_000);
});

test('every metric of every model saves as long-format CSV and as JSON', async ({ page }) => {
  await open(page);
  await steps(page, 2);
  const csv = await saved(page, () => page.getByTestId('export-metrics-csv').click());
  expect(csv.name).toBe('kru-explorer-metrics.csv');
  const lines = csv.bytes.toString('utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('step,model,metric,value');
  expect(lines).toContainEqual(expect.stringMatching(/^1,kru,loss,[\d.]+$/));
  expect(lines).toContainEqual(expect.stringMatching(/^2,rnn,gradNormsOverTime\[49\],[\d.e-]+$/));
  const json = JSON.parse(
    (await saved(page, () => page.getByTestId('export-metrics-json').click())).bytes.toString(),
  );
  expect(json.kind).toBe('kru-explorer-metrics');
  expect(json.steps).toEqual([1, 2]);
  expect(json.series.kru.loss).toHaveLength(2);
  expect(json.series.rnn.gradNormsOverTime[1]).toHaveLength(50);
});
