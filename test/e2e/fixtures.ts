// Every e2e spec imports `test` and `expect` from here. An automatic fixture watches each test's browser context
// and fails the test if anything broke the page's Content-Security-Policy or asked for a URL outside the app's
// origin (data: and blob: URLs are fine), from the page, its workers or its service worker.
import {
  test as base,
  expect,
  type BrowserContext,
  type LaunchOptions,
  type PlaywrightWorkerArgs,
  type ConsoleMessage,
  type Page,
  type Request,
  type Worker,
} from '@playwright/test';

export { expect };

export interface SecurityLog {
  /** The app's origin: that of the first http(s) page a page of the test opened (null before). */
  origin: string | null;
  /** CSP violations: `securitypolicyviolation` events in any page, and console messages about the policy. */
  violations: string[];
  /** Requests for URLs outside `origin`. */
  offOrigin: string[];
}

/** Schemes that never leave the browser. */
const LOCAL = new Set(['data:', 'blob:', 'about:']);

/** A top-level page load over http(s) (a service worker's requests have no frame to ask). */
function isPageLoad(r: Request): boolean {
  if (r.serviceWorker() || !r.isNavigationRequest()) return false;
  return /^https?:$/.test(new URL(r.url()).protocol) && r.frame().parentFrame() === null;
}

/** Starts recording into `log` everything in `context` that breaks the policy or leaves the origin. */
export async function watchSecurity(context: BrowserContext, log: SecurityLog): Promise<void> {
  await context.exposeBinding('__kruReportCspViolation', (_source, text: string) => {
    log.violations.push(text);
  });
  // Runs in every document before its own scripts, so violations during the first load count too.
  await context.addInitScript(() => {
    const report = (window as unknown as { __kruReportCspViolation(text: string): Promise<void> })
      .__kruReportCspViolation;
    document.addEventListener(
      'securitypolicyviolation',
      (e) => {
        const where = e.sourceFile ? ` at ${e.sourceFile}:${e.lineNumber}` : '';
        const sample = e.sample ? ` (${JSON.stringify(e.sample)})` : '';
        void report(
          `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}${where}${sample} on ${location.href}`,
        );
      },
      true,
    );
  });
  const onConsole = (m: ConsoleMessage) => {
    if (/Content.Security.Policy/i.test(m.text())) log.violations.push(`console ${m.type()}: ${m.text()}`);
  };
  const onWorker = (w: Worker) => w.on('console', onConsole);
  context.on('console', onConsole);
  context.on('serviceworker', onWorker);
  const watchPage = (p: Page) => p.on('worker', onWorker);
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  // Requests from pages, their dedicated workers and service workers all reach the context.
  context.on('request', (r) => {
    const url = new URL(r.url());
    if (LOCAL.has(url.protocol)) return;
    if (log.origin === null && isPageLoad(r)) {
      log.origin = url.origin;
      return;
    }
    if (url.origin !== log.origin) {
      const from = r.serviceWorker() ? 'service worker' : r.resourceType();
      log.offOrigin.push(`${r.method()} ${r.url()} (${from}, app origin ${log.origin ?? 'not yet known'})`);
    }
  });
}

export const test = base.extend<{ security: SecurityLog }>({
  security: [
    async ({ context }, use) => {
      const log: SecurityLog = { origin: null, violations: [], offOrigin: [] };
      await watchSecurity(context, log);
      await use(log);
      expect(log.violations, `Content-Security-Policy violations:\n  ${log.violations.join('\n  ')}`).toEqual(
        [],
      );
      expect(log.offOrigin, `requests outside ${log.origin}:\n  ${log.offOrigin.join('\n  ')}`).toEqual([]);
    },
    { auto: true },
  ],
});

/** Chromium's flags for WebGPU on SwiftShader's software adapter (headless Chromium has no other; slow). */
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-surface',
];

/**
 * Runs `body` on a page of a Chromium of its own with WebGPU (WEBGPU_FLAGS), its context watched for policy
 * violations and off-origin requests into `log` (the automatic fixture watches only the default browser).
 */
export async function inWebgpuBrowser(
  env: { playwright: PlaywrightWorkerArgs['playwright']; launchOptions: LaunchOptions; baseURL?: string },
  body: (page: Page, log: SecurityLog) => Promise<void>,
): Promise<void> {
  const { playwright, launchOptions, baseURL } = env;
  const browser = await playwright.chromium.launch({
    ...launchOptions,
    args: [...(launchOptions.args ?? []), ...WEBGPU_FLAGS],
  });
  try {
    const context = await browser.newContext({ baseURL });
    const log: SecurityLog = { origin: null, violations: [], offOrigin: [] };
    await watchSecurity(context, log);
    await body(await context.newPage(), log);
  } finally {
    await browser.close();
  }
}
