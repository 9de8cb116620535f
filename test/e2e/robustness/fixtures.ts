import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, basicAuth, createApiToken, FOLDER_XML, jobXml, startTestServer, type TestServer, waitFor } from '../../support/server.js';
import type { Violation } from './check.js';
import { checkLogLines } from './run.js';
import { FOLDERS, JOB_TOKEN, JOBS, LOW_PASSWORD, LOW_USER, NODE, ODD_NAME, VICTIM_FOLDER, VICTIM_JOB, VICTIM_NODE, VICTIM_USER, VICTIM_WEBHOOK, WEBHOOK_SECRET } from './names.js';
import { itemPath } from './routes.js';

/**
 * The world the robustness suite attacks: a matrix policy with an administrator, a user with little
 * access (Overall/Read, and Job/Read + Job/Build in one folder) and anonymous callers; folders and jobs
 * with odd names, parameters of every kind, a job token, trigger tokens, webhooks of each kind,
 * finished builds (one with a hostile console log) and a waiting queue item.
 */
// Security is declared here and restored by `restore` (the fuzzer may change it through the API).
const CONFIG = `
settings:
  executors: 2
  trustedProxies: [127.0.0.1/32]
security:
  authorization: matrix
  crumbs: true
  grants:
    "user:admin": [Overall/Administer]
    "user:${LOW_USER}": [Overall/Read]
users:
  - id: ${LOW_USER}
    fullName: Low Access
    password: ${LOW_PASSWORD}
folders:
  - name: team
    grants: { "user:${LOW_USER}": [Job/Read, Job/Build] }
    jobs:
      - name: app
        authToken: ${JOB_TOKEN}
        parameters:
          - { name: TARGET, type: choice, choices: [staging, production] }
          - { name: VERSION, type: string, default: latest, trim: true }
          - { name: DRY_RUN, type: boolean, default: true }
          - { name: NOTES, type: text }
          - { name: API_KEY, type: password, default: sekrit-default }
        steps: ["true"]
    folders:
      - name: inner
        jobs:
          - name: deep
            steps: ["true"]
jobs:
  - name: demo
    steps: ["echo hello"]
  - name: hostile-log
    steps:
      - "printf '<script>alert(1)</script> & \\\\033[1;31mred\\\\033[0m \\\\033[38;5;300m \\\\033[999999999m\\\\n'; printf 'nul:\\\\000: bad utf8: \\\\303\\\\050 \\\\377\\\\376\\\\n'; head -c 20000 /dev/zero | tr '\\\\0' '<'; echo"
  - name: disabled
    disabled: true
    steps: ["true"]
  - name: waiting
    quietPeriod: 1h
    steps: ["true"]
  - name: ${JSON.stringify(ODD_NAME)}
    steps: ["true"]
nodes:
  - { name: ${NODE}, labels: linux, executors: 2 }
webhooks:
  - { name: gh, kind: github, secret: ${WEBHOOK_SECRET}, jobs: [demo], events: [push], parameters: {} }
  - { name: gl, kind: gitlab, secret: ${WEBHOOK_SECRET}, jobs: [team/app], parameters: { VERSION: after } }
  - { name: hm, kind: hmac, secret: ${WEBHOOK_SECRET}, jobs: [demo], signature: { header: X-Signature, algorithm: sha256, prefix: "sha256=" } }
`;

export interface World {
  /** Replaced when `restore` has to restart the server (same home) to get an administrator back. */
  server: TestServer;
  readonly home: string;
  /** The credentials the cases use; `restore` replaces a token the fuzzer managed to revoke. */
  adminToken: string;
  lowToken: string;
  /** A trigger token covering team/app (uuid and secret value). */
  triggerToken: { readonly uuid: string; readonly value: string };
  readonly queueIds: readonly number[];
  /** Every secret the world holds, which no log line, body or header may show. */
  readonly secrets: string[];
}

