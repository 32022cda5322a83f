// What the CLI's commands share: the output channel and the backend flag.
import { initNodeBackend, type NodeBackendName } from '../engine/backend-node';
import { CliError } from './args';

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

export const BACKENDS = ['cpu', 'wasm', 'webgpu', 'auto'] as const;
export type BackendFlag = (typeof BACKENDS)[number];

export async function startBackend(flag: BackendFlag): Promise<string> {
  try {
    const choice = await initNodeBackend(flag === 'auto' ? undefined : (flag as NodeBackendName));
    return choice.name;
  } catch (e) {
    throw new CliError((e as Error).message, 1);
  }
}
