/* Jɛkafɔ live room (a CoP's salon, a webinar's room): the chat log and its
   outbox, every room form sent as a frame, moderation state, tabs on a phone.
   Loaded before live.js, which owns the socket and calls the hooks below.
   Every control is a plain form to the room's action endpoint and works
   without this script; here the same fields go over the socket, or over HTTP
   as JSON when the socket is down. docs/realtime-protocol.md is the contract. */
(() => {
'use strict';

const $ = (sel, el = document) => el.querySelector(sel);
const $$ = (sel, el = document) => Array.from(el.querySelectorAll(sel));
const byId = (id) => document.getElementById(id);
const make = (tag, cls, text) => {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text != null) el.textContent = text;
  return el;
};
const show = (el, on) => { if (el) { el.hidden = !on; el.style.display = on ? '' : 'none'; } };
const fill = (tpl, values) => Object.keys(values).reduce((s, k) => s.split('{' + k + '}').join(values[k]), tpl || '');
const json = (id, fallback) => { try { return JSON.parse(byId(id).textContent) || fallback; } catch (e) { return fallback; } };
const enterKey = (e) => e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.defaultPrevented;
const lang = document.documentElement.lang || 'fr';
const plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
// "{n} présent·e" / "{n} présent·es": the element carries both forms.
const counted = (el, n, one = 'one', many = 'many') => {
  const form = plurals ? plurals.select(n) : (n > 1 ? 'other' : 'one');
  return fill(el.dataset[form === 'one' ? one : many] || '{n}', { n });
};
const newKey = (prefix) => prefix + Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

const root = $('.room[data-live]');
if (!root) return;

/* Voice notes waiting to leave: the recording itself, in IndexedDB (localStorage
   holds text only), keyed by the message's idempotency key; live.js empties it
   on sign-out, like the outbox. */
const voiceStore = (() => {
  let opened = null;
  const open = () => opened || (opened = new Promise((resolve, reject) => {
    if (!window.indexedDB) { reject(new Error('IndexedDB')); return; }
    const req = indexedDB.open('jekafo-chat-voice', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('notes');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }));
  const run = (mode, fn) => open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction('notes', mode);
    const req = fn(tx.objectStore('notes'));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  }));
  return {
    put: (key, blob) => run('readwrite', (store) => store.put(blob, key)),
    get: (key) => run('readonly', (store) => store.get(key)),
    drop: (key) => run('readwrite', (store) => store.delete(key)).catch(() => {}),
  };
})();

const uid = document.body.dataset.userId || '';
const actionUrl = root.dataset.actionUrl;
const voiceUrl = root.dataset.voiceUrl;
const schema = json('room-actions', {});
const tpl = byId('chat-message-template');
const log = byId('chat-log');
const form = byId('chat-form');
const input = form && form.elements.body;
let me = json('room-me', {});
let settings = json('room-settings', {});
let canModerate = !!$('#moderation');
// A member writes while the room is open and they are not muted: the page
// follows the room's state and their own mute from here on, clock included.
let member = !!root.dataset.member;
const csrf = ($('meta[name="csrf-token"]') || {}).content || '';
// setTimeout takes at most 2^31 - 1 ms (24.8 days); a later moment is checked again then.
const later = (fn, at) => setTimeout(fn, Math.min(Math.max(0, at - Date.now()) + 500, 2 ** 31 - 1));
let api = null; // live.js: {send, http, flash, ready}
const pending = {}; // key -> {frame, form}
const hooks = { ack: {}, frames: {} }; // webinar.js adds its own
const live = { frames: {}, hooks, me: () => me, get canModerate() { return canModerate; } };
(window.jekafoLive = window.jekafoLive || []).push(live);
window.jekafoRoom = live;

/* Times and days, in the reader's own clock */

