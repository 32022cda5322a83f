// A lost GPU device (forced with device.destroy()) is noticed, and the session reports it as a fault that needs
// a new worker on another backend. Last in its own file: the device is gone for everything after it.
import { describe, expect, it } from 'vitest';
import { useBackend } from '../support/backend';
import { gpuDevice, onDeviceLost } from '../../src/engine/backend';
import { Experiment } from '../../src/engine/experiment';
import { Session } from '../../src/engine/session';
import type { WorkerUpdate } from '../../src/engine/protocol';
import { registerFusedKernels } from '../../src/kernels/register';
import { smallRun } from '../support/run';

describe('a lost WebGPU device', () => {
  it('is reported once destroyed, and the session stops with a device fault', async () => {
    expect(await useBackend()).toBe('webgpu');
    registerFusedKernels();
    const updates: WorkerUpdate[] = [];
    const session = new Session({
      create: async (config, checkpoint) => ({
        experiment: await Experiment.create(config, { checkpoint }),
        placement: '',
      }),
      send: async (u) => void updates.push(u),
      yieldToEvents: () => new Promise((r) => setTimeout(r, 0)),
      backend: () => ({ name: 'webgpu', reason: '' }),
      now: () => performance.now(),
    });
    await session.init(smallRun());
    await session.step();
    expect(session.status().stepCount).toBe(1);
    const reported = new Promise<string>((resolve) => onDeviceLost(resolve));
    onDeviceLost((why) => session.deviceLost(why));
    session.play();
    gpuDevice()!.destroy();
    const why = await reported;
    expect(why.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(session.status()).toMatchObject({ state: 'error', fault: { kind: 'device' } });
    expect(session.status().fault!.message).toContain('the GPU device was lost');
    console.log(`device lost: ${why}; status: ${session.status().error}`);
  });
});
