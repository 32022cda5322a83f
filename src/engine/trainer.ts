// One model, its optimiser and its training step. Backend-agnostic: everything stays on the device until one
// packed metrics tensor per step is read back asynchronously by the caller (no dataSync on the hot path).
import * as tf from '@tensorflow/tfjs-core';
import type { NetSpec } from '../model/config';
import { isFactored, type Impl, type OptimizerName } from '../core/vocabulary';
import {
  hiddenStates,
  orthogonalDeviation,
  paramShapes,
  stateWidth,
  type ParamArrays,
  type ParamTensors,
} from '../model/models';
import { regularizer, shownDense, shownFactors } from '../model/recurrent-matrix';
import { readoutLoss, targetPositions } from '../model/loss';
import type { LossKind } from '../tasks/types';
import { denseMetricsFused, hasStepMetricsKernels, stepMetricsFused, stepNorms } from '../kernels/ops';
import { polarFactors } from '../model/polar';
import { FusedRmsProp } from './rmsprop';

export interface TrainerOptions {
  optimizer: OptimizerName;
  lr: number;
  clip: number | null;
  impl: Impl;
  /** KRU only: replace each factor by its polar factor (nearest unitary) after every optimiser step. */
  strict: boolean;
}

/** One saved tensor: plain data that survives structured clone, IndexedDB and JSON (via a codec). */
export interface SavedTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/**
 * Everything a trainer needs to carry on exactly where it was: its parameters, its optimiser's state (tfjs's
 * `getWeights()` order: the iteration count first, then the accumulators; Adam's running β powers after them)
 * and the RNN's warm-started power-iteration vector.
 */
export interface TrainerState {
  params: ParamArrays;
  optimizer: SavedTensor[];
  powerVec: Float32Array | null;
}

/** A batch already on the device: inputs, and the positions/values of its targets. */
export interface DeviceBatch {
  x: tf.Tensor3D;
  /** 1 where a position has a target: [B·T], or [B] when lastStepOnly */
  weights: tf.Tensor1D;
  /** targets (0 where none), same length as weights */
  values: tf.Tensor1D;
  /** number of positions with a target */
  count: number;
  /** only h_T is read out (every sequence has exactly one target, at its last step) */
  lastStepOnly: boolean;
  loss: LossKind;
  hasAccuracy: boolean;
}

/** Moves a host batch ([B, T, D] inputs, [B·T] targets with NaN = no loss) to the device. */
export function toDeviceBatch(
  b: { B: number; T: number; D: number; x: ArrayLike<number>; targets: ArrayLike<number> },
  loss: LossKind,
  hasAccuracy: boolean,
): DeviceBatch {
  const pos = targetPositions(b.targets, b.B, b.T);
  // A tensor never changes its data, so the models of a run share the batch's array instead of each copying it
  // (two copies a step were a quarter of the training worker's new ArrayBuffers, each freed by V8's sweeper).
  const x = b.x instanceof Float32Array ? b.x : Float32Array.from(b.x);
  return {
    x: tf.tensor3d(x, [b.B, b.T, b.D]),
    weights: tf.tensor1d(pos.weights),
    values: tf.tensor1d(pos.values),
    count: pos.count,
    lastStepOnly: pos.lastStepOnly,
    loss,
    hasAccuracy,
  };
}

export function disposeDeviceBatch(b: DeviceBatch): void {
  tf.dispose([b.x, b.weights, b.values]);
}

export interface LossAndGrads {
  loss: tf.Scalar;
  reg: tf.Scalar;
  total: tf.Scalar;
  accuracy: tf.Scalar;
  /** ∂total/∂θ per parameter name. */
  grads: Record<string, tf.Tensor>;
  /** ∂L_task/∂h_t, [B, T, width]. */
  probeGrad: tf.Tensor3D;
}

function makeOptimizer(name: OptimizerName, lr: number): tf.Optimizer {
  if (name === 'adam') return tf.train.adam(lr);
  if (name === 'sgd') return tf.train.sgd(lr);
  return new FusedRmsProp(lr, 0.9, 0, 1e-6);
}

const POWER_ITERATIONS_FIRST = 30;
const POWER_ITERATIONS = 3;

export class Trainer {
  readonly names: string[];
  readonly vars: Record<string, tf.Variable>;
  private optimizer: tf.Optimizer;
  private lr: number;
  /** Warm-started power-iteration vector for a dense W's spectral norm (exact SVD happens at snapshot time). */
  private powerVec: tf.Variable | null = null;
  /** step()'s zero probe, kept while batches keep their shape. */
  private probe: tf.Tensor3D | null = null;

