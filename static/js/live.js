/* Jɛkafɔ live client: one WebSocket per page (room, thread or bell) with an
   HTTP fallback; docs/realtime-protocol.md is the contract. The page works
   without it. */
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
const setText = (el, text) => { if (el) el.textContent = text; };
const fill = (tpl, key, value) => (tpl || '{' + key + '}').split('{' + key + '}').join(value);
const addQuery = (url, key, value) => url + (url.includes('?') ? '&' : '?') + key + '=' + value;
const enterKey = (e) => e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.defaultPrevented;

const uid = document.body.dataset.userId || '';
const csrf = ($('meta[name="csrf-token"]') || {}).content || '';
const bellCount = byId('bell-count');
const root = $('[data-live][data-kind]'); // #live-status has a data-live label too
if (!root && !(bellCount && uid)) return;
const cfg = root ? root.dataset : { live: '/ws/notifications/', kind: 'notifications' };
const kind = cfg.kind;
const statusEl = byId('live-status');
const pollUrl = cfg.eventsUrl || (uid && bellCount ? '/notifications/compte/' : '');
// A page script (webinar.js) may add frame types: {frames, hello, ack, error}.
const ext = window.jekafoLive || null;

let cursor = parseInt(cfg.after, 10) || 0;
let ws = null, ready = false, stopped = false, fallback = false;
let fails = 0, delay = 1, heartbeat = 25, heardAt = 0, pingedAt = 0;
let tickTimer, openTimer, retryTimer, pollTimer, flashTimer;
let state = '', stateSecs = '', me = null, canModerate = false;

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
    try { dispatch(JSON.parse(e.data)); } catch (err) { /* not JSON, or a bad frame: skip it */ }
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
  if (!greeted && ++fails >= 3 && pollUrl && !fallback) {
    fallback = true;
    setStatus('fallback');
    poll();
  }
  let wait = 60;
  if (!fallback) {
    wait = Math.max(1, Math.round(delay * (0.7 + Math.random() * 0.6)));
    delay = Math.min(delay * 2, 30);
    setStatus('reconnecting', wait);
  }
  retryTimer = setTimeout(connect, wait * 1e3);
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
  if (log) $$('li[data-id]', log).forEach(showActions); // the edit window closes
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
  if (handlers.hasOwnProperty(f.type)) handlers[f.type](f);
  else if (ext && ext.frames && ext.frames.hasOwnProperty(f.type)) {
    if (f.seq > cursor) cursor = f.seq;
    ext.frames[f.type](f);
  }
}

