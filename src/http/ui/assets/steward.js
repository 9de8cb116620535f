// Steward's page script: progressive enhancement only (every page works without it). No inline
// code anywhere, so the Content-Security-Policy can forbid it. Text from the server arrives escaped.
'use strict';

const REFRESH_MS = 2000;

/** "3 min ago" (or "in 2 days") for each <time datetime> in `root`, the absolute time staying in its title. */
function relativeTimes(root = document) {
  const now = Date.now();
  for (const element of root.querySelectorAll('time[datetime]')) {
    const seconds = Math.round((now - Date.parse(element.getAttribute('datetime'))) / 1000);
    const units = [[86400, 'day'], [3600, 'hr'], [60, 'min'], [1, 'sec']];
    const [size, unit] = units.find(([size]) => Math.abs(seconds) >= size) || [1, 'sec'];
    const count = Math.floor(Math.abs(seconds) / size);
    const words = `${count} ${unit}${unit === 'day' && count !== 1 ? 's' : ''}`;
    element.textContent = seconds >= 0 ? `${words} ago` : `in ${words}`;
  }
}

/**
 * Elements with `data-refresh` are re-read from the same page every few seconds and swapped in by
 * id, so that the page has one renderer (the server's) and stays current without a reload. The
 * `X-Steward-Refresh` header lets a page leave out what is never swapped (a build's console).
 * Only what changed is swapped (the fresh copy gets its relative times first, or every time would
 * differ), and focus inside a swapped element moves to its counterpart, so that a keyboard user is
 * not thrown back to the top of the page.
 */
async function refresh() {
  const live = document.querySelectorAll('[data-refresh][id]');
  if (live.length === 0 || document.hidden) return;
  const response = await fetch(location.href, { headers: { Accept: 'text/html', 'X-Steward-Refresh': 'true' }, credentials: 'same-origin' });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
  relativeTimes(fresh);
  for (const element of live) {
    const replacement = fresh.getElementById(element.id);
    if (!replacement || replacement.innerHTML === element.innerHTML) continue;
    const focused = focusInside(element);
    const imported = document.importNode(replacement, true);
    element.replaceWith(imported);
    if (focused) refocus(imported, focused);
  }
  relativeTimes();
}

/** The element that has focus inside `element`, or null. */
function focusInside(element) {
  const active = document.activeElement;
  return active && active !== document.body && element.contains(active) ? active : null;
}

/**
 * Focuses the counterpart in `container` of `previous` (same id, or same tag, target and text), or
 * else the container itself (a button that is gone, such as Stop when the build has ended), so
 * that focus stays where the person was and a screen reader reads what changed.
 */
function refocus(container, previous) {
  const same = (candidate) => candidate.tagName === previous.tagName && candidate.getAttribute('href') === previous.getAttribute('href') && candidate.getAttribute('name') === previous.getAttribute('name');
  const candidates = [...container.querySelectorAll(previous.tagName)];
  const target =
    (previous.id && container.querySelector(`#${CSS.escape(previous.id)}`)) ||
    candidates.find((candidate) => same(candidate) && candidate.textContent === previous.textContent) ||
    candidates.find(same);
  if (target) return target.focus({ preventScroll: true });
  container.setAttribute('tabindex', '-1');
  container.focus({ preventScroll: true });
}

/**
 * An answer that moved at least this far through the log says more is already waiting (the build
 * prints faster than the page follows, or a long log's rest comes in pieces of at most 1 MiB): the
 * next piece is asked for at once instead of after the usual pause.
 */
const BACKLOG_BYTES = 64 * 1024;

/**
 * A running build's console (`<pre data-follow=URL data-start=N data-state=S>`) follows the log
 * through `logText/progressiveHtml`: each answer is escaped HTML from offset `start`, `X-Text-Size`
 * the next offset, and `X-More-Data` while the build runs or more of the log is left.
 * `X-Console-State` carries the colours in effect from one answer to the next. At the end the page's
 * summary is re-read to show the result.
 */
async function follow(pre) {
  let start = Number(pre.dataset.start || 0);
  let state = pre.dataset.state || '';
  for (;;) {
    const response = await fetch(`${pre.dataset.follow}?start=${start}`, { headers: { 'X-Console-State': state }, credentials: 'same-origin' });
    if (!response.ok) return;
    const text = await response.text();
    state = response.headers.get('X-Console-State') || '';
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    if (text !== '') pre.insertAdjacentHTML('beforeend', text);
    if (atBottom && text !== '') window.scrollTo(0, document.body.scrollHeight);
    const next = Number(response.headers.get('X-Text-Size') || start);
    const moved = next - start;
    start = next;
    if (response.headers.get('X-More-Data') !== 'true') {
      pre.removeAttribute('data-follow');
      pre.dataset.done = 'true';
      await refresh();
      return;
    }
    if (moved < BACKLOG_BYTES) await new Promise((resolve) => setTimeout(resolve, text === '' ? 500 : 100));
  }
}

/**
 * `<button data-copy=ID>` copies the text of the element ID. The button says "Copied" for a moment
 * (its words for screen readers, in a hidden span or aria-label, come back after), and a status
 * region says so to screen readers.
 */
function copyButtons() {
  const buttons = document.querySelectorAll('button[data-copy]');
  if (buttons.length === 0) return;
  const status = document.createElement('p');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  (document.getElementById('main') || document.body).append(status);
  for (const button of buttons) {
    button.addEventListener('click', async () => {
      const target = document.getElementById(button.dataset.copy);
      if (!target) return;
      await navigator.clipboard.writeText(target.textContent.trim());
      const content = [...button.childNodes];
      button.replaceChildren('Copied');
      status.textContent = 'Copied to the clipboard.';
      setTimeout(() => {
        button.replaceChildren(...content);
        status.textContent = '';
      }, 1500);
    });
  }
}

/**
 * A folded section (<details>) opens when the URL's fragment names it, something in it, or the
 * section around it, so that a link or a redirect to `#trigger-remotely` shows what it points at.
 */
function openTargeted() {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id === '' ? null : document.getElementById(id);
  if (!target) return;
  for (let at = target.closest('details'); at; at = at.parentElement.closest('details')) at.open = true;
  for (const details of target.querySelectorAll(':scope > details')) details.open = true;
}

document.addEventListener('DOMContentLoaded', () => {
  openTargeted();
  window.addEventListener('hashchange', openTargeted);
  relativeTimes();
  copyButtons();
  for (const pre of document.querySelectorAll('pre[data-follow]')) follow(pre).catch(() => {});
  setInterval(() => refresh().catch(() => {}), REFRESH_MS);
  setInterval(relativeTimes, 30000);
});
