/* Jɛkafɔ voice: a recorder for <input type="file" accept="audio/*" capture
   data-voice>, speeds for <audio data-voice-player>, and a "listen" button that
   reads posts aloud. Every label comes from the page (templates/includes/
   voice_input.html, voice_player.html, the #listen-button template), so the
   French and English texts stay in the translation files. Without this file,
   or without a microphone, the plain file input lets the phone record. */
(() => {
'use strict';

if (window.JekafoVoice) return;
const done = new WeakSet();
const $$ = (sel, root) => {
  const found = Array.from(root.querySelectorAll ? root.querySelectorAll(sel) : []);
  return root.matches && root.matches(sel) ? [root, ...found] : found;
};
const clock = (s) => { s = Math.max(0, Math.floor(s)); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); };
const fill = (text, t) => (text || '').split('{t}').join(t);
const lang = () => ((document.documentElement.lang || 'fr').toLowerCase().startsWith('fr') ? 'fr' : 'en');

/* Recorder */

const TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus'];
const canRecord = () => {
  if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return false;
  try { return !!new DataTransfer().items; } catch (e) { return false; } // to fill input.files
};
const SHOW = { idle: ['record'], recording: ['stop', 'cancel'], recorded: ['listen', 'keep', 'cancel'], kept: ['listen', 'cancel'] };

function recorder(input) {
  const tpl = input.parentElement && input.parentElement.querySelector('template[data-voice-ui]');
  if (!tpl) return;
  const ui = tpl.content.firstElementChild.cloneNode(true);
  const status = ui.querySelector('.voice-status');
  const say = (key, t) => { status.textContent = fill(status.dataset[key], t); };
  if (!canRecord()) {
    input.before(status);
    say('unsupported');
    return;
  }
  const btn = {};
  ui.querySelectorAll('[data-act]').forEach((b) => { btn[b.dataset.act] = b; });
  const timer = ui.querySelector('.voice-time');
  const player = document.createElement('audio');
  player.preload = 'auto';
  player.hidden = true;
  ui.append(player);
  const listenText = btn.listen.querySelector('span');
  const listenLabel = listenText.textContent;
  const max = parseInt(input.dataset.maxSeconds, 10) || 600;
  let state = 'idle', rec = null, stream = null, chunks = [], file = null, url = '';
  let started = 0, length = 0, tick = 0, ours = false, cancelled = false, hitMax = false, pending = null;

  function set(next) {
    state = next;
    ui.dataset.state = next;
    Object.keys(btn).forEach((k) => { btn[k].hidden = !SHOW[next].includes(k); });
    timer.hidden = next === 'idle';
  }
  function showTime() {
    length = (Date.now() - started) / 1e3;
    timer.textContent = clock(length) + ' / ' + clock(max);
    if (length >= max) { hitMax = true; stop(); }
  }
  function release() {
    if (stream) stream.getTracks().forEach((t) => t.stop()); // the microphone light goes off
    stream = null;
    clearInterval(tick);
  }
  function forget() {
    player.pause();
    player.removeAttribute('src');
    if (url) URL.revokeObjectURL(url);
    url = '';
    file = null;
    listenText.textContent = listenLabel;
  }
  function putFile(f) {
    const dt = new DataTransfer();
    if (f) dt.items.add(f);
    input.files = dt.files;
    ours = true;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    ours = false;
  }

  async function record() {
    forget();
    chunks = [];
    cancelled = hitMax = false;
    btn.record.disabled = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
      const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
      rec = new MediaRecorder(stream, Object.assign({ audioBitsPerSecond: 24000 }, mimeType ? { mimeType } : {}));
    } catch (e) {
      release();
      btn.record.disabled = false;
      say(e && e.name === 'NotAllowedError' ? 'denied' : 'unsupported');
      return;
    }
    btn.record.disabled = false;
    rec.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
    rec.onstop = stopped;
    rec.start(1000);
    started = Date.now();
    set('recording');
    showTime();
    tick = setInterval(showTime, 250);
    say('recording');
    btn.stop.focus();
  }

  function stop() {
    clearInterval(tick);
    if (rec && rec.state !== 'inactive') rec.stop();
  }

  function stopped() {
    const type = (rec.mimeType || (chunks[0] && chunks[0].type) || 'audio/webm').split(';')[0];
    rec = null;
    release();
    if (cancelled || !chunks.length) { set('idle'); return; }
    const ext = { 'audio/ogg': 'ogg', 'audio/mp4': 'm4a', 'audio/mpeg': 'mp3' }[type] || 'webm';
    file = new File(chunks, 'message-vocal.' + ext, { type });
    chunks = [];
    url = URL.createObjectURL(file);
    player.src = url;
    timer.textContent = clock(length);
    set('recorded');
    say(hitMax ? 'max' : 'recorded', clock(length));
    if (pending) {
      const submitter = pending;
      pending = null;
      keep();
      const form = input.form;
      if (form) form.requestSubmit(submitter instanceof HTMLElement ? submitter : undefined);
    } else {
      btn.listen.focus();
    }
  }

  function keep() {
    if (!file) return;
    putFile(file);
    set('kept');
    say('kept', clock(length));
    if (!pending) btn.listen.focus();
  }

  function cancel() {
    const had = state === 'kept';
    cancelled = true;
    if (state === 'recording') stop();
    else release();
    forget();
    if (had) putFile(null);
    set('idle');
    say('cancelled');
    btn.record.focus();
  }

  function listen() {
    if (!player.paused) { player.pause(); player.currentTime = 0; return; }
    player.play().catch(() => {});
  }
  player.onplay = () => { listenText.textContent = btn.listen.dataset.playing; };
  player.onpause = player.onended = () => { listenText.textContent = listenLabel; };

  btn.record.onclick = record;
  btn.stop.onclick = stop;
  btn.keep.onclick = keep;
  btn.cancel.onclick = cancel;
  btn.listen.onclick = listen;
  // A file chosen by hand replaces the recording.
  input.addEventListener('change', () => {
    if (ours || state === 'idle' || state === 'recording') return;
    forget();
    set('idle');
    status.textContent = '';
  });
  const form = input.form;
  if (form) {
    // A recording not yet kept goes with the form; one under way is stopped first.
    form.addEventListener('submit', (e) => {
      if (state === 'recorded') keep();
      else if (state === 'recording') { e.preventDefault(); pending = e.submitter || true; stop(); }
    });
    form.addEventListener('reset', () => { if (state !== 'recording') { forget(); set('idle'); status.textContent = ''; } });
  }
  set('idle');
  input.before(ui);
}

