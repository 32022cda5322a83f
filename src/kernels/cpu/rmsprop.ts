// tfjs 'cpu' kernel for one RMSProp update of one parameter (src/engine/rmsprop.ts): tf.train.rmsprop runs ~15
// element-wise ops per parameter (it even computes the new mean square twice), each with tfjs's per-op cost —
// ~15% of the default run's training step in the app's worker. The arithmetic is tfjs's, rounded to float32 after
// every operation as its cpu kernels round, so the numbers are bit for bit those of tf.train.rmsprop.
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { outputArray, pooledCpu } from './output-pool';
import { floatsOf, inputOf } from './kernel-args';

const K = 'RmsPropUpdate';

/** Inputs x, ms (mean square), mom (moment), g (gradient), one shape; outputs x′, ms′, mom′. */
export const rmsPropUpdateKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = pooledCpu(backend);
  const attr = (name: string): number => {
    const v = attrs?.[name];
    if (typeof v !== 'number') throw new Error(`${K}: attr ${name} must be a number`);
    return v;
  };
  const f = Math.fround;
  // The scalars as tfjs makes them: float32 tensors of the JS numbers.
  const decay = f(attr('decay')),
    rest = f(1 - attr('decay')),
    momentum = f(attr('momentum')),
    lr = f(attr('lr')),
    eps = f(attr('epsilon'));
  const [x, ms, mom, g] = ['x', 'ms', 'mom', 'g'].map((name) => floatsOf(cpu, inputOf(inputs, name, K), K));
  const n = x.length;
  if (ms.length !== n || mom.length !== n || g.length !== n)
    throw new Error(`${K}: x, ms, mom and g must have the same size`);
  // Pooled: each step replaces every parameter's three arrays (30 arrays a step at the default run).
  const x2 = outputArray(n, false),
    ms2 = outputArray(n, false),
    mom2 = outputArray(n, false);
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    // ms′ = ms·decay + g²·(1 − decay); mom′ = mom·momentum + g·lr / √(ms′ + ε); x′ = x − mom′.
    const s = f(f(ms[i] * decay) + f(f(gi * gi) * rest));
    const m = f(f(mom[i] * momentum) + f(f(gi * lr) / f(Math.sqrt(f(s + eps)))));
    ms2[i] = s;
    mom2[i] = m;
    x2[i] = x[i] - m;
  }
  const shape = inputOf(inputs, 'x', K).shape;
  return [x2, ms2, mom2].map((v) => cpu.makeTensorInfo(shape, 'float32', v));
};
