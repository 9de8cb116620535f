import type { Prng } from '../../support/prng.js';
import { FOLDERS, JOBS, LOW_USER, NODE, ODD_NAME, VICTIM_FOLDER, VICTIM_JOB, VICTIM_NODE, VICTIM_USER, VICTIM_WEBHOOK, WEBHOOKS } from './names.js';
import { hostileSegment, hostileString, randomText } from './inputs.js';

/**
 * Every route the server answers, as templates the generator fills: the Jenkins URL space
 * (src/http/jenkins/routes.ts and what it dispatches to), the pages, webhook deliveries and static
 * assets here; the native API comes from its OpenAPI description at run time (`nativeRoutes`).
 */
export type BodyKind = 'none' | 'form' | 'xml' | 'json' | 'webhook';

export interface Route {
  readonly id: string;
  /** The methods the route is meant for; the generator sometimes sends another. */
  readonly methods: readonly string[];
  /** The raw path, already percent-encoded (or deliberately broken). */
  path(random: Prng, names: Names): string;
  /** Query parameters the route reads. */
  readonly params?: readonly string[];
  readonly body?: BodyKind;
  /** Form fields the route reads, with plausible values (the generator makes some hostile). */
  fields?(random: Prng, names: Names): Array<[string, string]>;
  /** A valid JSON body (native API), which the generator mutates. */
  json?(random: Prng, names: Names): unknown;
  /** Set for actions that delete or revoke: they are aimed at the victims, never at the fixtures. */
  readonly destructive?: boolean;
}

/** What the world holds that the routes can name. */
export interface Names {
  readonly queueIds: readonly number[];
  readonly tokenUuids: readonly string[];
}

const API = ['api/json', 'api/xml'];
const EXPORT_PARAMS = ['tree', 'depth', 'pretty', 'jsonp', 'xpath', 'wrapper', 'exclude'];
const PARAMETERS = ['TARGET', 'VERSION', 'DRY_RUN', 'NOTES', 'API_KEY'];

function enc(name: string): string {
  return encodeURIComponent(name);
}

/** An agent's URL name: mostly a real one, sometimes hostile; destructive actions only the victim. */
function anyNode(random: Prng, destructive = false): string {
  return random.weighted<() => string>([
    [destructive ? 0 : 4, () => NODE],
    [destructive ? 6 : 1, () => VICTIM_NODE],
    [2, () => hostileSegment(random)],
  ])();
}

/** `job/a/job/b` for a full name. */
export function itemPath(fullName: string): string {
  return fullName
    .split('/')
    .map((part) => `job/${enc(part)}`)
    .join('/');
}

/** An item's path: mostly a real one, sometimes a hostile or missing name, a deep chain, or a victim. */
function anyItem(random: Prng, destructive = false, kind: 'job' | 'folder' | 'any' = 'any'): string {
  const real = kind === 'folder' ? [...FOLDERS] : kind === 'job' ? [...JOBS] : [...JOBS, ...FOLDERS];
  const victims = kind === 'folder' ? [VICTIM_FOLDER] : kind === 'job' ? [VICTIM_JOB] : [VICTIM_JOB, VICTIM_FOLDER];
  return random.weighted<() => string>([
    [destructive ? 0 : 6, () => itemPath(random.pick(real))],
    [destructive ? 6 : 1, () => itemPath(random.pick(victims))],
    [3, () => `job/${hostileSegment(random)}`],
    // `..` and `%2e%2e` are dot segments to a URL parser: below the victim folder they can only reach it.
    [1, () => `job/${destructive ? VICTIM_FOLDER : 'team'}/job/${hostileSegment(random)}`],
    [1, () => Array.from({ length: random.pick([20, 200]) }, () => (destructive ? 'job/victim-folder' : 'job/team')).join('/')],
    // Other spellings of real items (case, encoded slash, dot segments): only the victims' for destructive actions.
    [1, () => (destructive ? `job/${enc(VICTIM_JOB.toUpperCase())}` : `job/${enc(ODD_NAME.toUpperCase())}`)],
    [1, () => (destructive ? random.pick(['job', 'job/', 'job//victim', 'job/victim/job/victim', 'job/%2e%2e/job/victim', 'job/victim-folder%2Fx', 'view/all/job/victim', 'job/victim/../victim-folder']) : random.pick(['job', 'job/', 'job//demo', 'job/demo/job/demo', 'job/team/inner', 'job/%2e%2e/job/demo', 'job/team%2Fapp', 'job/TEAM/job/APP', 'view/all/job/demo', 'job/demo/../team']))],
  ])();
}

