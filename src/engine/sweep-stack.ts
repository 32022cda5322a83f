// k KRUs of one shape and one set of training options — a λ sweep's group — trained as ONE stacked model: each
// parameter is one tfjs variable [k, …], so the read-out, the loss, the penalty, the metrics and the optimiser
// are one op each for all k models instead of one per model. Only the fused recurrence (forward and backward)
// and ‖∂L/∂h_t‖ run once per model, and where the backend has the fused read-out and loss (cpu, impl fused) so
// do they: one kernel per model, as in Trainer, so that the numbers stay those of a model alone. This saves tfjs's per-op cost, not arithmetic: k tiny KRUs then cost well
// under k times one, while a step that is mostly arithmetic (the default N = 64 run) costs about the same
// (bench/sweep.md).
//
// Exact: every op is element-wise, a batched matMul, or a reduction within one model over its elements in the
// order the single-model Trainer reduces them, so on the cpu backend the numbers are bit for bit those of k
// separate Trainers (test/engine/sweep.test.ts); on webgpu other shapes may reduce in another order.
//
// The Experiment still sees k ModelRunners (StackGroup.place): the k step() calls it makes for one step, all
// before it awaits anything, are gathered and run as one stacked step.
import * as tf from '@tensorflow/tfjs-core';
import { factorEnd, factorLayout } from '../core/factor-layout';
import type { KruSpec } from '../model/config';
import { hiddenStates, paramShapes, readout, type ParamArrays, type ParamTensors } from '../model/models';
import { accuracy, readoutLoss, taskLoss, usesFusedReadout } from '../model/loss';
import { polarFactors } from '../model/polar';
import { hasUnitaryPenaltyKernels, stepNorms, unitaryPenaltyFused } from '../kernels/ops';
import type { Impl } from '../core/vocabulary';
import type { Batch } from '../tasks/types';
import type { BatchKind, ModelRunner, RunnerInit } from './model-runner';
import { disposeDeviceBatch, toDeviceBatch, type DeviceBatch, type TrainerOptions } from './trainer';
import { FusedRmsProp } from './rmsprop';

/** The Trainer's optimisers, built the same way (trainer.ts, makeOptimizer). */
function makeOptimizer(o: TrainerOptions): tf.Optimizer {
  if (o.optimizer === 'adam') return tf.train.adam(o.lr);
  if (o.optimizer === 'sgd') return tf.train.sgd(o.lr);
  return new FusedRmsProp(o.lr, 0.9, 0, 1e-6);
}

/** Sums each model's block of x (its first k·… rows, models outermost): one value per model. */
const perModelSum = (x: tf.Tensor, k: number) => tf.sum(tf.reshape(x, [k, -1]), 1);

/** R = Σ_f ‖W_fᴴW_f − I‖_F² of each model (models.ts unitaryPenalty, with the models as one more batch axis). */
function stackedPenalty(spec: KruSpec, factors: tf.Tensor2D, impl: Impl): tf.Tensor1D {
  // The single runs' kernel, one row per model: the same numbers as k single runs.
  if (impl === 'fused' && hasUnitaryPenaltyKernels()) return unitaryPenaltyFused(factors, spec.factors);
  const k = factors.shape[0];
  const layout = factorLayout(spec.factors);
  const terms: tf.Tensor1D[] = [];
  for (let f = 0; f < layout.F;) {
    const p = layout.sizes[f];
    let run = 1;
    while (f + run < layout.F && layout.sizes[f + run] === p) run++;
    const start = layout.offsets[f];
    const len = factorEnd(layout, f + run - 1) - start;
    const group = tf.reshape(tf.slice(factors, [0, start], [k, len]), [k * run, 2, p, p]);
    const re = tf.reshape(tf.slice(group, [0, 0, 0, 0], [k * run, 1, p, p]), [k * run, p, p]);
    const im = tf.reshape(tf.slice(group, [0, 1, 0, 0], [k * run, 1, p, p]), [k * run, p, p]);
    const gramRe = tf.sub(tf.add(tf.matMul(re, re, true, false), tf.matMul(im, im, true, false)), tf.eye(p));
    const gramIm = tf.sub(tf.matMul(re, im, true, false), tf.matMul(im, re, true, false));
    terms.push(tf.add(perModelSum(tf.square(gramRe), k), perModelSum(tf.square(gramIm), k)) as tf.Tensor1D);
    f += run;
  }
  return terms.length === 1 ? terms[0] : (tf.addN(terms) as tf.Tensor1D);
}