const pad = (n) => String(n).padStart(2, '0');
const hhmm = (d) => pad(d.getHours()) + ':' + pad(d.getMinutes());
const dayKey = (d) => d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
function dayLabel(d) {
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(d) === dayKey(today)) return log.dataset.today;
  if (dayKey(d) === dayKey(yesterday)) return log.dataset.yesterday;
  const text = d.toLocaleDateString(lang, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  return text.charAt(0).toUpperCase() + text.slice(1);
}
function stamp(time) {
  const d = new Date(time.getAttribute('datetime'));
  if (isNaN(d)) return;
  time.textContent = hhmm(d);
  time.title = d.toLocaleString(lang, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}
const dayOf = (li) => { const t = $('.msg-time', li); const d = t && new Date(t.getAttribute('datetime')); return d && !isNaN(d) ? d : null; };

// Separators only between messages of two days; drawn again after each insertion.
function days() {
  if (!log) return;
  $$('li.day', log).forEach((el) => el.remove());
  let last = '';
  $$('li.msg', log).forEach((li) => {
    const d = dayOf(li);
    if (!d || dayKey(d) === last) return;
    last = dayKey(d);
    const sep = make('li', 'day');
    sep.setAttribute('role', 'separator');
    sep.append(make('span', '', dayLabel(d)));
    li.before(sep);
  });
}

// A page of backlog brings its messages one frame at a time: the separators
// are drawn once after them, not once per message.
let daysTimer = 0;
function daysSoon() {
  if (!daysTimer) daysTimer = setTimeout(() => { daysTimer = 0; days(); }, 30);
}

/* The chat log */

const boxed = () => /auto|scroll/.test(getComputedStyle(log).overflowY);
const atBottom = () => (boxed()
  ? log.scrollHeight - log.scrollTop - log.clientHeight < 48
  : log.getBoundingClientRect().bottom <= innerHeight + 48);
function toBottom() {
  if (boxed()) log.scrollTop = log.scrollHeight;
  else if (log.lastElementChild) log.lastElementChild.scrollIntoView({ block: 'nearest' });
  show(byId('chat-new'), false);
}

/* Voice notes: a player that downloads nothing before "play", with its length and
   weight printed beside it (static/js/voice.js adds the speeds); the transcript as text. */

const seconds = (d) => { const t = Math.max(0, Math.round(d || 0)); return Math.floor(t / 60) + ':' + pad(t % 60); };
// As the server prints it (forum/templatetags/media.py filesize_short): "830 o", "96 Ko", "1,4 Mo".
function weight(size) {
  if (size < 1000) return fill(tpl.dataset.sizeB, { n: size });
  if (size < 999500) return fill(tpl.dataset.sizeKo, { n: Math.round(size / 1000) });
  return fill(tpl.dataset.sizeMo, { n: (size / 1e6).toFixed(1).replace('.', ',') });
}
const enhance = (el) => { if (window.JekafoVoice && typeof JekafoVoice.enhance === 'function') JekafoVoice.enhance(el); };

function hidden(name, value) {
  const el = make('input');
  Object.assign(el, { type: 'hidden', name, value: String(value) });
  return el;
}

// The site's player (includes/voice_player.html, drawn by the server as a <template>),
// filled for this note: its address, length, weight and transcript (as text, never HTML).
function voicePlayer(v, canTranscribe, tab) {
  const box = byId('voice-template').content.firstElementChild.cloneNode(true);
  box.dataset.voiceId = v.id;
  const audio = $('audio', box);
  audio.src = v.url;
  const label = audio.getAttribute('aria-label') || '';
  audio.setAttribute('aria-label', label.replace(/[^,]*$/, ' ' + seconds(v.duration)));
  const time = $('.voice-meta time', box);
  time.textContent = seconds(v.duration);
  time.setAttribute('datetime', 'PT' + Math.round(v.duration || 0) + 'S');
  const line = time.parentNode;
  line.textContent = '';
  line.append(time, ' · ' + weight(v.size));
  const download = $('a[download]', box);
  if (download) download.href = v.url;
  const transcript = $('.voice-transcript', box);
  if (v.transcript) $('[data-transcript]', box).textContent = v.transcript;
  else if (transcript) transcript.remove();
  if (canTranscribe) {
    const details = make('details', 'voice-transcribe');
    details.append(make('summary', '', v.transcript ? tpl.dataset.fixTranscriptLabel : tpl.dataset.transcribeLabel));
    const edit = make('form');
    edit.method = 'post';
    edit.setAttribute('action', actionUrl);
    edit.dataset.roomAction = '';
    edit.append(hidden('csrfmiddlewaretoken', csrf), hidden('action', 'transcript'), hidden('id', v.id));
    if (tab) edit.append(hidden('onglet', tab));
    const area = make('textarea');
    Object.assign(area, { name: 'text', rows: 2, maxLength: 4000, value: v.transcript || '', id: 'transcript-' + v.id });
    const help = make('label', '', tpl.dataset.transcriptHelp);
    help.htmlFor = area.id;
    const save = make('button', '', tpl.dataset.saveTranscriptLabel);
    save.type = 'submit';
    edit.append(help, area, save);
    details.append(edit);
    box.append(details);
  }
  return box;
}
live.voicePlayer = voicePlayer;
live.enhance = enhance;

function blank(id, name, iso, cls) {
  const li = tpl.content.firstElementChild.cloneNode(true);
  li.id = id;
  if (cls) li.classList.add(cls);
  $('.msg-author', li).textContent = name;
  const time = $('.msg-time', li);
  time.setAttribute('datetime', iso);
  stamp(time);
  show($('.msg-edited', li), false);
  if (cls) $$('.msg-actions', li).forEach((el) => el.remove());
  return li;
}

function renderMessage(m) {
  const gone = !!m.deleted;
  const li = blank('msg-' + m.id, m.author ? m.author.name : '', m.created_at || '', gone && 'deleted');
  Object.assign(li.dataset, { id: m.id, author: m.author ? m.author.id : '', created: m.created_at || '', name: m.author ? m.author.name : '' });
  const body = $('.msg-body', li);
  if (gone) body.textContent = (m.deleted_by_moderator && tpl.dataset.deletedByModeratorLabel) || tpl.dataset.deletedLabel || '';
  else {
    body.innerHTML = m.html || ''; // escaped and linkified by the server: the one innerHTML for chat text
    show($('.msg-edited', li), !!m.edited_at);
    if (m.voice) {
      const mine = !!uid && String(m.author ? m.author.id : '') === uid;
      body.after(voicePlayer(m.voice, mine || canModerate, root.querySelector('[data-panel]') ? 'discussion' : ''));
    }
  }
  $$('input[name="id"]', li).forEach((el) => { el.value = m.id; });
  const mute = $('.msg-mute', li);
  if (mute) mute.href = '?muet=' + (m.author ? m.author.id : '') + '&onglet=moderation#moderation';
  const report = $('.msg-report', li);
  if (report) {
    report.href = report.dataset.pattern.replace('2147483647', m.id);
    show(report, !!uid && String(m.author ? m.author.id : '') !== uid);
  }
  return actions(li);
}

// Which controls this reader may use on a message; the server checks again.
function actions(li) {
  if (!li.dataset || !li.dataset.id) return li;
  const own = !!uid && li.dataset.author === uid && !li.classList.contains('deleted');
  const time = $('.msg-time', li);
  const created = Date.parse(li.dataset.created || (time && time.getAttribute('datetime')));
  show($('.msg-edit', li), own && Date.now() - created < 15 * 60e3);
  const del = $('.msg-delete', li);
  if (del) show(del.form, own || canModerate);
  $$('.mod-only', li).forEach((el) => show(el, canModerate && !(el.classList.contains('msg-mute') && (!li.dataset.author || li.dataset.author === uid))));
  return li;
}

function upsert(m, seq) {
  if (!log || m.id == null) return;
  const old = byId('msg-' + m.id);
  if (old && +old.dataset.seq >= seq) return; // never step back to an older state
  const li = renderMessage(m);
  li.dataset.seq = seq || 0;
  if (old) {
    const focused = old.contains(document.activeElement);
    old.replaceWith(li);
    enhance(li);
    if (focused && input) input.focus();
    return;
  }
  const follow = atBottom();
  // Id order; pending messages (no data-id yet) stay last.
  let ref = null, prev = log.lastElementChild;
  while (prev && !(prev.classList.contains('msg') && +prev.dataset.id < m.id)) { ref = prev; prev = prev.previousElementSibling; }
  log.insertBefore(li, ref);
  enhance(li);
  $$('li.empty', log).forEach((el) => el.remove());
  daysSoon();
  if (follow) toBottom(); else show(byId('chat-new'), true);
}

/* The outbox: messages written but not yet acknowledged. Kept on the device
   (localStorage), so closing the page does not lose them: they leave with
   their key when the room opens again, or, when too old, ask what to do. */

const storeKey = 'jekafo-outbox:' + uid + ':' + root.dataset.live;
const STALE = 6 * 3600e3;
let outbox = [];

const sentKeys = new Set(); // acknowledged or given up here: gone from every tab's list
function saveOutbox() {
  try {
    // Another tab of this room may have its own waiting messages: keep them.
    const mine = new Set(outbox.map((o) => o.key));
    const others = loadOutbox().filter((o) => !mine.has(o.key) && !sentKeys.has(o.key));
    const items = others.concat(outbox.map(({ key, body, at, voice, action, url }) => ({ key, body, at, voice, action, url })));
    if (items.length) localStorage.setItem(storeKey, JSON.stringify(items));
    else localStorage.removeItem(storeKey);
  } catch (e) { /* storage off: the page keeps them while it is open */ }
  outboxNote();
}

function loadOutbox() {
  try {
    const saved = JSON.parse(localStorage.getItem(storeKey)) || [];
    return saved.filter((o) => o && typeof o.key === 'string' && typeof o.body === 'string');
  } catch (e) { return []; }
}

function outboxNote() {
  const note = byId('outbox-note');
  if (!note) return;
  const waiting = outbox.filter((o) => !o.stale).length;
  note.textContent = counted(note, waiting);
  show(note, waiting > 0 && !(api && api.ready));
}

function drawPending(item) {
  const li = blank('out-' + item.key, document.body.dataset.userName || '', new Date(item.at || Date.now()).toISOString(), item.stale ? 'failed' : 'pending');
  $('.msg-body', li).textContent = item.body;
  if (item.voice) {
    // What waits is on this phone: listening to it costs no data.
    const box = make('div', 'voice');
    const label = make('span', 'voice-meta meta', '🎤 ' + tpl.dataset.pendingVoiceLabel + ' · ' + weight(item.voice));
    box.append(label);
    const listen = (blob) => {
      const audio = make('audio');
      audio.controls = true;
      audio.preload = 'metadata';
      audio.src = URL.createObjectURL(blob);
      box.prepend(audio, ' ');
    };
    if (item.blob) listen(item.blob);
    else voiceStore.get(item.key).then((blob) => { if (blob) { item.blob = item.blob || blob; listen(blob); } }).catch(() => {});
    $('.msg-body', li).after(box);
  }
  if (item.stale) {
    const p = make('p', 'msg-error', byId('outbox-note').dataset.stale);
    const again = make('button', 'link', tpl.dataset.resendLabel);
    const drop = make('button', 'link', tpl.dataset.dropLabel);
    again.type = drop.type = 'button';
    again.addEventListener('click', () => { item.stale = false; li.classList.replace('failed', 'pending'); p.remove(); sendItem(item); });
    drop.addEventListener('click', () => { takeFromOutbox(item.key); li.remove(); });
    p.append(' ', again, ' ', drop);
    li.append(p);
  }
  const questions = byId('questions-list');
  (item.action === 'ask' && questions ? questions : log).append(li);
}

function takeFromOutbox(key) {
  const item = outbox.find((o) => o.key === key);
  if (item && item.voice) voiceStore.drop(key);
  sentKeys.add(key);
  outbox = outbox.filter((o) => o.key !== key);
  saveOutbox();
}

// Sending again with the same key is safe: the server answers a repeat with the first ack.
async function sendItem(item) {
  if (item.voice) { sendVoice(item); return; }
  if (!api || item.busy || item.stale || item.retryAt > Date.now()) return;
  const frame = { type: 'send', key: item.key, body: item.body };
  if (api.send(frame)) return;
  if (!api.fallback) return;
  item.busy = true;
  const { data } = await api.http(actionUrl, frame);
  item.busy = false;
  if (data.type === 'ack') { onSent(data); api.poll(); } else if (data.type === 'error') onError(data);
}

// A recording goes up the room's voice door (a socket carries JSON text), by
// multipart POST with its key: sent again after a failure, it is the same message.
async function sendVoice(item) {
  if (item.busy || item.stale || item.retryAt > Date.now()) return;
  item.busy = true;
  let blob = item.blob;
  if (!blob) blob = await voiceStore.get(item.key).catch(() => null);
  if (!blob) {
    item.busy = false;
    onError({ key: item.key, code: 'lost', message: tpl.dataset.voiceLostLabel });
    return;
  }
  item.blob = blob;
  const data = new FormData();
  data.append('action', item.action || 'send');
  data.append('key', item.key);
  data.append('body', item.body || '');
  data.append('voice', blob, blob.name || 'note-vocale');
  let answer = null;
  let status = 0;
  try {
    const res = await fetch(item.url || voiceUrl, {
      method: 'POST', body: data, credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRFToken': csrf },
    });
    status = res.status;
    answer = await res.json().catch(() => null);
  } catch (e) { /* no network: it waits, and leaves when the network returns */ }
  item.busy = false;
  if (answer && answer.type === 'ack') { onSent(answer); if (api) api.poll(); return; }
  if (answer && answer.type === 'error') { onError(answer); return; }
  if (status >= 400 && status !== 408 && status < 500) {
    onError({ key: item.key, code: 'http', message: tpl.dataset.voiceFailedLabel + ' (' + status + ')' });
    return;
  }
  outboxNote();
}

function queueVoice(formEl, file) {
  const item = {
    key: newKey('v'), body: '', at: Date.now(), voice: file.size || 1,
    // (formEl.action is its input named "action": the attribute is the address.)
    action: (formEl.elements.action && formEl.elements.action.value) || 'send', url: formEl.getAttribute('action'), blob: file,
  };
  // Kept on the device before it is listed: a closed page finds both.
  voiceStore.put(item.key, file).catch(() => {}).then(() => {
    outbox.push(item);
    saveOutbox();
    drawPending(item);
    if (item.action !== 'ask') toBottom();
    sendItem(item);
  });
}

function queue() {
  const body = input.value.trim();
  if (!body) return;
  const item = { key: newKey('k'), body, at: Date.now() };
  outbox.push(item);
  saveOutbox();
  drawPending(item);
  toBottom();
  input.value = '';
  sendItem(item);
}

function onSent(f) {
  takeFromOutbox(f.key);
  const li = byId('out-' + f.key);
  if (!li) return;
  // A question is drawn by its own frame, in the questions list.
  if (f.action === 'ask' || byId('msg-' + f.id)) { li.remove(); return; }
  // The message frame follows and replaces this node: seq 0 is older than any.
  Object.assign(li.dataset, { id: f.id, seq: 0, author: uid });
  li.id = 'msg-' + f.id;
  li.classList.remove('pending');
}

function note(li, text, ttl) {
  const p = make('p', 'msg-error', text);
  p.setAttribute('role', 'alert');
  li.append(p);
  if (ttl) setTimeout(() => p.remove(), ttl);
}

function flash(text) { if (api) api.flash(text); }

function onError(f) {
  const text = f.message || f.code;
  const item = f.key && outbox.find((o) => o.key === f.key);
  if (item) {
    if (f.code === 'rate_limited' || f.code === 'slow_mode') {
      item.retryAt = Date.now() + 10e3;
      setTimeout(() => outbox.forEach(sendItem), 10e3);
      flash(text);
      return true;
    }
    takeFromOutbox(f.key);
    const li = byId('out-' + f.key);
    if (li) { li.classList.replace('pending', 'failed'); note(li, text); }
    return true;
  }
  const waiting = f.key && pending[f.key];
  if (waiting) {
    delete pending[f.key];
    busy(waiting.form, false);
    const target = waiting.form && waiting.form.closest('li[id]');
    if (target) note(target, text, 8e3); else flash(text);
    return true;
  }
  const target = f.ref != null && byId('msg-' + f.ref);
  if (target) { note(target, text, 8e3); return true; }
  return false;
}

/* Every room form, as a frame (the fields' kinds come from the server's table) */

function toFrame(formEl) {
  const data = new FormData(formEl);
  const name = data.get('action');
  const frame = { type: name };
  Object.entries(schema[name] || {}).forEach(([field, kind]) => {
    const values = data.getAll(field).filter((v) => typeof v === 'string');
    if (!values.length || (values[0] === '' && kind !== 'text')) return;
    const v = values[0];
    if (kind === 'int' || kind === 'ref') frame[field] = /^[0-9]+$/.test(v) ? parseInt(v, 10) : v;
    else if (kind === 'bool') frame[field] = ['1', 'true', 'on', 'oui', 'yes'].includes(v.toLowerCase());
    else if (kind === 'textlist') frame[field] = values.length > 1 ? values : v.split('\n');
    else frame[field] = v;
  });
  if (!frame.key) frame.key = newKey('a');
  return frame;
}

function busy(formEl, on) {
  if (!formEl) return;
  $$('button[type="submit"], button:not([type])', formEl).forEach((b) => { b.disabled = on; });
}

async function perform(formEl) {
  if (formEl.dataset.confirm && !confirm(formEl.dataset.confirm)) return;
  const { key, body } = formEl.elements;
  if (key && body) {
    // The key names one text: sent again unchanged, it is the same question (never
    // asked twice); changed, it is a new one, whatever became of the first.
    const text = body.value.trim();
    if (formEl.dataset.sent !== undefined && formEl.dataset.sent !== text) key.value = newKey('q');
    formEl.dataset.sent = text;
  }
  const frame = toFrame(formEl);
  pending[frame.key] = { frame, form: formEl };
  busy(formEl, true);
  setTimeout(() => { if (pending[frame.key]) { delete pending[frame.key]; busy(formEl, false); } }, 15e3);
  if (api.send(frame)) return;
  const { data } = await api.http(actionUrl, frame); // the same frame, as JSON
  if (data.type === 'ack') onAck(data);
  else onError(data.type === 'error' ? data : { key: frame.key, code: 'network', message: '…' });
}

function onAck(f) {
  if (f.action === 'send' || (f.key && byId('out-' + f.key))) { onSent(f); return true; }
  const waiting = f.key && pending[f.key];
  if (!waiting) return false;
  delete pending[f.key];
  busy(waiting.form, false);
  if (f.action === 'edit') closeEditor(byId('msg-' + f.id));
  if (f.action === 'mute' || f.action === 'poll') waiting.form.reset();
  delete waiting.form.dataset.sent;
  const hook = hooks.ack[f.action];
  if (hook) hook(waiting.frame, f, waiting.form);
  return true;
}

/* Editing one's message (within 15 minutes) */

function closeEditor(li) {
  if (!li) return;
  const editor = $('.msg-editor', li);
  if (editor) editor.remove();
  show($('.msg-body', li), true);
}

function openEditor(li, button) {
  const body = $('.msg-body', li);
  if (!body || $('.msg-editor', li)) return;
  const id = +li.dataset.id;
  // Frames carry the linkified HTML; rebuild the text from it.
  const copy = body.cloneNode(true);
  $$('br', copy).forEach((br) => br.replaceWith('\n'));
  $$('a[href]', copy).forEach((a) => { if (/…$/.test(a.textContent)) a.textContent = a.getAttribute('href'); });
  const original = copy.textContent.trim();
  const editor = make('form', 'msg-editor');
  const area = make('textarea');
  const save = make('button', 'msg-save', tpl.dataset.saveLabel);
  const cancel = make('button', 'msg-cancel link', tpl.dataset.cancelLabel);
  cancel.type = 'button';
  Object.assign(area, { maxLength: 2000, required: true, value: original });
  area.setAttribute('aria-label', button.textContent.trim());
  editor.append(area, ' ', save, ' ', cancel);
  const close = () => { closeEditor(li); button.focus(); };
  const submit = (e) => {
    e.preventDefault();
    const text = area.value.trim();
    if (!text || text === original) { close(); return; }
    const frame = { type: 'edit', id, body: text, key: newKey('e') };
    pending[frame.key] = { frame, form: editor };
    if (!api.send(frame)) api.http(actionUrl, frame).then(({ data }) => (data.type === 'ack' ? onAck(data) : onError(data)));
  };
  cancel.addEventListener('click', close);
  editor.addEventListener('submit', submit);
  // preventDefault: this Escape is the editor's, not the first of the quick exit's two.
  area.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } else if (enterKey(e)) submit(e); });
  show(body, false);
  body.after(editor);
  area.focus();
}

