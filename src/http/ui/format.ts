import { html } from 'hono/html';
import type { Build } from '../../core/build.js';
import { RESULT_COLOR } from '../jenkins/beans/item.js';
import type { Html } from './page.js';

/** A build status, as words and as the CSS class that colours its icon (Jenkins' ball colours). */
export function statusOf(color: string | null): { label: string; tone: string; running: boolean } {
  const running = color?.endsWith('_anime') ?? false;
  const base = (color ?? 'notbuilt').replace(/_anime$/, '');
  const label = { blue: 'Success', red: 'Failed', yellow: 'Unstable', aborted: 'Aborted', disabled: 'Disabled', notbuilt: 'Not built yet', grey: 'Not built yet' }[base] ?? base;
  return { label: running ? `${label}, building now` : label, tone: base, running };
}

/** A build's status: its result's colour, and words for a build ("Not built", where a job that never built is "Not built yet"). */
export function buildStatus(build: Pick<Build, 'state' | 'result'>): { label: string; tone: string; running: boolean } {
  if (build.state === 'running' || build.result === null) return { label: 'Running', tone: 'notbuilt', running: true };
  const status = statusOf(RESULT_COLOR[build.result]);
  return build.result === 'NOT_BUILT' ? { ...status, label: 'Not built' } : status;
}

/**
 * The status icon with its words for screen readers and on hover. Each status has its own shape as
 * well as its colour (steward.css): a filled circle for success, failure and unstable, a square for
 * aborted, a struck-out circle for disabled, a dashed circle for not built, so that they differ
 * without colour.
 */
export function statusIcon(color: string | null, status = statusOf(color)): Html {
  return html`<span class="status status-${status.tone}${status.running ? ' running' : ''}" role="img" aria-label="${status.label}" title="${status.label}"></span>`;
}

/** The icon and, beside it, the same words for everyone (hidden from screen readers, which hear the icon's). */
export function statusWithWords(color: string | null, status = statusOf(color)): Html {
  return html`${statusIcon(color, status)} <span class="status-words" aria-hidden="true">${status.label}</span>`;
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
