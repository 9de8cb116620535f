import type { Context, Handler } from 'hono';
import { DomainError } from '../../core/errors.js';

import { Permissions } from '../../core/permissions.js';
import { single } from '../body.js';
import type { AppEnv } from '../context.js';
import { crumbBinding } from '../crumb.js';
import { setSessionCookie } from '../session-cookie.js';
import { Refusal } from '../errors.js';
import { serveApiTokenAction } from './api-tokens.js';
import { buildBean } from './beans/build.js';
import { crumbIssuerBean, pluginManagerBean, userBean, whoAmIBean } from './beans/identity.js';
import { itemBean } from './beans/item.js';
import { rootBean } from './beans/server.js';
import { refuseAgentJar } from './agent-jar.js';
import { serveComputer } from './computers.js';
import { serveCredentials } from './credentials.js';
import { serveArtifact } from './artifacts.js';
import { consoleText, deleteBuild, progressiveText, stop } from './builds.js';
import type { JenkinsDeps } from './deps.js';
import { serveApi } from './export/api.js';
import { createItem, doDelete, doRename, getConfig, httpDelete, postConfig, setDisabled } from './items.js';
import { type ActionTable, findAction } from './action.js';
import { isFlavor, serveQueue } from './queue.js';
import { Scope } from './scope.js';
import { traverse, type Target } from './traverse.js';
import { serveBuildByToken } from './build-token-root.js';
import { serveGitHubWebhook, serveNotifyCommit } from './push-notifications.js';
import { serveLogin } from './login.js';
import { checkTokenScope, TOKEN_HEADS } from './token-scope.js';
import { isTriggerPath } from './trigger-path.js';
import { refuseUnimplemented } from './unimplemented.js';
import { rebuild } from './rebuild.js';
import { createView, viewActions } from './views.js';
import { viewBean } from './beans/view.js';
import { build, buildWithParameters, polling } from './triggers.js';
import { dashboardPage } from '../ui/dashboard.js';
import { serveStatic } from '../ui/static-files.js';
import { buildUiActions } from '../ui/build-page.js';
import { folderUiActions } from '../ui/folder-page.js';
import { configureUiActions, newItemUiActions } from '../ui/item-form.js';
import { jobUiActions } from '../ui/job-page.js';
import { scmPollLogPage, scmPollLogText } from '../ui/scm-poll-log.js';
import { itemSecurityUiActions } from '../ui/manage/item-security.js';
import { serveManage } from '../ui/manage/manage.js';
import { serveUserPages } from '../ui/user-page.js';
import { whoAmIPage } from '../ui/who-am-i.js';


/** The Jenkins-compatible URL space, answered by walking it as Stapler does. */
export function jenkinsRoutes(deps: JenkinsDeps, bodyLimitBytes: number): Handler<AppEnv> {
  return (c) => dispatch(c, deps, bodyLimitBytes);
}

async function dispatch(c: Context<AppEnv>, deps: JenkinsDeps, bodyLimitBytes: number): Promise<Response> {
  const scope = new Scope(c, deps, bodyLimitBytes);
  const segments = pathSegments(scope.url, c.req.url);
  const [head, ...rest] = segments;
  // A Jenkins agent.jar is told, before any credentials are asked for, what to run instead.
  refuseAgentJar(c, segments);
  // Jenkins' unprotected root actions and always-readable pages: answered without Overall/Read.
  if (head === 'whoAmI') return (await serveWhoAmI(scope, rest)) ?? notFound(c.req.url);
  if (head === 'static' && scope.method === 'GET') return serveStatic(rest.length === 1 ? rest[0] : undefined, c.req.header('if-none-match')) ?? notFound(c.req.url);
  const page = rest.length === 0 && head !== undefined ? serveLogin(scope, head) : null;
  if (page) return page;
  // Build Token Root: a token replaces user, crumb and read access there.
  if (head === 'buildByToken') return (await serveBuildByToken(scope, rest.length === 1 ? rest[0] : undefined)) ?? notFound(c.req.url);
  // Push notifications: a trigger token (notifyCommit) or GitHub's signature (github-webhook) is the authority.
  if (head === 'git' && rest.length === 1 && rest[0] === 'notifyCommit') return serveNotifyCommit(scope);
  if (head === 'github-webhook' && rest.length === 0) return serveGitHubWebhook(scope);
  if (scope.principal.kind === 'token' && !TOKEN_HEADS.has(head ?? '')) throw deps.authorizer.refusal(scope.principal, Permissions.Administer);
  if (!deps.authorizer.has(scope.principal, Permissions.OverallRead)) await refuseRead(scope, segments);
  // Jenkins checks the crumb before anything else; Steward first says when anonymous may not read at
  // all, and lets the trigger actions decide, because a valid job token needs no crumb (DESIGN §5.8).
  if (!isTriggerPath(segments)) await scope.requireCrumb();
  const answer = await route(scope, head, rest, segments);
  return answer ?? notFound(c.req.url);
}

