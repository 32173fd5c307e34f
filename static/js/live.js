/* Jɛkafɔ live client: one WebSocket per page (room, thread or bell) with an
   HTTP fallback; docs/realtime-protocol.md is the contract. The page works
   without it. Room pages load room.js (and webinar.js) first: they push
   their frame handlers to window.jekafoLive and get this file's api. */
(() => {
'use strict';

const $ = (sel, el = document) => el.querySelector(sel);
const $$ = (sel, el = document) => Array.from(el.querySelectorAll(sel));
const byId = (id) => document.getElementById(id);
const make = (tag, cls, text) => {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text) el.textContent = text;
  return el;
};
// `hidden` alone loses to rules such as `button{display:inline-block}`.
const show = (el, on) => { if (el) { el.hidden = !on; el.style.display = on ? '' : 'none'; } };
const fill = (tpl, key, value) => (tpl || '{' + key + '}').split('{' + key + '}').join(value);
const addQuery = (url, key, value) => url + (url.includes('?') ? '&' : '?') + key + '=' + value;

const uid = document.body.dataset.userId || '';
const csrf = ($('meta[name="csrf-token"]') || {}).content || '';
const bellCount = byId('bell-count');
const root = $('[data-live][data-kind]'); // #live-status has a data-live label too
if (!root && !(bellCount && uid)) return;
const cfg = root ? root.dataset : { live: '/ws/notifications/', kind: 'notifications' };
const kind = cfg.kind;
const statusEl = byId('live-status');
const pollUrl = cfg.eventsUrl || (uid && bellCount ? '/notifications/compte/' : '');
// Page scripts (room.js, webinar.js) that take frames of their own.
const exts = Array.isArray(window.jekafoLive) ? window.jekafoLive : [];
const each = (hook, arg) => exts.some((ext) => typeof ext[hook] === 'function' && ext[hook](arg) === true);

let cursor = parseInt(cfg.after, 10) || 0;
let ws = null, ready = false, stopped = false, fallback = false;
let fails = 0, delay = 1, heartbeat = 25, heardAt = 0, pingedAt = 0, busyRetry = 0;
let tickTimer, openTimer, retryTimer, pollTimer, flashTimer;
let state = '', stateSecs = '';

function setStatus(next, secs = '') {
  state = next;
  stateSecs = secs;
  if (!statusEl) return;
  statusEl.dataset.state = next;
  const label = statusEl.getAttribute('data-' + (next === 'fallback' ? 'offline' : next));
  statusEl.textContent = (label || '').split('{s}').join(secs);
}

function flash(message) {
  const box = byId('chat-error');
  if (!message || !(box || statusEl)) return;
  (box || statusEl).textContent = message;
  show(box, true);
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => (box ? show(box, false) : setStatus(state, stateSecs)), 8e3);
}

/* Connection */

function connect() {
  clearTimeout(retryTimer);
  if (ws || stopped) return;
  if (!fallback) setStatus('connecting');
  let url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + cfg.live;
  if (kind !== 'notifications') url = addQuery(url, 'after', cursor);
  let sock;
  try { sock = new WebSocket(url); } catch (e) { closed(1006); return; }
  ws = sock;
  heardAt = Date.now();
  pingedAt = 0;
  // A 2G link can hang while connecting for minutes.
  openTimer = setTimeout(() => { if (ws === sock && !ready) drop(); }, 20e3);
  sock.onmessage = (e) => {
    heardAt = Date.now();
    let frame;
    try { frame = JSON.parse(e.data); } catch (err) { return; } // not JSON: skip it
    // The server is full for now: it says when to come back, then closes with 4503.
    if (frame && frame.type === 'busy') { busyRetry = frame.retry > 0 ? Math.min(frame.retry, 60) : 0; return; }
    dispatch(frame);
  };
  sock.onclose = (e) => { if (ws === sock) closed(e.code); };
}

// Forget a dead socket now: its closing handshake may never finish.
function drop() {
  if (!ws) return;
  ws.onclose = ws.onmessage = null;
  ws.close();
  closed(1006);
}

