// The public fused-recurrence ops. Each is one registered kernel per direction (see docs/model.md, "Fused
// kernels"): per-op dispatch cost, not arithmetic, dominates an op-by-op recurrence in tfjs.
import * as tf from '@tensorflow/tfjs-core';
import type { KruActivation, RnnActivation } from '../core/vocabulary';

export const KRU_RECURRENCE = 'KruRecurrence';
export const KRU_RECURRENCE_GRAD = 'KruRecurrenceGrad';
export const RNN_RECURRENCE = 'RnnRecurrence';
export const RNN_RECURRENCE_GRAD = 'RnnRecurrenceGrad';
export const LSTM_RECURRENCE = 'LstmRecurrence';
export const LSTM_RECURRENCE_GRAD = 'LstmRecurrenceGrad';
export const KRU_LSTM_RECURRENCE = 'KruLstmRecurrence';
export const KRU_LSTM_RECURRENCE_GRAD = 'KruLstmRecurrenceGrad';

/**
 * Read-out y = V h + c, the task loss and the accuracy, and their gradient: not part of the fused-recurrence
 * set (backends without them run src/model/loss.ts's tfjs ops).
 */
export const READOUT_LOSS = 'ReadoutLoss';
export const READOUT_LOSS_GRAD = 'ReadoutLossGrad';

/**
 * A training step's metrics (src/engine/trainer.ts): the packed head [loss, accuracy, R, ‖g‖, g_t…, group
 * norms…], and a dense W's [‖WᵀW − I‖², ‖W‖₂ estimate]; backends without them use tfjs ops.
 */
export const STEP_METRICS = 'StepMetrics';
export const DENSE_METRICS = 'DenseMetrics';

/** One RMSProp update of one parameter (src/engine/rmsprop.ts); backends without it run tf.train.rmsprop's ops. */
export const RMSPROP_UPDATE = 'RmsPropUpdate';

/** The KRU's unitary penalty of each of M models' packed factors, and its gradient (backends without: tfjs ops). */
export const UNITARY_PENALTY = 'UnitaryPenalty';
export const UNITARY_PENALTY_GRAD = 'UnitaryPenaltyGrad';

/** ‖x[:, t, :]‖ per t; a metric, not part of the fused-recurrence set (backends without it use tfjs ops). */
export const STEP_NORMS = 'StepNorms';

export const FUSED_KERNEL_NAMES = [
  KRU_RECURRENCE,
  KRU_RECURRENCE_GRAD,
  RNN_RECURRENCE,
  RNN_RECURRENCE_GRAD,
] as const;

/** The gated kinds' kernels: a backend has them or not as a set, apart from the KRU's and RNN's. */
export const FUSED_LSTM_KERNEL_NAMES = [
  LSTM_RECURRENCE,
  LSTM_RECURRENCE_GRAD,
  KRU_LSTM_RECURRENCE,
  KRU_LSTM_RECURRENCE_GRAD,
] as const;

export interface KruFusedAttrs {
  sizes: number[];
  activation: KruActivation;
}
export interface RnnFusedAttrs {
  activation: RnnActivation;
}

export interface KruLstmFusedAttrs {
  sizes: number[];
}

/** True when the forward and grad kernels of the KRU and the RNN are registered for the backend. */
export function hasFusedKernels(backendName: string = tf.getBackend()): boolean {
  return FUSED_KERNEL_NAMES.every((name) => tf.getKernel(name, backendName) != null);
}

/** True when the LSTM's and the KRU-LSTM's forward and grad kernels are registered for the backend. */
export function hasFusedLstmKernels(backendName: string = tf.getBackend()): boolean {
  return FUSED_LSTM_KERNEL_NAMES.every((name) => tf.getKernel(name, backendName) != null);
}

/**
 * Runs forward kernel `forward`, whose first output is the op's value and whose other outputs only feed its
 * gradient, as ONE tape node with that one output (tf.customGrad); `grad` is the grad kernel, called with dH,
 * the inputs and the saved outputs under `saved`'s names, and returning one gradient per input in order.
 * Registered as a kernel gradient instead, every output is on the tape, and tfjs materialises a zero gradient
 * for each output that does not reach the loss (engine.addTapeNode): a [B, T, 2N] array per recurrence per
 * step (A, or C and G), ~1.2 MB a step at the default config, whose garbage had the training worker's V8 run a
 * full collection more than once a second (47 in 32 s in a Chrome trace; 6 without it).
 */
function recurrence(
  forward: string,
  grad: string,
  inputs: Record<string, tf.Tensor>,
  saved: readonly string[],
  attrs: tf.NamedAttrMap,
): tf.Tensor3D {
  const names = Object.keys(inputs);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const xs = args as tf.Tensor[];
    const named: tf.NamedTensorMap = {};
    names.forEach((n, i) => (named[n] = xs[i]));
    // The outputs not returned are disposed by the op's scope; save keeps its own references.
    const outs = tf.engine().runKernel<tf.Tensor[]>(forward, named, attrs);
    save([...xs, ...outs]);
    return {
      value: outs[0],
      gradFunc: (dy: tf.Tensor | tf.Tensor[], kept: tf.Tensor[]) => {
        const gradInputs: tf.NamedTensorMap = { dH: Array.isArray(dy) ? dy[0] : dy };
        names.forEach((n, i) => {
          if (n !== 'probe') gradInputs[n] = kept[i];
        });
        saved.forEach((n, i) => (gradInputs[n] = kept[names.length + i]));
        return tf.engine().runKernel<tf.Tensor[]>(grad, gradInputs, attrs);
      },
    };
  });
  return op(...names.map((n) => inputs[n])) as tf.Tensor3D;
}

