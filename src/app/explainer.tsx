// "How a KRU works": a plain-language explainer under the header, collapsed by default. Every claim has a
// "show me" button that loads the preset that shows it or scrolls to the view that shows it. No numbers here
// beyond formulas: numeric claims live in the presets' captions, which test/presets checks on the engine.
import { EXPLAINER_PRESETS as P, type ExplainerPreset } from './explainer-links';
import { ShowPreset, ShowView } from './presets';
import type { ViewId } from '../presets';

const Preset = ({ name }: { name: ExplainerPreset }) => <ShowPreset name={name} />;
const View = ({ id }: { id: ViewId }) => <ShowView id={id} />;

export function Explainer() {
  return (
    <details className="explainer" data-testid="explainer">
      <summary>How a Kronecker Recurrent Unit works, and what each view shows</summary>
      <div className="explainer-body">
        <section>
          <h3>A big W from tiny factors</h3>
          <p>
            A recurrent network updates its hidden state h (N numbers) with the same matrix at every step: h
            <sub>t</sub> = σ(W h<sub>t−1</sub> + U x<sub>t</sub> + b). A dense W has N² entries. A KRU builds
            W as a Kronecker product of F small complex matrices,
          </p>
          <p className="formula">
            W = W<sub>0</sub> ⊗ W<sub>1</sub> ⊗ … ⊗ W<sub>F−1</sub>, &nbsp; W<sub>f</sub> of size p
            <sub>f</sub>×p<sub>f</sub>, &nbsp; p<sub>0</sub>·p<sub>1</sub>·…·p<sub>F−1</sub> = N,
          </p>
          <p>
            so its recurrent matrix costs 2·Σ<sub>f</sub> p<sub>f</sub>² real numbers (a real and an imaginary
            part per entry) instead of N². With 2×2 factors that is 8 numbers per factor and log₂N factors:
            the count grows like log N, not N². <Preset name={P.factors} /> <Preset name={P.params} />{' '}
            <View id="params" />
          </p>
        </section>
        <section>
          <h3>W·h without ever forming W</h3>
          <p>
            Read h as a p<sub>0</sub>×p<sub>1</sub>×…×p<sub>F−1</sub> array. Multiplying by W<sub>0</sub> ⊗ …
            ⊗ W<sub>F−1</sub> is the same as multiplying that array along each of its axes by the matching
            small factor, one factor after another. That costs O(N·Σ<sub>f</sub> p<sub>f</sub>) operations
            instead of O(N²) for a dense product, and W itself is never built. <Preset name={P.factors} />
          </p>
        </section>
        <section>
          <h3>A soft pull towards unitary, of strength λ</h3>
          <p>Training minimises the task loss L plus a penalty on each factor:</p>
          <p className="formula">
            L + λ · Σ<sub>f</sub> ‖W<sub>f</sub>ᴴW<sub>f</sub> − I‖²<sub>F</sub>
          </p>
          <p>
            The penalty is zero exactly when every factor is unitary (all its singular values equal 1). The
            singular values of a Kronecker product are products of its factors&apos; singular values, so
            unitary factors make W unitary, and a unitary W neither shrinks nor stretches the state: what the
            network stored is carried forward intact, and gradients flow back through time without vanishing
            or exploding. But a network must also be able to forget. λ sets the trade: a large λ holds W near
            unitary (long memory), a small one lets the task move the factors away from it (forgetting, at the
            risk of vanishing or exploding gradients). λ is live: move it while training and watch the factors
            respond. <Preset name={P.lambda} /> <View id="singular-values" /> <View id="deviation" />
          </p>
        </section>
        <section>
          <h3>Why complex numbers</h3>
          <p>
            The real matrices that preserve lengths (orthogonal matrices) come in two separate pieces: those
            with determinant +1 and those with −1. The determinant changes continuously as a matrix changes,
            so small gradient steps can never cross from one piece to the other: a real model that starts in
            the wrong piece stays there. The complex unitary matrices form one connected piece: any unitary
            matrix can be reached from any other by small steps, and their eigenvalues can sit anywhere on the
            unit circle. <View id="spectrum" />
          </p>
        </section>
        <section>
          <h3>Why a soft constraint, not a strict one</h3>
          <p>
            A strictly unitary KRU puts each factor back onto the nearest unitary matrix after every step.
            That keeps W exactly unitary, but it confines the search to the unitary matrices and makes
            forgetting hard: W can no longer shrink what the state holds, only the input and the activation
            can. That is the paper&apos;s argument; the preset below trains the same KRU unconstrained, soft
            and strict side by side on copy memory, a task that never needs to forget, and there strictness
            does not hurt (its caption gives the numbers). <Preset name={P.strict} />
          </p>
        </section>
        <section>
          <h3>Vanishing and exploding gradients</h3>
          <p>
            The gradient of the loss with respect to an early state, ∂L/∂h<sub>t</sub>, is carried back one
            step at a time, multiplied each time by Wᴴ and by the activation&apos;s derivative. Over many
            steps that acts like a power of W: singular values below 1 make it vanish (early inputs get no
            learning signal), above 1 make it explode (clipping caps the step but not the cause).{' '}
            <Preset name={P.vanishing} /> <Preset name={P.exploding} /> <View id="grad-heatmap" />{' '}
            <View id="grad-profile" />
          </p>
        </section>
        <section>
          <h3>The activation matters too</h3>
          <p>
            A unitary W keeps the gradient&apos;s norm, but the gradient also passes through the activation at
            every step, and only a norm-preserving activation keeps ‖∂L/∂h<sub>t</sub>‖ flat. <em>crelu</em>{' '}
            applies a ReLU to the real and the imaginary part separately: every negative part is set to zero,
            so its derivative drops part of the gradient at every step, even when W is exactly unitary.{' '}
            <em>modReLU</em> keeps each entry&apos;s phase and only shifts its modulus by a learned offset
            (zero below it), so where it is active it passes the gradient on almost unchanged. Change a
            KRU&apos;s activation in its model card and reset to compare. <Preset name={P.vanishing} />{' '}
            <View id="grad-profile" />
          </p>
        </section>
        <section>
          <h3>Memory with few parameters</h3>
          <p>
            In the copy memory task a model sees a few symbols, waits through a long delay, then must repeat
            them: only a model that keeps information for many steps can. A model that learned nothing sits on
            the memoryless baseline of the loss view. <Preset name={P.copy} /> <Preset name={P.params} />
          </p>
        </section>
        <section>
          <h3>How to read each view</h3>
          <ul>
            <li>
              <strong>Training loss</strong>: each model&apos;s task loss on the same batches, on a log scale
              (losses span decades), with the memoryless baseline; λ·R is the penalty&apos;s share. Vertical
              marks are your λ and learning-rate changes. <View id="loss" />
            </li>
            <li>
              <strong>Accuracy</strong>: the share of targets each model gets right on its training batch, and
              for digits its accuracy on held-out images. The adding problem has none. <View id="accuracy" />
            </li>
            <li>
              <strong>Singular values</strong>: every singular value of every factor over training; all on 1
              means unitary factors, hence a unitary W. The last panel is each model&apos;s ‖W‖₂.{' '}
              <View id="singular-values" />
            </li>
            <li>
              <strong>Distance from unitary</strong>: ‖WᴴW − I‖²<sub>F</sub> on a log scale, for each factor
              and the whole W; 0 is exactly unitary. <View id="deviation" />
            </li>
            <li>
              <strong>Gradient reaching each time step</strong>: ‖∂L/∂h<sub>t</sub>‖ for every position t over
              training; dark rows at the bottom mean the early positions get no signal.{' '}
              <View id="grad-heatmap" />
            </li>
            <li>
              <strong>Gradient profile</strong>: the latest ‖∂L/∂h<sub>t</sub>‖ against t; flat is good, a
              line falling towards the early steps (left) is a vanishing gradient, one rising there an
              exploding one. <View id="grad-profile" />
            </li>
            <li>
              <strong>Spectrum</strong>: all singular values of W and its eigenvalues in the complex plane;
              unitary means every value on 1 and every eigenvalue on the unit circle. <View id="spectrum" />
            </li>
            <li>
              <strong>Parameters</strong>: each model&apos;s parameter counts and the gradient norm of each
              parameter group. <View id="params" />
            </li>
          </ul>
        </section>
      </div>
    </details>
  );
}
