/* Jɛkafɔ webinar room: questions, polls, raised hands and moderation, live.
   Loaded before live.js, which owns the socket and calls the hooks below.
   Every control is a plain form that works without this script; here the
   same fields go over the socket (or over HTTP when it is down). */
(() => {
'use strict';

const byId = (id) => document.getElementById(id);
const root = document.querySelector('.webinar-room');
if (!root) return;
const actionUrl = root.dataset.actionUrl;
const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
const uid = document.body.dataset.userId || '';
let canModerate = !!root.dataset.canModerate;
let canTakePart = !!root.dataset.canTakePart;
let me = { upvoted: [], votes: {}, hand: null };
try { me = JSON.parse(byId('room-me').textContent) || me; } catch (e) { /* keep defaults */ }
const questions = {}, polls = {}, hands = {};
const pending = {};
const INTS = ['id', 'option', 'seconds', 'user'];
const FLAGS = ['up', 'answered', 'hidden', 'closed', 'muted'];

const live = window.jekafoLive = { frames: {} };
const label = (el, name, n) => (el.dataset[name] || '').split('{n}').join(n);
const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text != null) node.textContent = text;
  return node;
};

function miniForm(action, fields, text, cls) {
  const form = el('form', 'inline');
  form.method = 'post';
  form.action = actionUrl;
  const all = Object.assign({ action }, fields);
  Object.keys(all).forEach((name) => {
    const input = el('input');
    input.type = 'hidden';
    input.name = name;
    input.value = String(all[name]);
    form.append(input);
  });
  const button = el('button', 'link ' + (cls || ''), text);
  button.type = 'submit';
  form.append(button);
  return form;
}

/* Sending: the same fields as the form, as a frame */

function toFrame(data) {
  const frame = { type: data.get('action') };
  data.forEach((value, name) => {
    if (name === 'action' || name === 'csrfmiddlewaretoken') return;
    if (INTS.includes(name)) frame[name] = value === '' ? null : parseInt(value, 10);
    else if (FLAGS.includes(name)) frame[name] = value === '1';
    else if (name === 'options') frame.options = value.split('\n').map((s) => s.trim()).filter(Boolean);
    else frame[name] = value;
  });
  if (frame.type === 'pin' && frame.id === undefined) frame.id = null;
  return frame;
}

async function act(form) {
  const data = new FormData(form);
  const frame = toFrame(data);
  if (!frame.key) frame.key = 'w' + Math.random().toString(36).slice(2, 12);
  pending[frame.key] = { frame, form };
  if (live.api && live.api.send(frame)) return;
  // The socket is down: the same action over HTTP.
  if (frame.type === 'ask') data.set('key', frame.key);
  const res = await fetch(actionUrl, {
    method: 'POST', credentials: 'same-origin', body: new URLSearchParams(data),
    headers: { Accept: 'application/json', 'X-CSRFToken': csrf },
  }).catch(() => null);
  const body = res ? await res.json().catch(() => ({})) : { error: { message: '…' } };
  if (body.error) live.error(Object.assign({ key: frame.key }, body.error));
  else live.ack({ action: frame.type, id: body.id, key: frame.key });
}

root.addEventListener('submit', (e) => {
  const form = e.target;
  // Not form.action: the input named "action" shadows it.
  if ((form.getAttribute('action') || '') !== actionUrl || !live.api) return;
  e.preventDefault();
  act(form);
});

live.ack = (f) => {
  const item = f.key && pending[f.key];
  if (!item) return;
  delete pending[f.key];
  const { frame, form } = item;
  if (frame.type === 'ask' || frame.type === 'poll') {
    form.reset();
    const key = form.querySelector('input[name="key"]');
    if (key) key.value = 'q' + Math.random().toString(36).slice(2, 14);
  }
  if (frame.type === 'upvote') {
    me.upvoted = me.upvoted.filter((id) => id !== frame.id);
    if (frame.up !== false) me.upvoted.push(frame.id);
    if (questions[frame.id]) drawQuestion(questions[frame.id]);
  }
  if (frame.type === 'vote') { me.votes[String(frame.id)] = frame.option; if (polls[frame.id]) drawPoll(polls[frame.id]); }
  if (frame.type === 'hand' && !frame.id) { me.hand = frame.up === false ? null : f.id; drawHandButton(); }
};

