// The storage worker: writes saved runs to IndexedDB off the page's thread. Saving a run encodes its checkpoint
// and serialises its History (up to ~10 MB on a long run): on the page that was a 25–75 ms task every ten
// seconds of training on a two-core machine. A thin comlink facade over saved-runs.ts.
import * as Comlink from 'comlink';
import { localRunStorage } from '../src/app/saved-runs';

Comlink.expose(localRunStorage);
