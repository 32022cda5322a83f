// End-to-end: WebGPU in a real browser. Headless Chromium has only SwiftShader's software adapter, behind flags
// (a browser of its own, ~1 step/s for a small run): `?backend=webgpu` must train a KRU through the WGSL kernels
// in the worker for several steps, say webgpu in the status line, and log no console error.
import { expect, inWebgpuBrowser, test } from './fixtures';
import { open, stepCount, watchErrors } from './helpers';

/** A KRU of 16 units (four 2×2 factors) on the adding problem, T = 10, batch 8: small enough for SwiftShader. */
const SMALL_KRU = '&models=kru:kru&kru.N=16&kru.factors=2,2,2,2&T=10&batch=8';

test('?backend=webgpu trains a KRU 5 steps and more through the WGSL kernels in the worker', async ({
  playwright,
  launchOptions,
  baseURL,
}) => {
  test.setTimeout(90_000);
  await inWebgpuBrowser({ playwright, launchOptions, baseURL }, async (page, log) => {
    const errors = watchErrors(page);
    await open(page, `?backend=webgpu${SMALL_KRU}`);
    const backend = page.getByTestId('backend');
    await expect(backend).toHaveText('webgpu');
    // The fused kernels are registered on webgpu, and the run's implementation is the fused one (the default):
    // the KRU's recurrence is the KruRecurrence WGSL kernel, forward and backward, not the op-by-op reference.
    await expect(backend).toHaveAttribute('data-kernels', 'fused');
    await expect(page.getByTestId('backend-reason')).toHaveText(
      'webgpu requested by the link (not measured)',
    );
    const t0 = Date.now();
    await page.getByTestId('play').click();
    await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    await page.getByTestId('pause').click();
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready');
    const steps = await stepCount(page);
    const ms = await page.getByTestId('ms-per-step').textContent();
    console.log(`webgpu (SwiftShader): ${steps} steps in ${Date.now() - t0} ms, the worker's ${ms} ms/step`);
    await expect(backend).toHaveText('webgpu');
    await expect(page.getByTestId('worker-error')).toHaveCount(0);
    expect(Number.isFinite(parseFloat(ms ?? ''))).toBe(true);
    // No banner: in particular none saying the KRU diverged (a NaN or infinite loss or gradient).
    await expect(page.getByTestId('notice')).toHaveCount(0);
    expect(errors).toEqual([]);
    expect(log.violations).toEqual([]);
    expect(log.offOrigin).toEqual([]);
  });
});