function anyBuild(random: Prng, destructive = false): string {
  const build = random.weighted<() => string>([
    [5, () => random.pick(['1', 'lastBuild', 'lastSuccessfulBuild', 'lastFailedBuild', 'lastStableBuild', 'lastCompletedBuild', 'lastUnstableBuild', 'lastUnsuccessfulBuild'])],
    [3, () => random.pick(['0', '-1', '2', '999999', '9'.repeat(20), '9'.repeat(400), '1.0', '01', '1e3', '0x1', ' 1', '%31', '１'])],
    [1, () => hostileSegment(random)],
  ])();
  const job = destructive ? itemPath(VICTIM_JOB) : random.weighted<() => string>([
    [6, () => itemPath(random.pick(['demo', 'hostile-log', 'team/app', ODD_NAME]))],
    [1, () => anyItem(random)],
  ])();
  return `${job}/${build}`;
}

function anyUser(random: Prng, destructive = false): string {
  return random.weighted<() => string>([
    [destructive ? 0 : 4, () => random.pick(['admin', LOW_USER])],
    [destructive ? 4 : 1, () => VICTIM_USER],
    [2, () => hostileSegment(random)],
    [1, () => random.pick(['ADMIN', 'anonymous', 'SYSTEM', 'unknown', 'me'])],
  ])();
}

function anyQueueId(random: Prng, names: Names): string {
  return random.weighted<() => string>([
    [4, () => String(random.pick(names.queueIds))],
    [3, () => random.pick(['0', '-1', '999999', '9'.repeat(20), '9'.repeat(400), '1.5', 'x', '', '%00', '1e3', '0x1'])],
    [1, () => hostileSegment(random)],
  ])();
}

function anyUuid(random: Prng, names: Names, destructive: boolean): string {
  return random.weighted<() => string>([
    [destructive ? 0 : 3, () => (names.tokenUuids.length > 0 ? random.pick(names.tokenUuids) : 'x')],
    [3, () => random.pick(['00000000-0000-0000-0000-000000000000', 'not-a-uuid', '', '%00', 'x'.repeat(300)])],
    [2, () => hostileSegment(random)],
  ])();
}

function parameterFields(random: Prng): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const name of PARAMETERS) {
    if (random.chance(0.5)) fields.push([name, random.chance(0.5) ? random.pick(['staging', 'production', 'true', 'false', '1.0', '']) : hostileString(random)]);
  }
  if (random.chance(0.2)) fields.push([hostileString(random), hostileString(random)]);
  if (random.chance(0.3)) fields.push(['json', random.pick([`{"parameter":[{"name":"TARGET","value":"staging"}]}`, `{"parameter":{"name":"VERSION","value":"x"}}`, '{"parameter":[', '{}', '[]', 'null', `{"parameter":[{"name":${JSON.stringify(hostileString(random))},"value":${JSON.stringify(hostileString(random))}}]}`, `{"parameter":[${Array.from({ length: 2000 }, () => '{"name":"NOTES","value":"x"}').join(',')}]}`])]);
  return fields;
}

/** A safe shell command: hostile text only ever inside a comment, so a fuzzed job that runs does nothing. */
export function safeCommand(random: Prng): string {
  return random.chance(0.5) ? 'true' : `true # ${randomText(random, random.between(1, 30)).replace(/[\r\n]/g, ' ')}`;
}

