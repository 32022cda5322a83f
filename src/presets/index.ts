// The presets: runs that make the paper's claims happen on a laptop CPU within minutes. Data only; the app, the
// CLI (`kru presets`, `kru train --preset NAME`) and the tests read the same list. Every caption's numbers are
// checked by test/presets on the engine's output (seeded, cpu backend).
import { defaultModel, defaultRunConfig } from '../settings/run-config';
import type {
  KruLstmModelSpec,
  KruModelSpec,
  LowRankModelSpec,
  LstmModelSpec,
  ModelSpec,
  RnnModelSpec,
  RunConfig,
} from '../settings/table';
import type { Preset } from './types';

export type { Preset, ViewId } from './types';

function kru(hidden: number, patch: Partial<KruModelSpec> = {}): KruModelSpec {
  return { ...defaultModel('kru', hidden), ...patch };
}

function rnn(hidden: number, patch: Partial<RnnModelSpec> = {}): RnnModelSpec {
  return { ...defaultModel('rnn', hidden), ...patch };
}

function lstm(hidden: number, patch: Partial<LstmModelSpec> = {}): LstmModelSpec {
  return { ...(defaultModel('lstm', hidden) as LstmModelSpec), ...patch };
}

function kruLstm(hidden: number, patch: Partial<KruLstmModelSpec> = {}): KruLstmModelSpec {
  return { ...(defaultModel('kru-lstm', hidden) as KruLstmModelSpec), ...patch };
}

function lowRank(hidden: number, patch: Partial<LowRankModelSpec> = {}): LowRankModelSpec {
  return { ...(defaultModel('lowrank', hidden) as LowRankModelSpec), ...patch };
}

function run(task: RunConfig['task'], models: ModelSpec[], patch: Partial<RunConfig> = {}): RunConfig {
  return { ...defaultRunConfig(), task, models, ...patch };
}

const copy10 = { name: 'copy', T: 10, permuted: false } as const;
const adding50 = { name: 'adding', T: 50, permuted: false } as const;

