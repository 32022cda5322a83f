// Initialises the tfjs backends. Only cpu and webgpu have the fused recurrence kernels; on every other backend
// the KRU falls back to the op-by-op reference, which is ~20–50× slower. The training worker decides between
// the two by measuring (backend-choice.ts: chooseBackend, then startDecision and measureOn here); selectBackend,
// for the CLI and the other workers, assumes: WebGPU on a real (non-software) adapter, else cpu.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { registerFusedKernels } from '../kernels/register';
import { hasFusedKernels } from '../kernels/ops';
import type { BackendName } from './backend-names';
import { timeSteps, type Decision, type FusedBackend, type TimingPlan } from './backend-choice';

export type { BackendName } from './backend-names';

export interface BackendChoice {
  name: BackendName;
  /** Why this backend (and not a faster one) is in use, in one sentence. */
  reason: string;
}

interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: {
    isFallbackAdapter?: boolean;
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
  };
}

/** Inspects the WebGPU adapter: null when there is none, else whether it is a software one. */
export async function probeWebGPU(): Promise<{ software: boolean; label: string } | null> {
  const gpu = (
    globalThis.navigator as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } } | undefined
  )?.gpu;
  if (!gpu) return null;
  let adapter: AdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    return null;
  }
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const label =
    [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') ||
    'unknown adapter';
  const software =
    adapter.isFallbackAdapter === true ||
    info.isFallbackAdapter === true ||
    /swiftshader|llvmpipe|lavapipe|software/i.test(label);
  return { software, label };
}

async function importBackend(name: BackendName, wasmPaths?: Record<string, string>): Promise<void> {
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  else if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (wasmPaths) wasm.setWasmPaths(wasmPaths);
  }
}

async function activate(name: BackendName, wasmPaths?: Record<string, string>): Promise<boolean> {
  try {
    await importBackend(name, wasmPaths);
    // setBackend resolves false (and tfjs silently picks another backend) on failure: check it.
    const ok = await tf.setBackend(name);
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Initialises a backend. With `prefer`, that backend (failing loudly if it cannot start); otherwise WebGPU on
 * a hardware adapter, else cpu. Registers the fused kernels either way.
 */
export async function selectBackend(
  opts: { prefer?: BackendName; wasmPaths?: Record<string, string> } = {},
): Promise<BackendChoice> {
  registerFusedKernels();
  if (opts.prefer) {
    if (!(await activate(opts.prefer, opts.wasmPaths)))
      throw new Error(`the ${opts.prefer} backend could not be initialised here`);
    const fused = opts.prefer === 'cpu' || opts.prefer === 'webgpu';
    return {
      name: opts.prefer,
      reason: fused
        ? `${opts.prefer} requested`
        : `${opts.prefer} requested (no fused kernels: op-by-op reference path)`,
    };
  }
  const probe = await probeWebGPU();
  if (probe && !probe.software && (await activate('webgpu'))) {
    return { name: 'webgpu', reason: `WebGPU on ${probe.label}` };
  }
  if (!(await activate('cpu'))) throw new Error('no tfjs backend could be initialised');
  const reason = !probe
    ? 'no WebGPU adapter here, so the fused cpu kernels are the fastest path'
    : probe.software
      ? `WebGPU is only a software adapter here (${probe.label}), slower than the fused cpu kernels`
      : 'WebGPU failed to initialise, so the fused cpu kernels are used';
  return { name: 'cpu', reason };
}

/** Starts a backend (after registering the fused kernels); false when it cannot start here. */
export async function startBackend(name: BackendName, wasmPaths?: Record<string, string>): Promise<boolean> {
  registerFusedKernels();
  return activate(name, wasmPaths);
}

/**
 * Times a run on a fused backend (see timeSteps): starts the backend, builds the run with `make` (a throwaway copy
 * of the user's, with nothing shared), steps it and disposes of it. Rejects when the backend cannot start or the
 * run cannot train there. Leaves that backend active: the caller starts the one it chooses afterwards.
 */
export async function measureOn(
  name: FusedBackend,
  make: () => Promise<{ step(): Promise<void>; dispose(): void }>,
  clock: { now(): number; yieldToEvents?(): Promise<void> },
  plan?: TimingPlan,
): Promise<number> {
  if (!(await startBackend(name))) throw new Error(`the ${name} backend could not be initialised`);
  const run = await make();
  try {
    return await timeSteps(() => run.step(), clock, plan);
  } finally {
    run.dispose();
  }
}

/**
 * Starts the backend a Decision names. The link's choice fails loudly when it cannot start; a chosen webgpu that
 * cannot start (any more) gives way to cpu, and says so.
 */
export async function startDecision(
  d: Decision,
  opts: { requested: boolean; wasmPaths?: Record<string, string> },
): Promise<BackendChoice & { measure: Decision['measure']; fused: boolean }> {
  // `fused`: the recurrences run as the fused kernels here (the models fall back to op-by-op without them).
  if (await startBackend(d.name, opts.wasmPaths)) return { ...d, fused: hasFusedKernels(d.name) };
  if (opts.requested || d.name === 'cpu')
    throw new Error(`the ${d.name} backend could not be initialised here`);
  if (!(await startBackend('cpu'))) throw new Error('no tfjs backend could be initialised');
  return {
    name: 'cpu',
    reason: `WebGPU failed to initialise, so the fused cpu kernels are used (${d.reason})`,
    measure: null,
    fused: hasFusedKernels('cpu'),
  };
}

/** The GPU device of the webgpu backend (tfjs-backend-webgpu keeps it as `device`), or null on other backends. */
export function gpuDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GPUDevice }).device ?? null;
}

/**
 * Calls `lost` once the webgpu backend's device is lost (a driver reset, the GPU removed, `destroy()`), with the
 * reason in words. Nothing more can run on that backend: the caller moves the run elsewhere.
 */
export function onDeviceLost(lost: (why: string) => void): void {
  void gpuDevice()?.lost.then((info) => lost(info.message || info.reason || 'no reason given'));
}