async function http(url, fields) {
  const init = { credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (fields) {
    Object.assign(init, { method: 'POST', body: new URLSearchParams(fields) });
    init.headers['X-CSRFToken'] = csrf;
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
  if (log) outbox.forEach(sendItem);
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
    me = f.user || null;
    canModerate = !!f.can_moderate;
    heartbeat = f.heartbeat > 0 ? f.heartbeat : 25;
    clearInterval(tickTimer);
    tickTimer = setInterval(tick, heartbeat * 1e3);
    setStatus('live');
    setUnread(f.unread);
    if (log) $$('li[data-id]', log).forEach(showActions);
    outbox.forEach(sendItem);
    if (ext && ext.hello) ext.hello(f);
  },
  pong() {},
  notifications: (f) => setUnread(f.unread),
  error: (f) => onError(f),
  ack: (f) => (f.action && ext && ext.ack ? ext.ack(f) : onAck(f)),
  thread: (f) => onThread(f),
  readers: (f) => setText(byId('readers-count'), f.count),
  typing(f) {
    const u = f.user;
    if (!u || String(u.id) === uid || !typingEl) return;
    typingUser = String(u.id);
    typingEl.textContent = fill(typingEl.dataset.template, 'name', u.name || '');
    clearTimeout(typingTimer);
    typingTimer = setTimeout(clearTyping, 5e3);
  },
  message(f) {
    if (f.seq > cursor) cursor = f.seq;
    if (f.message) upsert(f.message, f.seq);
  },
  presence(f) {
    setText(byId('presence-count'), f.count);
    const list = byId('presence-list');
    if (!list || !Array.isArray(f.users)) return;
    list.textContent = '';
    f.users.forEach((u) => list.append(make('li', '', u.name)));
  },
  post(f) {
    if (f.seq > cursor) cursor = f.seq;
    onPost(f);
  },
};

/* Rooms */

const tpl = byId('chat-message-template');
const log = kind === 'room' && tpl && tpl.content.firstElementChild ? byId('chat-log') : null;
const form = byId('chat-form');
const input = form && form.elements.body;
const storeKey = 'jekafo-outbox:' + cfg.live;
let outbox = [];

function hhmm(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return isNaN(d) ? '' : pad(d.getHours()) + ':' + pad(d.getMinutes());
}

const boxed = () => /auto|scroll/.test(getComputedStyle(log).overflowY);
const atBottom = () => (boxed()
  ? log.scrollHeight - log.scrollTop - log.clientHeight < 48
  : log.getBoundingClientRect().bottom <= innerHeight + 48);

function toBottom() {
  if (boxed()) log.scrollTop = log.scrollHeight;
  else if (log.lastElementChild) log.lastElementChild.scrollIntoView({ block: 'nearest' });
  show(byId('chat-new'), false);
}

function blank(id, name, iso, cls) {
  const li = tpl.content.firstElementChild.cloneNode(true);
  li.id = id;
  if (cls) li.classList.add(cls);
  setText($('.msg-author', li), name);
  const time = $('.msg-time', li);
  if (time) { time.setAttribute('datetime', iso); time.textContent = hhmm(iso); }
  show($('.msg-edited', li), false);
  if (cls) $$('.msg-actions', li).forEach((el) => el.remove());
  return li;
}

function renderMessage(m) {
  const gone = !!m.deleted;
  const li = blank('msg-' + m.id, m.author ? m.author.name : '', m.created_at || '', gone && 'deleted');
  Object.assign(li.dataset, { id: m.id, author: m.author ? m.author.id : '', created: m.created_at || '' });
  const body = $('.msg-body', li);
  if (gone) {
    setText(body, (m.deleted_by_moderator && tpl.dataset.deletedByModeratorLabel) || tpl.dataset.deletedLabel || '');
  } else if (body) {
    body.innerHTML = m.html || ''; // escaped and linkified by the server: the one innerHTML for user text
    show($('.msg-edited', li), !!m.edited_at);
  }
  showActions(li);
  return li;
}

function showActions(li) {
  const edit = $('.msg-edit', li), del = $('.msg-delete', li), time = $('.msg-time', li);
  const created = Date.parse(li.dataset.created || (time && time.getAttribute('datetime')));
  const own = !!uid && li.dataset.author === uid && !li.classList.contains('deleted');
  show(edit, own && Date.now() - created < 15 * 60e3);
  show(del, own || (canModerate && !li.classList.contains('deleted')));
  // Leave alone an actions box drawn without these buttons (e.g. a plain delete form).
  if (edit || del) show($('.msg-actions', li), [edit, del].some((b) => b && !b.hidden));
}

function upsert(m, seq) {
  if (!log || m.id == null) return;
  const old = byId('msg-' + m.id);
  if (old && +old.dataset.seq >= seq) return; // never step back to an older state
  const li = renderMessage(m);
  li.dataset.seq = seq || 0;
  if (m.author && String(m.author.id) === typingUser) clearTyping();
  if (old) {
    const focused = old.contains(document.activeElement);
    old.replaceWith(li);
    if (focused && input) input.focus();
    return;
  }
  const follow = atBottom();
  // Id order; pending messages (no data-id yet) stay last.
  let ref = null, prev = log.lastElementChild;
  while (prev && !(+prev.dataset.id < m.id)) { ref = prev; prev = prev.previousElementSibling; }
  log.insertBefore(li, ref);
  $$('li.empty', log).forEach((el) => el.remove()); // "no messages yet"
  if (follow) toBottom(); else show(byId('chat-new'), true);
}

function drawPending(item) {
  const li = blank('out-' + item.key, me ? me.name : document.body.dataset.userName || '', new Date().toISOString(), 'pending');
  setText($('.msg-body', li), item.body);
  log.append(li);
}

function note(li, text, ttl) {
  const p = make('p', 'msg-error', text);
  p.setAttribute('role', 'alert');
  li.append(p);
  if (ttl) setTimeout(() => p.remove(), ttl);
}

function saveOutbox() {
  try { sessionStorage.setItem(storeKey, JSON.stringify(outbox.map(({ key, body }) => ({ key, body })))); } catch (e) { /* storage off */ }
}

function loadOutbox() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(storeKey)) || [];
    return saved.filter((o) => o && typeof o.key === 'string' && typeof o.body === 'string');
  } catch (e) { return []; }
}

