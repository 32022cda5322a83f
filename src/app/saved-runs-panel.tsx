// The list of runs saved in this browser: the current one is saved as it trains; any can be opened (where it
// was, paused), renamed, exported as one file or deleted, and a run file can be imported. A file that is not a
// valid run is refused with a message and changes nothing.
import { useId, useState } from 'react';
import { formatCount } from '../core/format';
import { download } from './download';
import { setRunName, useApp } from './store';
import { openSavedRun } from './recovery';
import { JsonFileButton } from './json-file-button';
import { refreshSavedRuns, saveCurrentRun, useSavedRuns, describeRun } from './run-saver';
import { importRun, loadRun, savedRunToJson, type SavedRunInfo } from './saved-runs';
import { deleteStoredRun, renameStoredRun } from './run-storage';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

function fileName(name: string): string {
  return `kru-explorer-run-${name.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60) || 'run'}.json`;
}

export function SavedRunsPanel() {
  const runs = useSavedRuns((s) => s.runs);
  const problem = useSavedRuns((s) => s.problem);
  const runKey = useApp((s) => s.runKey);
  const current = useApp((s) => s.runName || describeRun(s));
  const [note, setNote] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const nameId = useId();

  const act = async (what: string, f: () => Promise<void>) => {
    try {
      await f();
      await refreshSavedRuns();
    } catch (e) {
      setNote({ kind: 'error', text: `Could not ${what}: ${message(e)}. Nothing was changed.` });
    }
  };
  const open = (r: SavedRunInfo) =>
    act('open the run', async () => {
      const run = await loadRun(r.id);
      await openSavedRun(run, (step) => `Opened "${run.name}" at step ${formatCount(step)}, paused.`);
      setNote(null);
    });

  return (
    <details className="panel saved-runs" data-testid="saved-runs">
      <summary>Saved runs</summary>
      <p className="hint">
        This run is saved in this browser as it trains; a reload reopens it where it was.
      </p>
      <label htmlFor={nameId}>This run&apos;s name</label>
      <input
        id={nameId}
        data-testid="run-name"
        value={current}
        maxLength={200}
        onChange={(e) => setRunName(e.target.value)}
        onBlur={() => void saveCurrentRun()}
      />
      {problem && <p className="field-error">{problem}</p>}
      {note && (
        <p
          className={note.kind === 'error' ? 'field-error' : 'hint'}
          role="alert"
          data-testid="saved-runs-note"
        >
          {note.text}
        </p>
      )}
      <ul className="saved-list" data-testid="saved-list">
        {runs.map((r) => (
          <li key={r.id} data-testid="saved-run" data-current={r.id === runKey ? 'true' : 'false'}>
            <span className="saved-name">{r.name}</span>
            <span className="hint">
              {formatCount(r.steps)} steps · {when(r.savedAt)}
            </span>
            <span className="buttons">
              {r.id !== runKey && (
                <button type="button" onClick={() => void open(r)}>
                  Open
                </button>
              )}
              <button
                type="button"
                onClick={() => {
                  const name = window.prompt('New name for this run', r.name);
                  if (name !== null)
                    void act('rename the run', async () => {
                      await renameStoredRun(r.id, name);
                      if (r.id === runKey) setRunName(name);
                    });
                }}
              >
                Rename
              </button>
              <button
                type="button"
                data-testid="export-run"
                onClick={() =>
                  void act('export the run', async () => {
                    if (r.id === runKey) await saveCurrentRun();
                    const run = await loadRun(r.id);
                    download(fileName(run.name), savedRunToJson(run));
                  })
                }
              >
                Export
              </button>
              <button type="button" onClick={() => void act('delete the run', () => deleteStoredRun(r.id))}>
                Delete
              </button>
            </span>
          </li>
        ))}
      </ul>
      <JsonFileButton
        label="Import run…"
        testId="import-run"
        onFile={async (text) => {
          try {
            const run = await importRun(text);
            await refreshSavedRuns();
            setNote({ kind: 'info', text: `Imported "${run.name}": open it from the list.` });
          } catch (err) {
            setNote({
              kind: 'error',
              text: `Could not import the run file: ${message(err)}. Nothing was changed.`,
            });
          }
        }}
      />
    </details>
  );
}
