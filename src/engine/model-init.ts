// From a run's model spec to what a trainer is built from: the network's shape, its initial weights (from a
// generator seeded by the run's seed and the model's shape) and its training options.
import type { NetSpec } from '../model/config';
import {
  initKruArrays,
  initKruLstmArrays,
  initLowRankArrays,
  initLstmArrays,
  initRnnArrays,
  type ParamArrays,
} from '../model/models';
import { polarFactorsHost } from '../model/polar';
import type { Task } from '../tasks';
import { Rng } from '../util/rng';
import type { RunnerInit } from './model-runner';
import type { ModelSpec, RunConfig } from './types';

/** FNV-1a: a stable 32-bit hash of a string. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** What shapes a model's initial weights (and nothing else: not its id, λ, lr or clipping). */
function weightShape(spec: ModelSpec): unknown[] {
  switch (spec.kind) {
    case 'kru':
      return [spec.kind, spec.hidden, spec.factors, spec.init];
    case 'rnn':
      return [spec.kind, spec.hidden, spec.init];
    case 'lstm':
      return [spec.kind, spec.hidden];
    case 'kru-lstm':
      return [spec.kind, spec.hidden, spec.factors];
    case 'lowrank':
      return [spec.kind, spec.hidden, spec.rank, spec.gain];
  }
}

/**
 * The generator of a model's initial weights. It depends on the seed and on what shapes the weights (kind, N,
 * factors, init) — not on the model's id, position, λ, lr or clipping — so models that differ only in how they
 * are trained start from identical weights, and adding a model to a run changes no other model's start.
 */
export function initRng(seed: number, spec: ModelSpec): Rng {
  return new Rng((seed ^ hash32(JSON.stringify(weightShape(spec)))) >>> 0);
}

/** The data stream depends on the seed alone: every model sees the same batches, whichever models run. */
export function dataRng(seed: number): Rng {
  return new Rng(seed).fork();
}

/** The network a model spec describes, for a task's input and output sizes. */
export function netSpecOf(spec: ModelSpec, inputSize: number, outputSize: number): NetSpec {
  const base = { hidden: spec.hidden, inputSize, outputSize };
  switch (spec.kind) {
    case 'kru':
      return { kind: 'kru', ...base, factors: spec.factors, activation: spec.activation };
    case 'rnn':
      return { kind: 'rnn', ...base, activation: spec.activation };
    case 'lstm':
      return { kind: 'lstm', ...base };
    case 'kru-lstm':
      return { kind: 'kru-lstm', ...base, factors: spec.factors };
    case 'lowrank':
      return { kind: 'lowrank', ...base, rank: spec.rank, activation: spec.activation };
  }
}

function initialArrays(spec: ModelSpec, net: NetSpec, rng: Rng): ParamArrays {
  if (spec.kind === 'kru' && net.kind === 'kru') {
    const arrays = initKruArrays(net, spec.init, rng);
    // A strict model starts on the unitary group too (a gaussian start is far from it).
    if (spec.strict) arrays.factors = polarFactorsHost(net.factors, arrays.factors);
    return arrays;
  }
  if (spec.kind === 'rnn' && net.kind === 'rnn') return initRnnArrays(net, spec.init, rng);
  if (spec.kind === 'lowrank' && net.kind === 'lowrank') return initLowRankArrays(net, spec.gain, rng);
  if (net.kind === 'lstm') return initLstmArrays(net, rng);
  if (net.kind === 'kru-lstm') return initKruLstmArrays(net, rng);
  throw new Error(`no initialisation for a ${spec.kind}`);
}

/** Everything needed to build one model's runner: initial weights and training options. */
export function runnerInit(config: RunConfig, spec: ModelSpec, task: Task): RunnerInit {
  const net = netSpecOf(spec, task.inputSize, task.outputSize);
  return {
    spec: net,
    arrays: initialArrays(spec, net, initRng(config.seed, spec)),
    options: {
      optimizer: config.optimizer,
      lr: spec.lr,
      clip: spec.clip,
      impl: config.impl,
      strict: spec.kind === 'kru' && spec.strict,
    },
    batchKind: { loss: task.loss, hasAccuracy: task.hasAccuracy },
  };
}