function jobFormFields(random: Prng): Array<[string, string]> {
  const fields: Array<[string, string]> = [['description', hostileString(random)]];
  const pick = (name: string, value: () => string) => {
    if (random.chance(0.4)) fields.push([name, value()]);
  };
  pick('disabled', () => 'on');
  pick('concurrentBuild', () => 'on');
  pick('quietPeriodSeconds', () => random.pick(['0', '-1', '5', 'x', '1e9', '']));
  pick('timeout', () => random.pick(['', '10min', '-1', 'x', '1e400ms']));
  pick('retention.maxBuilds', () => random.pick(['', '0', '-5', '20', 'x']));
  pick('retention.maxDays', () => random.pick(['', '0', '3', 'x']));
  pick('maxQueued', () => random.pick(['', '0', '1', '-1', 'x', '9'.repeat(30)]));
  pick('edit', () => random.pick(['add-parameter', 'add-step', 'remove-parameter-0', 'remove-step-0', 'remove-step-9999', 'remove-parameter-x', hostileString(random)]));
  pick('newParameterType', () => random.pick(['string', 'choice', 'password', 'file', hostileString(random)]));
  const rows = random.pick([0, 1, 2, 3]);
  for (let index = 0; index < rows; index++) {
    const at = random.chance(0.8) ? String(index) : random.pick(['-1', '99999', 'x', '1e3', '00']);
    fields.push([`parameters[${at}].type`, random.pick(['string', 'text', 'boolean', 'choice', 'password', 'file', 'run', ''])]);
    fields.push([`parameters[${at}].name`, random.chance(0.5) ? `P${index}` : hostileString(random)]);
    if (random.chance(0.5)) fields.push([`parameters[${at}].default`, hostileString(random)]);
    if (random.chance(0.5)) fields.push([`parameters[${at}].choices`, random.pick(['a\nb', '', '\n\n', hostileString(random)])]);
    if (random.chance(0.3)) fields.push([`parameters[${at}].${random.pick(['trim', 'keep', 'clear', 'description'])}`, hostileString(random)]);
  }
  const steps = random.pick([0, 1, 2]);
  for (let index = 0; index < steps; index++) {
    fields.push([`steps[${index}].command`, safeCommand(random)]);
    if (random.chance(0.3)) fields.push([`steps[${index}].unstableReturn`, random.pick(['', '0', '1', '255', '256', '-1', 'x'])]);
  }
  if (random.chance(0.2)) fields.push(['remoteToken.value', hostileString(random)]);
  if (random.chance(0.1)) fields.push(['remoteToken.remove', 'on']);
  return fields;
}

function grantFields(random: Prng): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  const count = random.pick([0, 1, 3]);
  for (let index = 0; index < count; index++) {
    fields.push([random.pick(['grant', 'principal', 'sid', `grants[${index}]`, hostileString(random)]), random.pick([`user:${LOW_USER}|Job/Read`, 'anonymous:Overall/Read', 'authenticated', hostileString(random)])]);
  }
  for (const name of ['authorization', 'allowAnonymousRead', 'crumbs', 'newPrincipal']) if (random.chance(0.3)) fields.push([name, random.chance(0.5) ? random.pick(['matrix', 'loggedInUsersCanDoAnything', 'on', 'false']) : hostileString(random)]);
  return fields;
}