/**
 * Refuses a caller without Overall/Read, which every other URL needs. An anonymous trigger with a job
 * token is told that the token does not replace it, the trap Jenkins users fall into most.
 */
async function refuseRead(scope: Scope, segments: readonly string[]): Promise<never> {
  if (scope.principal.kind === 'anonymous' && isTriggerPath(segments) && single(await scope.readInput(), 'token') !== undefined) {
    throw new DomainError(
      'authentication_required',
      "Authentication required: anonymous requests may not read this server, and a job's trigger token does not replace that (it replaces only Job/Build).",
      'Send credentials as well (curl -u USER:API_TOKEN), or ask an administrator to allow anonymous read access.',
      Permissions.OverallRead,
    );
  }
  throw scope.deps.authorizer.refusal(scope.principal, Permissions.OverallRead);
}

async function route(scope: Scope, head: string | undefined, rest: string[], segments: string[]): Promise<Response | null> {
  switch (head) {
    case 'queue':
      return serveQueue(scope, rest);
    case 'computer':
      return serveComputer(scope, rest);
    case 'crumbIssuer':
      return serveCrumbIssuer(scope, rest);
    case 'me':
      return serveMe(scope, rest);
    case 'user':
      return serveUser(scope, rest);
    case 'manage':
      return serveManage(scope, rest);
    case 'credentials':
      return serveCredentials(scope, null, rest);
    case 'pluginManager':
      if (rest[0] === 'api' && isFlavor(rest[1])) return serveApi(scope.c, pluginManagerBean(), rest[1]);
      refuseUnimplemented({ kind: 'root' }, segments);
      return null;
    default: {
      const { target, rest: action } = await traverse(scope, segments);
      if (target.kind === 'folder' && action[0] === 'credentials') return serveCredentials(scope, target.item, action.slice(1));
      return serveTarget(scope, target, action);
    }
  }
}

/** Splits the raw path into decoded segments (`%2F` stays inside its segment). */
function pathSegments(url: URL, raw: string): string[] {
  const path = url.pathname;
  if (path.includes(';') || /%3b/i.test(raw)) {
    throw new Refusal('semicolon_forbidden', 'Semicolons are not allowed in the request URI.', 'Percent-encoding does not help either; rename the item if its name has one.');
  }
  try {
    return path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    throw new Refusal('not_found', `The path ${path} is not validly encoded.`, 'Percent-encode special characters in names as UTF-8.');
  }
}

function notFound(url: string): never {
  throw new Refusal('not_found', `Nothing is at ${new URL(url).pathname}.`, 'See docs/jenkins-compat.md for the URLs Steward answers.');
}