/* Tabs (webinar room): one part at a time on a phone; ?onglet= without JS */

function selectTab(name, focus) {
  const panel = $('[data-panel="' + name + '"]', root);
  if (!panel) return;
  $$('[data-panel]', root).forEach((p) => p.classList.toggle('current', p === panel));
  $$('.room-tabs a[data-tab]', root).forEach((a) => {
    if (a.dataset.tab === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  root.dataset.tab = name;
  const url = new URL(location.href);
  url.searchParams.set('onglet', name);
  url.hash = '';
  history.replaceState(null, '', url);
  if (focus) {
    const heading = panel.querySelector('h2') || panel;
    heading.tabIndex = -1; // reachable by focus(), not by the Tab key
    heading.focus({ preventScroll: false });
  }
}

/* Moderation state: the room's settings, mutes, the reader's own standing */

// Where the room stands for writing now: "open", "not_yet" or "closed" (as the server says).
function windowNow(r) {
  const now = Date.now();
  if (r.closed || (r.closes_at && Date.parse(r.closes_at) <= now)) return 'closed';
  if (r.opens_at && Date.parse(r.opens_at) > now) return 'not_yet';
  return 'open';
}

let windowTimer;
function drawRoom(r) {
  settings = r;
  const state = windowNow(r);
  const box = byId('room-state');
  if (box) {
    const notes = [];
    if (state === 'closed') notes.push(box.dataset.closed);
    else if (state === 'not_yet') notes.push(box.dataset.notYet);
    if (r.slow_mode) notes.push(counted(box, r.slow_mode, 'slowOne', 'slowMany'));
    // Redrawn only when it says something new: it is a live region.
    if (notes.join('\n') !== Array.from(box.children, (p) => p.textContent).join('\n')) {
      box.textContent = '';
      notes.forEach((text) => box.append(make('p', 'note', text)));
    }
  }
  root.classList.toggle('closed', state === 'closed');
  // The room opens, or closes, by the clock: look again then.
  clearTimeout(windowTimer);
  const next = [r.opens_at, r.closes_at].map((t) => Date.parse(t || '')).filter((t) => t > Date.now());
  if (next.length) windowTimer = later(() => { drawRoom(settings); drawWriting(); }, Math.min(...next));
  const pin = byId('pinned');
  if (pin) {
    show(pin, !!r.pinned);
    if (r.pinned) {
      byId('pinned-author').textContent = r.pinned.author ? r.pinned.author.name : '';
      byId('pinned-body').innerHTML = r.pinned.html; // sanitised at write time
    }
  }
  const close = byId('close-form');
  if (close) {
    close.elements.closed.value = r.closed ? '0' : '1';
    const button = $('button', close);
    button.textContent = r.closed ? button.dataset.reopenLabel : button.dataset.closeLabel;
    button.classList.toggle('danger', !r.closed);
  }
  const slow = byId('slow-seconds');
  if (slow && document.activeElement !== slow) slow.value = r.slow_mode || 0;
}

function untilText(iso, el) {
  if (!iso) return el.dataset.forever;
  const d = new Date(iso);
  const time = dayKey(d) === dayKey(new Date()) ? hhmm(d) : d.toLocaleString(lang, { day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });
  return fill(el.dataset.until, { time });
}

const isOpen = () => windowNow(settings) === 'open';
const muted = () => !!(me && me.muted && (!me.muted.until || Date.parse(me.muted.until) > Date.now()));
live.canTakePart = () => member && isOpen();

let unmuteTimer;
function drawWriting() {
  const state = byId('write-state');
  const silenced = muted();
  if (state) {
    let text = '';
    if (silenced) {
      text = untilText(me.muted.until, state);
      if (me.muted.reason) text += ' ' + fill(state.dataset.reason, { reason: me.muted.reason });
    }
    if (state.textContent !== text) state.textContent = text;
    show(state, silenced);
  }
  clearTimeout(unmuteTimer);
  if (silenced && me.muted.until) {
    // The mute ends by itself: the room takes the member's words again then.
    unmuteTimer = later(drawWriting, Date.parse(me.muted.until));
  }
  const writes = member && isOpen() && (canModerate || !silenced);
  show(form, writes);
  show(byId('voice-form'), writes);
  show(byId('ask-form'), writes);
  show(byId('ask-voice-form'), writes);
  show(byId('hand-form'), member && isOpen());
  show(byId('poll-new'), canModerate && windowNow(settings) !== 'closed');
}

// A mute that ends by itself leaves the moderators' list then.
function expire(li) {
  const until = Date.parse(li.dataset.until || '');
  if (!until) return;
  later(() => { if (until <= Date.now()) li.remove(); else expire(li); }, until);
}

function drawMute(f) {
  const list = byId('mute-list');
  if (!list || !f.user) return;
  const id = String(f.user.id);
  const old = $('li[data-user="' + id + '"]', list);
  if (old) old.remove();
  const choice = $('#mute-user option[value="' + id + '"]');
  if (!f.muted) {
    // Back among those a moderator may name.
    const select = byId('mute-user');
    if (select && !choice) select.append(new Option(f.user.name, id));
    if (!list.children.length) list.append(make('li', 'empty', '—'));
    return;
  }
  if (choice) choice.remove();
  $$('li.empty', list).forEach((el) => el.remove());
  const li = make('li');
  li.dataset.user = id;
  li.append(make('span', 'mute-name', f.user.name), ' — ', make('span', 'mute-until', untilText(f.until, list)), ' ');
  if (f.until) li.dataset.until = f.until;
  expire(li);
  const unmute = make('form', 'inline');
  unmute.method = 'post';
  unmute.action = actionUrl;
  unmute.dataset.roomAction = '';
  [['csrfmiddlewaretoken', csrf], ['action', 'unmute'], ['user', id]].forEach(([name, value]) => {
    const hidden = make('input');
    Object.assign(hidden, { type: 'hidden', name, value });
    unmute.append(hidden);
  });
  const button = make('button', 'link', list.dataset.unmute);
  button.type = 'submit';
  unmute.append(button);
  li.append(unmute);
  list.append(li);
}

function presence(f) {
  const count = byId('presence-count');
  if (count) count.textContent = counted(count, f.count);
  const list = byId('presence-list');
  if (!list || !Array.isArray(f.users)) return;
  list.textContent = '';
  f.users.forEach((u) => list.append(make('li', '', u.name)));
}

async function loadOlder(e) {
  e.preventDefault();
  const button = e.currentTarget;
  const ids = $$('li[data-id]', log).map((li) => +li.dataset.id).filter((n) => n > 0);
  const url = root.dataset.historyUrl + (ids.length ? '?before=' + Math.min(...ids) : '');
  const { data } = await api.http(url);
  if (!Array.isArray(data.messages)) return;
  const batch = document.createDocumentFragment();
  data.messages.forEach((m) => { if (m && !byId('msg-' + m.id)) batch.append(renderMessage(m)); });
  // Keep the reader's place, whether or not the browser anchors scrolling.
  const first = log.firstElementChild;
  const top = first ? first.getBoundingClientRect().top : 0;
  const added = Array.from(batch.children);
  log.insertBefore(batch, $('li.msg', log));
  added.forEach(enhance);
  days();
  const shift = first ? first.getBoundingClientRect().top - top : 0;
  if (boxed()) log.scrollTop += shift; else scrollBy(0, shift);
  if (!data.has_more) show(button, false);
}

/* Hooks live.js calls */

live.ready = (liveApi) => {
  api = liveApi;
  outbox = loadOutbox().map((o) => Object.assign(o, { stale: Date.now() - (o.at || 0) > STALE }));
  if (log) outbox.forEach(drawPending);
  outboxNote();
};
live.hello = (f) => {
  canModerate = !!f.can_moderate;
  member = !!f.member;
  if (f.room) {
    me = Object.assign({}, me, f.room.me || {});
    drawRoom(f.room);
  }
  drawWriting();
  if (log) $$('li[data-id]', log).forEach(actions);
  outbox.forEach(sendItem);
  outboxNote();
};
live.reconnected = () => { outbox.forEach(sendItem); outboxNote(); };
live.ack = onAck;
live.error = onError;
Object.assign(live.frames, {
  message: (f) => { if (f.message) upsert(f.message, f.seq); },
  room: (f) => { if (f.room) { drawRoom(f.room); drawWriting(); } },
  mute: drawMute,
  presence,
});

/* Start */

if (log) {
  $$('.msg-time', log).forEach(stamp);
  days();
  log.addEventListener('click', (e) => {
    const time = e.target.closest('.msg-time');
    if (time) { time.textContent = time.textContent === time.title ? hhmm(new Date(time.getAttribute('datetime'))) : time.title; return; }
    const edit = e.target.closest('.msg-edit');
    if (edit) { e.preventDefault(); openEditor(edit.closest('li[data-id]'), edit); return; }
    const mute = e.target.closest('.msg-mute');
    const select = byId('mute-user');
    if (mute && select) {
      e.preventDefault();
      const li = mute.closest('li[data-id]');
      if (!$('option[value="' + li.dataset.author + '"]', select)) {
        select.append(new Option(li.dataset.name || $('.msg-author', li).textContent, li.dataset.author));
      }
      select.value = li.dataset.author;
      const details = select.closest('details');
      if (details) details.open = true;
      if ($('[data-panel="moderation"]', root)) selectTab('moderation');
      byId('mute-minutes').focus();
    }
  });
  (boxed() ? log : window).addEventListener('scroll', () => { if (atBottom()) show(byId('chat-new'), false); }, { passive: true });
  const newButton = byId('chat-new');
  if (newButton) newButton.addEventListener('click', (e) => { e.preventDefault(); toBottom(); });
  const older = byId('chat-older');
  if (older) older.addEventListener('click', (e) => { if (api) loadOlder(e); });
  if (!location.hash) toBottom();
  setInterval(() => $$('li[data-id]', log).forEach(actions), 60e3); // the edit window closes
}
if (form && input) {
  // Once access is lost the browser posts the form itself and the server explains.
  form.addEventListener('submit', (e) => { if (api && !api.stopped) { e.preventDefault(); queue(); } });
  input.addEventListener('keydown', (e) => { if (enterKey(e) && api && !api.stopped) { e.preventDefault(); queue(); } });
}
// A voice form: sent when a recording is put in it (static/js/voice.js, or the
// phone's own recorder or file picker), or when submitted; without this script
// the browser posts it to the voice door itself.
$$('form.voice-form', root).forEach((voiceForm) => {
  const file = voiceForm.elements.voice;
  const take = () => {
    const chosen = file.files && file.files[0];
    if (!chosen) return false;
    queueVoice(voiceForm, chosen);
    file.value = '';
    return true;
  };
  file.addEventListener('change', take);
  voiceForm.addEventListener('submit', (e) => { e.preventDefault(); take(); });
});
addEventListener('online', () => outbox.forEach(sendItem));
root.addEventListener('submit', (e) => {
  const target = e.target;
  if (target === form || !target.hasAttribute('data-room-action') || !api || api.stopped) return;
  e.preventDefault();
  perform(target);
});
$$('.room-tabs a[data-tab]', root).forEach((a) => a.addEventListener('click', (e) => { e.preventDefault(); selectTab(a.dataset.tab, true); }));
$$('#mute-list li[data-until]').forEach(expire);
drawRoom(settings);
drawWriting();
})();