/**
 * KRU hidden states H [B, T, 2N] for x [B, T, D], factors [Σ 2p²], U [2, N, D], b [2, N], beta [N] or [1],
 * probe [B, T, 2N] (zeros; its gradient is ∂L/∂h_t). Differentiable in every input. The gradient recomputes the
 * factor chain from H and reads σ' from A (pre-activations).
 */
export function kruRecurrenceFused(
  x: tf.Tensor3D,
  factors: tf.Tensor1D,
  U: tf.Tensor3D,
  b: tf.Tensor2D,
  beta: tf.Tensor1D,
  probe: tf.Tensor3D,
  attrs: KruFusedAttrs,
): tf.Tensor3D {
  return recurrence(KRU_RECURRENCE, KRU_RECURRENCE_GRAD, { x, factors, U, b, beta, probe }, ['H', 'A'], {
    sizes: attrs.sizes,
    activation: attrs.activation,
  });
}

/** RNN hidden states H [B, T, N] for x [B, T, D], W [N, N], U [N, D], b [N], probe [B, T, N]. */
export function rnnRecurrenceFused(
  x: tf.Tensor3D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  probe: tf.Tensor3D,
  attrs: RnnFusedAttrs,
): tf.Tensor3D {
  return recurrence(RNN_RECURRENCE, RNN_RECURRENCE_GRAD, { x, W, U, b, probe }, ['H', 'A'], {
    activation: attrs.activation,
  });
}

/**
 * LSTM hidden states H [B, T, N] for x [B, T, D], W [4N, N], U [4N, D], b [4N], probe [B, T, N]; gate blocks
 * in the order i, f, g, o (docs/model.md, "LSTM"). Differentiable in every input. The gradient reads the cell
 * states C and the gate values G.
 */
export function lstmRecurrenceFused(
  x: tf.Tensor3D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  probe: tf.Tensor3D,
): tf.Tensor3D {
  return recurrence(LSTM_RECURRENCE, LSTM_RECURRENCE_GRAD, { x, W, U, b, probe }, ['H', 'C', 'G'], {});
}

/**
 * KRU-LSTM hidden states H [B, T, N]: the LSTM with each gate's recurrent matrix a Kronecker product of real
 * factors, factors [4·Σ p_f²] gate-major (docs/model.md, "KRU-LSTM"), U [4N, D], b [4N], probe [B, T, N].
 */
export function kruLstmRecurrenceFused(
  x: tf.Tensor3D,
  factors: tf.Tensor1D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  probe: tf.Tensor3D,
  attrs: KruLstmFusedAttrs,
): tf.Tensor3D {
  return recurrence(
    KRU_LSTM_RECURRENCE,
    KRU_LSTM_RECURRENCE_GRAD,
    { x, factors, U, b, probe },
    ['H', 'C', 'G'],
    {
      sizes: attrs.sizes,
    },
  );
}

/**
 * ‖x[:, t, :]‖ for every t of x [B, T, W]: with x = ∂L/∂H, the gradient norms g_t the app plots. One pass on
 * cpu, where tfjs's square and two sums over [32, 100, 128] cost ~3.5 ms against ~1 ms; tfjs ops elsewhere.
 * Not differentiable (a metric).
 */
export function stepNorms(x: tf.Tensor3D): tf.Tensor1D {
  if (tf.getKernel(STEP_NORMS, tf.getBackend()) != null) {
    return tf.engine().runKernel(STEP_NORMS, { x }, {}) as tf.Tensor1D;
  }
  // Innermost axis first: tfjs-cpu reduces over [0, 2] by transposing the whole [B, T, W] tensor.
  return tf.tidy(() => tf.sqrt(tf.sum(tf.sum(tf.square(x), 2), 0)));
}

export interface ReadoutLossAttrs {
  /** 'xent': softmax cross-entropy against class indices; 'mse': (y − target)², K = 1. */
  loss: 'xent' | 'mse';
  /** Positions with a target: the loss and the accuracy are sums over them divided by max(count, 1). */
  count: number;
  /** Only h_T of each sequence is read out; values and weights are then [B], else [B·T]. */
  lastStepOnly: boolean;
  /** Whether to compute the accuracy (NaN otherwise). */
  accuracy: boolean;
}

/** True when the backend has the unitary penalty's kernels (forward and grad). */
export function hasUnitaryPenaltyKernels(backendName: string = tf.getBackend()): boolean {
  return [UNITARY_PENALTY, UNITARY_PENALTY_GRAD].every((name) => tf.getKernel(name, backendName) != null);
}

