import { html } from 'hono/html';
import type { Html } from './page.js';

/** A build status, as words and as the CSS class that colours its icon (Jenkins' ball colours). */
export function statusOf(color: string | null): { label: string; tone: string; running: boolean } {
  const running = color?.endsWith('_anime') ?? false;
  const base = (color ?? 'notbuilt').replace(/_anime$/, '');
  const label = { blue: 'Success', red: 'Failed', yellow: 'Unstable', aborted: 'Aborted', disabled: 'Disabled', notbuilt: 'Not built yet', grey: 'Not built yet' }[base] ?? base;
  return { label: running ? `${label}, building now` : label, tone: base, running };
}

/** The status icon with its words for screen readers and on hover. */
export function statusIcon(color: string | null): Html {
  const status = statusOf(color);
  return html`<span class="status status-${status.tone}${status.running ? ' running' : ''}" role="img" aria-label="${status.label}" title="${status.label}"></span>`;
}

/** A time shown relative ("3 min ago") by the page script, with the absolute time on hover and without script. */
export function timeAgo(epochMs: number | null): Html {
  if (epochMs === null || epochMs <= 0) return html`<span class="muted">never</span>`;
  const iso = new Date(epochMs).toISOString();
  return html`<time datetime="${iso}" title="${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}">${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time>`;
}

/** When a token expires: never, or the time (relative, absolute on hover), marked once it has passed. */
export function expiry(expiresAt: number | null, now = Date.now()): Html {
  if (expiresAt === null) return html`<span class="muted">never</span>`;
  return expiresAt <= now ? html`${timeAgo(expiresAt)} <strong class="field-error">expired</strong>` : timeAgo(expiresAt);
}

/**
 * A wide table in a box that scrolls sideways on a narrow screen, so that the page does not. The box
 * takes focus (Tab to it, then the arrow keys scroll it, its outline showing where focus is) and is a
 * region named `label`, so that a screen reader says what it is when focus lands there. The name
 * differs from the heading of the section around it: two landmarks of one name cannot be told apart.
 */
export function scrollBox(kind: 'table-scroll' | 'matrix-scroll', label: string, content: Html): Html {
  return html`<div class="${kind}" role="region" aria-label="${label}" tabindex="0">${content}</div>`;
}

/** A size in bytes as people read it: `812 bytes`, `12.4 MiB`, `3.1 GiB`. */
export function byteSize(count: number): string {
  if (count < 1024) return `${count} bytes`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
  if (count < 1024 ** 3) return `${(count / 1024 ** 2).toFixed(1)} MiB`;
  return `${(count / 1024 ** 3).toFixed(1)} GiB`;
}
