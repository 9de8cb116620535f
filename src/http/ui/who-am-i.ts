import { html } from 'hono/html';
import { authorities, credentialKind, principalName } from '../../auth/principal.js';
import { GRANTABLE_PERMISSIONS } from '../../core/permissions.js';
import type { Scope } from '../jenkins/scope.js';
import { renderPage } from './page.js';

/** How each credential reads in words. */
const CREDENTIAL: Record<string, string> = {
  password: 'a password (HTTP Basic)',
  session: 'a browser session',
  api_token: 'an API token',
  trigger_token: 'a trigger token',
  none: 'nothing: not signed in',
};

/**
 * `/whoAmI/`: who this request acts as, how it authenticated, its groups (Jenkins' "authorities")
 * and what it may do server-wide, the first thing to look at when a request is refused. Answered
 * without Overall/Read, as on Jenkins; `/whoAmI/api/json` is the same for scripts.
 */
export function whoAmIPage(scope: Scope): Promise<Response> {
  const principal = scope.principal;
  const serverWide = GRANTABLE_PERMISSIONS.filter((permission) => scope.deps.authorizer.has(principal, permission));
  return renderPage(scope, {
    title: 'Who am I?',
    trail: [['Dashboard', '/']],
    body: html`<dl class="facts">
<dt>Name</dt><dd>${principalName(principal)}</dd>
<dt>Authenticated with</dt><dd>${CREDENTIAL[credentialKind(principal)] ?? credentialKind(principal)}</dd>
<dt>Groups</dt><dd>${authorities(principal).join(', ') || 'none'}</dd>
<dt>Permissions everywhere</dt><dd>${serverWide.length > 0 ? serverWide.map((permission) => permission.title).join(', ') : 'none'}</dd>
</dl>
<p class="hint">Grants on a folder or job add to these there; an administrator sees and changes them on the item's Permissions page. Scripts read the same at <a href="/whoAmI/api/json?pretty=true">/whoAmI/api/json</a>.</p>`,
  });
}