/* Players: 1× / 1,5× / 2× */

function speeds(audio) {
  const group = document.createElement('div');
  group.className = 'voice-speed';
  group.setAttribute('role', 'group');
  if (audio.dataset.speedLabel) group.setAttribute('aria-label', audio.dataset.speedLabel);
  [1, 1.5, 2].forEach((rate) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = rate.toLocaleString(lang()) + '×';
    b.setAttribute('aria-pressed', String(rate === 1));
    b.onclick = () => {
      // The default rate too: loading the source (preload="none") resets playbackRate to it.
      audio.defaultPlaybackRate = audio.playbackRate = rate;
      group.querySelectorAll('button').forEach((o) => o.setAttribute('aria-pressed', String(o === b)));
    };
    group.append(b);
  });
  audio.after(group);
}

/* Listen: read a post aloud with the browser's own voices */

const synth = window.speechSynthesis;
const canSpeak = !!(synth && window.SpeechSynthesisUtterance);
let speaking = null; // the button whose post is being read

function pickVoice(prefix) {
  const voices = synth.getVoices().filter((v) => (v.lang || '').toLowerCase().startsWith(prefix));
  // A voice on the phone itself costs no data.
  return voices.find((v) => v.localService && v.default) || voices.find((v) => v.localService) || voices[0] || null;
}

function postText(post) {
  const parts = [];
  const author = post.querySelector('.author');
  if (author) parts.push(author.textContent.trim());
  post.querySelectorAll('.prose').forEach((p) => {
    const copy = p.cloneNode(true);
    copy.querySelectorAll('.voice-note').forEach((n) => n.remove());
    parts.push(copy.textContent);
  });
  post.querySelectorAll('[data-transcript]').forEach((t) => parts.push(t.textContent));
  return parts.map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean).join('. ');
}

// Chromium stops long utterances after about 15 s: read sentence by sentence.
function sentences(text) {
  const out = [];
  (text.match(/[^.!?…]+[.!?…]*\s*/g) || [text]).forEach((s) => {
    const last = out.length - 1;
    if (last >= 0 && out[last].length + s.length < 200) out[last] += s;
    else out.push(s);
  });
  return out.map((s) => s.trim()).filter(Boolean);
}

function quiet() {
  if (!speaking) return;
  const b = speaking;
  speaking = null;
  b.querySelector('span').textContent = b.dataset.label;
}

function readAloud(button, post) {
  const again = speaking === button;
  synth.cancel();
  quiet();
  if (again) return;
  const parts = sentences(postText(post));
  if (!parts.length) return;
  const prefix = lang();
  const voice = pickVoice(prefix);
  speaking = button;
  button.querySelector('span').textContent = button.dataset.stop;
  parts.forEach((part, i) => {
    const u = new SpeechSynthesisUtterance(part);
    u.lang = voice ? voice.lang : (prefix === 'fr' ? 'fr-FR' : 'en-GB');
    if (voice) u.voice = voice;
    if (i === parts.length - 1) u.onend = u.onerror = () => { if (speaking === button) quiet(); };
    synth.speak(u);
  });
}

function listenButton(post) {
  const tpl = document.getElementById('listen-button');
  if (!canSpeak || !tpl || post.querySelector('.listen') || !postText(post)) return;
  let bar = post.querySelector('.post-actions');
  if (!bar) {
    bar = document.createElement('footer');
    bar.className = 'post-actions';
    post.append(bar);
  }
  const button = tpl.content.firstElementChild.cloneNode(true);
  button.dataset.label = button.querySelector('span').textContent;
  button.onclick = () => readAloud(button, post);
  bar.prepend(button);
}

/* Entry point, also for DOM added later (live posts, chat messages) */

function enhance(root) {
  root = root || document;
  $$('input[type="file"][data-voice]', root).forEach((el) => { if (!done.has(el)) { done.add(el); recorder(el); } });
  $$('audio[data-voice-player]', root).forEach((el) => { if (!done.has(el)) { done.add(el); speeds(el); } });
  if (canSpeak) $$('article.post', root).forEach((el) => { if (!done.has(el)) { done.add(el); listenButton(el); } });
}

window.JekafoVoice = { enhance };
if (canSpeak) window.addEventListener('pagehide', () => synth.cancel());
enhance(document);
// Posts and messages pushed live are enhanced as they arrive.
new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) => {
  if (n.nodeType === 1) enhance(n);
}))).observe(document.body, { childList: true, subtree: true });
})();