/**
 * The batch's targets repeated for each of k models: tfjs's cpu kernels are fast on equal shapes and slow to
 * broadcast, and repeated constants give the same numbers.
 */
interface StackedTargets {
  /** [k·rows] class indices (xent) or values (mse). */
  values: tf.Tensor1D;
  /** [k, rows] */
  weights: tf.Tensor2D;
  /** [k·rows, K] one-hot targets (xent only). */
  oneHot: tf.Tensor2D | null;
  count: number;
}

function stackedTargets(b: DeviceBatch, k: number, K: number): StackedTargets {
  const [values, weights, oneHot] = tf.tidy(() => {
    const v = tf.tile(b.values, [k]);
    const w = tf.reshape(tf.tile(b.weights, [k]), [k, -1]);
    return b.loss === 'xent' ? [v, w, tf.oneHot(tf.cast(v, 'int32'), K)] : [v, w];
  });
  return {
    values: values as tf.Tensor1D,
    weights: weights as tf.Tensor2D,
    oneHot: (oneHot as tf.Tensor2D | undefined) ?? null,
    count: Math.max(b.count, 1),
  };
}

/** Mean loss per model of predictions Y [k·rows, K] (loss.ts taskLoss, per model: rows are row-wise). */
function stackedLoss(Y: tf.Tensor2D, t: StackedTargets, k: number): tf.Tensor1D {
  const perRow = t.oneHot
    ? tf.neg(tf.sum(tf.mul(t.oneHot, tf.logSoftmax(Y)), 1))
    : tf.square(tf.sub(tf.reshape(Y, [-1]), t.values));
  return tf.div(tf.sum(tf.mul(tf.reshape(perRow, [k, -1]), t.weights), 1), t.count);
}

function stackedAccuracy(Y: tf.Tensor2D, t: StackedTargets, k: number): tf.Tensor1D {
  const hit = tf.cast(tf.equal(tf.argMax(Y, 1), tf.cast(t.values, 'int32')), 'float32');
  return tf.div(tf.sum(tf.mul(tf.reshape(hit, [k, -1]), t.weights), 1), t.count);
}

/** k KRUs as one set of stacked variables, stepped together (see the file's head). */
export class StackedTrainer {
  readonly names: string[];
  private readonly vars: Record<string, tf.Variable> = {};
  private readonly optimizer: tf.Optimizer;
  private readonly width: number;

  constructor(
    readonly spec: KruSpec,
    readonly k: number,
    arrays: ParamArrays[],
    private readonly options: TrainerOptions,
  ) {
    const shapes = paramShapes(spec);
    this.names = Object.keys(shapes);
    for (const n of this.names) {
      const size = shapes[n].reduce((a, b) => a * b, 1);
      const all = new Float32Array(k * size);
      arrays.forEach((a, i) => all.set(a[n], i * size));
      this.vars[n] = tf.tidy(() => tf.variable(tf.tensor(all, [k, ...shapes[n]]), true));
    }
    this.optimizer = makeOptimizer(options);
    this.width = 2 * spec.hidden;
  }

  setLearningRate(lr: number): void {
    const opt = this.optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
    if (typeof opt.setLearningRate === 'function') opt.setLearningRate(lr);
    else opt.learningRate = lr;
  }

  /** Model i's predictions: Trainer.predict on its parameters. */
  private predictRows(p: ParamTensors, b: DeviceBatch, probe: tf.Tensor3D): tf.Tensor2D {
    const H = hiddenStates(this.spec, p, b.x, probe, this.options.impl);
    const [B, T] = b.x.shape;
    const rows = b.lastStepOnly ? tf.slice(H, [0, T - 1, 0], [B, 1, this.width]) : H;
    return tf.reshape(rows, [-1, this.width]);
  }