export const JENKINS_ROUTES: readonly Route[] = [
  { id: 'root', methods: ['GET', 'HEAD'], path: () => '/' },
  { id: 'root-api', methods: ['GET'], path: (random) => `/${random.pick(API)}`, params: EXPORT_PARAMS },
  { id: 'item-page', methods: ['GET', 'HEAD'], path: (random) => `/${anyItem(random)}/` },
  { id: 'item-delete', methods: ['DELETE'], path: (random) => `/${anyItem(random, true)}/`, destructive: true },
  { id: 'item-api', methods: ['GET'], path: (random) => `/${anyItem(random)}/${random.pick(API)}`, params: EXPORT_PARAMS },
  { id: 'config-xml-get', methods: ['GET'], path: (random) => `/${anyItem(random)}/config.xml` },
  { id: 'config-xml-post', methods: ['POST'], path: (random) => `/${anyItem(random)}/config.xml`, body: 'xml' },
  { id: 'create-item', methods: ['POST'], path: (random) => (random.chance(0.7) ? '/createItem' : `/${anyItem(random, false, 'folder')}/createItem`), params: ['name', 'mode', 'from'], body: 'xml' },
  { id: 'do-delete', methods: ['POST'], path: (random) => `/${anyItem(random, true)}/doDelete`, destructive: true },
  { id: 'enable-disable', methods: ['POST'], path: (random) => `/${anyItem(random, false, 'job')}/${random.pick(['enable', 'disable'])}` },
  { id: 'build', methods: ['POST', 'GET'], path: (random) => `/${anyItem(random, false, 'job')}/build${random.chance(0.1) ? '/api/json' : ''}`, params: ['delay', 'token', 'cause', 'json', 'wait'], body: 'form', fields: (random) => parameterFields(random) },
  { id: 'build-with-parameters', methods: ['POST', 'GET'], path: (random) => `/${anyItem(random, false, 'job')}/buildWithParameters`, params: ['delay', 'token', 'cause', 'wait', ...PARAMETERS], body: 'form', fields: (random) => parameterFields(random) },
  { id: 'polling', methods: ['POST', 'GET'], path: (random) => `/${anyItem(random, false, 'job')}/polling`, params: ['delay', 'token'] },
  { id: 'configure-page', methods: ['GET'], path: (random) => `/${anyItem(random)}/configure` },
  { id: 'configure-save', methods: ['POST'], path: (random) => `/${anyItem(random)}/configure`, body: 'form', fields: (random) => jobFormFields(random) },
  { id: 'new-item-page', methods: ['GET'], path: (random) => (random.chance(0.6) ? '/newJob' : `/${anyItem(random, false, 'folder')}/newJob`) },
  { id: 'new-item-save', methods: ['POST'], path: (random) => (random.chance(0.6) ? '/newJob' : `/${anyItem(random, false, 'folder')}/newJob`), body: 'form', fields: (random) => [['name', random.chance(0.3) ? `fuzz-${random.int(1e6)}` : hostileString(random)], ['mode', random.pick(['job', 'folder', 'copy', hostileString(random)])], ['from', random.pick(['demo', 'team', '', hostileString(random)])], ...(random.chance(0.5) ? jobFormFields(random) : [])] },
  { id: 'item-security', methods: ['GET', 'POST'], path: (random) => `/${anyItem(random)}/security`, body: 'form', fields: (random) => grantFields(random) },
  { id: 'trigger-tokens-ui', methods: ['POST', 'GET'], path: (random) => `/${anyItem(random, false, 'job')}/triggerTokens`, body: 'form', fields: (random) => [['name', hostileString(random)], ['expires', random.pick(['', '2030-01-01', '1999-01-01', 'x', '9999-12-31', hostileString(random)])], ['networks', random.pick(['', '10.0.0.0/8', '::/0', '300.1.1.1/33', hostileString(random)])], ['canCancel', 'on']] },
  { id: 'trigger-tokens-revoke-ui', methods: ['POST'], path: (random) => `/${anyItem(random, false, 'job')}/triggerTokens/revoke`, body: 'form', fields: (random, names) => [['uuid', anyUuid(random, names, true)]], destructive: true },
  { id: 'rename', methods: ['POST'], path: (random) => `/${anyItem(random, true)}/${random.pick(['doRename', 'confirmRename'])}`, params: ['newName'], destructive: true },
  { id: 'create-view', methods: ['POST'], path: (random) => (random.chance(0.7) ? '/createView' : `/${anyItem(random, false, 'folder')}/createView`), params: ['name', 'mode'], body: 'xml' },
  {
    id: 'view',
    methods: ['GET', 'POST'],
    path: (random) => `/view/${random.pick(['all', 'fuzz-view', 'ALL', hostileSegment(random)])}/${random.pick(['', 'api/json', 'api/xml', 'config.xml', 'addJobToView', 'removeJobFromView', 'job/demo/api/json', 'x'])}`,
    params: ['name', ...EXPORT_PARAMS],
    body: 'xml',
  },
  { id: 'view-delete', methods: ['POST'], path: () => '/view/fuzz-view/doDelete', destructive: true },
  { id: 'unimplemented', methods: ['GET', 'POST'], path: (random) => random.pick(['/scriptText', '/script', '/pluginManager/install', '/cli', `/${anyItem(random)}/ws/`, `/${anyBuild(random)}/artifact/x`]), params: ['script'] },
  { id: 'build-page', methods: ['GET', 'HEAD'], path: (random) => `/${anyBuild(random)}/` },
  { id: 'build-api', methods: ['GET'], path: (random) => `/${anyBuild(random)}/${random.pick(API)}`, params: EXPORT_PARAMS },
  { id: 'console-text', methods: ['GET', 'HEAD'], path: (random) => `/${anyBuild(random)}/consoleText` },
  { id: 'progressive-text', methods: ['GET', 'POST'], path: (random) => `/${anyBuild(random)}/logText/progressiveText`, params: ['start'] },
  { id: 'progressive-html', methods: ['GET', 'POST'], path: (random) => `/${anyBuild(random)}/logText/progressiveHtml`, params: ['start'] },
  { id: 'console-page', methods: ['GET'], path: (random) => `/${anyBuild(random)}/console` },
  { id: 'build-stop', methods: ['POST'], path: (random) => `/${anyBuild(random)}/${random.pick(['stop', 'term', 'kill'])}` },
  { id: 'build-delete', methods: ['POST'], path: (random) => `/${anyBuild(random, true)}/doDelete`, destructive: true },
  { id: 'build-number', methods: ['GET'], path: (random) => `/${anyBuild(random)}/buildNumber` },
  { id: 'rebuild', methods: ['POST', 'GET'], path: (random) => `/${anyBuild(random)}/${random.pick(['rebuild', 'replay/rebuild'])}` },
  { id: 'queue-api', methods: ['GET'], path: (random) => `/queue/${random.pick(API)}`, params: EXPORT_PARAMS },
  { id: 'queue-item', methods: ['GET'], path: (random, names) => `/queue/item/${anyQueueId(random, names)}/${random.pick(['', ...API])}`, params: EXPORT_PARAMS },
  { id: 'queue-cancel', methods: ['POST'], path: (random, names) => `/queue/item/${anyQueueId(random, names)}/cancelQueue` },
  { id: 'queue-cancel-item', methods: ['POST'], path: () => '/queue/cancelItem', params: ['id'] },
  { id: 'computer', methods: ['GET'], path: (random) => random.pick(['/computer/', '/computer/api/json', '/computer/api/xml', '/computer/(built-in)/api/json', '/computer/(master)/api/xml', '/computer/%28built-in%29/api/json', '/computer/x/api/json']), params: EXPORT_PARAMS },
  { id: 'computer-agent', methods: ['GET'], path: (random) => `/computer/${anyNode(random)}/${random.pick(['', ...API, 'config.xml', 'jenkins-agent.jnlp', 'slave-agent.jnlp', 'x'])}`, params: [...EXPORT_PARAMS, 'encrypt'] },
  { id: 'computer-create', methods: ['POST'], path: () => '/computer/doCreateItem', body: 'form', fields: (random) => [['name', random.pick(['fuzz-new', hostileString(random), '(master)'])], ['type', random.pick(['hudson.slaves.DumbSlave$DescriptorImpl', 'x'])], ['json', random.pick(['{"numExecutors": 2, "labelString": "a b"}', '{"numExecutors": 999}', '[]', hostileString(random)])]] },
  { id: 'computer-destructive', methods: ['POST'], path: (random) => `/computer/${anyNode(random, true)}/${random.pick(['doDelete', 'toggleOffline', 'config.xml', 'showSecret'])}`, params: ['offlineMessage'], body: 'xml', destructive: true },
  { id: 'agent-jar', methods: ['GET'], path: (random) => random.pick(['/tcpSlaveAgentListener/', '/wsagents/', '/jnlpJars/agent.jar']) },
  { id: 'crumb-issuer', methods: ['GET'], path: (random) => `/crumbIssuer/${random.pick(API)}`, params: EXPORT_PARAMS },
  { id: 'plugin-manager', methods: ['GET'], path: (random) => `/pluginManager/${random.pick(API)}`, params: ['tree', 'depth'] },
  { id: 'me', methods: ['GET'], path: (random) => random.pick(['/me/', '/me/api/json', '/me/api/xml', '/me/configure', '/me/x']), params: EXPORT_PARAMS },
  { id: 'user', methods: ['GET'], path: (random) => `/user/${anyUser(random)}/${random.pick(['', ...API, 'configure', 'x/y'])}`, params: EXPORT_PARAMS },
  {
    id: 'api-token-action',
    methods: ['POST'],
    path: (random) => {
      const action = random.pick(['generateNewToken', 'generateNewToken', 'rename', 'revoke', 'revokeAll', 'revokeAllExcept', 'x']);
      const user = action.startsWith('revoke') ? anyUser(random, true) : anyUser(random);
      return `/user/${user}/descriptorByName/jenkins.security.ApiTokenProperty/${action}`;
    },
    body: 'form',
    fields: (random, names) => [['newTokenName', hostileString(random)], ['expirationDuration', random.pick(['', '0', '-1', '30', '1e9', 'x'])], ['tokenUuid', anyUuid(random, names, true)], ['newName', hostileString(random)]],
    destructive: true,
  },
  { id: 'user-forms', methods: ['POST'], path: (random) => `/user/${anyUser(random, true)}/${random.pick(['tokens/new', 'tokens/revoke', 'password'])}`, body: 'form', fields: (random, names) => [['name', hostileString(random)], ['expires', hostileString(random)], ['uuid', anyUuid(random, names, true)], ['password', random.pick(['', 'short', 'long-enough-password', hostileString(random)])], ['confirm', hostileString(random)], ['currentPassword', hostileString(random)]], destructive: true },
  { id: 'manage', methods: ['GET'], path: (random) => `/manage/${random.pick(['', 'users', 'security', 'trigger-tokens', 'webhooks', 'audit', 'x', 'users/x'])}`, params: ['actor', 'item', 'action', 'outcome', 'reason', 'since', 'until', 'before', 'limit'] },
  { id: 'manage-users-create', methods: ['POST'], path: () => '/manage/users', body: 'form', fields: (random) => [['id', random.chance(0.3) ? `fuzz${random.int(1e6)}` : hostileString(random)], ['fullName', hostileString(random)], ['password', random.pick(['', 'short', 'long-enough-password', hostileString(random)])], ['groups', hostileString(random)]] },
  { id: 'manage-users-delete', methods: ['POST'], path: () => '/manage/users/delete', body: 'form', fields: (random) => [['id', anyUser(random, true)]], destructive: true },
  { id: 'manage-security', methods: ['POST'], path: () => '/manage/security', body: 'form', fields: (random) => grantFields(random) },
  { id: 'manage-trigger-tokens-revoke', methods: ['POST'], path: () => '/manage/trigger-tokens/revoke', body: 'form', fields: (random, names) => [['uuid', anyUuid(random, names, true)]], destructive: true },
  { id: 'manage-webhooks', methods: ['POST'], path: () => '/manage/webhooks', body: 'form', fields: (random) => [['name', random.chance(0.3) ? VICTIM_WEBHOOK : hostileString(random)], ['kind', random.pick(['github', 'gitlab', 'hmac', hostileString(random)])], ['secret', random.pick(['short', 'a-long-enough-secret-value', hostileString(random)])], ['jobs', random.pick([VICTIM_JOB, 'team/app', '', hostileString(random)])], ['events', hostileString(random)], ['refs', hostileString(random)], ['parameters', random.pick(['VERSION=after', '=', 'a', hostileString(random)])], ['signatureHeader', hostileString(random)], ['algorithm', random.pick(['sha1', 'md5', hostileString(random)])]] },
  { id: 'manage-webhooks-delete', methods: ['POST'], path: () => '/manage/webhooks/delete', body: 'form', fields: (random) => [['name', random.pick([VICTIM_WEBHOOK, hostileString(random)])]], destructive: true },
  { id: 'login-page', methods: ['GET'], path: (random) => random.pick(['/login', '/loginError', '/logout', '/j_spring_security_check']), params: ['from'] },
  { id: 'login', methods: ['POST'], path: () => '/j_spring_security_check', body: 'form', fields: (random) => [['j_username', random.pick(['admin', LOW_USER, 'nobody', '', hostileString(random)])], ['j_password', random.pick(['wrong', '', hostileString(random)])], ['from', random.pick(['/', '/job/demo/', '//evil.example/', `/x\r\nx-fuzz-injected: yes`, hostileString(random)])], ['Jenkins-Crumb', random.pick(['', 'x', hostileString(random)])]] },
  { id: 'logout', methods: ['POST', 'GET'], path: () => '/logout' },
  { id: 'who-am-i', methods: ['GET'], path: (random) => random.pick(['/whoAmI/', '/whoAmI', '/whoAmI/api/json', '/whoAmI/api/xml', '/whoAmI/x']), params: EXPORT_PARAMS },
  { id: 'build-by-token', methods: ['GET', 'POST'], path: (random) => `/buildByToken/${random.pick(['build', 'buildWithParameters', 'polling', 'x', ''])}`, params: ['job', 'token', 'delay', 'cause', ...PARAMETERS] },
  { id: 'static', methods: ['GET', 'HEAD'], path: (random) => `/static/${random.pick(['steward.css', 'steward.js', 'favicon.svg', '..%2Fpackage.json', '../main.js', '%2e%2e/%2e%2e/package.json', 'x', '', 'steward.css/x', hostileSegment(random)])}` },
  { id: 'webhook-delivery', methods: ['POST'], path: (random) => `/steward/hooks/${random.weighted<() => string>([[6, () => random.pick([...WEBHOOKS])], [1, () => hostileSegment(random)]])()}`, body: 'webhook' },
  { id: 'webhook-get', methods: ['GET', 'PUT', 'DELETE'], path: (random) => `/steward/hooks/${random.pick([...WEBHOOKS, 'missing'])}` },
  { id: 'health', methods: ['GET', 'HEAD'], path: (random) => random.pick(['/steward/health', '/steward/ready', '/steward/health/', '/steward/ready/x', `/steward/${hostileSegment(random)}`]) },
  { id: 'prometheus', methods: ['GET'], path: (random) => random.pick(['/prometheus', '/prometheus/', '/prometheus/x', '/prometheus/api/json']) },
  { id: 'unknown', methods: ['GET', 'POST'], path: (random) => `/${hostileSegment(random)}/${random.chance(0.5) ? hostileSegment(random) : ''}` },
];