/** A request to the world's server as admin (with the current token), JSON in and out. */
export function adminFetch(world: World, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', basicAuth('admin', world.adminToken));
  if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
  return fetch(new URL(path.replace(/^\//, ''), world.server.url), { ...init, headers, redirect: 'manual' });
}

export async function startWorld(): Promise<World> {
  const home = mkdtempSync(join(tmpdir(), 'steward-robustness-'));
  const server = await startTestServer({ config: CONFIG, executors: 2, home });
  const lowToken = await createApiToken(server.url, LOW_USER, LOW_PASSWORD, 'fuzz');
  const created = await server.fetch('/steward/api/v1/trigger-tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'fuzz-trigger', items: ['team/app'], canCancel: true }),
  });
  if (created.status !== 201) throw new Error(`creating a trigger token failed: ${created.status} ${await created.text()}`);
  const triggerToken = (await created.json()) as { uuid: string; value: string };

  for (const job of ['demo', 'hostile-log', 'team/app', ODD_NAME]) {
    const path = `/${job.split('/').map((part) => `job/${encodeURIComponent(part)}`).join('/')}/build`;
    const response = await server.fetch(job === 'team/app' ? `${path}WithParameters?TARGET=staging` : path, { method: 'POST' });
    if (response.status !== 201) throw new Error(`triggering ${job} failed: ${response.status} ${await response.text()}`);
  }
  const queued = await server.fetch('/job/waiting/build', { method: 'POST' });
  const queueId = Number(/\/queue\/item\/(\d+)\//.exec(queued.headers.get('location') ?? '')?.[1]);
  for (const job of ['demo', 'hostile-log', 'team/app', ODD_NAME]) {
    const path = `/${job.split('/').map((part) => `job/${encodeURIComponent(part)}`).join('/')}/1/api/json?tree=building`;
    await waitFor(async () => {
      const response = await server.fetch(path);
      return response.status === 200 && ((await response.json()) as { building: boolean }).building === false ? true : undefined;
    }, 20_000, `${job} #1 to finish`);
  }
  // Run from the TypeScript sources, the XPath worker is transpiled at its first use, on the event
  // loop of this process (src/http/jenkins/export/worker-module.ts; dist/ has it compiled): do that
  // before the cases are timed.
  await expectStatus(server.fetch('/api/xml?xpath=//name&wrapper=w'), [200], 'warming up the XPath worker');
  const world: World = {
    server,
    home,
    adminToken: server.adminToken,
    lowToken,
    triggerToken,
    queueIds: [queueId, 1, 2],
    secrets: [server.adminToken, lowToken, triggerToken.value, LOW_PASSWORD, JOB_TOKEN, WEBHOOK_SECRET, ADMIN_PASSWORD, 'sekrit-default'],
  };
  await restore(world);
  return world;
}

async function expectStatus(response: Promise<Response>, allowed: readonly number[], what: string): Promise<Response> {
  const answer = await response;
  if (!allowed.includes(answer.status)) throw new Error(`${what} failed: ${answer.status} ${await answer.text()}`);
  return answer;
}

/**
 * Puts back what the fuzzer may have changed through valid requests: the policy and team's grants,
 * the admin's and the low user's tokens (and the low user), the trigger token, the fixture jobs'
 * being enabled, the webhooks, the view, and the victims the destructive actions aim at. A fuzzed request that
 * succeeds is followed by this, so every case starts from the same world.
 */
export async function restore(world: World): Promise<Violation[]> {
  const violations: Violation[] = [];
  if ((await fetch(new URL('whoAmI/api/json', world.server.url), { headers: { authorization: basicAuth('admin', world.adminToken) } })).status !== 200) {
    world.adminToken = await createApiToken(world.server.url, 'admin', ADMIN_PASSWORD, 'fuzz-again');
    world.secrets.push(world.adminToken);
  }
  const administers = (await (await expectStatus(adminFetch(world, '/steward/api/v1/whoami'), [200], 'asking who admin is')).json()) as { permissions: string[] };
  if (!administers.permissions.includes('Overall/Administer')) {
    // Only a start applies the configuration file's security section again: the one way back in.
    violations.push({ kind: 'admin-locked-out', detail: 'after this request no existing user may administer the server (admin lost Overall/Administer); the server had to be restarted to get it back' });
    violations.push(...(await restart(world)));
  }
  const { server } = world;
  await expectStatus(adminFetch(world, '/steward/api/v1/security', {
    method: 'PATCH',
    body: JSON.stringify({ authorization: 'matrix', allowAnonymousRead: false, crumbs: true, grants: { 'user:admin': ['Overall/Administer'], [`user:${LOW_USER}`]: ['Overall/Read'] } }),
  }), [200], 'restoring the policy');
  await expectStatus(adminFetch(world, '/steward/api/v1/security/grants?item=team', { method: 'PUT', body: JSON.stringify({ grants: { [`user:${LOW_USER}`]: ['Job/Read', 'Job/Build'] } }) }), [200], "restoring team's grants");

  const users = (await (await expectStatus(adminFetch(world, '/steward/api/v1/users'), [200], 'listing users')).json()) as Array<{ id: string }>;
  for (const id of [LOW_USER, VICTIM_USER]) {
    if (!users.some((user) => user.id === id)) await expectStatus(adminFetch(world, '/steward/api/v1/users', { method: 'POST', body: JSON.stringify({ id, password: LOW_PASSWORD }) }), [201], `making ${id} again`);
  }
  if ((await fetch(new URL('whoAmI/api/json', server.url), { headers: { authorization: basicAuth(LOW_USER, world.lowToken) } })).status !== 200) {
    await expectStatus(adminFetch(world, `/steward/api/v1/users/${LOW_USER}/password`, { method: 'PUT', body: JSON.stringify({ password: LOW_PASSWORD }) }), [200, 204], "resetting the low user's password");
    world.lowToken = await createApiToken(server.url, LOW_USER, LOW_PASSWORD, 'fuzz-again');
    world.secrets.push(world.lowToken);
  }
  const triggerTokens = (await (await expectStatus(adminFetch(world, '/steward/api/v1/trigger-tokens'), [200], 'listing trigger tokens')).json()) as Array<{ uuid: string }>;
  if (!triggerTokens.some((token) => token.uuid === world.triggerToken.uuid)) {
    const created = await expectStatus(adminFetch(world, '/steward/api/v1/trigger-tokens', { method: 'POST', body: JSON.stringify({ name: 'fuzz-trigger', items: ['team/app'], canCancel: true }) }), [201], 'making the trigger token again');
    world.triggerToken = (await created.json()) as { uuid: string; value: string };
    world.secrets.push(world.triggerToken.value);
  }

  const nodes = (await (await expectStatus(adminFetch(world, '/steward/api/v1/nodes'), [200], 'listing nodes')).json()) as Array<{ name: string }>;
  if (!nodes.some((node) => node.name === NODE)) throw new Error(`the fixture node ${NODE} is gone; the fuzzer must not reach it`);
  if (!nodes.some((node) => node.name === VICTIM_NODE)) await expectStatus(adminFetch(world, '/steward/api/v1/nodes', { method: 'POST', body: JSON.stringify({ name: VICTIM_NODE, labels: 'victim' }) }), [201], 'making the victim node again');

  type Listed = { name: string; _class: string; color?: string; jobs?: Listed[] };
  const tree = (await (await expectStatus(adminFetch(world, '/api/json?tree=jobs[name,color,jobs[name,color,jobs[name,color]]]'), [200], 'listing items')).json()) as { jobs: Listed[] };
  const listed = new Map<string, Listed>();
  const walk = (items: Listed[] | undefined, prefix: string) => {
    for (const item of items ?? []) {
      listed.set(prefix + item.name, item);
      walk(item.jobs, `${prefix}${item.name}/`);
    }
  };
  walk(tree.jobs, '');
  for (const name of [...FOLDERS, ...JOBS]) {
    if (!listed.has(name)) throw new Error(`the fixture ${name} is gone; the fuzzer must not reach it`);
    if (listed.get(name)?.color === 'disabled' && name !== 'disabled') await expectStatus(adminFetch(world, `/${itemPath(name)}/enable`, { method: 'POST' }), [200, 302], `enabling ${name}`);
  }
  if (listed.get('disabled')?.color !== 'disabled') await expectStatus(adminFetch(world, `/${itemPath('disabled')}/disable`, { method: 'POST' }), [200, 302], 'disabling disabled');
  if (!listed.has(VICTIM_FOLDER)) await createItem(world, '', VICTIM_FOLDER, FOLDER_XML);
  if (!listed.has(VICTIM_JOB)) await createItem(world, '', VICTIM_JOB, jobXml({ steps: ['true'] }));
  if ((await adminFetch(world, '/view/fuzz-view/api/json')).status === 404) {
    const view = '<hudson.model.ListView><jobNames><string>demo</string></jobNames><includeRegex>team.*</includeRegex></hudson.model.ListView>';
    await expectStatus(adminFetch(world, '/createView?name=fuzz-view', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: view }), [200], 'making the view fuzz-view again');
  }

  const hooks = (await (await expectStatus(adminFetch(world, '/steward/api/v1/webhooks'), [200], 'listing webhooks')).json()) as Array<{ name: string }>;
  const definitions: Record<string, unknown> = {
    gh: { kind: 'github', secret: WEBHOOK_SECRET, jobs: ['demo'], events: ['push'] },
    gl: { kind: 'gitlab', secret: WEBHOOK_SECRET, jobs: ['team/app'], parameters: { VERSION: 'after' } },
    hm: { kind: 'hmac', secret: WEBHOOK_SECRET, jobs: ['demo'], signature: { header: 'X-Signature', algorithm: 'sha256', prefix: 'sha256=' } },
    [VICTIM_WEBHOOK]: { kind: 'github', secret: WEBHOOK_SECRET, jobs: [VICTIM_JOB] },
  };
  for (const [name, definition] of Object.entries(definitions)) {
    if (!hooks.some((hook) => hook.name === name)) await expectStatus(adminFetch(world, `/steward/api/v1/webhooks/${name}`, { method: 'PUT', body: JSON.stringify(definition) }), [200, 201], `defining webhook ${name} again`);
  }
  return violations;
}

/** Stops the server and starts it again on the same home; returns what the old one's log broke. */
async function restart(world: World): Promise<Violation[]> {
  const logged = checkLogLines(world.server.logLines, world);
  await world.server.close();
  world.server = await startTestServer({ config: CONFIG, executors: 2, home: world.home });
  world.adminToken = world.server.adminToken;
  world.secrets.push(world.adminToken);
  await expectStatus(world.server.fetch('/api/xml?xpath=//name&wrapper=w'), [200], 'warming up the XPath worker');
  return logged;
}

/** Stops the server and removes its home. */
export async function stopWorld(world: World): Promise<void> {
  await world.server.stop();
  rmSync(world.home, { recursive: true, force: true });
}

async function createItem(world: World, parent: string, name: string, xml: string): Promise<void> {
  await expectStatus(adminFetch(world, `${parent}/createItem?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml }), [200], `making ${name} again`);
}