function takeFromOutbox(key) {
  outbox = outbox.filter((o) => o.key !== key);
  saveOutbox();
}

// Sending again with the same key is safe: the server answers a repeat with the first ack.
async function sendItem(item) {
  if (item.busy || item.retryAt > Date.now()) return;
  if (send({ type: 'send', key: item.key, body: item.body }) || !fallback || !cfg.sendUrl) return;
  item.busy = true;
  const { data } = await http(cfg.sendUrl, { body: item.body, key: item.key });
  item.busy = false;
  if (data.error) onError(Object.assign({ key: item.key }, data.error));
  else if (data.type === 'ack') { onAck(data); poll(); }
}

function queue() {
  const body = input.value.trim();
  if (!body) return;
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const item = { key: 'k' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''), body };
  outbox.push(item);
  saveOutbox();
  drawPending(item);
  toBottom();
  input.value = '';
  sendItem(item);
}

function onAck(f) {
  takeFromOutbox(f.key);
  const li = byId('out-' + f.key);
  if (!li) return;
  if (byId('msg-' + f.id)) { li.remove(); return; }
  // The message frame follows and replaces this node: seq 0 is older than any.
  Object.assign(li.dataset, { id: f.id, seq: 0, author: uid });
  li.id = 'msg-' + f.id;
  li.classList.remove('pending');
}

function onError(f) {
  if (ext && ext.error && ext.error(f)) return;
  const text = f.message || f.code;
  if (f.key) {
    const item = outbox.find((o) => o.key === f.key);
    if (item && f.code === 'rate_limited') {
      item.retryAt = Date.now() + 10e3;
      setTimeout(() => outbox.forEach(sendItem), 10e3);
      flash(text);
      return;
    }
    takeFromOutbox(f.key);
    const li = byId('out-' + f.key);
    if (li) { li.classList.replace('pending', 'failed'); note(li, text); return; }
  }
  const target = f.ref != null && byId('msg-' + f.ref);
  if (target) note(target, text, 8e3); else flash(text);
}

// Over the socket, else over HTTP. An HTTP answer leaves the cursor alone:
// frames before it may still be missing.
async function act(id, frame, verb) {
  if (send(frame)) return;
  const { data } = await http('/salons/messages/' + id + '/' + verb + '/', frame.body ? { body: frame.body } : {});
  if (data.error) onError(Object.assign({ ref: id }, data.error));
  else if (data.message) upsert(data.message, data.seq);
}

function openEditor(li, button) {
  const body = $('.msg-body', li);
  if (!body || $('.msg-editor', li)) return;
  const id = +li.dataset.id;
  // Frames carry no source text: rebuild it from the linkified HTML.
  const copy = body.cloneNode(true);
  $$('br', copy).forEach((br) => br.replaceWith('\n'));
  $$('a[href]', copy).forEach((a) => { if (/…$/.test(a.textContent)) a.textContent = a.getAttribute('href'); });
  const original = copy.textContent.trim();
  const editor = make('form', 'msg-editor');
  editor.innerHTML = '<textarea maxlength="2000" required></textarea> <button class="msg-save"></button> <button type="button" class="msg-cancel"></button>';
  const [area, save, cancel] = editor.children;
  area.value = original;
  area.setAttribute('aria-label', button.textContent.trim());
  save.textContent = tpl.dataset.saveLabel || 'Enregistrer';
  cancel.textContent = tpl.dataset.cancelLabel || 'Annuler';
  const close = () => { editor.remove(); show(body, true); button.focus(); };
  const submit = (e) => {
    e.preventDefault();
    const text = area.value.trim();
    if (text && text !== original) act(id, { type: 'edit', id, body: text }, 'modifier'); else close();
  };
  cancel.addEventListener('click', close);
  editor.addEventListener('submit', submit);
  area.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); else if (enterKey(e)) submit(e); });
  show(body, false);
  body.after(editor);
  area.focus();
}

