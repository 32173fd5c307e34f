/* Jɛkafɔ webinar room: questions, polls and raised hands, drawn live.
   Loaded after room.js (which sends every room form as a frame) and before
   live.js (which owns the socket). Every control is a plain form that works
   without this script. */
(() => {
'use strict';

const byId = (id) => document.getElementById(id);
const room = window.jekafoRoom;
const root = document.querySelector('.webinar-room');
if (!root || !room) return;
const actionUrl = root.dataset.actionUrl;
const uid = document.body.dataset.userId || '';
const lang = document.documentElement.lang || 'fr';
const plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
const counted = (el, n, one, many) => {
  const form = plurals ? plurals.select(n) : (n > 1 ? 'other' : 'one');
  return (el.dataset[form === 'one' ? one : many] || '{n}').split('{n}').join(n);
};
const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text != null) node.textContent = text;
  return node;
};
const me = () => Object.assign({ upvoted: [], votes: {}, hand: null }, room.me());

function miniForm(action, fields, text, cls, tab) {
  const form = el('form', 'inline');
  form.method = 'post';
  form.action = actionUrl;
  form.dataset.roomAction = '';
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  const all = Object.assign({ csrfmiddlewaretoken: csrf, action, onglet: tab }, fields);
  Object.keys(all).forEach((name) => {
    const input = el('input');
    Object.assign(input, { type: 'hidden', name, value: String(all[name]) });
    form.append(input);
  });
  const button = el('button', 'link ' + (cls || ''), text);
  button.type = 'submit';
  form.append(button);
  return form;
}

function setCount(name, n) {
  const badge = root.querySelector('[data-count="' + name + '"]');
  if (badge) badge.textContent = n;
}

function clearEmpty(list) {
  const empty = list.querySelector('.empty');
  if (empty) empty.remove();
}

/* Questions */

const questions = {};

function drawQuestion(q) {
  const list = byId('questions-list');
  if (!list) return;
  questions[q.id] = q;
  const old = byId('q-' + q.id);
  if (q.hidden && !room.canModerate) { if (old) old.remove(); countQuestions(); return; }
  const li = el('li', 'question' + (q.answered ? ' answered' : '') + (q.hidden ? ' hidden-q' : ''));
  li.id = 'q-' + q.id;
  Object.assign(li.dataset, { id: q.id, votes: q.votes, author: q.author ? q.author.id : '' });
  const votes = el('span', 'q-votes', String(q.votes));
  votes.setAttribute('aria-label', counted(list, q.votes, 'votesOne', 'votesMany'));
  li.append(votes);
  const body = el('div', 'q-body');
  if (q.hidden) body.append(el('em', '', list.dataset.hiddenLabel));
  else body.innerHTML = q.html; // escaped and linkified by the server, at write time
  li.append(body);
  const mine = q.author && String(q.author.id) === uid;
  if (q.voice && !q.hidden) li.append(room.voicePlayer(q.voice, mine || room.canModerate, 'questions'));
  li.append(' ', el('span', 'meta q-author', q.author ? q.author.name : ''));
  const badge = el('span', 'badge q-answered', list.dataset.answeredLabel);
  badge.hidden = !q.answered;
  li.append(' ', badge, ' ');
  const actions = el('span', 'q-actions');
  if (room.canTakePart() && !mine && !q.hidden) {
    const voted = me().upvoted.includes(q.id);
    const form = miniForm('upvote', { id: q.id, up: voted ? '0' : '1' },
      voted ? list.dataset.unvoteLabel : list.dataset.upvoteLabel, 'q-upvote', 'questions');
    form.querySelector('button').setAttribute('aria-pressed', String(voted));
    actions.append(form);
  }
  if (room.canModerate) {
    actions.append(miniForm('answer', { id: q.id, answered: q.answered ? '0' : '1' },
      q.answered ? list.dataset.unanswerLabel : list.dataset.answerLabel, 'q-answer', 'questions'), ' ');
    actions.append(miniForm('hide_question', { id: q.id, hidden: q.hidden ? '0' : '1' },
      q.hidden ? list.dataset.unhideLabel : list.dataset.hideLabel, 'q-hide', 'questions'));
  }
  li.append(actions);
  if (old) old.replaceWith(li); else list.append(li);
  room.enhance(li);
  clearEmpty(list);
  // Most votes first, then the oldest (questions still waiting to leave stay last).
  Array.from(list.children).filter((node) => node.classList.contains('question'))
    .sort((a, b) => (b.dataset.votes - a.dataset.votes) || (a.dataset.id - b.dataset.id))
    .forEach((node) => list.append(node));
  countQuestions();
}

function countQuestions() {
  const list = byId('questions-list');
  if (list) setCount('questions', list.querySelectorAll('li.question:not(.hidden-q)').length);
}

/* Polls */

const polls = {};

