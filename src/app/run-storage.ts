// Where saved runs are written: the storage worker (workers/storage.worker.ts), so that encoding and
// serialising a long History never runs on the page's thread; the page only copies the History's arrays and
// hands them over (transferred, not copied again). Where no worker can start, or the worker fails or stops
// answering, the same code runs here instead for the rest of the session: saving never stops.
import * as Comlink from 'comlink';
import {
  localRunStorage as direct,
  recordBuffers,
  type RunRecord,
  type RunStorage,
  type SavedRunInfo,
} from './saved-runs';

/** A write that takes longer than this means the worker is gone (a long History is written in well under 1 s). */
export const STORAGE_SILENCE_MS = 20_000;

interface Remote {
  api: Comlink.Remote<RunStorage>;
  /** Rejects when the worker reports an error that escaped it (or its script failed to load). */
  failed: Promise<never>;
  worker: Worker;
}

let remote: Remote | null = null;
let broken = typeof Worker === 'undefined';

function start(): Remote | null {
  if (broken) return null;
  if (remote) return remote;
  try {
    const worker = new Worker(new URL('../../workers/storage.worker.ts', import.meta.url), {
      type: 'module',
      name: 'storage',
    });
    const failed = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (e) => reject(new Error(e.message || 'the storage worker failed')));
    });
    failed.catch(() => undefined);
    remote = { api: Comlink.wrap<RunStorage>(worker), failed, worker };
  } catch {
    broken = true;
  }
  return remote;
}

/** The worker is unusable: stop it and write here from now on. */
function giveUp(): void {
  remote?.worker.terminate();
  remote = null;
  broken = true;
}

/**
 * Runs `call` on the worker, or here when there is none. A worker that fails or falls silent is given up and the
 * call runs here instead; an error the storage itself reports (a full disk, a refused database) is passed on.
 */
async function onWorker<T>(call: (s: RunStorage, onWorker: boolean) => Promise<T>): Promise<T> {
  const r = start();
  if (!r) return call(direct, false);
  let gone = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the storage worker stopped answering')), STORAGE_SILENCE_MS);
  });
  const lost = Promise.race([r.failed, silent]).catch((e: unknown) => {
    gone = true;
    throw e;
  });
  lost.catch(() => undefined); // the worker may fail long after this call: not an unhandled rejection
  try {
    // Comlink's Remote has the same methods, each returning a promise already.
    return await Promise.race([call(r.api as RunStorage, true), lost]);
  } catch (e) {
    if (!gone) throw e;
    giveUp();
    return call(direct, false);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Saves a run's record (built by `record()`, on this thread, from the live run). The record's History arrays
 * are transferred to the worker; if the worker then fails, a fresh record is built for the direct write.
 */
export async function storeRun(record: () => RunRecord | Promise<RunRecord>): Promise<SavedRunInfo[]> {
  // Built before the worker is asked, so a slow copy (made in slices) is not taken for a silent worker.
  let next: RunRecord | null = await record();
  return onWorker(async (s, worker) => {
    const r = next ?? (await record());
    next = null;
    return s.save(worker ? Comlink.transfer(r, recordBuffers(r)) : r);
  });
}

export function renameStoredRun(id: string, name: string): Promise<void> {
  return onWorker((s) => s.rename(id, name));
}

export function deleteStoredRun(id: string): Promise<void> {
  return onWorker((s) => s.remove(id));
}