async function serveTarget(scope: Scope, target: Target, rest: readonly string[]): Promise<Response | null> {
  // `…/N/artifact/PATH`: the rest of the path is the artifact's, whatever it ends with.
  if (target.kind === 'build' && rest[0] === 'artifact') {
    checkTokenScope(scope, target, 'artifact');
    return serveArtifact(scope, target.job, target.build, rest.slice(1));
  }
  // `…/api/json` names the object's own API; after an action (`…/build/api/json`) it is ignored,
  // because some clients append it to every URL (jenkins-api).
  if (rest[0] === 'api' && rest.length === 2 && isFlavor(rest[1])) {
    checkTokenScope(scope, target, 'api');
    return serveApi(scope.c, beanOf(scope, target), rest[1]);
  }
  const action = (rest.length > 2 && rest.at(-2) === 'api' && isFlavor(rest.at(-1)) ? rest.slice(0, -2) : rest).join('/');
  checkTokenScope(scope, target, action);
  const handlers = findAction(actionsOf(target), action);
  if (!handlers) {
    refuseUnimplemented(target, rest);
    return null;
  }
  const handler = handlers[scope.method as 'GET' | 'POST' | 'DELETE'] ?? handlers.ANY;
  if (!handler) {
    const allowed = Object.keys(handlers).join(', ');
    throw new Refusal('method_not_allowed', `This URL requires ${allowed === 'POST' ? 'POST' : `one of ${allowed}`}.`, allowed === 'POST' ? 'Use POST (curl -X POST …).' : `Use ${allowed}.`, { Allow: allowed });
  }
  return handler(scope);
}

function beanOf(scope: Scope, target: Target) {
  const context = scope.beans();
  switch (target.kind) {
    case 'root':
      return rootBean(context);
    case 'build':
      return buildBean(context, target.job, target.build);
    case 'view': {
      const { owner, view } = target;
      return viewBean(context, owner, view, async () => (view ? scope.deps.views.items(owner, view) : scope.deps.store.items.listChildren(owner?.id ?? null)));
    }
    default:
      return itemBean(context, target.item);
  }
}

/** What each object answers: the Jenkins-compatible actions, joined with the web interface's pages. */
function actionsOf(target: Target): ActionTable[] {
  switch (target.kind) {
    case 'root':
      return [
        {
          '': { GET: (scope) => dashboardPage(scope) },
          createItem: { POST: (scope) => createItem(scope, null) },
          createView: { POST: (scope) => createView(scope, null) },
        },
        newItemUiActions(null),
      ];
    case 'folder': {
      const folder = target.item;
      return [
        {
          '': { DELETE: (scope) => httpDelete(scope, folder) },
          createItem: { POST: (scope) => createItem(scope, folder) },
          createView: { POST: (scope) => createView(scope, folder) },
          'config.xml': { GET: (scope) => getConfig(scope, folder), POST: (scope) => postConfig(scope, folder) },
          doDelete: { POST: (scope) => doDelete(scope, folder) },
          doRename: { POST: (scope) => doRename(scope, folder) },
          confirmRename: { POST: (scope) => doRename(scope, folder) },
        },
        folderUiActions(folder),
        newItemUiActions(folder),
        configureUiActions(folder),
        itemSecurityUiActions(folder),
      ];
    }
    case 'job': {
      const job = target.item;
      return [
        {
          '': { DELETE: (scope) => httpDelete(scope, job) },
          'config.xml': { GET: (scope) => getConfig(scope, job), POST: (scope) => postConfig(scope, job) },
          doDelete: { POST: (scope) => doDelete(scope, job) },
          doRename: { POST: (scope) => doRename(scope, job) },
          confirmRename: { POST: (scope) => doRename(scope, job) },
          disable: { POST: (scope) => setDisabled(scope, job, true) },
          enable: { POST: (scope) => setDisabled(scope, job, false) },
          build: { ANY: (scope) => build(scope, job) },
          buildWithParameters: { ANY: (scope) => buildWithParameters(scope, job) },
          polling: { ANY: (scope) => polling(scope, job) },
          scmPollLog: { GET: (scope) => scmPollLogPage(scope, job) },
          'scmPollLog/pollingLog': { GET: (scope) => scmPollLogText(scope, job) },
        },
        jobUiActions(job),
        configureUiActions(job),
        itemSecurityUiActions(job),
      ];
    }
    case 'view':
      return [viewActions(target.owner, target.view)];
    case 'build': {
      const { job, build: run } = target;
      return [
        {
          consoleText: { GET: (scope) => consoleText(scope, job, run) },
          'logText/progressiveText': { GET: (scope) => progressiveText(scope, job, run), POST: (scope) => progressiveText(scope, job, run) },
          stop: { POST: (scope) => stop(scope, job, run, 'term') },
          term: { POST: (scope) => stop(scope, job, run, 'term') },
          kill: { POST: (scope) => stop(scope, job, run, 'kill') },
          doDelete: { POST: (scope) => deleteBuild(scope, job, run) },
          rebuild: { POST: (scope) => rebuild(scope, job, run) },
          'replay/rebuild': { POST: (scope) => rebuild(scope, job, run) },
          buildNumber: { GET: async () => new Response(String(run.number), { headers: { 'Content-Type': 'text/plain;charset=US-ASCII' } }) },
        },
        buildUiActions(job, run),
      ];
    }
  }
}

