// tf.train.rmsprop with each parameter's update as one kernel where the backend has it (src/kernels/cpu/rmsprop.ts:
// the same numbers, bit for bit), and tfjs's own ops elsewhere. Its state lives where tfjs keeps it, under the
// same names and in the same order, so getWeights, setWeights and checkpoints see no difference.
import * as tf from '@tensorflow/tfjs-core';
import { hasRmsPropKernel, rmsPropUpdate } from '../kernels/ops';

/** tfjs's NamedTensor, which its public index does not export. */
type NamedTensor = { name: string; tensor: tf.Tensor };

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** tfjs's RMSPropOptimizer keeps its accumulators private; these are its fields (tfjs-core 4.x). */
interface Accumulators {
  accumulatedMeanSquares: Slot[];
  accumulatedMoments: Slot[];
}

export class FusedRmsProp extends tf.RMSPropOptimizer {
  constructor(learningRate: number, decay: number, momentum: number, epsilon: number) {
    super(learningRate, decay, momentum, epsilon, false);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    if (!hasRmsPropKernel()) {
      super.applyGradients(variableGradients);
      return;
    }
    const acc = this as unknown as Accumulators;
    const list = Array.isArray(variableGradients);
    const names = list ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      const zeros = () => tf.tidy(() => tf.variable(tf.zerosLike(value), false));
      acc.accumulatedMeanSquares[i] ??= { originalName: `${name}/rms`, variable: zeros() };
      acc.accumulatedMoments[i] ??= { originalName: `${name}/momentum`, variable: zeros() };
      const g = list ? variableGradients[i].tensor : variableGradients[name];
      if (g == null) return;
      const ms = acc.accumulatedMeanSquares[i].variable;
      const mom = acc.accumulatedMoments[i].variable;
      tf.tidy(() => {
        const [x2, ms2, mom2] = rmsPropUpdate(value, ms, mom, g, {
          lr: this.learningRate,
          decay: this.decay,
          momentum: this.momentum,
          epsilon: this.epsilon,
        });
        ms.assign(ms2);
        mom.assign(mom2);
        value.assign(x2);
      });
    });
    this.incrementIterations();
  }
}