  constructor(
    readonly spec: NetSpec,
    arrays: ParamArrays,
    private readonly options: TrainerOptions,
  ) {
    const shapes = paramShapes(spec);
    this.names = Object.keys(shapes);
    this.vars = {};
    for (const name of this.names) {
      const a = arrays[name];
      if (!a) throw new Error(`missing parameter ${name}`);
      // tidy disposes the initial tensor; the variable keeps its own reference to the data.
      this.vars[name] = tf.tidy(() => tf.variable(tf.tensor(a, shapes[name]), true));
    }
    this.lr = options.lr;
    this.optimizer = makeOptimizer(options.optimizer, options.lr);
  }

  get width(): number {
    return stateWidth(this.spec);
  }

  setLearningRate(lr: number): void {
    this.lr = lr;
    // SGD caches −lr in a tensor (setLearningRate refreshes it); RMSProp and Adam read learningRate every step.
    const opt = this.optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
    if (typeof opt.setLearningRate === 'function') opt.setLearningRate(lr);
    else opt.learningRate = lr;
  }

  get learningRate(): number {
    return this.lr;
  }

  /**
   * Forward pass to the batch-mean task loss and the accuracy (NaN without one): the hidden states, then the
   * read-out and the loss (src/model/loss.ts readoutLoss: one fused kernel on cpu with impl 'fused').
   */
  lossOf(p: ParamTensors, batch: DeviceBatch, probe: tf.Tensor3D): { loss: tf.Scalar; accuracy: tf.Scalar } {
    const H = hiddenStates(this.spec, p, batch.x, probe, this.options.impl);
    return readoutLoss(p, H, batch, this.options.impl);
  }

  /**
   * Loss, regulariser and every gradient (parameters and hidden states) in one backward pass. `probe`: zeros
   * [B, T, width] to differentiate with respect to (a fresh one when not given).
   */
  lossAndGrads(batch: DeviceBatch, lambda: number, params?: ParamTensors, probe?: tf.Tensor3D): LossAndGrads {
    const base = params ?? this.vars;
    const [B, T] = batch.x.shape;
    const ownProbe = probe ? null : (tf.zeros([B, T, this.width]) as tf.Tensor3D);
    probe ??= ownProbe!;
    let loss!: tf.Scalar;
    let reg!: tf.Scalar;
    let acc!: tf.Scalar;
    const f = (...args: tf.Tensor[]): tf.Scalar => {
      const p: ParamTensors = {};
      this.names.forEach((n, i) => (p[n] = args[i]));
      const out = this.lossOf(p, batch, args[args.length - 1] as tf.Tensor3D);
      loss = tf.keep(out.loss);
      acc = tf.keep(out.accuracy);
      reg = tf.keep(regularizer(this.spec, p, this.options.impl));
      return tf.add(loss, tf.mul(reg, lambda)) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)([...this.names.map((n) => base[n]), probe]);
    ownProbe?.dispose();
    const named: Record<string, tf.Tensor> = {};
    this.names.forEach((n, i) => (named[n] = grads[i]));
    return {
      loss,
      reg,
      total: value as tf.Scalar,
      accuracy: acc,
      grads: named,
      probeGrad: grads[grads.length - 1] as tf.Tensor3D,
    };
  }

  /**
   * One training step. Returns a packed metrics tensor (read it with `unpackMetrics`):
   * [loss, accuracy, R, ‖g‖, g_1..g_T, per-group norms…, extras…] where extras are the shown factors before
   * the update (factored kinds, src/model/recurrent-matrix) or [‖WᵀW − I‖_F², ‖W‖₂ estimate] of the shown W.
   */
  step(batch: DeviceBatch, lambda: number): tf.Tensor1D {
    const r = this.lossAndGrads(batch, lambda, undefined, this.zeroProbe(batch));
    const fused = hasStepMetricsKernels();
    const grads = this.names.map((n) => r.grads[n]);
    const packed = tf.tidy(() => {
      // The head [loss, accuracy, R, ‖g‖, g_t…, group norms…]: one kernel on cpu (the same numbers, bit for bit),
      // ~4 ops a group elsewhere.
      const head = fused
        ? stepMetricsFused(r.loss, r.accuracy, r.reg, r.probeGrad, grads)
        : this.metricsHead(r, grads);
      const extras = shownFactors(this.spec, this.vars) ?? this.denseExtras(fused);
      return tf.concat([head, tf.reshape(extras, [-1])]) as tf.Tensor1D;
    });
    tf.tidy(() => {
      let scaled = grads;
      if (this.options.clip !== null) {
        const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
        const scale = tf.minimum(1, tf.div(this.options.clip, tf.add(norm, 1e-12)));
        scaled = grads.map((g) => tf.mul(g, scale));
      }
      const named: tf.NamedTensorMap = {};
      this.names.forEach((n, i) => (named[this.vars[n].name] = scaled[i]));
      this.optimizer.applyGradients(named);
      if (this.options.strict && this.spec.kind === 'kru') {
        this.vars.factors.assign(polarFactors(this.spec.factors, this.vars.factors as tf.Tensor1D));
      }
    });
    disposeLossAndGrads(r);
    return packed;
  }

