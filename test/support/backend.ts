// Picks the tfjs backend a test file runs on from KRU_BACKEND ('cpu' | 'webgpu'), set per vitest project.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';

export type TestBackend = 'cpu' | 'webgpu';

export function testBackendName(): TestBackend {
  return process.env.KRU_BACKEND === 'webgpu' ? 'webgpu' : 'cpu';
}

let ready: Promise<TestBackend> | undefined;

export function useBackend(): Promise<TestBackend> {
  ready ??= (async () => {
    const name = testBackendName();
    if (name === 'webgpu') {
      const { create, globals } = await import('webgpu');
      Object.assign(globalThis, globals);
      Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
      await import('@tensorflow/tfjs-backend-webgpu');
    }
    if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
    await tf.ready();
    return name;
  })();
  return ready;
}