live.error = (f) => {
  const item = f.key && pending[f.key];
  if (!item) return false;
  delete pending[f.key];
  if (live.api) live.api.flash(f.message || f.code);
  return true;
};

live.hello = (f) => {
  canModerate = !!f.can_moderate;
  canTakePart = !!f.can_take_part;
  if (f.room) { drawRoom(f.room); if (f.room.me) me = f.room.me; drawHandButton(); }
};

/* Questions */

function drawQuestion(q) {
  const list = byId('questions');
  if (!list) return;
  if (q.hidden && !canModerate) { const old = byId('q-' + q.id); if (old) old.remove(); return; }
  const li = el('li', 'question' + (q.answered ? ' answered' : '') + (q.hidden ? ' hidden-q' : ''));
  li.id = 'q-' + q.id;
  Object.assign(li.dataset, { id: q.id, votes: q.votes, author: q.author ? q.author.id : '' });
  li.append(el('span', 'q-votes', String(q.votes)));
  const body = el('div', 'q-body');
  if (q.hidden) body.append(el('em', '', list.dataset.hiddenLabel));
  else body.innerHTML = q.html; // escaped and linkified by the server, at write time
  li.append(body, ' ', el('span', 'meta q-author', q.author ? q.author.name : ''));
  const badge = el('span', 'badge q-answered', list.dataset.answeredLabel);
  badge.hidden = !q.answered;
  li.append(' ', badge, ' ');
  const actions = el('span', 'q-actions');
  const mine = q.author && String(q.author.id) === uid;
  if (canTakePart && !mine && !q.hidden) {
    const voted = me.upvoted.includes(q.id);
    const form = miniForm('upvote', { id: q.id, up: voted ? '0' : '1' },
      voted ? list.dataset.unvoteLabel : list.dataset.upvoteLabel, 'q-upvote');
    form.querySelector('button').setAttribute('aria-pressed', String(voted));
    actions.append(form);
  }
  if (canModerate) {
    actions.append(miniForm('answer', { id: q.id, answered: q.answered ? '0' : '1' },
      q.answered ? list.dataset.unanswerLabel : list.dataset.answerLabel, 'q-answer'), ' ');
    actions.append(miniForm('hide_question', { id: q.id, hidden: q.hidden ? '0' : '1' },
      q.hidden ? list.dataset.unhideLabel : list.dataset.hideLabel, 'q-hide'));
  }
  li.append(actions);
  const old = byId('q-' + q.id);
  if (old) old.replaceWith(li); else list.append(li);
  const empty = list.querySelector('.empty');
  if (empty) empty.remove();
  // Most votes first, then the oldest.
  Array.from(list.children)
    .sort((a, b) => (b.dataset.votes - a.dataset.votes) || (a.dataset.id - b.dataset.id))
    .forEach((node) => list.append(node));
}

live.frames.question = (f) => { questions[f.question.id] = f.question; drawQuestion(f.question); };

/* Polls */

function drawPoll(p) {
  const box = byId('polls');
  if (!box) return;
  const art = el('article', 'poll' + (p.closed ? ' closed' : ''));
  art.id = 'poll-' + p.id;
  art.dataset.id = p.id;
  const h = el('h3', '', p.question);
  if (p.closed) h.append(' ', el('span', 'badge', box.dataset.closedLabel));
  art.append(h);
  const voted = me.votes[String(p.id)];
  const form = miniForm('vote', { id: p.id }, box.dataset.voteLabel, 'poll-vote');
  form.className = '';
  const button = form.querySelector('button');
  const list = el('ul', 'poll-options');
  p.options.forEach((o) => {
    const li = el('li');
    li.dataset.option = o.id;
    const lab = el('label');
    const radio = el('input');
    Object.assign(radio, { type: 'radio', name: 'option', value: o.id, disabled: p.closed || !canTakePart || !!voted, checked: voted === o.id });
    lab.append(radio, ' ' + o.label);
    const meter = el('meter');
    Object.assign(meter, { min: 0, max: Math.max(p.total, 1), value: o.votes });
    li.append(lab, ' ', meter, ' ', el('span', 'poll-count', String(o.votes)));
    list.append(li);
  });
  form.insertBefore(list, button);
  if (p.closed || !canTakePart || voted) button.remove();
  art.append(form, el('p', 'meta', label(box, 'totalLabel', p.total)));
  if (canModerate && !p.closed) art.append(miniForm('close_poll', { id: p.id }, box.dataset.closeLabel, 'poll-close'));
  const old = byId('poll-' + p.id);
  if (old) old.replaceWith(art); else box.append(art);
  const empty = box.querySelector('.empty');
  if (empty) empty.remove();
}

