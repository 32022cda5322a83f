import './no-eval'; // first: before any module builds a zod schema
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './app.css';
import { start } from './store';

// The worker starts outside React, once, so StrictMode's double effects cannot start it twice.
void start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

/**
 * The offline service worker (built from scripts/service-worker.js into sw.js next to index.html): production
 * builds only, registered once the page has loaded so its precaching does not compete with the first load.
 * Once it controls the page with every file cached, <html> gets data-offline="ready" (the e2e tests wait for
 * it). A failure (no service workers, a private window, an insecure origin) leaves the app working online.
 */
async function registerOffline(): Promise<void> {
  const sw = navigator.serviceWorker;
  // Relative to the page, so the app works offline under any path it is served from.
  await sw.register(new URL('./sw.js', document.baseURI));
  await sw.ready; // an active worker: its install, which caches every file, has succeeded
  if (!sw.controller)
    await new Promise((resolve) => sw.addEventListener('controllerchange', resolve, { once: true }));
  document.documentElement.dataset.offline = 'ready';
}

if ('serviceWorker' in navigator) {
  if (import.meta.env.PROD) {
    window.addEventListener('load', () => {
      registerOffline().catch((e: unknown) => console.warn('offline use unavailable:', e));
    });
  } else {
    // Dev server: a service worker left by a production build on this origin would serve stale files.
    void navigator.serviceWorker
      .getRegistrations()
      .then((rs) => Promise.all(rs.map((r) => r.unregister())))
      .catch(() => undefined);
  }
}
