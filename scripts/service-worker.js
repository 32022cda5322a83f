// The offline service worker: after the first visit the app keeps working without a network (a classroom with bad
// Wi-Fi). vite.config.ts builds it into dist/sw.js, writing in place of the two self.__PRECACHE_… placeholders
// the build's version (a hash of every file's name and content) and its files (paths relative to sw.js): the app
// shell, every JS and CSS chunk including the workers' bundles, the tfjs .wasm binaries and data/digits.u8.
// Only production builds register it (src/app/main.tsx); the dev server never does.
//
// - install: fetches every file into a cache named after the version, all or nothing, then takes over at once.
// - activate: deletes this app's caches of earlier versions and takes control of open pages.
// - a precached file: from the cache (file names carry content hashes; the version covers the rest).
// - the page itself (index.html): from the network when it answers within a few seconds, so a new deploy shows
//   on the next visit; otherwise (offline, Wi-Fi too slow, a server error) the cached copy, which matches the
//   cached files.
// - anything else: the network, untouched.
// The fetched page is not written to the cache: the cached page always belongs with the cached files.

const VERSION = self.__PRECACHE_VERSION;
const FILES = self.__PRECACHE_FILES;

/** The app's folder (where sw.js sits); every file is relative to it. Apps at other paths keep their caches. */
const ROOT = new URL('./', self.location.href);
const CACHE_PREFIX = `kru-explorer ${ROOT.pathname} `;
const CACHE = CACHE_PREFIX + VERSION;
const PRECACHED = new Set(FILES.map((f) => new URL(f, ROOT).href));
const PAGE = new URL('index.html', ROOT);
/** How long a page load waits for the network before it takes the cached copy. */
const NETWORK_WAIT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // no-cache: revalidate with the server, so an unhashed file (index.html, the data) is never a stale copy
      // from the browser's HTTP cache.
      await cache.addAll(FILES.map((f) => new Request(new URL(f, ROOT), { cache: 'no-cache' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith(CACHE_PREFIX) && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.hash = '';
  if (request.mode === 'navigate') {
    if (url.pathname === ROOT.pathname || url.pathname === PAGE.pathname) event.respondWith(page(request));
  } else if (PRECACHED.has(url.href)) {
    event.respondWith(precached(request, url.href));
  }
});

/** @param {Request} request @param {string} href */
async function precached(request, href) {
  const hit = await caches.match(href, { cacheName: CACHE });
  return hit ?? fetch(request);
}

/** @param {Request} request */
async function page(request) {
  const network = fetch(request);
  network.catch(() => undefined); // it may fail after the cached copy was served
  /** @type {Response | null} */
  let answer = null;
  try {
    answer = await Promise.race([
      network,
      new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS, null)),
    ]);
  } catch {
    // offline: the cached copy
  }
  if (answer && answer.status < 500) return answer;
  const copy = await caches.match(PAGE.href, { cacheName: CACHE });
  if (!copy) return answer ?? network;
  // A host that redirects index.html to its folder left a redirected response, which a navigation must not
  // be given as is: the same body and headers, fresh.
  return copy.redirected ? new Response(copy.body, { status: copy.status, headers: copy.headers }) : copy;
}
