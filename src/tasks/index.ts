// The task factory: one TaskConfig (+ the digits data, when the task needs it) → one Task.
import type { TaskConfig } from './types';
import { createAddingTask } from './adding';
import { createCopyTask } from './copy';
import { createDigitsTask, type DigitsData } from './digits';
import type { Task } from './types';

export type { Batch, LossKind, Task } from './types';
export * from './copy';
export * from './adding';
export * from './digits';

/**
 * Builds the task described by config. copy: delay T ≥ 1 (sequence length T + 20); adding: length T ≥ 2;
 * digits: 64 steps whatever T is (T is ignored), permuted selects the fixed pixel permutation and needs
 * data.digits. `permuted` is ignored by copy and adding. Throws a clear Error on an invalid config or missing data.
 */
export function createTask(config: TaskConfig, data?: { digits?: DigitsData }): Task {
  if (!config || typeof config !== 'object') throw new Error('task config: expected an object');
  switch (config.name) {
    case 'copy':
      return createCopyTask(config.T);
    case 'adding':
      return createAddingTask(config.T);
    case 'digits': {
      const digits = data?.digits;
      if (!digits) {
        throw new Error(
          'task config: the digits task needs the digits data (pass { digits } from loadDigitsNode or parseDigits)',
        );
      }
      if (typeof config.permuted !== 'boolean') {
        throw new Error(`task config: permuted must be a boolean, got ${String(config.permuted)}`);
      }
      return createDigitsTask(digits, { permuted: config.permuted });
    }
    default: {
      const name: unknown = (config as { name: unknown }).name;
      throw new Error(`task config: unknown task "${String(name)}" (expected copy, adding or digits)`);
    }
  }
}