function drawPoll(p) {
  const box = byId('polls');
  if (!box) return;
  polls[p.id] = p;
  const art = el('article', 'poll' + (p.closed ? ' closed' : ''));
  art.id = 'poll-' + p.id;
  art.dataset.id = p.id;
  const h = el('h3', '', p.question);
  if (p.closed) h.append(' ', el('span', 'badge', box.dataset.closedLabel));
  art.append(h);
  const voted = me().votes[String(p.id)];
  const form = miniForm('vote', { id: p.id }, box.dataset.voteLabel, 'poll-vote', 'sondages');
  form.className = '';
  const button = form.querySelector('button');
  button.className = 'poll-vote';
  const list = el('ul', 'poll-options');
  p.options.forEach((o) => {
    const li = el('li');
    li.dataset.option = o.id;
    const lab = el('label');
    const radio = el('input');
    Object.assign(radio, { type: 'radio', name: 'option', value: o.id, required: true, disabled: p.closed || !room.canTakePart() || !!voted, checked: voted === o.id });
    lab.append(radio, ' ' + o.label);
    if (voted === o.id) lab.append(' ', el('span', 'badge mine', box.dataset.votedLabel));
    const meter = el('meter');
    Object.assign(meter, { min: 0, max: Math.max(p.total, 1), value: o.votes });
    li.append(lab, ' ', meter, ' ', el('span', 'poll-count', String(o.votes)));
    list.append(li);
  });
  form.insertBefore(list, button);
  if (p.closed || !room.canTakePart() || voted) button.remove();
  art.append(form, el('p', 'meta', counted(box, p.total, 'totalOne', 'totalMany')));
  if (room.canModerate && !p.closed) art.append(miniForm('close_poll', { id: p.id }, box.dataset.closeLabel, 'poll-close', 'sondages'));
  const old = byId('poll-' + p.id);
  if (old) old.replaceWith(art); else box.append(art);
  clearEmpty(box);
}

/* Raised hands */

function drawHand(h) {
  const list = byId('hands');
  if (!list) return;
  const old = byId('hand-' + h.id);
  const mine = h.user && String(h.user.id) === uid;
  if (h.state === 'lowered') {
    if (old) old.remove();
    if (mine && me().hand === h.id) { room.me().hand = null; drawHandButton(); }
  } else {
    const li = el('li', 'hand ' + h.state);
    li.id = 'hand-' + h.id;
    li.dataset.id = h.id;
    li.append(el('span', 'hand-name', h.user ? h.user.name : ''));
    if (h.state === 'called') li.append(' ', el('span', 'badge', list.dataset.calledLabel));
    if (room.canModerate) {
      if (h.state === 'raised') li.append(' ', miniForm('call_hand', { id: h.id }, list.dataset.callLabel, 'hand-call', 'mains'));
      li.append(' ', miniForm('hand', { up: '0', id: h.id }, list.dataset.lowerLabel, 'hand-lower', 'mains'));
    }
    if (old) old.replaceWith(li); else list.append(li);
    if (mine) { room.me().hand = h.id; drawHandButton(); }
    clearEmpty(list);
  }
  setCount('mains', list.querySelectorAll('li.hand').length);
}

function drawHandButton() {
  const button = byId('hand-button');
  if (!button) return;
  const up = !!me().hand;
  button.textContent = up ? button.dataset.lowerLabel : button.dataset.raiseLabel;
  button.form.elements.up.value = up ? '0' : '1';
}

/* What an acknowledgement changes for the reader */

Object.assign(room.hooks.ack, {
  ask(frame, ack, form) {
    form.reset();
    form.elements.key.value = 'q' + Math.random().toString(36).slice(2, 14);
    delete form.dataset.sent;
  },
  upvote(frame) {
    const state = room.me();
    state.upvoted = (state.upvoted || []).filter((id) => id !== frame.id);
    if (frame.up !== false) state.upvoted.push(frame.id);
    if (questions[frame.id]) drawQuestion(questions[frame.id]);
  },
  vote(frame) {
    const state = room.me();
    state.votes = Object.assign({}, state.votes, { [String(frame.id)]: frame.option });
    if (polls[frame.id]) drawPoll(polls[frame.id]);
  },
  hand(frame, ack) {
    if (frame.id) return; // a moderator lowering someone's hand
    room.me().hand = frame.up === false ? null : ack.id;
    drawHandButton();
  },
});

(window.jekafoLive = window.jekafoLive || []).push({
  frames: {
    question: (f) => drawQuestion(f.question),
    // An upvote or a poll vote: the new counts only (the rest is already drawn).
    votes: (f) => {
      const q = questions[f.question];
      if (q) drawQuestion(Object.assign(q, { votes: f.votes }));
    },
    poll: (f) => drawPoll(f.poll),
    tally: (f) => {
      const p = polls[f.poll];
      if (!p) return;
      const counts = new Map(f.options.map((o) => [o.id, o.votes]));
      p.options.forEach((o) => { if (counts.has(o.id)) o.votes = counts.get(o.id); });
      drawPoll(Object.assign(p, { total: f.total }));
    },
    hand: (f) => drawHand(f.hand),
  },
  hello() {
    drawHandButton();
  },
});
})();
