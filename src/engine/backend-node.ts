// Backend set-up for Node (CLI, scripts): WebGPU through Dawn's Node bindings (npm `webgpu`) and the wasm
// backend with its binaries located in node_modules. Browser code never imports this file.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { selectBackend, type BackendChoice } from './backend';

export type NodeBackendName = 'cpu' | 'wasm' | 'webgpu';

let webgpuInstalled: Promise<boolean> | undefined;

/**
 * Gives Node a `navigator.gpu` from Dawn (idempotent). Resolves false, instead of throwing, when the native
 * module cannot load. Dawn keeps the event loop alive once an adapter exists: callers must exit explicitly.
 */
export function installNodeWebGPU(): Promise<boolean> {
  webgpuInstalled ??= (async () => {
    const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
    if (nav?.gpu) return true;
    try {
      const { create, globals } = await import('webgpu');
      Object.assign(globalThis, globals);
      // Node 21+ defines a read-only navigator getter; defineProperty replaces it either way.
      Object.defineProperty(globalThis, 'navigator', {
        value: { ...(nav ?? {}), gpu: create([]) },
        configurable: true,
        writable: true,
      });
      return true;
    } catch {
      return false;
    }
  })();
  return webgpuInstalled;
}

/**
 * Directory prefix (ending in "/") of the wasm backend's .wasm files. Emscripten would otherwise look next to
 * the running script, which for the esbuild bundle is node_modules/.cache/kru-run and has none.
 */
export function wasmDirNode(): string {
  const require = createRequire(import.meta.url);
  // The package's "main" is dist/tf-backend-wasm.node.js, next to the .wasm binaries.
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
}

/**
 * Initialises a tfjs backend in Node: the named one (failing with a clear Error if it cannot start), or
 * automatically (WebGPU on a hardware adapter, else the fused cpu kernels).
 */
export async function initNodeBackend(name?: NodeBackendName): Promise<BackendChoice> {
  if (name === 'webgpu' || name === undefined) {
    const ok = await installNodeWebGPU();
    if (!ok && name === 'webgpu') {
      throw new Error(
        'the webgpu backend needs the `webgpu` npm package (Dawn) and a Vulkan driver; it could not be loaded',
      );
    }
  }
  if (name === 'wasm') {
    let dir: string;
    try {
      dir = wasmDirNode();
    } catch {
      throw new Error(
        'the wasm backend needs @tensorflow/tfjs-backend-wasm in node_modules; it could not be found',
      );
    }
    // Emscripten's Node path reads the free identifiers __dirname/__filename, which an ES module (our esbuild
    // bundle) does not have; point them at the wasm directory, as the CommonJS build would see them.
    const g = globalThis as { __dirname?: string; __filename?: string };
    g.__dirname ??= dir;
    g.__filename ??= join(dir, 'tf-backend-wasm.node.js');
    try {
      return await selectBackend({ prefer: 'wasm', wasmPaths: wasmFileMap(dir) });
    } catch (e) {
      throw new Error(`the wasm backend could not be initialised from ${dir}: ${(e as Error).message}`);
    }
  }
  if (name === 'webgpu') {
    try {
      return await selectBackend({ prefer: 'webgpu' });
    } catch {
      throw new Error(
        'the webgpu backend could not be initialised: no WebGPU adapter (Dawn needs a Vulkan driver, e.g. Mesa lavapipe)',
      );
    }
  }
  return selectBackend(name ? { prefer: name } : {});
}

function wasmFileMap(dir: string): Record<string, string> {
  const files = [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ];
  return Object.fromEntries(files.map((f) => [f, dir + f]));
}
