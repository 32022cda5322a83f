// Saved runs: the run in progress is saved to IndexedDB as it trains (its settings, live values, History, last
// checkpoint and loss-view options), so that a reload or a closed tab reopens it where it was; earlier runs stay
// in a list that can be renamed, deleted, exported as one file and imported again. idb-keyval (a well-kept,
// 600-byte promise wrapper around IndexedDB) does the storage; everything read back — from the database or from a
// file — goes through `parseSavedRun`, which refuses anything malformed whole, with a one-line message.
import { createStore, del, get, getMany, keys, set, type UseStore } from 'idb-keyval';
import { z } from 'zod';
import { decodeCheckpoint, encodeCheckpoint, type RunCheckpoint } from '../engine/checkpoint';
import { changesToParam, parseChanges, type LiveChange } from '../engine/schedule';
import { History } from '../history/history';
import { encodeHistory, type HistoryData } from '../history/codec';
import {
  APP_TABLE,
  parseRunConfig,
  shapeOf,
  structuralDiff,
  type AppSettings,
  type RunConfig,
} from '../settings';

export const RUN_FILE_FORMAT = 'kru-explorer/run@1';
/** Runs kept in the list; saving one more drops the oldest. */
export const MAX_SAVED_RUNS = 12;

export interface ViewOptions {
  lossSmoothing: number;
  lossLog: boolean;
}

/** One saved run, as the page uses it. */
export interface SavedRun {
  id: string;
  name: string;
  /** Milliseconds since 1970 (Date.now) when it was last saved. */
  savedAt: number;
  /** The config the run was built from (λ and lr as they were then). */
  config: RunConfig;
  /** Its live changes, each at the first step that used it (a reopened run's link replays them). */
  changes: LiveChange[];
  app: AppSettings;
  preset: string | null;
  view: ViewOptions;
  history: History;
  /** Where training resumes (null: a run saved before its first checkpoint starts over). */
  checkpoint: RunCheckpoint | null;
}

/** What the list shows without reading whole runs. */
export interface SavedRunInfo {
  id: string;
  name: string;
  savedAt: number;
  steps: number;
  models: string[];
}

const Meta = z
  .object({
    format: z.literal(RUN_FILE_FORMAT, {
      error: `this is not a KRU Explorer run file (format "${RUN_FILE_FORMAT}")`,
    }),
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'id must be 1–64 letters, digits, - or _' }),
    name: z.string().max(200),
    savedAt: z.number().finite(),
    config: z.unknown(),
    app: z.object(shapeOf(APP_TABLE)).strict(),
    preset: z.string().max(64).nullable(),
    view: z.object({ lossSmoothing: z.number().min(0).max(0.99), lossLog: z.boolean() }).strict(),
    history: z.unknown(),
    checkpoint: z.unknown(),
    changes: z.string().max(200_000),
  })
  .strict();

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A saved run from the database's or a file's data, checked throughout: its config, its History (History.fromData)
 * and its checkpoint (decodeCheckpoint) must each be valid and belong together. Throws an Error with a one-line
 * message; never returns a partial run.
 */
export function parseSavedRun(data: unknown): SavedRun {
  const m = Meta.safeParse(data);
  if (!m.success) {
    const i = m.error.issues[0];
    throw new Error(`${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`);
  }
  const d = m.data;
  const config = parseRunConfig(d.config);
  if (!config.ok) throw new Error(`config: ${config.error}`);
  const changes = parseChanges(d.changes, config.value);
  if (!changes.ok) throw new Error(`changes: ${changes.error}`);
  let history: History;
  try {
    history = History.fromData(d.history);
  } catch (e) {
    const m = message(e);
    throw new Error(m.startsWith('history') ? m : `history: ${m}`);
  }
  const ids = config.value.models.map((x) => `${x.id}:${x.kind}`).join();
  if (history.models.length && history.models.map((x) => `${x.id}:${x.kind}`).join() !== ids)
    throw new Error("history: its models are not the run's");
  let checkpoint: RunCheckpoint | null = null;
  if (d.checkpoint !== null) {
    checkpoint = decodeCheckpoint(d.checkpoint);
    if (
      structuralDiff(config.value, checkpoint.config).length ||
      config.value.seed !== checkpoint.config.seed
    )
      throw new Error('checkpoint: it was taken in a run with other settings');
  }
  const { id, name, savedAt, preset, view } = d;
  const app = d.app as AppSettings; // checked by the APP_TABLE rows' schema
  return {
    id,
    name,
    savedAt,
    config: config.value,
    changes: changes.value,
    app,
    preset,
    view,
    history,
    checkpoint,
  };
}

