// The fused ops under tfjs's autodiff machinery: no tensors leak through repeated forward + backward
// (tf.grads, tf.valueAndGrads, an optimizer), registration is idempotent, and gradients of inputs that
// need none are simply dropped.
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';
import { registerFusedKernels } from '../../src/kernels/register';
import { hasFusedKernels, kruRecurrenceFused, rnnRecurrenceFused } from '../../src/kernels/ops';
import { kruProblem, kruSumLoss, kruTensors, rnnProblem, rnnTensors } from './helpers';

const backend = await useBackend();
registerFusedKernels();
registerFusedKernels(); // idempotent
const ready = hasFusedKernels(backend);

describe.skipIf(!ready)(`fused ops under autodiff on ${backend}`, () => {
  it('KRU: tf.grads and tf.valueAndGrads leak nothing', async () => {
    const t = kruTensors(kruProblem([2, 3], 'modrelu', 2, 3, 2, 5));
    const attrs = { sizes: [2, 3], activation: 'modrelu' as const };
    const loss = kruSumLoss(t.G, attrs);
    const args = [t.x, t.factors, t.U, t.b, t.beta, t.probe];
    const run = () =>
      tf.tidy(() => {
        tf.grads(loss)(args);
        const { value, grads } = tf.valueAndGrads(loss)(args);
        return tf.add(value, tf.sum(grads[1]));
      });
    const warm = run();
    await warm.data();
    warm.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const v = run();
      await v.data();
      v.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    // Gradient for only some inputs (the others are pruned by the engine and their tensors disposed).
    const g = tf.tidy(() => tf.grad((f: tf.Tensor) => loss(t.x, f, t.U, t.b, t.beta, t.probe))(t.factors));
    expect(g.shape).toEqual(t.factors.shape);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(t));
  });

  it('KRU and RNN train with an optimizer without leaking, and the loss goes down', async () => {
    const kp = kruTensors(kruProblem([2, 2], 'crelu', 2, 4, 2, 9));
    const rp = rnnTensors(rnnProblem(4, 'tanh', 2, 4, 2, 9));
    const kv = { factors: tf.variable(kp.factors), U: tf.variable(kp.U), b: tf.variable(kp.b) };
    const rv = { W: tf.variable(rp.W), U: tf.variable(rp.U), b: tf.variable(rp.b) };
    const opt = tf.train.sgd(0.02);
    const lossFn = () =>
      tf.add(
        tf.mean(
          tf.square(
            tf.sub(
              kruRecurrenceFused(kp.x, kv.factors, kv.U, kv.b, kp.beta, kp.probe, {
                sizes: [2, 2],
                activation: 'crelu',
              }),
              kp.G,
            ),
          ),
        ),
        tf.mean(
          tf.square(
            tf.sub(rnnRecurrenceFused(rp.x, rv.W, rv.U, rv.b, rp.probe, { activation: 'tanh' }), rp.G),
          ),
        ),
      ) as tf.Scalar;
    const losses: number[] = [];
    const step = async () => {
      const l = opt.minimize(lossFn, true);
      if (!l) throw new Error('minimize returned no loss');
      losses.push((await l.data())[0]);
      l.dispose();
    };
    await step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await step();
    expect(tf.memory().numTensors).toBe(before);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    opt.dispose();
    tf.dispose([...Object.values(kp), ...Object.values(rp), ...Object.values(kv), ...Object.values(rv)]);
  });

  it('a forward pass alone (no tape) leaks nothing', async () => {
    const t = rnnTensors(rnnProblem(3, 'relu', 1, 2, 2, 3));
    const before = tf.memory().numTensors;
    const H = rnnRecurrenceFused(t.x, t.W, t.U, t.b, t.probe, { activation: 'relu' });
    await H.data();
    H.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(t));
  });
  it('the backward pass makes no zero gradient for what only the gradient reads (A)', () => {
    // Registered as kernel gradients, the forward kernels' second outputs (A, or C and G) got a materialised
    // zero gradient from tfjs every step ([B, T, 2N] floats each); the ops are single-output tape nodes now.
    const t = kruTensors(kruProblem([2, 3], 'modrelu', 2, 3, 2, 5));
    const loss = kruSumLoss(t.G, { sizes: [2, 3], activation: 'modrelu' });
    const engine = tf.engine() as unknown as { makeTensor: (...a: unknown[]) => tf.Tensor };
    const make = engine.makeTensor;
    const zeros: number[][] = []; // shapes of all-zero tensors made from values (tfjs's zero-gradient fill)
    engine.makeTensor = function (this: unknown, ...a: unknown[]) {
      const out = make.apply(this, a);
      const values = a[0];
      if (values instanceof Float32Array && values.length > 1 && values.every((v) => v === 0))
        zeros.push(out.shape);
      return out;
    };
    try {
      tf.tidy(() => tf.grads(loss)([t.x, t.factors, t.U, t.b, t.beta, t.probe]));
    } finally {
      engine.makeTensor = make;
    }
    expect(zeros).toEqual([]);
    tf.dispose(Object.values(t));
  });
});
