import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../support/backend';

describe('smoke', () => {
  it('grad', async () => {
    await useBackend();
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.matMul(x, x)))(a);
    expect(Array.from(await g.data())).toEqual([7, 11, 9, 13]);
  });
});
