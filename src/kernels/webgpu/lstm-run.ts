// Running the gated kinds' kernels (./lstm-wgsl.ts) and slicing their outputs, for both kinds: a kind hands in
// its recurrent product (WGSL hooks, its bindings and, backward, how its parameters' gradient is read).
import type { TensorInfo } from '@tensorflow/tfjs-core';
import {
  type WebGPUBackend,
  SequenceProgram,
  Scope,
  flatView,
  runSequenceProgram,
  type SequenceLayout,
} from './program';
import type { OutputRegions, RegionSpec } from './kru-wgsl';
import {
  type BackwardHooks,
  type BackwardRegion,
  type ForwardHooks,
  backwardRegions,
  forwardRegions,
  lstmBackwardCode,
  lstmForwardCode,
} from './lstm-wgsl';

/** A binding of the shader: its WGSL name and the tensor bound to it. */
export type Binding = [name: string, tensor: TensorInfo];

/** H [B,T,N], C [B,T,N], G [B,T,4N] for x [B,T,D] (U [4N,D], b [4N], probe [B,T,N]) and the product's hooks. */
export function runLstmForward(
  backend: WebGPUBackend,
  key: string,
  threads: SequenceLayout,
  inputs: { x: TensorInfo; U: TensorInfo; b: TensorInfo; probe: TensorInfo },
  product: Binding[],
  hooks: ForwardHooks,
): TensorInfo[] {
  const [B, T, D] = inputs.x.shape;
  const N = inputs.b.shape[0] / 4;
  const out = forwardRegions(N, threads, hooks.scratch);
  const bindings: Binding[] = [
    ['xIn', inputs.x],
    ['uIn', inputs.U],
    ['bIn', inputs.b],
    ['probeIn', inputs.probe],
    ...product,
  ];
  const scope = new Scope(backend);
  try {
    const program = new SequenceProgram(
      `${key}_${D}`,
      bindings.map(([name]) => name),
      out.size(B, T),
      B,
      threads,
      lstmForwardCode(N, D, threads, out, hooks),
    );
    const result = scope.keep(
      runSequenceProgram(
        backend,
        program,
        bindings.map(([, t]) => flatView(t)),
        B,
        T,
      ),
    );
    const part = (name: 'H' | 'C' | 'G', width: number) =>
      scope.output(scope.reshape(scope.slice(result, out.at(name, B, T), B * T * width), [B, T, width]));
    return [part('H', N), part('C', N), part('G', 4 * N)];
  } finally {
    scope.dispose();
  }
}

/** What a kind adds to the backward kernel besides its hooks. */
export interface GradProduct<K extends string> {
  /** its bindings (the shader must read every one: WebGPU's 'auto' layout drops unused ones) */
  bindings: Binding[];
  /** whether it needs the gates' pre-activation gradients dZ [B,T,4N] in the output in every layout */
  needsDz: boolean;
  /** its output regions */
  regions: RegionSpec<K>[];
  /** floats of scratch per sequence */
  scratch: number;
  /** its WGSL, given where the output's regions are */
  hooks: (out: OutputRegions<BackwardRegion | K>) => BackwardHooks;
  /** the recurrent parameters' gradient, from the kernel's output (intermediates kept in `scope`) */
  grad: (
    scope: Scope,
    result: TensorInfo,
    out: OutputRegions<BackwardRegion | K>,
    dZ: TensorInfo | undefined,
  ) => TensorInfo;
}

/** [dx, dRecurrent, dU, db, dProbe] for dH [B,T,N], given C and G of the forward and the product. */
export function runLstmBackward<K extends string>(
  backend: WebGPUBackend,
  key: string,
  threads: SequenceLayout,
  inputs: { dH: TensorInfo; x: TensorInfo; U: TensorInfo; C: TensorInfo; G: TensorInfo },
  product: GradProduct<K>,
): TensorInfo[] {
  const [B, T, D] = inputs.x.shape;
  const N = inputs.C.shape[2];
  const serial = threads.kind === 'serial';
  const out = backwardRegions(N, D, threads, product.needsDz, product.regions, product.scratch);
  const at = (name: BackwardRegion | K) => out.at(name, B, T);
  const bindings: Binding[] = [
    ['dhIn', inputs.dH],
    ['CIn', inputs.C],
    ['GIn', inputs.G],
    ...(serial
      ? ([
          ['xIn', inputs.x],
          ['uIn', inputs.U],
        ] as Binding[])
      : []),
    ...product.bindings,
  ];
  const scope = new Scope(backend);
  try {
    const program = new SequenceProgram(
      `${key}_${D}`,
      bindings.map(([name]) => name),
      out.size(B, T),
      B,
      threads,
      lstmBackwardCode(N, D, threads, out, product.scratch, product.hooks(out)),
    );
    const result = scope.keep(
      runSequenceProgram(
        backend,
        program,
        bindings.map(([, t]) => flatView(t)),
        B,
        T,
      ),
    );
    /** Region `name` as [B, width] summed over the sequences, reshaped to `shape`. */
    const perSeqSum = (name: BackwardRegion, width: number, shape: number[]) =>
      scope.reshape(scope.sum(scope.reshape(scope.slice(result, at(name), B * width), [B, width]), 0), shape);
    const dProbe = scope.output(scope.reshape(scope.slice(result, at('dP'), B * T * N), [B, T, N]));
    const dZ = out.has('dZ')
      ? scope.reshape(scope.slice(result, at('dZ'), B * T * 4 * N), [B, T, 4 * N])
      : undefined;
    const dRec = scope.output(product.grad(scope, result, out, dZ));
    if (serial) {
      const dx = scope.output(scope.reshape(scope.slice(result, at('dx'), B * T * D), [B, T, D]));
      const dU = scope.output(perSeqSum('dU', 4 * N * D, [4 * N, D]));
      const db = scope.output(perSeqSum('db', 4 * N, [4 * N]));
      return [dx, dRec, dU, db, dProbe];
    }
    if (!dZ) throw new Error('LSTM backward: no dZ in a workgroup layout');
    // The non-recurrent parts as dense products over all (b, t): dx = dZ·U, dU = dZᵀ·X, db = Σ dZ.
    const dZ2 = scope.reshape(dZ, [B * T, 4 * N]);
    const dx = scope.output(scope.reshape(scope.matMul(dZ2, inputs.U), [B, T, D]));
    const dU = scope.output(scope.matMul(dZ2, scope.reshape(inputs.x, [B * T, D]), true, false));
    const db = scope.output(scope.sum(dZ2, 0));
    return [dx, dRec, dU, db, dProbe];
  } finally {
    scope.dispose();
  }
}
