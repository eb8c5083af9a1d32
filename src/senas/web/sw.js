// The service worker of the installable app (served at /sw.js by senas.web.pwa, which fills in SHELL: the app
// shell's URLs and a version derived from their content).
//
// What it does, and why:
// - install: precaches the shell (index.html, its modules, styles, icons, manifest) in a cache named after the
//   version, so the app opens with no connection; activate deletes the caches of older versions.
// - the shell's own files are answered from that cache first: the version changes whenever any of them changes,
//   so the cache is never stale for longer than it takes the browser to notice a new /sw.js (it revalidates it).
// - content reads and media go to the network first; only when the network fails does it look in the
//   caches, where the page itself put the lessons the learner opened (their JSON and media: see
//   static/js/offline/lessons.js). The worker never stores API answers of its own accord: a learner's private
//   reads are not kept, and a lesson is kept together with the media URLs it names.
// - writes (anything but GET) are never touched: the page queues them itself when offline (offline/queue.js).

const SHELL = "__SENAS_SHELL__";
const SHELL_PREFIX = "senas-shell-";
const SHELL_CACHE = `${SHELL_PREFIX}${SHELL.version}`;
const LESSON_CACHE = "senas-lessons";
const SHELL_PATHS = new Set(SHELL.files);
const OFFLINE_READABLE = ["/content/", "/_blobs/"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      // cache: "no-cache" revalidates with the server, so the cache holds this version's files, not the HTTP
      // cache's older copies.
      await cache.addAll(SHELL.files.map((url) => new Request(url, { cache: "no-cache" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((name) => name.startsWith(SHELL_PREFIX) && name !== SHELL_CACHE).map((name) => caches.delete(name)),
      );
      // Pages opened before the worker existed use it from now on (so a lesson opened on the first visit still
      // loads its code when the connection drops).
      await self.clients.claim();
    })(),
  );
});

async function fromShell(request, path) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(path);
  if (cached) return cached;
  return fetch(request);
}

async function networkFirst(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await caches.match(request, { ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

// The app's page from the network, or (offline) from the shell; other pages (the API docs) are not the app's.
async function page(request, path) {
  try {
    return await fetch(request);
  } catch (error) {
    if (path !== "/" && path !== "/index.html") throw error;
    const cached = await caches.match("/", { cacheName: SHELL_CACHE });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request, url.pathname));
    return;
  }
  if (SHELL_PATHS.has(url.pathname) && !url.search) {
    event.respondWith(fromShell(request, url.pathname));
    return;
  }
  // Content and media are what an opened lesson needs; the learner's own reads (/users, /ml) and the live
  // notification stream go straight to the network, untouched.
  if (OFFLINE_READABLE.some((prefix) => url.pathname.startsWith(prefix))) event.respondWith(networkFirst(request));
});

// The page asks which version it runs under (shown nowhere, used by the tests and by support).
self.addEventListener("message", (event) => {
  if (event.data === "version" && event.source) event.source.postMessage({ version: SHELL.version, cache: SHELL_CACHE, lessons: LESSON_CACHE });
});