async function serveWhoAmI(scope: Scope, rest: readonly string[]): Promise<Response | null> {
  if (rest.length === 0) return whoAmIPage(scope);
  return rest[0] === 'api' && isFlavor(rest[1]) ? serveApi(scope.c, whoAmIBean(scope.principal), rest[1]) : null;
}

/** The crumb recipes of DESIGN §2 read these exact expressions as text, as Jenkins allows. */
const CRUMB_XPATHS = new Set(['/*/crumbRequestField/text()', '/*/crumb/text()', 'concat(//crumbRequestField,":",//crumb)', "concat(//crumbRequestField,'=',//crumb)"]);

/**
 * `/crumbIssuer/api/*`: a crumb bound as `crumbBinding` says. An anonymous caller without a session
 * cookie gets one with the crumb (Jenkins creates a session here too), so its POST can send both.
 * So does a caller with a password and no live session (Jenkins does, and clients that keep cookies
 * then use the session); its crumb stays bound to the user, so the cookie-less recipe works too
 * (DESIGN §5.1), and the session accepts it (see `crumbVerdict`).
 */
async function serveCrumbIssuer(scope: Scope, rest: readonly string[]): Promise<Response | null> {
  if (rest[0] !== 'api' || !isFlavor(rest[1])) return null;
  const { principal } = scope;
  if (principal.kind === 'user' && principal.credential.kind === 'password') {
    const sent = scope.c.get('sessionCookie');
    const session = sent ? await scope.deps.sessions.resolve(sent) : null;
    if (session?.userId !== principal.id) {
      const { cookieValue } = await scope.deps.sessions.create(principal.id, scope.address);
      setSessionCookie(scope.c, scope.deps.sessions.cookieName, cookieValue, scope.deps.publicUrl);
    }
  }
  const binding = crumbBinding(scope.principal, scope.c.get('sessionCookie')) ?? { kind: 'anonymous', nonce: scope.anonymousNonce() };
  const crumb = scope.deps.crumbs.issue(binding);
  return serveApi(scope.c, crumbIssuerBean(crumb), rest[1], { allowPrimitiveXPath: (expression) => CRUMB_XPATHS.has(expression.replace(/\s+/g, '')) });
}

async function serveMe(scope: Scope, rest: readonly string[]): Promise<Response | null> {
  if (scope.principal.kind !== 'user') {
    throw new DomainError('authentication_required', '/me is not available when not logged in.', 'Send credentials with HTTP Basic.');
  }
  return serveUser(scope, [scope.principal.id, ...rest]);
}

async function serveUser(scope: Scope, rest: readonly string[]): Promise<Response | null> {
  const [id, api, flavor, action, ...more] = rest;
  if (id === undefined) return null;
  const user = await scope.deps.accounts.get(id);
  if (!user) throw new DomainError('user_not_found', `There is no user "${id}".`);
  const userPage = await serveUserPages(scope, user, rest.slice(1));
  if (userPage) return userPage;
  if (api === 'descriptorByName' && flavor === 'jenkins.security.ApiTokenProperty' && action !== undefined && more.length === 0) {
    return serveApiTokenAction(scope, user, action);
  }
  return api === 'api' && isFlavor(flavor) && action === undefined ? serveApi(scope.c, userBean(scope.rootUrl, user), flavor) : null;
}