  /**
   * One training step of every model on the same batch, model i with λ = lambdas[i]. Returns the packed
   * metrics [k, M]: row i is what Trainer.step returns for model i (read it with unpackMetrics).
   */
  step(b: DeviceBatch, lambdas: number[]): tf.Tensor2D {
    const { k, names } = this;
    const [B, T] = b.x.shape;
    const probe = tf.zeros([k, B, T, this.width]);
    const lambda = tf.tensor1d(lambdas);
    const targets = stackedTargets(b, k, this.vars.c.shape[1]!);
    let loss!: tf.Tensor1D;
    let reg!: tf.Tensor1D;
    let acc!: tf.Tensor1D;
    const f = (...args: tf.Tensor[]): tf.Scalar => {
      const parts = args.map((a) => tf.unstack(a));
      if (usesFusedReadout(this.options.impl)) {
        // The fused read-out and loss (one kernel per model, as in Trainer): the same numbers as alone.
        const outs = Array.from({ length: k }, (_, i) => {
          const p: ParamTensors = {};
          names.forEach((n, j) => (p[n] = parts[j][i]));
          const H = hiddenStates(this.spec, p, b.x, parts[names.length][i] as tf.Tensor3D, this.options.impl);
          return readoutLoss(p, H, b, this.options.impl);
        });
        loss = tf.keep(tf.stack(outs.map((o) => o.loss)) as tf.Tensor1D);
        acc = tf.keep(tf.stack(outs.map((o) => o.accuracy)) as tf.Tensor1D);
        reg = tf.keep(
          stackedPenalty(this.spec, args[names.indexOf('factors')] as tf.Tensor2D, this.options.impl),
        );
        return tf.sum(tf.add(loss, tf.mul(reg, lambda)));
      }
      const rows = Array.from({ length: k }, (_, i) => {
        const p: ParamTensors = {};
        names.forEach((n, j) => (p[n] = parts[j][i]));
        return this.predictRows(p, b, parts[names.length][i] as tf.Tensor3D);
      });
      const S: ParamTensors = {};
      names.forEach((n, j) => (S[n] = args[j]));
      const Y3 = tf.add(tf.matMul(tf.stack(rows), S.V, false, true), tf.expandDims(S.c, 1));
      const Y = tf.reshape(Y3, [-1, Y3.shape[2]!]) as tf.Tensor2D;
      loss = tf.keep(stackedLoss(Y, targets, k));
      acc = tf.keep(b.hasAccuracy ? stackedAccuracy(Y, targets, k) : tf.fill([k], NaN));
      reg = tf.keep(stackedPenalty(this.spec, S.factors as tf.Tensor2D, this.options.impl));
      return tf.sum(tf.add(loss, tf.mul(reg, lambda)));
    };
    const { value, grads } = tf.valueAndGrads(f)([...names.map((n) => this.vars[n]), probe]);
    tf.dispose([value, probe]);
    const packed = tf.tidy(() => {
      const groupNorms = names.map((_, j) => tf.sqrt(perModelSum(tf.square(grads[j]), k)));
      const globalNorm = tf.sqrt(tf.addN(groupNorms.map((g) => tf.square(g))));
      const gt = tf.stack(tf.unstack(grads[names.length]).map((g) => stepNorms(g as tf.Tensor3D)));
      return tf.concat(
        [tf.stack([loss, acc, reg, globalNorm], 1), gt, tf.stack(groupNorms, 1), tf.clone(this.vars.factors)],
        1,
      ) as tf.Tensor2D;
    });
    tf.tidy(() => {
      let g = names.map((_, j) => grads[j]);
      const clip = this.options.clip;
      if (clip !== null) {
        const norm = tf.sqrt(tf.addN(g.map((x) => perModelSum(tf.square(x), k))));
        const scale = tf.minimum(1, tf.div(clip, tf.add(norm, 1e-12)));
        g = g.map((x) => tf.mul(x, tf.reshape(scale, [k, ...x.shape.slice(1).map(() => 1)])));
      }
      const named: tf.NamedTensorMap = {};
      names.forEach((n, j) => (named[this.vars[n].name] = g[j]));
      this.optimizer.applyGradients(named);
      if (this.options.strict) {
        const polar = tf
          .unstack(this.vars.factors)
          .map((x) => polarFactors(this.spec.factors, x as tf.Tensor1D));
        this.vars.factors.assign(tf.stack(polar));
      }
    });
    tf.dispose([loss, reg, acc, lambda, targets.values, targets.weights, targets.oneHot ?? [], ...grads]);
    return packed;
  }

  /** [loss, accuracy] of model i on a batch, without training (Trainer.evaluate). */
  evaluate(i: number, b: DeviceBatch): tf.Tensor1D {
    return tf.tidy(() => {
      const [B, T] = b.x.shape;
      const p: ParamTensors = {};
      for (const n of this.names) p[n] = tf.unstack(this.vars[n])[i];
      const probe = tf.zeros([B, T, this.width]) as tf.Tensor3D;
      if (usesFusedReadout(this.options.impl)) {
        const out = readoutLoss(
          p,
          hiddenStates(this.spec, p, b.x, probe, this.options.impl),
          b,
          this.options.impl,
        );
        return tf.stack([out.loss, out.accuracy]) as tf.Tensor1D;
      }
      const Y = readout(p, this.predictRows(p, b, probe));
      const acc = b.hasAccuracy ? accuracy(Y, b.values, b.weights, b.count) : tf.scalar(NaN);
      return tf.stack([taskLoss(Y, b.values, b.weights, b.count, b.loss), acc]) as tf.Tensor1D;
    });
  }