/** The JSON-safe form of a run (files): History and checkpoint with their arrays as base64 text. */
export function savedRunToJson(run: SavedRun): string {
  return JSON.stringify({
    ...stored(run),
    history: encodeHistory(run.history),
  });
}

/**
 * A run as it goes to storage: what the page copies out of its live state in one quick pass (the History's
 * arrays are fresh copies, so they can be transferred to the storage worker without a copy there), and what the
 * storage side turns into the stored form (`storeRecord`). Plain, structured-cloneable data.
 */
export interface RunRecord {
  meta: Omit<SavedRun, 'history' | 'checkpoint' | 'changes'> & { changes: string };
  history: HistoryData;
  checkpoint: RunCheckpoint | null;
  info: SavedRunInfo;
}

/** The run's record (its History's arrays copied: the live History keeps growing while it is stored). */
export function runRecord(run: SavedRun): RunRecord {
  return recordOf(run, run.history.toJSON());
}

/**
 * The same record, its History copied a slice at a time with `pause` awaited between slices
 * (History.toJSONInSlices): saving a long run while it trains then never holds the page for one long task. A
 * copy that a compaction overtook starts again; after three, the copy is made in one pass.
 */
export async function runRecordInSlices(
  run: SavedRun,
  pause: () => Promise<void>,
  budgetMs?: number,
  clock?: () => number,
): Promise<RunRecord> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const history = await run.history.toJSONInSlices(pause, budgetMs, clock);
    if (history) return recordOf(run, history);
  }
  return runRecord(run);
}

function recordOf(run: SavedRun, history: HistoryData): RunRecord {
  const { history: _live, checkpoint, changes, ...rest } = run;
  const n = history.steps.length;
  return {
    meta: { ...rest, changes: changesToParam(changes) },
    history,
    checkpoint,
    // The step the copy ends at (rows appended while it was made are not in it).
    info: { ...infoOf(run), steps: n ? history.steps[n - 1] : 0 },
  };
}

/** What writes saved runs: the storage worker (run-storage.ts), or these functions on the page. */
export interface RunStorage {
  save(record: RunRecord): Promise<SavedRunInfo[]>;
  rename(id: string, name: string): Promise<void>;
  remove(id: string): Promise<void>;
}

/** The buffers a record owns outright (the History's copied columns): transferable without touching the page. */
export function recordBuffers(r: RunRecord): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: Float32Array) => {
    if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  };
  add(r.history.steps);
  for (const cols of Object.values(r.history.series)) for (const c of Object.values(cols)) add(c.values);
  return [...out];
}

/** The stored form: the History as structured-cloneable data (fast to save), the checkpoint as JSON-safe data. */
function storedRecord(r: RunRecord): Record<string, unknown> & { history: HistoryData } {
  return {
    format: RUN_FILE_FORMAT,
    ...r.meta,
    history: r.history,
    checkpoint: r.checkpoint && encodeCheckpoint(r.checkpoint),
  };
}

function stored(run: SavedRun): Record<string, unknown> & { history: HistoryData } {
  return storedRecord(runRecord(run));
}

export function infoOf(run: SavedRun): SavedRunInfo {
  return {
    id: run.id,
    name: run.name,
    savedAt: run.savedAt,
    steps: run.history.steps.length ? run.history.steps.view()[run.history.steps.length - 1] : 0,
    models: run.config.models.map((x) => x.label),
  };
}

// ---------- the database ----------

let db: UseStore | null = null;
const store = () => (db ??= createStore('kru-explorer', 'runs'));
const RUN = 'run:';
const INFO = 'info:';
const CURRENT = 'current';

