// Where the app's models train. On the cpu backend each model's step is one long synchronous kernel, so some
// models can step in a second worker while the others step in the training worker. That takes two cores at
// 100%; on a two-core machine the page then gets its frames only between the workers' time slices (traced in
// headless Chromium: frames holding 10–20 ms of main-thread CPU took 50–85 ms of wall time). So the second
// worker is used only where it leaves a core for the page, unless the link asks otherwise (`?threads=`).

export type TrainingThreads = 1 | 2;

export interface Placement {
  /** True: models at odd positions step in a second worker, in parallel with the others. */
  parallel: boolean;
  /** One line for the status bar ('' when there is nothing to say: one model, or a non-cpu backend). */
  note: string;
}

export function trainingPlacement(opts: {
  /** How many models the run trains; with one there is nothing to place. */
  models: number;
  backend: string;
  /** navigator.hardwareConcurrency (0 or undefined when the browser does not say). */
  cores: number | undefined;
  /** The link's choice, if any. */
  threads?: TrainingThreads;
}): Placement {
  // Other backends: WebGPU/WebGL work is asynchronous already, wasm is a fallback.
  if (opts.models < 2 || opts.backend !== 'cpu') return { parallel: false, note: '' };
  const cores = opts.cores && opts.cores > 0 ? opts.cores : 1;
  const what = opts.models === 2 ? 'The two models' : `The ${opts.models} models`;
  if (opts.threads === 2)
    return { parallel: true, note: `${what} train in 2 workers, in parallel (as the link asks)` };
  if (opts.threads === 1)
    return { parallel: false, note: `${what} train in turn in 1 worker (as the link asks)` };
  return cores >= 3
    ? { parallel: true, note: `${what} train in 2 workers, in parallel (${cores} cores)` }
    : { parallel: false, note: `${what} train in turn, leaving a core to the page (${cores} cores)` };
}

/** Whether the model at this position of the run steps in the second worker. */
export function inSecondWorker(placement: Placement, index: number): boolean {
  return placement.parallel && index % 2 === 1;
}