interface OpenApiDocument {
  readonly paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  readonly components?: { schemas?: Record<string, Schema> };
}

interface Schema {
  readonly $ref?: string;
  readonly type?: string | string[];
  readonly properties?: Record<string, Schema>;
  readonly required?: string[];
  readonly items?: Schema;
  readonly enum?: unknown[];
  readonly example?: unknown;
  readonly allOf?: Schema[];
  readonly additionalProperties?: boolean | Schema;
  readonly format?: string;
}

/** The native API's routes, from its OpenAPI description: every path and method, with a valid body to mutate. */
export function nativeRoutes(document: OpenApiDocument, base: string): Route[] {
  const routes: Route[] = [];
  const resolve = (schema: Schema | undefined): Schema | undefined => {
    if (schema?.$ref) return resolve(document.components?.schemas?.[schema.$ref.split('/').at(-1) ?? '']);
    return schema;
  };
  const example = (schema: Schema | undefined, random: Prng, depth = 0): unknown => {
    const resolved = resolve(schema);
    if (!resolved || depth > 5) return null;
    if (resolved.allOf) return Object.assign({}, ...resolved.allOf.map((part) => example(part, random, depth + 1)));
    if (resolved.enum) return random.pick(resolved.enum);
    if (resolved.example !== undefined && random.chance(0.7)) return resolved.example;
    const type = Array.isArray(resolved.type) ? resolved.type[0] : resolved.type;
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [key, property] of Object.entries(resolved.properties ?? {})) {
          if (resolved.required?.includes(key) || random.chance(0.6)) out[key] = example(property, random, depth + 1);
        }
        if (typeof resolved.additionalProperties === 'object' && random.chance(0.5)) out[random.pick([`user:${LOW_USER}`, 'anonymous', 'authenticated', 'group:x'])] = example(resolved.additionalProperties, random, depth + 1);
        return out;
      }
      case 'array':
        return Array.from({ length: random.pick([0, 1, 2]) }, () => example(resolved.items, random, depth + 1));
      case 'boolean':
        return random.chance(0.5);
      case 'integer':
      case 'number':
        return random.pick([0, 1, 10]);
      default:
        return resolved.format === 'date-time' ? random.pick(['2030-01-01T00:00:00Z', '2000-01-01T00:00:00Z']) : random.pick(['fuzz', 'team/app', VICTIM_JOB, 'Job/Read', 'a-long-enough-secret-value']);
    }
  };
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const upper = method.toUpperCase();
      const destructive = upper === 'DELETE' || template.endsWith('/password') || template.endsWith('/rotate') || (template.startsWith('/nodes/') && upper === 'PATCH');
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      const query = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
      routes.push({
        id: `native ${upper} ${template}`,
        methods: [upper],
        destructive,
        params: query,
        body: schema ? 'json' : 'none',
        json: schema ? (random) => example(schema, random) : undefined,
        path: (random, names) =>
          base +
          template.replace(/\{(\w+)\}/g, (_, name: string) => {
            if (name === 'id') return anyUser(random, destructive);
            if (name === 'uuid') return anyUuid(random, names, destructive);
            if (name === 'name' && template.startsWith('/nodes/')) return anyNode(random, destructive);
            if (name === 'name') return destructive ? random.pick([VICTIM_WEBHOOK, hostileSegment(random)]) : random.weighted<() => string>([[3, () => random.pick([VICTIM_WEBHOOK, 'fuzz-hook'])], [2, () => hostileSegment(random)]])();
            return hostileSegment(random);
          }),
      });
    }
  }
  routes.push({ id: 'native unknown', methods: ['GET', 'POST'], path: (random) => `${base}/${hostileSegment(random)}` });
  routes.push({ id: 'native openapi', methods: ['GET'], path: () => `${base}/openapi.json` });
  return routes;
}
