/* Jɛkafɔ service worker, served at /sw.js (scope "/") by forum.offline_views, which puts
   SHELL, OUTBOX_JS, OFFLINE_URL, OUTBOX_PATHS and VERSION above this text.
   What it keeps, and why (docs/architecture.md, "Offline"):
   - the app shell (CSS, scripts, icons, the offline page), fetched without cookies;
   - the HTML of the last PAGES_KEPT pages the server marked "Jekafo-Offline: keep"
     (threads, salons, the new-thread form), newest use last; never a response with
     Cache-Control no-store, never POST, JSON, WebSocket, uploads or downloads.
   Pages: network first; when it fails (or hangs on 2G while a copy exists), the copy,
   else the offline page. A form POST to an outbox path that fails on the network is
   kept in the outbox (IndexedDB) and the member goes back to the page she was on. */
'use strict';
importScripts(OUTBOX_JS);

const SHELL_CACHE = 'jekafo-shell-' + VERSION;
const PAGES_CACHE = 'jekafo-pages';
const PAGES_KEPT = 20;
const SLOW_MS = 8e3; // on a hanging link, show the copy after this long
const HASHED = /\.[0-9a-f]{12}\.[a-z0-9]+$/; // manifest storage names: never change

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { credentials: 'omit' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith('jekafo-shell-') && n !== SHELL_CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

const keepable = (res) => res.status === 200 && res.type === 'basic' && res.headers.get('Jekafo-Offline') === 'keep' &&
  (res.headers.get('Content-Type') || '').startsWith('text/html') && !/no-store/.test(res.headers.get('Cache-Control') || '');

// A wipe (sign-out, quick exit) must leave no page kept: a page fetched before it must not be
// put back after it, and reading the cache must not re-create it (caches.open would).
let wipes = 0;

async function keep(request, response, epoch) {
  if (epoch !== wipes) return;
  const cache = await caches.open(PAGES_CACHE);
  await cache.delete(request); // put it back last: the cache lists in insertion order
  await cache.put(request, response);
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - PAGES_KEPT)).map((k) => cache.delete(k)));
}

async function copyOf(request) {
  return (await caches.has(PAGES_CACHE)) ? caches.match(request, { cacheName: PAGES_CACHE }) : undefined;
}

async function page(event) {
  const { request } = event;
  const epoch = wipes;
  const copy = await copyOf(request);
  const network = fetch(request).then((res) => {
    if (keepable(res)) event.waitUntil(keep(request, res.clone(), epoch));
    else if (res.status === 404 || res.status === 403) event.waitUntil(caches.has(PAGES_CACHE).then((has) => has && caches.open(PAGES_CACHE).then((c) => c.delete(request))));
    return res;
  });
  const fallback = async () => copy || (await caches.match(OFFLINE_URL)) || Response.error();
  if (!copy) return network.catch(fallback);
  const slow = new Promise((resolve) => setTimeout(() => resolve(null), SLOW_MS));
  try {
    return (await Promise.race([network, slow])) || copy;
  } catch (e) {
    return fallback();
  }
}

// A form of the outbox sent while the link is down: keep it, and go back to its page.
async function post(event) {
  const copy = event.request.clone();
  try {
    return await fetch(event.request);
  } catch (e) {
    const data = await copy.formData();
    const user = await JekafoOutbox.owner();
    if (!user || !data.get('key')) throw e;
    await JekafoOutbox.keepForm({ user, url: copy.url, page: copy.referrer || '/', data });
    if (self.registration.sync) self.registration.sync.register('outbox').catch(() => {});
    return Response.redirect(copy.referrer || '/', 303);
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (request.method === 'POST' && request.mode === 'navigate' && OUTBOX_PATHS.some((re) => re.test(url.pathname))) {
    event.respondWith(post(event));
    return;
  }
  if (request.method !== 'GET') return;
  if (request.mode === 'navigate') {
    event.respondWith(page(event));
    return;
  }
  if (SHELL.includes(url.pathname) || (url.pathname.startsWith('/static/') && HASHED.test(url.pathname))) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then((hit) => hit || fetch(request).then((res) => {
      if (res.ok && res.type === 'basic' && HASHED.test(url.pathname)) {
        const kept = res.clone();
        event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.put(request, kept)));
      }
      return res;
    })));
  }
  // Everything else (JSON, events, uploads, downloads, admin) goes to the network untouched.
});

self.addEventListener('sync', (event) => {
  if (event.tag === 'outbox') event.waitUntil(JekafoOutbox.flush());
});

self.addEventListener('message', (event) => {
  const what = event.data && event.data.type;
  if (what === 'flush') event.waitUntil(JekafoOutbox.flush());
  // Sign-out, quick exit, another member on this phone: nothing of hers stays.
  if (what === 'wipe') {
    wipes += 1;
    event.waitUntil(Promise.all([caches.delete(PAGES_CACHE), JekafoOutbox.wipe()]));
  }
});
