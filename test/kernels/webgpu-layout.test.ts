// Which thread layout the WebGPU kernels pick for a device (pure: fake devices, no backend needed).
import { afterEach, describe, expect, it } from 'vitest';
import { sequenceLayout, setWebgpuKernelLayout, type WebGPUBackend } from '../../src/kernels/webgpu/program';

function fakeBackend(
  info: { isFallbackAdapter?: boolean; architecture?: string },
  storage = 16384,
): WebGPUBackend {
  const device = { adapterInfo: info, limits: { maxComputeWorkgroupStorageSize: storage } };
  return { device } as unknown as WebGPUBackend;
}

describe('sequenceLayout', () => {
  afterEach(() => setWebgpuKernelLayout('auto'));

  it('runs one thread per sequence on CPU implementations of WebGPU', () => {
    for (const info of [{ isFallbackAdapter: true }, { architecture: 'software' }]) {
      const l = sequenceLayout(fakeBackend(info), 64, 1024);
      expect(l).toEqual({ kind: 'serial', lanes: 1, workgroupSize: 8, globalScratch: true });
    }
  });

  it('gives each sequence a workgroup on a hardware adapter, scratch in workgroup memory while it fits', () => {
    const gpu = fakeBackend({ isFallbackAdapter: false, architecture: 'ampere' });
    expect(sequenceLayout(gpu, 64, 1024)).toEqual({
      kind: 'workgroup',
      lanes: 64,
      workgroupSize: 64,
      globalScratch: false,
    });
    expect(sequenceLayout(gpu, 1024, 4096 * 4)).toEqual({
      kind: 'workgroup-global',
      lanes: 256,
      workgroupSize: 256,
      globalScratch: true,
    });
    expect(sequenceLayout(fakeBackend({}, 8192), 64, 4096).kind).toBe('workgroup-global');
  });

  it('obeys a forced layout, and auto again after', () => {
    const cpuLike = fakeBackend({ isFallbackAdapter: true });
    setWebgpuKernelLayout('workgroup');
    expect(sequenceLayout(cpuLike, 8, 32).kind).toBe('workgroup');
    setWebgpuKernelLayout('auto');
    expect(sequenceLayout(cpuLike, 8, 32).kind).toBe('serial');
  });
});
