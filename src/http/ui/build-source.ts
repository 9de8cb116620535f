import { html } from 'hono/html';
import type { BuildSource } from '../../core/revision.js';
import type { Html } from './page.js';

/**
 * What a build checked out: its revision (commit, branch, repository) and its "Changes", the commits
 * since the previous build's, each with its message, author and files. Shown as soon as the checkout
 * is recorded, so a running build already names its commit.
 */
export function buildSourceSection(source: BuildSource | null): Html | string {
  if (source === null) return '';
  const { revision, changes } = source;
  const items = changes.map(
    (change) => html`<li><p><code title="${change.sha}">${change.sha.slice(0, 12)}</code> ${change.message.split('\n')[0]} <span class="change-author">(${change.authorName})</span></p>${
      change.paths.length > 0 ? html`<ul class="change-paths">${change.paths.map((path) => html`<li><span class="edit-type">${path.editType}</span> ${path.file}</li>`)}</ul>` : ''
    }</li>`,
  );
  return html`<section aria-labelledby="source-title"><h2 id="source-title">Revision</h2>
<dl class="build-source"><dt>Commit</dt><dd><code>${revision.sha}</code></dd>${revision.branch === null ? '' : html`<dt>Branch</dt><dd>${revision.branch}</dd>`}<dt>Repository</dt><dd>${revision.remoteUrl}</dd></dl>
<h3>Changes</h3>
${changes.length === 0 ? html`<p>No changes.</p>` : html`<ol class="changes">${items}</ol>${source.changesTruncated ? html`<p>Only the latest ${changes.length} commits are shown.</p>` : ''}`}</section>`;
}
