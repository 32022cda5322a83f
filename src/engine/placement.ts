// Where the app's two models train. On the cpu backend each model's step is one long synchronous kernel, so
// the RNN can step in a worker of its own while the KRU steps in the training worker. That takes two cores at
// 100%; on a two-core machine the page then gets its frames only between the workers' time slices (traced in
// headless Chromium: frames holding 10–20 ms of main-thread CPU took 50–85 ms of wall time). So the second
// worker is used only where it leaves a core for the page, unless the link asks otherwise (`?threads=`).

export type TrainingThreads = 1 | 2;

export interface Placement {
  /** True: the RNN steps in a worker of its own, in parallel with the KRU. */
  parallel: boolean;
  /** One line for the status bar ('' when there is nothing to say: one model, or a non-cpu backend). */
  note: string;
}

export function trainingPlacement(opts: {
  /** Both models are trained (the comparison); with one model there is nothing to place. */
  both: boolean;
  backend: string;
  /** navigator.hardwareConcurrency (0 or undefined when the browser does not say). */
  cores: number | undefined;
  /** The link's choice, if any. */
  threads?: TrainingThreads;
}): Placement {
  // Other backends: WebGPU/WebGL work is asynchronous already, wasm is a fallback.
  if (!opts.both || opts.backend !== 'cpu') return { parallel: false, note: '' };
  const cores = opts.cores && opts.cores > 0 ? opts.cores : 1;
  if (opts.threads === 2)
    return { parallel: true, note: 'KRU and RNN train in parallel (2 workers, as the link asks)' };
  if (opts.threads === 1)
    return { parallel: false, note: 'KRU and RNN train in turn (1 worker, as the link asks)' };
  return cores >= 3
    ? { parallel: true, note: `KRU and RNN train in parallel (2 workers on ${cores} cores)` }
    : { parallel: false, note: `KRU and RNN train in turn, leaving a core to the page (${cores} cores)` };
}
