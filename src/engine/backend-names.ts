// The tfjs backends the app can ask for, in a module without TensorFlow.js so the page can validate a link's
// `?backend=` without pulling tfjs into its bundle (backend.ts, which initialises them, runs in the worker).
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