export const PRESETS: readonly Preset[] = [
  {
    name: 'copy-memory',
    title: 'Copy memory: the KRU remembers',
    caption:
      'Both models see 10 random symbols, wait 10 steps, and must then repeat the symbols. The KRU (N = 128, ' +
      'modReLU, λ = 1: 56 recurrent parameters) learns it: by step 1,000 its accuracy is over 0.99 and its loss ' +
      'under 5% of the memoryless baseline. The plain RNN of the same size (16,384 recurrent parameters) is still ' +
      'above 80% of the baseline.',
    steps: 1000,
    focus: 'loss',
    logLoss: true,
    config: run(copy10, [kru(128, { activation: 'modrelu', lambda: 1, lr: 3e-3 }), rnn(128, { lr: 3e-3 })]),
  },
  {
    name: 'vanishing-gradients',
    title: 'Vanishing gradients',
    caption:
      'Adding problem over 50 steps, N = 64. Watch the gradient profile: by step 200 the tanh RNN passes back to ' +
      'the first position over 1,000 times less (relative to the last position) than the unitary modReLU KRU ' +
      'does — its early inputs get almost no learning signal, while the KRU’s line stays far flatter.',
    steps: 200,
    focus: 'grad-profile',
    config: run(adding50, [kru(64, { activation: 'modrelu', lambda: 10, lr: 3e-3 }), rnn(64, { lr: 3e-3 })]),
  },
  {
    name: 'exploding-gradients',
    title: 'Exploding gradients, clipping, or a unitary W',
    caption:
      'An RNN whose W starts with gain 2 (relu): at the first step the gradient reaching the first position is ' +
      'over a million times the one at the last (the unitary KRU’s ratio is 1). Beside it the same RNN with ' +
      'gradient clipping: by step 200 clipping has brought its loss over 1,000 times below the unclipped one’s, ' +
      'yet still over 5 times the memoryless baseline, while the KRU is within 2 times of it.',
    steps: 200,
    focus: 'grad-profile',
    logLoss: true,
    config: run(adding50, [
      kru(64, { activation: 'modrelu', lambda: 10, lr: 3e-3 }),
      rnn(64, {
        id: 'rnn',
        label: 'RNN gain 2',
        activation: 'relu',
        init: { kind: 'gaussian', gain: 2 },
        lr: 3e-3,
      }),
      rnn(64, {
        id: 'rnn-clip',
        label: 'RNN gain 2, clipped',
        activation: 'relu',
        init: { kind: 'gaussian', gain: 2 },
        clip: 1,
        lr: 3e-3,
      }),
    ]),
  },
  {
    name: 'lambda-tug-of-war',
    title: 'λ tug-of-war',
    caption:
      'Three identical KRUs (N = 16, same start, same batches) at λ = 0, 0.01 and 10. By step 300 the λ = 10 ' +
      'KRU is within 1e-3 of unitary (‖WᴴW − I‖²) while the λ = 0 one has drifted at least 100 times further. ' +
      'Their task losses stay side by side: on this short run the pull costs the task nothing visible.',
    steps: 300,
    focus: 'deviation',
    config: run(adding50, [
      kru(16, { id: 'kru-l0', label: 'KRU λ=0', lambda: 0, lr: 1e-3 }),
      kru(16, { id: 'kru-l001', label: 'KRU λ=0.01', lambda: 0.01, lr: 1e-3 }),
      kru(16, { id: 'kru-l10', label: 'KRU λ=10', lambda: 10, lr: 1e-3 }),
    ]),
  },
  {
    name: 'soft-strict-none',
    title: 'Soft, strict or no constraint',
    caption:
      'The same KRU three ways on copy memory: unconstrained (λ = 0), soft (λ = 1) and strictly unitary (each ' +
      'factor replaced by its nearest unitary matrix after every step). The strict one stays unitary to float ' +
      'precision (‖WᴴW − I‖² < 1e-6 at every step). Here strictness does not hurt: by step 1,000 the strict and ' +
      'the unconstrained KRU are both below 85% of the memoryless baseline while the soft one is still on it. ' +
      '(The paper’s case against strict — it makes forgetting hard — needs a task that must forget; copy only ' +
      'has to remember.)',
    steps: 1000,
    focus: 'loss',
    config: run(copy10, [
      kru(64, { id: 'kru-none', label: 'KRU none (λ=0)', lambda: 0, lr: 3e-3 }),
      kru(64, { id: 'kru-soft', label: 'KRU soft (λ=1)', lambda: 1, lr: 3e-3 }),
      kru(64, { id: 'kru-strict', label: 'KRU strict', lambda: 0, strict: true, lr: 3e-3 }),
    ]),
  },
  {
    name: 'parameter-efficiency',
    title: 'Parameter efficiency',
    caption:
      'A large state with few recurrent parameters: the KRU (N = 128, 5,313 parameters in all, 56 of them ' +
      'recurrent) against an RNN with as many parameters in all (N = 63, 5,238; 3,969 recurrent) on copy ' +
      'memory. By step 1,000 the KRU is over 0.99 accurate with its loss under 5% of the baseline; the RNN is ' +
      'still above 80% of the baseline.',
    steps: 1000,
    focus: 'loss',
    logLoss: true,
    config: run(copy10, [
      kru(128, { activation: 'modrelu', lambda: 1, lr: 3e-3 }),
      rnn(63, { id: 'rnn63', label: 'RNN N=63', lr: 3e-3 }),
    ]),
  },
  {
    name: 'factor-sizes',
    title: 'Factor sizes',
    caption:
      'One N = 64 four ways: six 2×2 factors (48 recurrent parameters), three 4×4 (96), two 8×8 (256) and one ' +
      '64×64 (8,192: a full complex matrix). After 1,000 steps of copy memory the 2×2 and 4×4 KRUs are below ' +
      '90% of the memoryless baseline, the 8×8 one has only begun to leave it, behind both, and the single big ' +
      'factor is still on it: small factors learn first.',
    steps: 1000,
    focus: 'params',
    config: run(copy10, [
      kru(64, { id: 'kru-2', label: 'KRU 2×2 ×6', lr: 3e-3 }),
      kru(64, { id: 'kru-4', label: 'KRU 4×4 ×3', factors: [4, 4, 4], lr: 3e-3 }),
      kru(64, { id: 'kru-8', label: 'KRU 8×8 ×2', factors: [8, 8], lr: 3e-3 }),
      kru(64, { id: 'kru-64', label: 'KRU 64×64', factors: [64], lr: 3e-3 }),
    ]),
  },
  {
    name: 'remedies',
    title: 'The remedies side by side',
    caption:
      'Five answers to the plain RNN’s memory problem, each with about 1,360 parameters in all, on copy memory ' +
      '(10 symbols, a delay of 10): the KRU (N = 32, modReLU, λ = 1: 1,361 parameters, 40 of them recurrent), an ' +
      'RNN (N = 28: 1,353, 784 recurrent), an LSTM (N = 13: 1,374, 676), a KRU-LSTM (N = 24, real 2×2×2×3 ' +
      'factors: 1,365, 84) and a low-rank RNN (N = 48, rank 4: 1,353, 384). Watch the loss: by step 300 the KRU ' +
      'is over 0.95 accurate with its loss under 25% of the memoryless baseline, while the other four are all ' +
      'still above 90% of it, with accuracy under 0.75.',
    steps: 300,
    focus: 'loss',
    logLoss: true,
    config: run(copy10, [
      kru(32, { label: 'KRU N=32', activation: 'modrelu', lambda: 1, lr: 3e-3 }),
      rnn(28, { label: 'RNN N=28', lr: 3e-3 }),
      lstm(13, { label: 'LSTM N=13', lr: 3e-2 }),
      kruLstm(24, { label: 'KRU-LSTM N=24', factors: [2, 2, 2, 3], lr: 3e-2 }),
      lowRank(48, { label: 'Low-rank N=48 r=4', rank: 4, lr: 1e-2 }),
    ]),
  },
];

export function presetByName(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}
