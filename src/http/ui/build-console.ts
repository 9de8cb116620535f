import { html, raw } from 'hono/html';
import type { Build } from '../../core/build.js';
import type { Job } from '../../core/item.js';
import { buildPath } from '../../core/item-url.js';
import type { Scope } from '../jenkins/scope.js';
import { consoleView } from './console-log.js';
import type { Html } from './page.js';

/**
 * The console section of a build page: the head and tail of the log (see `CONSOLE_LIMITS`), with a
 * note of what is left out and a link to the whole log as plain text. While the build runs, the last
 * `<pre>` names where the page script follows the log from (`data-follow`, `data-start`) and the
 * colours in effect there (`data-state`).
 */
export async function buildConsole(scope: Scope, job: Job, build: Build): Promise<Html> {
  const base = `/${buildPath(job.fullName, build.number)}`;
  const running = build.state === 'running';
  const view = await consoleView(scope.deps.logs, job.id, build.number, running);
  const plainText = html`<p><a href="${base}consoleText">Console as plain text</a></p>`;
  const follow = running ? html` data-follow="${base}logText/progressiveHtml" data-start="${view?.end ?? 0}" data-state="${view?.state ?? ''}"` : '';
  // `raw` only on the renderer's output, in which every character of the log is escaped.
  const last = html`<pre class="console" id="console"${follow}>${raw(view ? (view.skipped > 0 ? view.tail : view.head) : '')}</pre>`;
  let body: Html;
  if (!view && !running) body = html`<p class="muted">This build has no console output.</p>`;
  else if (view && view.skipped > 0) {
    body = html`<pre class="console console-head" id="console-head">${raw(view.head)}</pre>
<p class="notice console-skipped" id="console-skipped">The middle of the log (${bytes(view.skipped)}) is not shown. <a href="${base}consoleText">See the whole log as plain text</a>.</p>
${last}`;
  } else body = last;
  return html`<section aria-labelledby="console-title"><h2 id="console-title">Console output</h2>
${plainText}
${body}
</section>`;
}

function bytes(count: number): string {
  if (count < 1024) return `${count} bytes`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
  if (count < 1024 ** 3) return `${(count / 1024 ** 2).toFixed(1)} MiB`;
  return `${(count / 1024 ** 3).toFixed(1)} GiB`;
}
