/* Jɛkafɔ outbox and drafts. A post or reply form (form[data-outbox]) sent while the
   network is down is kept on this device (IndexedDB: every field, a voice note's File
   too) with its idempotency key, and sent again when the network returns (page load,
   `online`, the service worker's background sync): the server stores a key once, so
   sending twice is harmless. What a member types is kept as a draft (localStorage, per
   member and form) until the form is sent. The service worker (sw.js) loads this file
   too: there only the first part runs. Sign-out and quick exit wipe all of it. */
(() => {
'use strict';
const DB = 'jekafo';
const PAGES = 'jekafo-pages';
const here = typeof document === 'undefined' ? null : document.currentScript;
const LOGIN = (here && here.dataset.login) || self.JEKAFO_LOGIN || '/compte/connexion/';

let opened = null;
function db() {
  opened = opened || new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => { req.result.createObjectStore('outbox', { keyPath: 'key' }); req.result.createObjectStore('meta'); };
    req.onsuccess = () => { req.result.onversionchange = () => { req.result.close(); opened = null; }; resolve(req.result); };
    req.onerror = () => { opened = null; reject(req.error); };
  });
  return opened;
}
async function run(store, mode, fn) {
  const tx = (await db()).transaction(store, mode);
  const req = fn(tx.objectStore(store));
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(req && req.result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}
const getMeta = (name) => run('meta', 'readonly', (s) => s.get(name));
const setMeta = (name, value) => run('meta', 'readwrite', (s) => s.put(value, name));
const list = () => run('outbox', 'readonly', (s) => s.getAll()).then((items) => items || []);
const drop = (key) => run('outbox', 'readwrite', (s) => s.delete(key));
const save = (item) => run('outbox', 'readwrite', (s) => s.put(item));

// FormData's entries, files kept as Blobs with their names (IndexedDB stores Blobs).
async function keepForm({ user, url, page, data }) {
  const fields = [];
  data.forEach((value, name) => {
    if (typeof value === 'string') fields.push([name, value]);
    else if (value.size) fields.push([name, value, value.name]);
  });
  const item = { key: data.get('key'), user: String(user), url, page, fields, at: Date.now() };
  await save(item);
  return item;
}

async function sentKeys() { return (await getMeta('sent')) || []; }
async function markSent(key) { await setMeta('sent', [key].concat((await sentKeys()).filter((k) => k !== key)).slice(0, 50)); }

async function freshToken(page) {
  const res = await fetch(page, { credentials: 'same-origin' });
  const m = /name="csrf-token" content="([^"]+)"/.exec(await res.text());
  return m && m[1];
}

// 'sent', 'wait' (network, server busy, signed out: later) or 'failed' (refused: kept, shown).
async function send(item, retried) {
  const body = new FormData();
  item.fields.forEach(([name, value, filename]) => (filename ? body.append(name, value, filename) : body.append(name, value)));
  let res;
  try {
    res = await fetch(item.url, { method: 'POST', body, credentials: 'same-origin', redirect: 'follow' });
  } catch (e) { return 'wait'; }
  if (res.body) res.body.cancel().catch(() => {}); // the page it leads to is not needed
  if (res.redirected && new URL(res.url).pathname.startsWith(LOGIN)) return 'wait';
  if (res.ok && res.redirected) { await drop(item.key); await markSent(item.key); return 'sent'; }
  if (res.status === 403 && !retried) {
    // A token gone stale (signed in again since): take the form page's.
    const token = await freshToken(item.page).catch(() => null);
    if (token) {
      item.fields = item.fields.filter(([n]) => n !== 'csrfmiddlewaretoken').concat([['csrfmiddlewaretoken', token]]);
      return send(item, true);
    }
    return 'wait';
  }
  if (res.status === 429 || res.status >= 500) return 'wait';
  item.failed = res.status;
  await save(item);
  return 'failed';
}

let flushing = null;
async function flushNow() {
  const owner = await getMeta('user');
  for (const item of await list()) {
    if (item.user !== owner || item.failed) continue;
    if ((await send(item)) === 'wait') break; // the link is down again: keep the order
  }
  if (self.clients && self.clients.matchAll) (await self.clients.matchAll()).forEach((c) => c.postMessage({ type: 'outbox' }));
}
function flush() {
  if (!flushing) {
    const go = () => flushNow().catch(() => {});
    flushing = (navigator.locks ? navigator.locks.request('jekafo-outbox', go) : go()).finally(() => { flushing = null; });
  }
  return flushing;
}

async function wipe() {
  await Promise.all([run('outbox', 'readwrite', (s) => s.clear()), run('meta', 'readwrite', (s) => s.clear())]).catch(() => {});
  if (self.caches) await caches.delete(PAGES).catch(() => {});
}

const api = { keepForm, list, drop, flush, wipe, owner: () => getMeta('user') };
self.JekafoOutbox = api;
if (!here) return; // the service worker stops here

/* The page */

const $$ = (sel, el = document) => Array.from(el.querySelectorAll(sel));
const uid = document.body.dataset.userId || '';
const sw = navigator.serviceWorker;
if (sw && here.dataset.sw) sw.register(here.dataset.sw).catch(() => {});

