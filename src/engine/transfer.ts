// Which buffers of a snapshot can be transferred to the page instead of copied.
import type { Snapshot } from './types';

/**
 * The distinct buffers of a snapshot's per-step rows (listing a buffer twice would make postMessage throw).
 * Details are not transferred: the engine caches them between snapshots, and detaching them would break it.
 * The rest (models, diverged, counts) is plain data that structured clone copies.
 */
export function snapshotBuffers(s: Snapshot | undefined): Transferable[] {
  if (!s) return [];
  const seen = new Set<ArrayBufferLike>([s.steps.buffer]);
  for (const series of Object.values(s.series)) for (const col of Object.values(series)) seen.add(col.buffer);
  // SharedArrayBuffers cannot be transferred (and are not expected here).
  return [...seen].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}
