/* Jɛkafɔ @mentions: on a textarea with data-mentions-url, "@" and a few
   letters open a list of members (GET <url>?q=… → {"members": [{id, name}]});
   picking one writes "@[Name] ". Without this file people type names by hand. */
(() => {
'use strict';

const FIELD = 'textarea[data-mentions-url]';
// "@" at the start or after a space, then up to 30 characters that are not spaces or brackets.
const QUERY = /(^|\s)@([^\s@[\]]{1,30})$/;
const lists = new WeakMap(); // textarea → its listbox
let open = null; // { area, list, members, index, start, end }
let timer = 0, asked = 0, serial = 0;

function listFor(area) {
  if (lists.has(area)) return lists.get(area);
  const list = document.createElement('ul');
  list.id = 'mentions-' + ++serial;
  list.className = 'mentions';
  list.setAttribute('role', 'listbox');
  list.hidden = true;
  // Keep focus in the textarea while a pointer picks an option.
  list.addEventListener('mousedown', (e) => e.preventDefault());
  list.addEventListener('click', (e) => {
    const option = e.target.closest('[role="option"]');
    if (option && open && open.list === list) pick(+option.dataset.index);
  });
  area.after(list);
  area.setAttribute('aria-autocomplete', 'list');
  area.setAttribute('aria-controls', list.id);
  area.setAttribute('aria-expanded', 'false');
  lists.set(area, list);
  return list;
}

function close() {
  if (!open) return;
  const { area, list } = open;
  list.hidden = true;
  list.textContent = '';
  area.setAttribute('aria-expanded', 'false');
  area.removeAttribute('aria-activedescendant');
  open = null;
}

function highlight(index) {
  const options = open.list.children;
  open.index = (index + options.length) % options.length;
  Array.from(options).forEach((li, i) => li.setAttribute('aria-selected', String(i === open.index)));
  const current = options[open.index];
  open.area.setAttribute('aria-activedescendant', current.id);
  current.scrollIntoView({ block: 'nearest' });
}

function draw(area, members, start, end) {
  close();
  if (!members.length) return;
  const list = listFor(area);
  members.forEach((m, i) => {
    const li = document.createElement('li');
    li.id = list.id + '-' + i;
    li.setAttribute('role', 'option');
    li.dataset.index = i;
    li.textContent = m.name;
    list.append(li);
  });
  list.hidden = false;
  area.setAttribute('aria-expanded', 'true');
  open = { area, list, members, index: 0, start, end };
  highlight(0);
}

function pick(index) {
  const { area, members, start, end } = open;
  const text = '@[' + members[index].name + '] ';
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  area.selectionStart = area.selectionEnd = start + text.length;
  close();
  area.focus();
}

async function lookUp(area) {
  const before = area.value.slice(0, area.selectionStart);
  const match = area.selectionStart === area.selectionEnd && QUERY.exec(before);
  if (!match) { close(); return; }
  const query = match[2];
  const start = before.length - query.length - 1;
  const ticket = ++asked;
  const url = area.dataset.mentionsUrl;
  let members = [];
  try {
    const res = await fetch(url + (url.includes('?') ? '&' : '?') + 'q=' + encodeURIComponent(query), {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    const data = res.ok ? await res.json() : null;
    if (data && Array.isArray(data.members)) members = data.members.filter((m) => m && typeof m.name === 'string').slice(0, 8);
  } catch (e) { /* offline or not JSON: no suggestions */ }
  // Drop answers overtaken by later typing, or that came after the caret moved away.
  if (ticket !== asked || document.activeElement !== area) return;
  draw(area, members, start, before.length);
}

document.addEventListener('input', (e) => {
  if (!e.target.matches || !e.target.matches(FIELD)) return;
  clearTimeout(timer);
  const area = e.target;
  if (!QUERY.test(area.value.slice(0, area.selectionStart))) { asked++; close(); return; }
  timer = setTimeout(() => lookUp(area), 250);
});

// Capture phase: runs before the chat's own Enter-to-send handler on the textarea.
document.addEventListener('keydown', (e) => {
  if (!open || e.target !== open.area || e.isComposing) return;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') highlight(open.index + (e.key === 'ArrowDown' ? 1 : -1));
  else if (e.key === 'Enter' || (e.key === 'Tab' && !e.shiftKey)) pick(open.index);
  else if (e.key === 'Escape') close();
  else return;
  e.preventDefault();
  e.stopPropagation();
}, true);

document.addEventListener('focusout', (e) => { if (open && e.target === open.area) close(); });
})();