/**
 * R_m = Σ_f ‖W_fᴴW_f − I‖_F² of each row of factors [M, L] (one model's packed factors per row), as [M]:
 * differentiable in factors. Only where hasUnitaryPenaltyKernels().
 */
export function unitaryPenaltyFused(factors: tf.Tensor2D, sizes: readonly number[]): tf.Tensor1D {
  const attrs = { sizes: [...sizes] };
  const op = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    (save as tf.GradSaveFunc)([x as tf.Tensor]);
    return {
      value: tf.engine().runKernel(UNITARY_PENALTY, { factors: x as tf.Tensor }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], [kept]: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel(
            UNITARY_PENALTY_GRAD,
            { factors: kept, dy: Array.isArray(dy) ? dy[0] : dy },
            attrs,
          ) as tf.Tensor,
    };
  });
  return op(factors) as tf.Tensor1D;
}

/** True when the backend has the fused read-out-and-loss kernels (forward and grad). */
export function hasReadoutLossKernel(backendName: string = tf.getBackend()): boolean {
  return [READOUT_LOSS, READOUT_LOSS_GRAD].every((name) => tf.getKernel(name, backendName) != null);
}

/**
 * The batch-mean task loss of the read-out y_t = V h_t + c (docs/model.md, "Losses") and the accuracy, from
 * H [B, T, W], V [K, W], c [K] and the batch's values and 0/1 weights, in one kernel; differentiable in H, V
 * and c (not in the accuracy). The same numbers as src/model/loss.ts's taskLoss and accuracy of readout().
 */
export function readoutLossFused(
  H: tf.Tensor3D,
  V: tf.Tensor2D,
  c: tf.Tensor1D,
  values: tf.Tensor1D,
  weights: tf.Tensor1D,
  attrs: ReadoutLossAttrs,
): { loss: tf.Scalar; accuracy: tf.Scalar } {
  const [loss, accuracy, G] = tf
    .engine()
    .runKernel<tf.Tensor[]>(READOUT_LOSS, { H, V, c, values, weights }, { ...attrs });
  // G (∂loss/∂y) only feeds the gradient, which keeps its own copy.
  G.dispose();
  return { loss: loss as tf.Scalar, accuracy: accuracy as tf.Scalar };
}

/** True when the backend has the step-metric kernels (StepMetrics, DenseMetrics). */
export function hasStepMetricsKernels(backendName: string = tf.getBackend()): boolean {
  return [STEP_METRICS, DENSE_METRICS].every((name) => tf.getKernel(name, backendName) != null);
}

/**
 * [loss, accuracy, R, ‖g‖, g_1 … g_T, ‖g_0‖ … ‖g_{G−1}‖] in one kernel: g_t = ‖probeGrad[:, t, :]‖, ‖g_i‖ the
 * norm of each gradient, ‖g‖ of all of them together. Not differentiable (a metric). Only where
 * hasStepMetricsKernels().
 */
export function stepMetricsFused(
  loss: tf.Scalar,
  accuracy: tf.Scalar,
  reg: tf.Scalar,
  probeGrad: tf.Tensor3D,
  grads: tf.Tensor[],
): tf.Tensor1D {
  const inputs: Record<string, tf.Tensor> = { loss, accuracy, reg, probeGrad };
  grads.forEach((g, i) => (inputs[`g${i}`] = g));
  return tf.engine().runKernel(STEP_METRICS, inputs, { groups: grads.length }) as tf.Tensor1D;
}

/**
 * A dense W [N, N]'s [‖WᵀW − I‖_F², ‖W v′‖] and v′ [N, 1], after `iterations` power-iteration steps
 * v ← WᵀW v / ‖WᵀW v‖ from v [N, 1]. Not differentiable (a metric). Only where hasStepMetricsKernels().
 */
export function denseMetricsFused(
  W: tf.Tensor2D,
  v: tf.Tensor2D,
  iterations: number,
): { stats: tf.Tensor1D; v: tf.Tensor2D } {
  const [stats, next] = tf.engine().runKernel<tf.Tensor[]>(DENSE_METRICS, { W, v }, { iterations });
  return { stats: stats as tf.Tensor1D, v: next as tf.Tensor2D };
}

export interface RmsPropAttrs {
  lr: number;
  decay: number;
  momentum: number;
  epsilon: number;
}

/** True when the backend has the fused RMSProp update kernel. */
export function hasRmsPropKernel(backendName: string = tf.getBackend()): boolean {
  return tf.getKernel(RMSPROP_UPDATE, backendName) != null;
}

/**
 * tf.train.rmsprop's update of one parameter in one kernel (not differentiable): x′ = x − mom′ with
 * ms′ = ms·decay + g²·(1 − decay), mom′ = mom·momentum + g·lr / √(ms′ + ε).
 */
export function rmsPropUpdate(
  x: tf.Tensor,
  ms: tf.Tensor,
  mom: tf.Tensor,
  g: tf.Tensor,
  attrs: RmsPropAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const [x2, ms2, mom2] = tf.engine().runKernel<tf.Tensor[]>(RMSPROP_UPDATE, { x, ms, mom, g }, { ...attrs });
  return [x2, ms2, mom2];
}