  /** Model i's parameters as plain arrays. */
  async arrays(i: number): Promise<ParamArrays> {
    const out: ParamArrays = {};
    for (const n of this.names) {
      const all = (await this.vars[n].data()) as Float32Array;
      const size = all.length / this.k;
      out[n] = all.slice(i * size, (i + 1) * size);
    }
    return out;
  }

  dispose(): void {
    for (const n of this.names) this.vars[n].dispose();
    this.optimizer.dispose();
  }
}

interface Request {
  index: number;
  batch: Batch;
  lambda: number;
  resolve(v: Float32Array): void;
  reject(e: unknown): void;
}

/**
 * The models of one Experiment as views on one StackedTrainer. Pass `place` to Experiment.create: every model
 * must be a KRU of the same shape, start and options (a λ sweep's group is). The trainer is built at the
 * first step, once every model has been placed.
 */
export class StackGroup {
  private readonly inits: RunnerInit[] = [];
  private trainer: StackedTrainer | null = null;
  private queue: Request[] = [];
  private flushQueued = false;
  private readonly lambdas: number[] = [];
  private live = 0;

  readonly place = (index: number, init: RunnerInit): Promise<ModelRunner> => {
    const first = this.inits[0];
    if (init.spec.kind !== 'kru') throw new Error('only KRUs can be stacked');
    if (
      first &&
      JSON.stringify([first.spec, first.options, first.batchKind]) !==
        JSON.stringify([init.spec, init.options, init.batchKind])
    )
      throw new Error('stacked models must share their shape and training options');
    if (init.state) throw new Error('stacked models cannot resume from a checkpoint');
    if (index !== this.inits.length) throw new Error('models are placed in order');
    this.inits.push(init);
    this.lambdas.push(0);
    this.live++;
    return Promise.resolve(this.view(index, init.spec as KruSpec, init.batchKind));
  };

  private get stacked(): StackedTrainer {
    this.trainer ??= new StackedTrainer(
      this.inits[0].spec as KruSpec,
      this.inits.length,
      this.inits.map((x) => x.arrays),
      this.inits[0].options,
    );
    return this.trainer;
  }

  private view(index: number, spec: KruSpec, kind: BatchKind): ModelRunner {
    return {
      spec,
      names: Object.keys(paramShapes(spec)),
      remote: false,
      step: (batch, lambda) => this.request(index, batch, lambda, kind),
      evaluate: (batch) => {
        const device = toDeviceBatch(batch, kind.loss, kind.hasAccuracy);
        const out = this.stacked.evaluate(index, device);
        disposeDeviceBatch(device);
        return out.data().then((v) => (out.dispose(), v as Float32Array));
      },
      params: () => this.stacked.arrays(index),
      state: () => Promise.reject(new Error('a stacked sweep model has no checkpoint')),
      setLearningRate: (lr) => this.stacked.setLearningRate(lr),
      dispose: () => {
        if (--this.live === 0) this.trainer?.dispose();
      },
    };
  }

  /** Queues model `index`'s step; a second step of the same model (or another batch) runs the queued one first. */
  private request(index: number, batch: Batch, lambda: number, kind: BatchKind): Promise<Float32Array> {
    if (this.queue.some((q) => q.index === index || q.batch !== batch)) this.flush(kind);
    const done = new Promise<Float32Array>((resolve, reject) =>
      this.queue.push({ index, batch, lambda, resolve, reject }),
    );
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flush(kind);
      });
    }
    return done;
  }

  /** One stacked step for the queued requests. A model without one (it diverged) steps too; nobody reads it. */
  private flush(kind: BatchKind): void {
    const queue = this.queue;
    this.queue = [];
    if (!queue.length) return;
    for (const q of queue) this.lambdas[q.index] = q.lambda;
    let packed: tf.Tensor2D;
    try {
      const device = toDeviceBatch(queue[0].batch, kind.loss, kind.hasAccuracy);
      try {
        packed = this.stacked.step(device, this.lambdas);
      } finally {
        disposeDeviceBatch(device);
      }
    } catch (e) {
      for (const q of queue) q.reject(e);
      return;
    }
    packed.data().then(
      (v) => {
        packed.dispose();
        const width = v.length / this.inits.length;
        for (const q of queue) q.resolve((v as Float32Array).slice(q.index * width, (q.index + 1) * width));
      },
      (e: unknown) => {
        packed.dispose();
        for (const q of queue) q.reject(e);
      },
    );
  }
}