  /**
   * The zero probe for a batch's shape, kept between steps: it is never written, and allocating and zeroing
   * [B, T, width] every step cost ~0.7 ms at copy T = 100, N = 128 (3.9 MB).
   */
  private zeroProbe(batch: DeviceBatch): tf.Tensor3D {
    const [B, T] = batch.x.shape;
    const shape: [number, number, number] = [B, T, this.width];
    if (this.probe && this.probe.shape.every((d, i) => d === shape[i])) return this.probe;
    this.probe?.dispose();
    this.probe = tf.zeros(shape) as tf.Tensor3D;
    return this.probe;
  }

  /** The packed metrics' head as tfjs ops (backends without the StepMetrics kernel). */
  private metricsHead(r: LossAndGrads, grads: tf.Tensor[]): tf.Tensor1D {
    const groupNorms = grads.map((g) => tf.sqrt(tf.sum(tf.square(g))));
    const globalNorm = tf.sqrt(tf.addN(groupNorms.map((g) => tf.square(g))));
    return tf.concat([
      tf.stack([r.loss, r.accuracy, r.reg, globalNorm]),
      stepNorms(r.probeGrad),
      tf.stack(groupNorms),
    ]) as tf.Tensor1D;
  }

  /** [‖WᵀW − I‖_F², ‖W‖₂ estimate] of the shown dense W, warm-starting the power iteration from the last step. */
  private denseExtras(fused: boolean): tf.Tensor1D {
    const W = shownDense(this.spec, this.vars)!;
    const N = W.shape[0];
    let iterations = POWER_ITERATIONS;
    if (!this.powerVec) {
      this.powerVec = tf.tidy(() => tf.variable(tf.div(tf.ones([N, 1]), Math.sqrt(N)), false));
      iterations = POWER_ITERATIONS_FIRST;
    }
    if (fused) {
      const out = denseMetricsFused(W, this.powerVec as unknown as tf.Tensor2D, iterations);
      this.powerVec.assign(out.v);
      return out.stats;
    }
    let v = this.powerVec as unknown as tf.Tensor2D;
    for (let i = 0; i < iterations; i++) {
      const w = tf.matMul(W, tf.matMul(W, v), true, false);
      v = tf.div(w, tf.add(tf.sqrt(tf.sum(tf.square(w))), 1e-30));
    }
    this.powerVec.assign(v);
    const sigma = tf.sqrt(tf.sum(tf.square(tf.matMul(W, v))));
    return tf.stack([orthogonalDeviation(W), sigma]) as tf.Tensor1D;
  }

  /** Loss (and accuracy) without gradients, e.g. on a held-out set. */
  evaluate(batch: DeviceBatch): tf.Tensor1D {
    return tf.tidy(() => {
      const [B, T] = batch.x.shape;
      const out = this.lossOf(this.vars, batch, tf.zeros([B, T, this.width]));
      return tf.stack([out.loss, out.accuracy]) as tf.Tensor1D;
    });
  }

  /** The full training state (see TrainerState); reads the device asynchronously. */
  async state(): Promise<TrainerState> {
    const weights = await this.optimizer.getWeights();
    const extra = this.adamPowers();
    const optimizer: SavedTensor[] = [];
    for (const [i, w] of [...weights, ...extra.map((t) => ({ tensor: t }))].entries()) {
      const values = (await w.tensor.data()) as Float32Array | Int32Array;
      optimizer.push({
        shape: [...w.tensor.shape],
        dtype: w.tensor.dtype === 'int32' ? 'int32' : 'float32',
        values: values.slice(),
      });
      if (i === 0) w.tensor.dispose(); // the iteration count is a fresh scalar; the rest are the live variables
    }
    return {
      params: await this.arrays(),
      optimizer,
      powerVec: this.powerVec ? ((await this.powerVec.data()) as Float32Array).slice() : null,
    };
  }

