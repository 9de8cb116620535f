// Steward's page script: progressive enhancement only (every page works without it). No inline
// code anywhere, so the Content-Security-Policy can forbid it. Text from the server arrives escaped.
'use strict';

const REFRESH_MS = 2000;

/** "3 min ago" (or "in 2 days") for each <time datetime>, the absolute time staying in its title. */
function relativeTimes() {
  const now = Date.now();
  for (const element of document.querySelectorAll('time[datetime]')) {
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
 */
async function refresh() {
  const live = document.querySelectorAll('[data-refresh][id]');
  if (live.length === 0 || document.hidden) return;
  const response = await fetch(location.href, { headers: { Accept: 'text/html', 'X-Steward-Refresh': 'true' }, credentials: 'same-origin' });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
  for (const element of live) {
    const replacement = fresh.getElementById(element.id);
    if (replacement && replacement.innerHTML !== element.innerHTML) element.replaceWith(document.importNode(replacement, true));
  }
  relativeTimes();
}

/**
 * A running build's console (`<pre data-follow=URL data-start=N data-state=S>`) follows the log
 * through `logText/progressiveHtml`: each answer is escaped HTML from offset `start`, `X-Text-Size`
 * the next offset, and `X-More-Data` while the build runs. `X-Console-State` carries the colours in
 * effect from one answer to the next. At the end the page's summary is re-read to show the result.
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
    start = Number(response.headers.get('X-Text-Size') || start);
    if (response.headers.get('X-More-Data') !== 'true') {
      pre.removeAttribute('data-follow');
      pre.dataset.done = 'true';
      await refresh();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, text === '' ? 500 : 100));
  }
}

/** `<button data-copy=ID>` copies the text of the element ID. */
function copyButtons() {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.addEventListener('click', async () => {
      const target = document.getElementById(button.dataset.copy);
      if (!target) return;
      await navigator.clipboard.writeText(target.textContent.trim());
      const label = button.textContent;
      button.textContent = 'Copied';
      setTimeout(() => (button.textContent = label), 1500);
    });
  }
}

document.addEventListener('DOMContentLoaded', () => {
  relativeTimes();
  copyButtons();
  for (const pre of document.querySelectorAll('pre[data-follow]')) follow(pre).catch(() => {});
  setInterval(() => refresh().catch(() => {}), REFRESH_MS);
  setInterval(relativeTimes, 30000);
});