function closed(code) {
  const greeted = ready;
  ws = null;
  ready = false;
  clearInterval(tickTimer);
  clearTimeout(openTimer);
  if ([4400, 4401, 4403, 4404].includes(code)) { lose(); return; }
  if (stopped) return;
  // A full server (4503) is up and answering: waiting longer helps, the fallback would not.
  const busy = code === 4503;
  if (!greeted && !busy && ++fails >= 3 && pollUrl && !fallback) {
    fallback = true;
    setStatus('fallback');
    poll();
  }
  let wait = 60;
  if (!fallback) {
    wait = backoff(busy);
    setStatus('reconnecting', Math.max(1, Math.ceil(wait)));
  }
  busyRetry = 0;
  retryTimer = setTimeout(connect, wait * 1e3);
}

// Full jitter: anywhere between 0 and a ceiling that doubles with each failure (to
// 30 s), so that sockets dropped together (a server restart, a network blip in a
// region) come back spread out, not in waves. A busy server (4503) books each socket
// it turns away its own slot, at the pace it can serve them: wait that long, plus up to
// a quarter more, so slots two servers booked for the same moment spread too; the
// ceiling does not grow for it. The cursor goes with the next attempt (?after=).
function backoff(busy) {
  if (busy) {
    const hint = busyRetry || 2;
    return hint * (1 + Math.random() / 4);
  }
  const wait = Math.random() * delay;
  delay = Math.min(delay * 2, 30);
  return wait;
}

function lose() {
  stopped = true;
  fallback = false;
  clearTimeout(pollTimer);
  clearTimeout(retryTimer);
  drop();
  setStatus('lost');
}

function send(frame) {
  if (ready) ws.send(JSON.stringify(frame));
  return ready;
}

function tick() {
  const now = Date.now();
  // Only an unanswered ping counts: hidden tabs run timers late.
  if (heardAt < pingedAt && now - heardAt > 2e3 * heartbeat) { drop(); return; }
  pingedAt = now;
  send({ type: 'ping' });
}

// Back from sleep, a hidden tab or a lost network: probe, or reconnect now.
function wake() {
  if (stopped) return;
  if (ws) {
    if (ready) { tick(); setTimeout(() => { if (ready && heardAt < pingedAt) drop(); }, 8e3); }
    return;
  }
  delay = 1;
  connect();
}

function dispatch(f) {
  if (!f || typeof f.type !== 'string') return;
  if (typeof f.seq === 'number' && f.seq > cursor && kind !== 'notifications') cursor = f.seq;
  if (handlers.hasOwnProperty(f.type)) handlers[f.type](f);
  exts.forEach((ext) => { if (ext.frames && ext.frames.hasOwnProperty(f.type)) ext.frames[f.type](f); });
}

