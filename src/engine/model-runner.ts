// One model's training as the Experiment sees it: step, evaluate, read parameters, live learning rate. A
// LocalRunner trains in this thread; the app's training worker can put a model in a worker of its own
// (workers/remote-runner.ts), so that the KRU and the RNN step in parallel on two cores while staying
// in lockstep on identical batches.
import type { NetSpec } from '../model/config';
import type { ParamArrays } from '../model/models';
import type { Batch, LossKind } from '../tasks/types';
import type { Tensor1D } from '@tensorflow/tfjs-core';
import {
  Trainer,
  disposeDeviceBatch,
  toDeviceBatch,
  type DeviceBatch,
  type TrainerOptions,
  type TrainerState,
} from './trainer';

export interface ModelRunner {
  readonly spec: NetSpec;
  /** Parameter names, in the order of the packed metrics' per-group norms. */
  readonly names: string[];
  /** True when the work happens elsewhere: the Experiment starts such steps before the local ones. */
  readonly remote: boolean;
  /** One training step; resolves with the packed metrics (see Trainer.step and unpackMetrics). */
  step(batch: Batch, lambda: number): Promise<Float32Array>;
  /** [loss, accuracy] on a batch, without training. */
  evaluate(batch: Batch): Promise<Float32Array>;
  params(): Promise<ParamArrays>;
  /** The full training state, for a checkpoint. */
  state(): Promise<TrainerState>;
  setLearningRate(lr: number): void;
  dispose(): void;
}

/** What a runner needs to know about the task's batches. */
export interface BatchKind {
  loss: LossKind;
  hasAccuracy: boolean;
}

/** Everything needed to build a model's trainer anywhere: a plain, structured-cloneable object. */
export interface RunnerInit {
  spec: NetSpec;
  arrays: ParamArrays;
  options: TrainerOptions;
  batchKind: BatchKind;
  /** A checkpoint's state to resume from (else the model starts from `arrays` with a fresh optimiser). */
  state?: TrainerState;
}

export class LocalRunner implements ModelRunner {
  readonly remote = false;
  private readonly trainer: Trainer;
  private readonly batchKind: BatchKind;

  private constructor(init: RunnerInit) {
    this.trainer = new Trainer(init.spec, init.arrays, init.options);
    this.batchKind = init.batchKind;
  }

  /** A runner for `init`, resumed from its checkpoint state when it has one. */
  static async create(init: RunnerInit): Promise<LocalRunner> {
    const r = new LocalRunner(init);
    if (init.state) {
      try {
        await r.trainer.restore(init.state);
      } catch (e) {
        r.dispose();
        throw e;
      }
    }
    return r;
  }

  get spec(): NetSpec {
    return this.trainer.spec;
  }

  get names(): string[] {
    return this.trainer.names;
  }

  step(batch: Batch, lambda: number): Promise<Float32Array> {
    return this.onDevice(batch, (device) => this.trainer.step(device, lambda));
  }

  evaluate(batch: Batch): Promise<Float32Array> {
    return this.onDevice(batch, (device) => this.trainer.evaluate(device));
  }

  /** Runs f on the batch moved to the device; resolves with its result's values (data() is asynchronous on
   * GPU backends: the caller bounds how many of these it lets pile up). */
  private onDevice(batch: Batch, f: (device: DeviceBatch) => Tensor1D): Promise<Float32Array> {
    const device = toDeviceBatch(batch, this.batchKind.loss, this.batchKind.hasAccuracy);
    const out = f(device);
    disposeDeviceBatch(device);
    return out.data().then((v) => {
      out.dispose();
      return v as Float32Array;
    });
  }

  params(): Promise<ParamArrays> {
    return this.trainer.arrays();
  }

  state(): Promise<TrainerState> {
    return this.trainer.state();
  }

  setLearningRate(lr: number): void {
    this.trainer.setLearningRate(lr);
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
