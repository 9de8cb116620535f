import { html } from 'hono/html';
import type { Context } from 'hono';
import type { AppEnv } from '../context.js';
import type { HtmlEscapedString } from 'hono/utils/html';
import { principalName } from '../../auth/principal.js';
import { Permissions } from '../../core/permissions.js';
import { STEWARD_VERSION } from '../../version.js';
import { CRUMB_FIELD, crumbBinding } from '../crumb.js';
import type { Scope } from '../jenkins/scope.js';
import { initialPasswordNotice } from './initial-password-notice.js';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * What every page sends: a strict Content-Security-Policy (only Steward's own script and styles,
 * no inline code, no framing, forms only to Steward), and the same against click-jacking for old
 * browsers. Nothing is loaded from another origin: the machines Steward runs on may have no internet.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export interface PageOptions {
  readonly title: string;
  /** Links above the title: [label, href] from the top down. */
  readonly trail?: ReadonlyArray<readonly [string, string]>;
  readonly body: Html;
  readonly status?: 200 | 400 | 403 | 404 | 409;
  /**
   * With a 4xx status, the refusal's reason code (docs/errors.md): a page that refuses a form says
   * why in `X-Steward-Reason` as every other refusal does.
   */
  readonly reason?: string;
  /** A notice about the signed-in user's account, shown above the title on every page. */
  readonly accountNotice?: Html;
}

/** A whole page: header with the signed-in user, the trail, the content; escaped throughout by `html`. */
export async function renderPage(scope: Scope, options: PageOptions): Promise<Response> {
  const principal = scope.principal;
  const nav = html`<a href="/">Dashboard</a>
    ${scope.deps.authorizer.has(principal, Permissions.ItemCreate) ? html`<a href="/newJob">New item</a>` : ''}
    ${scope.deps.authorizer.has(principal, Permissions.Administer) ? html`<a href="/manage/">Manage Steward</a>` : ''}
    ${
      principal.kind === 'user'
        ? html`<a href="/me/">${principalName(principal)}</a>
    <form method="post" action="/logout" class="inline">${crumbField(scope)}<button type="submit" class="link">Sign out</button></form>`
        : html`<a href="/login?from=${encodeURIComponent(scope.url.pathname)}">Sign in</a>`
    }`;
  return pageResponse(await pageDocument({ ...options, accountNotice: initialPasswordNotice(scope) }, nav), options.status ?? 200, options.reason);
}

export function pageResponse(document: string, status: number, reason?: string): Response {
  const headers: Record<string, string> = { 'Content-Type': 'text/html;charset=UTF-8', ...PAGE_HEADERS };
  if (status >= 400 && reason !== undefined) headers['X-Steward-Reason'] = reason;
  return new Response(document, { status, headers });
}

/** The page around `options.body`, with `nav` as the site navigation. */
export async function pageDocument(options: PageOptions, nav: Html): Promise<string> {
  const trail = options.trail ?? [];
  const page = await html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} [Steward]</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/steward.css?v=${STEWARD_VERSION}">
<script src="/static/steward.js?v=${STEWARD_VERSION}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Steward</a>
  <nav aria-label="Site">
    ${nav}
  </nav>
</header>
<main id="main" tabindex="-1">
${trail.length > 0 ? html`<nav aria-label="Breadcrumb" class="trail"><ol>${trail.map(([label, href]) => html`<li><a href="${href}">${label}</a></li>`)}</ol></nav>` : ''}
${options.accountNotice ?? ''}
<h1>${options.title}</h1>
${options.body}
</main>
<footer>Steward ${STEWARD_VERSION} · <a href="/api/json?pretty=true">API</a> · <a href="/steward/api/v1/openapi.json">Native API</a></footer>
</body>
</html>
`;
  return page.toString();
}

/** The hidden crumb every state-changing form carries, bound to this browser's session (or its anonymous cookie). */
export function crumbField(scope: Scope): Html {
  const principal = scope.principal;
  const binding = crumbBinding(principal, scope.c.get('sessionCookie')) ?? (principal.kind === 'anonymous' ? { kind: 'anonymous' as const, nonce: scope.anonymousNonce() } : null);
  if (!binding) return html``;
  return html`<input type="hidden" name="${CRUMB_FIELD}" value="${scope.deps.crumbs.issue(binding)}">`;
}

/**
 * Whether a person's browser sent this request by following a link or submitting a form (only
 * browsers send `Sec-Fetch-Mode: navigate`): such requests get pages and 303s back to a page, where a
 * script gets the status codes Jenkins clients expect.
 */
export function fromBrowser(scope: Scope): boolean {
  return isNavigation(scope.c);
}

export function isNavigation(c: Context<AppEnv>): boolean {
  return c.req.header('sec-fetch-mode') === 'navigate';
}