// JSON over HTTP: GET, or POST of a frame (the room's action endpoint reads JSON).
async function http(url, frame) {
  const init = { credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (frame) {
    Object.assign(init, { method: 'POST', body: JSON.stringify(frame) });
    Object.assign(init.headers, { 'Content-Type': 'application/json', 'X-CSRFToken': csrf });
  }
  try {
    const res = await fetch(url, init);
    return { status: res.status, data: await res.json().catch(() => ({})) || {} };
  } catch (e) {
    return { status: 0, data: {} };
  }
}

async function poll() {
  clearTimeout(pollTimer);
  const url = cfg.eventsUrl && kind !== 'notifications' ? addQuery(pollUrl, 'after', cursor) : pollUrl;
  const { status, data } = await http(url);
  if (!fallback) return;
  if (status === 403 || status === 404) { lose(); return; }
  const frames = Array.isArray(data.frames) ? data.frames : [];
  frames.forEach(dispatch);
  setUnread(data.unread);
  each('reconnected');
  clearTimeout(pollTimer); // an early poll (after an ack) may have overlapped this one
  pollTimer = setTimeout(poll, data.more || frames.length >= 200 ? 0 : kind === 'room' ? 4e3 : 30e3);
}

function setUnread(n) {
  if (typeof n !== 'number') return;
  if (bellCount) { bellCount.textContent = n; show(bellCount, n > 0); }
  const bell = byId('bell');
  if (bell && bell.dataset.label) bell.setAttribute('aria-label', fill(bell.dataset.label, 'n', n));
  document.title = (n > 0 ? '(' + n + ') ' : '') + document.title.replace(/^\(\d+\) /, '');
}

/* Typing */

const typingEl = byId('typing');
let typingTimer, typingUser = null, typingSentAt = 0;

function clearTyping() {
  typingUser = null;
  if (typingEl) typingEl.textContent = '';
}

function sendTyping() {
  if (Date.now() - typingSentAt > 3e3 && send({ type: 'typing' })) typingSentAt = Date.now();
}

/* Frames */

const handlers = {
  hello(f) {
    ready = true;
    fails = 0;
    delay = 1;
    fallback = false;
    clearTimeout(pollTimer);
    clearTimeout(openTimer);
    heartbeat = f.heartbeat > 0 ? f.heartbeat : 25;
    clearInterval(tickTimer);
    tickTimer = setInterval(tick, heartbeat * 1e3);
    setStatus('live');
    setUnread(f.unread);
    each('hello', f);
  },
  pong() {},
  // A page of the backlog came (its frames just before this one): ask for the next.
  more: () => send({ type: 'more' }),
  notifications: (f) => setUnread(f.unread),
  error: (f) => { if (!each('error', f)) flash(f.message || f.code); },
  ack: (f) => each('ack', f),
  thread: (f) => onThread(f),
  readers(f) {
    const el = byId('readers-count');
    if (!el) return;
    const plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || 'fr').select(f.count) : 'other';
    el.textContent = fill(el.dataset[plural === 'one' ? 'one' : 'many'], 'n', f.count);
  },
  typing(f) {
    const u = f.user;
    if (!u || String(u.id) === uid || !typingEl) return;
    typingUser = String(u.id);
    typingEl.textContent = fill(typingEl.dataset.template, 'name', u.name || '');
    clearTimeout(typingTimer);
    typingTimer = setTimeout(clearTyping, 5e3);
  },
  message(f) {
    // Its author is no longer writing it.
    if (f.message && f.message.author && String(f.message.author.id) === typingUser) clearTyping();
  },
  post: (f) => onPost(f),
};

/* Threads */

const posts = kind === 'thread' ? byId('posts') : null;
// Posts whose "created" frame was applied here: a second one changes nothing.
const created = new Set();

// Show links meant for their owner; give posted forms the page's CSRF token.
function adopt(scope) {
  $$('[data-owner]', scope).forEach((el) => { if (uid && el.dataset.owner === uid) show(el, true); });
  // Nobody reports her own post.
  $$('[data-not-owner]', scope).forEach((el) => { if (uid && el.dataset.notOwner === uid) el.remove(); });
  $$('form', scope).forEach((f) => {
    if (f.method !== 'post' || $('[name="csrfmiddlewaretoken"]', f)) return;
    const token = make('input');
    Object.assign(token, { type: 'hidden', name: 'csrfmiddlewaretoken', value: csrf });
    f.prepend(token);
  });
}

function onPost(f) {
  if (!posts || typeof f.html !== 'string') return;
  if (f.event === 'created') {
    if (created.has(f.id)) return;
    created.add(f.id);
  }
  const parsed = make('template');
  parsed.innerHTML = f.html; // the server's own partial; post text sanitised at write time
  const article = parsed.content.querySelector('article');
  if (!article) return;
  adopt(article);
  const old = byId('post-' + f.id);
  if (old) {
    old.replaceWith(article);
  } else {
    const all = $$('article.post', posts);
    const ref = all.find((a) => (a.dataset.path || '') > String(f.path || ''));
    // Past either end of a paginated page, the post belongs to another page.
    if (ref ? ref === all[0] && $('a[rel="prev"]') : !('lastPage' in cfg) && $('a[rel="next"]')) return;
    if (ref) ref.before(article);
    else if (all.length) all[all.length - 1].after(article);
    else posts.append(article);
  }
  article.classList.add('fresh');
  setTimeout(() => article.classList.remove('fresh'), 4e3);
  if (f.event === 'created' && typeof f.seq === 'number') seen(f.seq);
  // The reply is here: its author is no longer writing it.
  if (f.event === 'created' && article.dataset.author && article.dataset.author === typingUser) clearTyping();
  const announce = byId('live-announce');
  if (!old && f.event === 'created' && announce) {
    const author = $('.author a', article) || $('.author', article);
    announce.textContent = fill(announce.dataset.template, 'name', author ? author.textContent.trim() : '');
  }
}