  /**
   * Puts a saved state back (parameters, optimiser, power vector). Only on a trainer that has not stepped yet:
   * tfjs's setWeights replaces the accumulators without disposing the old ones.
   */
  async restore(s: TrainerState): Promise<void> {
    const shapes = paramShapes(this.spec);
    const isAdam = this.options.optimizer === 'adam';
    const saved = isAdam ? s.optimizer.slice(0, -2) : s.optimizer;
    // Every check before any change: a state that does not fit leaves the trainer as it was.
    for (const n of this.names)
      if (s.params[n]?.length !== this.vars[n].size)
        throw new Error(`checkpoint: parameter ${n} has the wrong size`);
    this.checkOptimizerState(saved, isAdam ? s.optimizer.slice(-2) : []);
    if (s.powerVec && (isFactored(this.spec.kind) || s.powerVec.length !== this.spec.hidden))
      throw new Error('checkpoint: the power-iteration vector does not fit this model');
    for (const n of this.names) tf.tidy(() => this.vars[n].assign(tf.tensor(s.params[n], shapes[n])));
    const tensors = saved.map((w) => tf.tensor(w.values, w.shape, w.dtype));
    try {
      await this.optimizer.setWeights(tensors.map((tensor, i) => ({ name: `w${i}`, tensor })));
    } finally {
      tf.dispose(tensors);
    }
    if (isAdam) {
      const powers = this.adamPowers();
      s.optimizer.slice(-2).forEach((w, i) => tf.tidy(() => powers[i].assign(tf.tensor(w.values, w.shape))));
    }
    this.powerVec?.dispose();
    this.powerVec = null;
    if (s.powerVec) {
      const v = s.powerVec;
      this.powerVec = tf.tidy(() => tf.variable(tf.tensor2d(v, [v.length, 1]), false));
    }
  }

  /**
   * A saved optimiser state must fit this model: the iteration count, then (once it has stepped) one
   * accumulator per parameter per slot (RMSProp: mean squares and moments; Adam: two moments), in parameter
   * order and shape; Adam adds its two β powers. SGD keeps only the count.
   */
  private checkOptimizerState(saved: SavedTensor[], powers: SavedTensor[]): void {
    const shapes = paramShapes(this.spec);
    const slots = this.options.optimizer === 'sgd' ? 0 : 2;
    const n = this.names.length;
    const fail = (why: string) => {
      throw new Error(`checkpoint: the ${this.options.optimizer} state does not fit this model (${why})`);
    };
    if (saved.length !== 1 && saved.length !== 1 + slots * n) fail(`${saved.length} tensors`);
    if (saved[0].values.length !== 1) fail('no iteration count');
    saved.slice(1).forEach((t, k) => {
      const want = shapes[this.names[k % n]];
      if (t.values.length !== want.reduce((a, b) => a * b, 1) || t.shape.join() !== want.join())
        fail(`accumulator ${k} has shape [${t.shape}], not [${want}]`);
    });
    if (
      this.options.optimizer === 'adam' &&
      (powers.length !== 2 || powers.some((p) => p.values.length !== 1))
    )
      fail('no β powers');
  }

  /** Adam's running β₁ᵗ, β₂ᵗ (its setWeights recomputes them with pow, which can differ in the last bit). */
  private adamPowers(): tf.Variable[] {
    if (this.options.optimizer !== 'adam') return [];
    const o = this.optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    return [o.accBeta1, o.accBeta2];
  }

  /** Current parameter values as plain arrays. */
  async arrays(): Promise<ParamArrays> {
    const out: ParamArrays = {};
    for (const n of this.names) out[n] = (await this.vars[n].data()) as Float32Array;
    return out;
  }

  dispose(): void {
    for (const n of this.names) this.vars[n].dispose();
    this.powerVec?.dispose();
    this.probe?.dispose();
    this.optimizer.dispose();
  }
}

export function disposeLossAndGrads(r: LossAndGrads): void {
  tf.dispose([r.loss, r.reg, r.total, r.accuracy, r.probeGrad, ...Object.values(r.grads)]);
}

export interface UnpackedMetrics {
  loss: number;
  accuracy: number;
  reg: number;
  gradNorm: number;
  gradNormsOverTime: Float32Array;
  groupNorms: Record<string, number>;
  /** Factored kinds: shown factors before the update; dense kinds: [deviation, spectral-norm estimate]. */
  extras: Float32Array;
}

export function unpackMetrics(values: Float32Array, T: number, names: string[]): UnpackedMetrics {
  const G = names.length;
  const groupNorms: Record<string, number> = {};
  names.forEach((n, i) => (groupNorms[n] = values[4 + T + i]));
  return {
    loss: values[0],
    accuracy: values[1],
    reg: values[2],
    gradNorm: values[3],
    gradNormsOverTime: values.slice(4, 4 + T),
    groupNorms,
    extras: values.slice(4 + T + G),
  };
}
