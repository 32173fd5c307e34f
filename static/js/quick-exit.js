/* "Sortie rapide": leave at once for a neutral page, without leaving this page in the
   history (location.replace), and forget what this device keeps: unsent messages,
   drafts, pages kept for reading offline.
   Keys: Shift+Escape, or Escape twice within a second (unless a dialog took the first). */
(() => {
'use strict';
const link = document.getElementById('quick-exit');
if (!link) return;

function leave() {
  try {
    Object.keys(localStorage).filter((k) => /^jekafo-(outbox|draft):/.test(k)).forEach((k) => localStorage.removeItem(k));
    sessionStorage.clear();
  } catch (e) { /* storage off: nothing kept */ }
  // Pages kept offline and the outbox (outbox.js): the service worker finishes the wipe
  // after this page is gone.
  if (window.JekafoOutbox) window.JekafoOutbox.forget();
  document.title = '';
  document.body.hidden = true;
  location.replace(link.href);
}

link.addEventListener('click', (event) => {
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  leave();
});

let lastEscape = 0;
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  if (event.shiftKey) {
    event.preventDefault();
    leave();
    return;
  }
  // An Escape that closed a dialog or a menu is that dialog's, not the first of two.
  if (event.defaultPrevented || document.querySelector('dialog[open]')) {
    lastEscape = 0;
    return;
  }
  const now = Date.now();
  if (now - lastEscape < 1000) {
    leave();
  } else {
    lastEscape = now;
  }
});
})();