// Replies shown live count as read (forum/unread_views.py, thread_read_live), told to the
// server at most once every few seconds, and only while the page is in view.
const shownLive = new Set();
let readTimer;

function seen(seq) {
  if (!cfg.readUrl || shownLive.size >= 50) return;
  shownLive.add(seq);
  if (!readTimer) readTimer = setTimeout(tellRead, 5e3);
}

function tellRead() {
  readTimer = null;
  if (!shownLive.size || document.visibilityState !== 'visible') return;
  const body = new URLSearchParams();
  shownLive.forEach((seq) => body.append('seq', seq));
  shownLive.clear();
  fetch(cfg.readUrl, { method: 'POST', credentials: 'same-origin', body, headers: { 'X-CSRFToken': csrf } }).catch(() => {});
}

function onThread(f) {
  const h1 = byId('thread-title');
  if (f.title && h1 && h1.textContent !== f.title) {
    document.title = document.title.replace(h1.textContent, f.title);
    h1.textContent = f.title;
  }
  if (f.event === 'locked' || f.event === 'unlocked') {
    show(byId('thread-locked'), f.event === 'locked');
    show(byId('reply-form'), f.event === 'unlocked');
  }
  if (f.event === 'moved' && statusEl && /^\/(?!\/)/.test(f.url || '')) {
    const link = make('a', '', statusEl.dataset.moved || f.url);
    link.href = f.url;
    statusEl.textContent = '';
    statusEl.append(link);
  }
  const note = byId('thread-note');
  if (note && 'note' in f) {
    note.textContent = f.note ? fill(note.dataset.template, 'note', f.note) : '';
    show(note, !!(f.locked && f.note));
  }
  const slow = byId('thread-slow');
  if (slow && 'slow_mode' in f) {
    slow.textContent = fill(slow.dataset.template, 'n', String(f.slow_mode));
    show(slow, f.slow_mode > 0);
  }
  // Replies split into another thread leave this page (where they went is not said).
  if (f.event === 'split' && Array.isArray(f.removed)) {
    f.removed.forEach((id) => { const gone = byId('post-' + id); if (gone) gone.remove(); });
  }
  // Its posts are now another thread's: their numbers mean nothing to this page's address.
  if (f.event === 'merged') { delete cfg.readUrl; shownLive.clear(); }
  // Merged into another thread (this socket now follows it), or too many posts to push.
  const notice = byId('thread-merged');
  if ((f.event === 'merged' || f.event === 'reload') && notice && /^\/(?!\/)/.test(f.url || '')) {
    const link = make('a', '', fill(notice.dataset[f.event], 'title', f.title || ''));
    link.href = f.url;
    notice.textContent = '';
    notice.append(link);
    show(notice, true);
  }
}

/* Start */

const api = {
  send, http, flash, uid,
  poll: () => { if (fallback) poll(); },
  get ready() { return ready; },
  get fallback() { return fallback; },
  get stopped() { return stopped; },
};
exts.forEach((ext) => { if (typeof ext.ready === 'function') ext.ready(api); });

// Messages written but not sent stay on this device until they leave, unless one signs
// out: on a shared phone, the next person must not find them (room.js keeps them).
const logout = byId('logout-form');
if (logout) logout.addEventListener('submit', () => {
  try {
    Object.keys(localStorage).filter((k) => k.startsWith('jekafo-outbox:')).forEach((k) => localStorage.removeItem(k));
  } catch (e) { /* storage off: nothing kept */ }
  // The recordings of voice notes waiting to leave (room.js keeps them in IndexedDB).
  try { if (window.indexedDB) indexedDB.deleteDatabase('jekafo-chat-voice'); } catch (e) { /* none kept */ }
});

if (posts) adopt(posts);
const writing = kind === 'thread' ? $('#reply-form textarea') : byId('chat-body');
if (writing) writing.addEventListener('input', sendTyping);
addEventListener('online', wake);
addEventListener('pageshow', (e) => { if (e.persisted) wake(); });
document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  wake();
  // Replies that came while the page was hidden are read once it is seen again.
  if (shownLive.size && !readTimer) readTimer = setTimeout(tellRead, 5e3);
});
connect();
})();