function onLogClick(e) {
  const button = e.target.closest('.msg-edit, .msg-delete');
  const li = button && button.closest('li[data-id]');
  if (!li) return;
  e.preventDefault();
  const id = +li.dataset.id;
  if (button.classList.contains('msg-edit')) openEditor(li, button);
  else if (confirm(tpl.dataset.confirmDeleteLabel || '?')) act(id, { type: 'delete', id }, 'supprimer');
}

async function loadOlder(e) {
  e.preventDefault();
  const button = e.currentTarget;
  const ids = $$('li[data-id]', log).map((li) => +li.dataset.id).filter((n) => n > 0);
  button.disabled = true;
  const { data } = await http(ids.length ? addQuery(cfg.historyUrl, 'before', Math.min(...ids)) : cfg.historyUrl);
  button.disabled = false;
  if (!Array.isArray(data.messages)) return;
  const batch = document.createDocumentFragment();
  data.messages.forEach((m) => { if (m && !byId('msg-' + m.id)) batch.append(renderMessage(m)); });
  // Keep the reader's place, whether or not the browser anchors scrolling.
  const first = log.firstElementChild;
  const top = first ? first.getBoundingClientRect().top : 0;
  log.insertBefore(batch, $('li[data-id], li.pending, li.failed', log));
  const shift = first ? first.getBoundingClientRect().top - top : 0;
  if (boxed()) log.scrollTop += shift; else scrollBy(0, shift);
  if (!data.has_more) show(button, false);
}

function initRoom() {
  log.addEventListener('click', onLogClick);
  (boxed() ? log : window).addEventListener('scroll', () => { if (atBottom()) show(byId('chat-new'), false); }, { passive: true });
  const newButton = byId('chat-new');
  if (newButton) newButton.addEventListener('click', (e) => { e.preventDefault(); toBottom(); });
  const older = byId('chat-older');
  if (older && cfg.historyUrl) older.addEventListener('click', loadOlder);
  if (form && input) {
    outbox = loadOutbox();
    outbox.forEach(drawPending);
    // Once access is lost the browser posts the form itself and the server explains.
    form.addEventListener('submit', (e) => { if (!stopped) { e.preventDefault(); queue(); } });
    input.addEventListener('keydown', (e) => { if (enterKey(e) && !stopped) { e.preventDefault(); queue(); } });
    input.addEventListener('input', sendTyping);
  }
  if (!location.hash) toBottom();
}

/* Threads */

const posts = kind === 'thread' ? byId('posts') : null;

// Show links meant for their owner; give posted forms the page's CSRF token.
function adopt(scope) {
  $$('[data-owner]', scope).forEach((el) => { if (uid && el.dataset.owner === uid) show(el, true); });
  $$('form', scope).forEach((f) => {
    if (f.method !== 'post' || $('[name="csrfmiddlewaretoken"]', f)) return;
    const token = make('input');
    Object.assign(token, { type: 'hidden', name: 'csrfmiddlewaretoken', value: csrf });
    f.prepend(token);
  });
}

function onPost(f) {
  if (!posts || typeof f.html !== 'string') return;
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
  // The reply is here: its author is no longer writing it.
  if (f.event === 'created' && article.dataset.author && article.dataset.author === typingUser) clearTyping();
  const announce = byId('live-announce');
  if (!old && f.event === 'created' && announce) {
    const author = $('.author a', article) || $('.author', article);
    announce.textContent = fill(announce.dataset.template, 'name', author ? author.textContent.trim() : '');
  }
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
}

/* Start */

if (ext) ext.api = { send, http, flash, uid, get ready() { return ready; } };

if (log) initRoom();
if (posts) adopt(posts);
const reply = kind === 'thread' && $('#reply-form textarea');
if (reply) reply.addEventListener('input', sendTyping);
addEventListener('online', wake);
addEventListener('pageshow', (e) => { if (e.persisted) wake(); });
document.addEventListener('visibilitychange', () => { if (!document.hidden) wake(); });
connect();
})();