export function newRunId(): string {
  return `${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

/**
 * Writes a run's record (replacing its earlier save), makes it the one a reload reopens, drops the oldest runs
 * past MAX_SAVED_RUNS, and returns the list. The storage worker runs this, so the page never pays for encoding
 * and serialising a long History (tens of ms on a slow machine).
 */
export async function storeRecord(r: RunRecord): Promise<SavedRunInfo[]> {
  await set(RUN + r.meta.id, storedRecord(r), store());
  await set(INFO + r.meta.id, r.info, store());
  await set(CURRENT, r.meta.id, store());
  const all = await listRuns();
  for (const old of all.slice(MAX_SAVED_RUNS)) await deleteRun(old.id);
  return all.slice(0, MAX_SAVED_RUNS);
}

/** The saved runs, newest first: only their small info entries are read, never the runs themselves. */
export async function listRuns(): Promise<SavedRunInfo[]> {
  const infoKeys = (await keys(store())).filter(
    (k): k is string => typeof k === 'string' && k.startsWith(INFO),
  );
  const infos = await getMany<SavedRunInfo>(infoKeys, store());
  return infos.filter((i): i is SavedRunInfo => i !== undefined).sort((a, b) => b.savedAt - a.savedAt);
}

/** A saved run, checked (a damaged entry is an Error, never a partial run). */
export async function loadRun(id: string): Promise<SavedRun> {
  const data = await get(RUN + id, store());
  if (data === undefined) throw new Error(`there is no saved run "${id}"`);
  return parseSavedRun(data);
}

/** The run a reload reopens, or null. */
export async function currentRunId(): Promise<string | null> {
  const id = await get<string>(CURRENT, store());
  return typeof id === 'string' ? id : null;
}

export async function renameRun(id: string, name: string): Promise<void> {
  const info = await get<SavedRunInfo>(INFO + id, store());
  const data = await get<Record<string, unknown>>(RUN + id, store());
  if (!info || !data) throw new Error(`there is no saved run "${id}"`);
  const clean = name.trim().slice(0, 200);
  await set(RUN + id, { ...data, name: clean }, store());
  await set(INFO + id, { ...info, name: clean }, store());
}

export async function deleteRun(id: string): Promise<void> {
  await del(RUN + id, store());
  await del(INFO + id, store());
  if ((await currentRunId()) === id) await del(CURRENT, store());
}

/** The writes done where they are called (the storage worker serves these; the page falls back to them). */
export const localRunStorage: RunStorage = { save: storeRecord, rename: renameRun, remove: deleteRun };

/** Adds a run read from a file to the list (under a fresh id, so it never overwrites one) and returns it. */
export async function importRun(text: string): Promise<SavedRun> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('the file is not JSON');
  }
  const run = { ...parseSavedRun(data), id: newRunId(), savedAt: Date.now() };
  await set(RUN + run.id, stored(run), store());
  await set(INFO + run.id, infoOf(run), store());
  return run;
}

/** Plain data with its object keys sorted, so that two configs compare equal whatever their key order. */
function canonical(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canonical);
  if (x && typeof x === 'object')
    return Object.fromEntries(
      Object.keys(x)
        .sort()
        .map((k) => [k, canonical((x as Record<string, unknown>)[k])]),
    );
  return x;
}

export function sameConfig(a: RunConfig, b: RunConfig): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * The saved run a page load should reopen: the one it last saved, when the link asks for nothing else (no
 * preset, and either no settings or that run's own settings — a reload). Null otherwise; `problem` when the
 * saved run could not be read (the page then starts afresh and says why).
 */
export async function reopenable(
  linkConfig: RunConfig | null,
  presetAsked: boolean,
): Promise<{ run: SavedRun | null; problem: string | null }> {
  if (presetAsked) return { run: null, problem: null };
  let id: string | null;
  try {
    id = await currentRunId();
  } catch {
    return { run: null, problem: null }; // no IndexedDB here (a private window): nothing to reopen
  }
  if (!id) return { run: null, problem: null };
  try {
    const run = await loadRun(id);
    return { run: !linkConfig || sameConfig(linkConfig, run.config) ? run : null, problem: null };
  } catch (e) {
    return { run: null, problem: `the last run saved here could not be read (${message(e)})` };
  }
}
