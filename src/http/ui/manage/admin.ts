import { html } from 'hono/html';
import type { UserPrincipal } from '../../../auth/principal.js';
import type { AuditEvent } from '../../../core/audit.js';
import { NativeScope } from '../../api/context.js';
import type { RequestInput } from '../../body.js';
import type { Scope } from '../../jenkins/scope.js';
import type { Html } from '../page.js';

/**
 * What the administration pages share with the native API: its checks (`NativeScope`: a signed-in
 * user holding Overall/Administer, refused exactly as the API refuses) and its audit recording, so a
 * page and the API never disagree about who may do what or what is written down.
 */
export function nativeScope(scope: Scope): NativeScope {
  return new NativeScope(scope.c, scope.deps);
}

export function requireAdmin(scope: Scope): UserPrincipal {
  return nativeScope(scope).requireAdmin();
}

export function recordAudit(scope: Scope, fields: Pick<AuditEvent, 'action' | 'outcome'> & Partial<AuditEvent>): Promise<void> {
  return nativeScope(scope).audit(fields);
}

/** The trail above every administration page. */
export const MANAGE_TRAIL: ReadonlyArray<readonly [string, string]> = [
  ['Dashboard', '/'],
  ['Manage Steward', '/manage/'],
];

/** All values of a form field (checkboxes and repeated fields), in order. */
export function values(input: RequestInput, name: string): readonly string[] {
  return input.parameters.get(name) ?? [];
}

/** A form field's value, trimmed; '' when absent. */
export function field(input: RequestInput, name: string): string {
  return (input.parameters.get(name)?.[0] ?? '').trim();
}

/** A list typed as text: split at commas and line ends, blanks dropped. */
export function listOf(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * The notice after a post-redirect-get: the redirect names one of the page's fixed notices by key
 * (`?done=saved`), so no text from a URL is ever shown as if the server had said it.
 */
export function noticeOf(scope: Scope, notices: Readonly<Record<string, string>>): Html {
  const key = scope.url.searchParams.get('done');
  const text = key === null ? undefined : notices[key];
  return text ? html`<p class="notice" role="status">${text}</p>` : html``;
}

/** A refusal that concerns the whole form rather than one field, announced to screen readers. */
export function formError(message: string | null, hint?: string | null): Html {
  if (!message) return html``;
  return html`<div class="error" role="alert"><p>${message}</p>${hint ? html`<p class="hint">${hint}</p>` : ''}</div>`;
}