function forgetDevice() {
  try {
    Object.keys(localStorage).filter((k) => /^jekafo-(outbox|draft):/.test(k)).forEach((k) => localStorage.removeItem(k));
  } catch (e) { /* storage off */ }
  // Voice notes of the chat waiting to leave (room.js keeps their recordings apart).
  try { indexedDB.deleteDatabase('jekafo-chat-voice'); } catch (e) { /* none kept */ }
  if (sw && sw.controller) sw.controller.postMessage({ type: 'wipe' });
  return wipe();
}
api.forget = forgetDevice;

// Signing out leaves nothing of hers on a shared phone (the server also sends Clear-Site-Data).
const logout = document.getElementById('logout-form');
if (logout) {
  logout.addEventListener('submit', (e) => {
    if (logout.dataset.wiped) return;
    e.preventDefault();
    logout.dataset.wiped = '1';
    const go = () => logout.submit();
    Promise.race([forgetDevice(), new Promise((r) => setTimeout(r, 1500))]).then(go, go);
  });
}

const note = document.getElementById('outbox-waiting');
const forms = $$('form[data-outbox]');
const newKey = () => 'p' + Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
const draftName = (form) => 'jekafo-draft:' + uid + ':' + new URL(form.action, location.href).pathname;
const typed = (form) => $$('textarea[name], input[name]:not([type]), input[name][type="text"]', form);

async function showWaiting() {
  if (!note) return;
  const mine = (await list().catch(() => [])).filter((i) => i.user === uid);
  const waiting = mine.filter((i) => !i.failed).length;
  note.textContent = waiting ? (waiting === 1 ? note.dataset.one : note.dataset.many).split('{n}').join(waiting) : '';
  note.hidden = !waiting;
  const box = document.getElementById('outbox-failed');
  if (!box) return;
  box.textContent = '';
  mine.filter((i) => i.failed).forEach((item) => {
    const li = document.createElement('li');
    const text = (item.fields.find(([n]) => n === 'body') || [])[1] || '';
    li.textContent = box.dataset.label + ' « ' + text.slice(0, 140) + ' » ';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    button.textContent = box.dataset.drop;
    button.addEventListener('click', () => drop(item.key).then(showWaiting));
    li.append(button);
    box.append(li);
  });
  box.hidden = !box.childElementCount;
}

async function sendWaiting() {
  if (!uid || navigator.onLine === false) return;
  await flush();
  showWaiting();
}

async function start() {
  if (!uid) return;
  const owner = await getMeta('user').catch(() => undefined);
  if (owner !== undefined && owner !== uid) await forgetDevice(); // another member on this phone
  if (owner !== uid) await setMeta('user', uid).catch(() => {});
  // A copy of a page kept offline shows the key it was drawn with: a key already used
  // (or waiting) would make the server answer with the earlier post.
  const used = new Set((await list().catch(() => [])).map((i) => i.key).concat(await sentKeys().catch(() => [])));
  forms.forEach((form) => { if (form.elements.key && used.has(form.elements.key.value)) form.elements.key.value = newKey(); });
  await showWaiting();
  sendWaiting();
}

forms.forEach((form) => {
  if (!uid) return;
  const name = draftName(form);
  try {
    const draft = JSON.parse(localStorage.getItem(name) || 'null');
    if (draft) typed(form).forEach((el) => { if (!el.value && draft[el.name]) el.value = draft[el.name]; });
  } catch (e) { /* no draft */ }
  let timer;
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const draft = {};
      typed(form).forEach((el) => { if (el.value.trim()) draft[el.name] = el.value; });
      try {
        if (Object.keys(draft).length) localStorage.setItem(name, JSON.stringify(draft));
        else localStorage.removeItem(name);
      } catch (e) { /* storage full or off */ }
    }, 400);
  });
  form.addEventListener('submit', (e) => {
    clearTimeout(timer);
    try { localStorage.removeItem(name); } catch (err) { /* off */ }
    if (navigator.onLine !== false || !window.indexedDB || e.defaultPrevented) return; // online: the browser sends it
    e.preventDefault();
    keepForm({ user: uid, url: form.action, page: location.href, data: new FormData(form) }).then(() => {
      typed(form).forEach((el) => { el.value = ''; });
      $$('input[type="file"]', form).forEach((el) => { el.value = ''; });
      form.elements.key.value = newKey();
      if (note) form.after(note); // where she is looking, not at the top of a long thread
      if (sw && sw.ready) sw.ready.then((reg) => reg.sync && reg.sync.register('outbox')).catch(() => {});
      return showWaiting();
    }, () => form.submit());
  });
});

addEventListener('online', sendWaiting);
if (sw) sw.addEventListener('message', (e) => { if (e.data && e.data.type === 'outbox') showWaiting(); });

// The offline page lists the pages this device keeps.
const kept = document.getElementById('kept-pages');
if (kept && self.caches) {
  caches.open(PAGES).then((cache) => cache.keys().then((keys) => Promise.all(keys.reverse().map(async (req) => {
    const html = await (await cache.match(req)).text();
    const m = /<title>([^<]*)<\/title>/.exec(html);
    const a = document.createElement('a');
    a.href = req.url;
    // DOMParser decodes the title's entities and runs nothing.
    a.textContent = m ? new DOMParser().parseFromString(m[1], 'text/html').documentElement.textContent.replace(/ · Jɛkafɔ$/, '') : req.url;
    const li = document.createElement('li');
    li.append(a);
    kept.append(li);
  })))).then(() => { kept.hidden = !kept.childElementCount; });
}

start().catch(() => {});
})();