live.frames.poll = (f) => { polls[f.poll.id] = f.poll; drawPoll(f.poll); };

/* Raised hands */

function drawHand(h) {
  const list = byId('hands');
  if (!list) return;
  const old = byId('hand-' + h.id);
  if (h.state === 'lowered') {
    if (old) old.remove();
    if (h.user && String(h.user.id) === uid && me.hand === h.id) { me.hand = null; drawHandButton(); }
    return;
  }
  const li = el('li', 'hand ' + h.state);
  li.id = 'hand-' + h.id;
  li.dataset.id = h.id;
  li.append(el('span', 'hand-name', h.user ? h.user.name : ''));
  if (h.state === 'called') li.append(' ', el('span', 'badge', list.dataset.calledLabel));
  if (canModerate) {
    if (h.state === 'raised') li.append(' ', miniForm('call_hand', { id: h.id }, list.dataset.callLabel, 'hand-call'));
    li.append(' ', miniForm('hand', { up: '0', id: h.id }, list.dataset.lowerLabel, 'hand-lower'));
  }
  if (old) old.replaceWith(li); else list.append(li);
  if (h.user && String(h.user.id) === uid) { me.hand = h.id; drawHandButton(); }
  const empty = list.querySelector('.empty');
  if (empty) empty.remove();
}

function drawHandButton() {
  const button = byId('hand-button');
  if (!button) return;
  button.textContent = me.hand ? button.dataset.lowerLabel : button.dataset.raiseLabel;
  button.form.elements.up.value = me.hand ? '0' : '1';
}

live.frames.hand = (f) => { hands[f.hand.id] = f.hand; drawHand(f.hand); };

/* The room: slow mode, closed, pinned message, mutes */

function drawRoom(r) {
  const box = byId('room-state');
  if (box) {
    box.textContent = '';
    const now = Date.now();
    const closed = r.closed || (r.closes_at && Date.parse(r.closes_at) <= now);
    if (closed) box.append(el('p', '', box.dataset.closedLabel));
    else if (r.opens_at && Date.parse(r.opens_at) > now) box.append(el('p', '', box.dataset.notYetLabel));
    if (r.slow_mode) box.append(el('p', '', box.dataset.slowLabel.split('{s}').join(r.slow_mode)));
    if (closed) ['chat-form', 'ask-form', 'hand-form', 'poll-form'].forEach((id) => { const f = byId(id); if (f) f.hidden = true; });
  }
  const pin = byId('pinned');
  if (pin) {
    pin.hidden = !r.pinned;
    if (r.pinned) {
      byId('pinned-author').textContent = r.pinned.author ? r.pinned.author.name : '';
      byId('pinned-body').innerHTML = r.pinned.html; // sanitised at write time
    }
  }
}

live.frames.room = (f) => drawRoom(f.room);
live.frames.mute = (f) => {
  if (!f.user || String(f.user.id) !== uid) return;
  const box = byId('room-state');
  const form = byId('chat-form');
  if (form) form.hidden = f.muted;
  const ask = byId('ask-form');
  if (ask) ask.hidden = f.muted;
  if (box && f.muted) box.append(el('p', '', box.dataset.mutedLabel));
};

/* Moderators: pin a message, mute its author */

const log = byId('chat-log');
const tpl = byId('chat-message-template');
function modButtons(li) {
  if (!canModerate || !li.dataset || !li.dataset.id || li.querySelector('.mod-pin')) return;
  const actions = li.querySelector('.msg-actions');
  if (!actions) return;
  actions.append(' ', miniForm('pin', { id: li.dataset.id }, tpl.dataset.pinLabel, 'mod-pin'));
  if (li.dataset.author && li.dataset.author !== uid) {
    actions.append(' ', miniForm('mute', { user: li.dataset.author, muted: '1' }, tpl.dataset.muteLabel, 'mod-mute'));
  }
}
if (log && tpl) {
  new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach((n) => { if (n.nodeType === 1) modButtons(n); })))
    .observe(log, { childList: true });
  const addAll = () => Array.from(log.children).forEach(modButtons);
  const hello = live.hello;
  live.hello = (f) => { hello(f); addAll(); };
}
})();
