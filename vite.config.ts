import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The built page's Content-Security-Policy, one directive a line with why it allows what it allows. It travels
 * as a <meta http-equiv> (the app must run from any static host, which may send no headers), so:
 * - `frame-ancestors`, `report-uri`/`report-to` and `sandbox` cannot be set here (browsers ignore them in a meta
 *   policy); a host that can send headers should add `frame-ancestors 'none'` (or its own framing rule) itself.
 * - It governs the page only. A dedicated or service worker loaded from a URL takes its policy from its own
 *   response headers, not from the page (checked in Chromium: a build whose policy had connect-src 'none' and no
 *   'wasm-unsafe-eval' still compiled the wasm backend and fetched the digits data in its worker). On a plain
 *   static host, which sends no such headers, the training workers and the service worker therefore run under
 *   no policy: what they run is still held by the page to scripts of this origin (worker-src 'self'), and that
 *   code fetches only files of its own origin (the .wasm binaries, data/digits.u8), as the e2e guard checks.
 *   A host that can send headers can give the workers this same policy.
 * The dev server injects inline scripts for HMR and React refresh, so the policy is added to the build only.
 */
export const CONTENT_SECURITY_POLICY = [
  // Anything not named below: this origin only.
  "default-src 'self'",
  // Scripts: the bundle's own files only, no inline script and no eval (zod's eval-compiled parsers are switched
  // off in the page: src/app/no-eval.ts). 'wasm-unsafe-eval' allows compiling WebAssembly, not JS: tfjs's wasm
  // backend and the fused cpu kernels' SIMD loops (src/kernels/cpu/wasm) compile modules. They do so in the
  // training workers, which this policy does not reach in current browsers (see above); the allowance keeps
  // them working in a browser that applies the page's policy to its workers, and should a kernel run in the page.
  "script-src 'self' 'wasm-unsafe-eval'",
  // Workers: the training worker, the second model worker and the offline service worker (sw.js) are all
  // files of this origin. No blob: — nothing here makes blob workers (tfjs's threaded wasm build would, but it
  // only runs cross-origin isolated, which this app never is; see toolchain notes on COOP/COEP).
  "worker-src 'self'",
  // Styles: the bundle's stylesheet only, no <style> elements. React (style={…}) and most chart code set styles
  // through the CSSOM (element.style), which a policy does not restrict.
  "style-src 'self'",
  // Images: data: for the empty favicon (<link rel=icon href="data:,">); blob: for the PNG export, which draws
  // the chart's SVG into an <img> from a blob URL (src/charts/lib/chart-export.ts).
  "img-src 'self' data: blob:",
  // fetch/XHR/WebSocket: this origin only (the page itself fetches nothing; see above for the workers).
  "connect-src 'self'",
  // No plugins, no <base> pointing elsewhere (relative asset URLs resolve against the page), no form posts.
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** Writes the Content-Security-Policy meta element right after <meta charset> in the built index.html. */
function contentSecurityPolicy(): Plugin {
  const charset = '<meta charset="UTF-8" />';
  return {
    name: 'kru:content-security-policy',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        if (!html.includes(charset)) throw new Error(`index.html: no ${charset} to put the policy after`);
        // Before any script or stylesheet: a meta policy covers only what comes after it.
        return html.replace(
          charset,
          () =>
            `${charset}\n    <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`,
        );
      },
    },
  };
}

const PUBLIC_DIR = fileURLToPath(new URL('./public', import.meta.url));
const SW_SOURCE = fileURLToPath(new URL('./scripts/service-worker.js', import.meta.url));

/** Files under `dir`, as paths relative to it with forward slashes. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

/**
 * Emits sw.js, the offline service worker (source: scripts/service-worker.js), with the list of files to
 * precache written into it: every file of the bundle (index.html, JS and CSS chunks, the workers' bundles, the
 * tfjs .wasm binaries) and every public file but notes (data/digits.u8). Its cache is named by a hash of those
 * names and contents, so each build that changes any file gets a new cache, and a changed sw.js, which is what
 * makes the browser install the new version (see README, "Hosting").
 */
function offlineServiceWorker(): Plugin {
  return {
    name: 'kru:offline-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle: {
      // After Vite's own plugins have emitted index.html and the workers' files into the bundle.
      order: 'post',
      handler(_options, bundle) {
        const contents = new Map<string, string | Uint8Array>();
        for (const [name, file] of Object.entries(bundle)) {
          if (name.endsWith('.map')) continue;
          contents.set(name, file.type === 'chunk' ? file.code : file.source);
        }
        for (const name of filesUnder(PUBLIC_DIR)) {
          if (!name.endsWith('.md')) contents.set(name, readFileSync(join(PUBLIC_DIR, name)));
        }
        const files = [...contents.keys()].sort();
        const hash = createHash('sha256');
        for (const name of files) hash.update(name).update('\0').update(contents.get(name)!).update('\0');
        const version = hash.digest('hex').slice(0, 16);
        const source = readFileSync(SW_SOURCE, 'utf8')
          .replace('self.__PRECACHE_VERSION', () => JSON.stringify(version))
          .replace('self.__PRECACHE_FILES', () => JSON.stringify(files));
        this.emitFile({ type: 'asset', fileName: 'sw.js', source });
      },
    },
  };
}

/**
 * tfjs-core runs a few `for (k in obj) obj[k]` loops on every op and every gradient: walkTensorContainer
 * (tensor_util.js, on each tidy's result) and the tape walks of tape.js (each op's inputs). Fed objects of many
 * shapes (every kernel's inputs, tensors, arrays), Chromium's optimising compilers deoptimised them at that keyed
 * load ("wrong map") several times a second for as long as training ran, and recompiled them and their callers
 * (tidy, endScope: ~40 ms TurboFan jobs): in the training worker's traces, ~9 Maglev recompiles a second of the
 * tape walk alone, compile jobs that run on the core the page's main thread uses (its long tasks came with
 * them). A loop over Object.keys visits the same own keys in the same order without the deopt loop. Each file
 * must have exactly the loops expected, or the build fails (a tfjs upgrade): nothing is dropped silently.
 */
function tfjsKeyLoops(): Plugin {
  const files: Array<{ file: RegExp; loops: number }> = [
    { file: /@tensorflow[/\\]tfjs-core[/\\]dist[/\\]tensor_util\.js$/, loops: 1 },
    { file: /@tensorflow[/\\]tfjs-core[/\\]dist[/\\]tape\.js$/, loops: 4 },
  ];
  const forIn = /for \(const (\w+) in ([\w.]+)\) \{/g;
  return {
    name: 'kru:tfjs-key-loops',
    apply: 'build',
    transform(code, id) {
      const f = files.find((x) => x.file.test(id));
      if (!f) return null;
      const found = code.match(forIn)?.length ?? 0;
      if (found !== f.loops)
        this.error(`${id}: ${found} for-in loops, expected ${f.loops}; review kru:tfjs-key-loops`);
      return { code: code.replace(forIn, 'for (const $1 of Object.keys($2)) {'), map: null };
    },
  };
}

export default defineConfig({
  // Relative asset URLs: the build works from any path (a static host's /kru-explorer/ as well as /).
  base: './',
  plugins: [react(), contentSecurityPolicy(), offlineServiceWorker(), tfjsKeyLoops()],
  // The training workers run tfjs: the key loops' change matters there most.
  worker: { format: 'es', plugins: () => [tfjsKeyLoops()] },
  optimizeDeps: {
    // Pre-bundle up front so the first dev load does not reload the page when the worker discovers them.
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      'comlink',
    ],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  preview: { port: 4173, strictPort: true },
});
