import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRunner } from '../../support/cli.js';
import { basicAuth, jobXml, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
const cli = new CliRunner();

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
  cli.dispose();
});

function steward(args: string[], options: { stdin?: string; auth?: string } = {}) {
  return cli.run(args, { env: { STEWARD_URL: server.url, STEWARD_AUTH: options.auth ?? `admin:${server.adminToken}` }, stdin: options.stdin ?? '' });
}

async function whoAmI(authorization: string): Promise<{ status: number; name?: string }> {
  const response = await server.fetch('/whoAmI/api/json', { headers: { authorization } });
  return { status: response.status, ...(response.status === 200 ? ((await response.json()) as { name: string }) : {}) };
}

interface TokenJson {
  uuid: string;
  name: string;
  expiresAt: string | null;
  [key: string]: unknown;
}

async function apiTokens(): Promise<TokenJson[]> {
  return (await (await server.fetch('/steward/api/v1/users/admin/tokens')).json()) as TokenJson[];
}

/** A token of admin made directly through the native API. */
async function nativeToken(name: string): Promise<{ value: string; uuid: string }> {
  const response = await server.fetch('/steward/api/v1/users/admin/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  expect(response.status).toBe(201);
  return (await response.json()) as { value: string; uuid: string };
}

describe('steward token (API tokens)', () => {
  it('creates a token and prints its value once: bare on stdout, or as JSON', async () => {
    const [created, asJson] = await Promise.all([steward(['token', 'create', 'laptop']), steward(['token', 'create', 'ci', '--json'])]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^stwu_\S+\n$/);
    const uuid = (await apiTokens()).find((token) => token.name === 'laptop')?.uuid;
    expect(created.stderr).toBe(`steward: created the API token "laptop" (${uuid}); here is its value, which will not be shown again.\n`);
    expect(await whoAmI(basicAuth('admin', created.stdout.trim()))).toMatchObject({ status: 200, name: 'admin' });

    const json = JSON.parse(asJson.stdout);
    expect(json).toEqual({ name: 'ci', uuid: expect.stringMatching(/^[0-9a-f-]{36}$/), value: expect.stringMatching(/^stwu_/), expiresAt: null });
    expect((await whoAmI(basicAuth('admin', json.value))).name).toBe('admin');
  });

  it('creates expiring tokens through the native API, from a duration or a date', async () => {
    const before = Date.now();
    const [month, dated, past] = await Promise.all([
      steward(['token', 'create', 'month', '--expires', '30d', '--json']),
      steward(['token', 'create', 'dated', '--expires', '2099-06-30', '--json']),
      steward(['token', 'create', 'old', '--expires', '2020-01-01']),
    ]);
    const inThirty = JSON.parse(month.stdout);
    const expires = Date.parse(inThirty.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(expires).toBeLessThan(Date.now() + 30 * 86_400_000 + 1000);
    expect((await apiTokens()).find((token) => token.uuid === inThirty.uuid)?.expiresAt).toBe(inThirty.expiresAt);

    expect(JSON.parse(dated.stdout)).toMatchObject({ expiresAt: '2099-06-30T00:00:00.000Z' });
    expect(past).toMatchObject({ code: 2, stdout: '' });
    expect(past.stderr).toContain('--expires "2020-01-01" is not in the future.');
  });

  it('lists tokens with their use, never their values', async () => {
    const [listed, asJson] = await Promise.all([steward(['token', 'list']), steward(['token', 'list', '--json'])]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME\s+UUID\s+CREATED\s+EXPIRES\s+LAST USED\s+USES\n/);
    expect(listed.stdout).toMatch(/^laptop\s+[0-9a-f-]{36}\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+1$/m);
    expect(listed.stdout).toMatch(/^dated\s+[0-9a-f-]{36}\s+\S+ \S+\s+2099-06-30 00:00Z\s+-\s+0$/m);
    expect(listed.stdout).not.toContain('stwu_');
    const json = JSON.parse(asJson.stdout) as TokenJson[];
    expect(json.map((token) => token.name)).toEqual(expect.arrayContaining(['tests', 'laptop', 'ci', 'month', 'dated']));
    expect(json.find((token) => token.name === 'tests')).toMatchObject({ useCount: expect.any(Number), lastUsedAt: expect.any(String) });
    expect(JSON.stringify(json)).not.toContain('stwu_');
  });

  it('revokes by name or UUID, and refuses an unknown or ambiguous one', async () => {
    const { value, uuid } = await nativeToken('gone');
    const byUuid = await nativeToken('by-uuid');
    await nativeToken('twice');
    await nativeToken('twice');
    const [byName, revokedByUuid, unknown, ambiguous] = await Promise.all([
      steward(['token', 'revoke', 'gone']),
      steward(['token', 'revoke', byUuid.uuid]),
      steward(['token', 'revoke', 'nothing']),
      steward(['token', 'revoke', 'twice']),
    ]);
    expect(byName).toMatchObject({ code: 0, stdout: `Revoked the API token "gone" (${uuid})\n` });
    expect((await whoAmI(basicAuth('admin', value))).status).toBe(401);
    expect(revokedByUuid).toMatchObject({ code: 0, stdout: `Revoked the API token "by-uuid" (${byUuid.uuid})\n` });
    expect((await apiTokens()).some((token) => token.uuid === byUuid.uuid)).toBe(false);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe('steward: No API token has the name or UUID "nothing".\n  See them with: steward token list\n');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('2 API tokens are named "twice".');
    expect((await apiTokens()).filter((token) => token.name === 'twice')).toHaveLength(2);
  });
});

describe('steward token --trigger', () => {
  it('creates, lists and revokes trigger tokens for jobs', async () => {
    await server.createJob('deploy', jobXml({ steps: ['true'] }));
    const [noJob, noTrigger] = await Promise.all([steward(['token', 'create', 'bot', '--trigger']), steward(['token', 'create', 'bot', '--job', 'deploy'])]);
    expect(noJob).toMatchObject({ code: 2, stderr: 'steward: A trigger token needs the jobs it may trigger: --job JOB (repeatable).\n' });
    expect(noTrigger).toMatchObject({ code: 2, stderr: 'steward: --job, --network and --can-cancel apply only to trigger tokens: add --trigger.\n' });

    const created = await steward(['token', 'create', 'deploy-bot', '--trigger', '--job', 'deploy', '--network', '127.0.0.0/8', '--can-cancel', '--json']);
    expect(created.code).toBe(0);
    const token = JSON.parse(created.stdout);
    expect(token).toEqual({ name: 'deploy-bot', uuid: expect.any(String), value: expect.stringMatching(/^stwt_/), expiresAt: null, items: ['deploy'] });
    const trigger = await server.fetch('/buildByToken/build?job=deploy', { method: 'POST', auth: null, headers: { authorization: `Bearer ${token.value}` } });
    expect(trigger.status).toBe(201);

    const [asJson, asText] = await Promise.all([steward(['token', 'list', '--trigger', '--json']), steward(['token', 'list', '--trigger'])]);
    expect(JSON.parse(asJson.stdout)).toEqual([expect.objectContaining({ name: 'deploy-bot', uuid: token.uuid, items: ['deploy'], allowedNetworks: ['127.0.0.0/8'], canCancel: true, useCount: 1, createdBy: 'admin' })]);
    expect(asText.stdout).toMatch(/^deploy-bot\s+\S+\s+deploy\s+admin\s+-\s+\S+ \S+\s+1$/m);

    expect(await steward(['token', 'revoke', '--trigger', 'deploy-bot'])).toMatchObject({ code: 0, stdout: `Revoked the trigger token "deploy-bot" (${token.uuid})\n` });
    expect(await (await server.fetch('/steward/api/v1/trigger-tokens')).json()).toEqual([]);
    expect((await steward(['token', 'list', '--trigger'])).stdout).toBe('There are no trigger tokens you may manage.\n');
  });
});

describe('steward user', () => {
  it('adds, lists, sets passwords and deletes users', async () => {
    expect(await steward(['user', 'add', 'bob', '--full-name', 'Bob Example', '--group', 'devs', '--group', 'ops', '--password-stdin'], { stdin: 'bob-password-1\n' })).toMatchObject({
      code: 0,
      stdout: 'Created the user bob in devs, ops\n',
    });
    expect(await (await server.fetch('/steward/api/v1/users/bob')).json()).toMatchObject({ id: 'bob', fullName: 'Bob Example', groups: ['devs', 'ops'] });
    expect((await whoAmI(basicAuth('bob', 'bob-password-1'))).name).toBe('bob');

    const [noTerminal, listed, asJson] = await Promise.all([steward(['user', 'add', 'carl']), steward(['user', 'list']), steward(['user', 'list', '--json'])]);
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain('No terminal to ask "New password for carl:" on.');
    expect(listed.stdout).toMatch(/^ID\s+FULL NAME\s+GROUPS\s+CREATED\nadmin\s+.*\nbob\s+Bob Example\s+devs,ops\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\n$/);
    expect(JSON.parse(asJson.stdout)).toEqual([expect.objectContaining({ id: 'admin' }), expect.objectContaining({ id: 'bob', groups: ['devs', 'ops'] })]);

    // An administrator sets bob's password without the current one.
    expect(await steward(['user', 'passwd', 'bob', '--password-stdin'], { stdin: 'bob-password-2\n' })).toMatchObject({ code: 0, stdout: 'Changed the password of bob; their browser sessions have ended\n' });
    expect((await whoAmI(basicAuth('bob', 'bob-password-2'))).name).toBe('bob');

    // bob changes his own: the current password, then the new one.
    const bob = 'bob:bob-password-2';
    const wrong = await steward(['user', 'passwd', '--password-stdin'], { auth: bob, stdin: 'not-my-password\nbob-password-3\n' });
    expect(wrong.code).toBe(6);
    expect(wrong.stderr).toContain('The current password is not right.');
    expect(await steward(['user', 'passwd', '--password-stdin'], { auth: bob, stdin: 'bob-password-2\nbob-password-3\n' })).toMatchObject({ code: 0 });
    expect((await whoAmI(basicAuth('bob', 'bob-password-3'))).name).toBe('bob');
    expect((await whoAmI(basicAuth('bob', 'bob-password-2'))).status).toBe(401);

    expect(await steward(['user', 'delete', 'bob'])).toMatchObject({ code: 0, stdout: 'Deleted the user bob, with their API tokens and sessions\n' });
    expect((await server.fetch('/steward/api/v1/users/bob')).status).toBe(404);
  });
});

describe('against a Jenkins', () => {
  let jenkins: Server;
  let url: string;
  const requests: string[] = [];

  beforeAll(async () => {
    // Just enough of Jenkins: its headers, whoAmI, and the API token actions of the current user.
    jenkins = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => void (body += chunk.toString()));
      request.on('end', () => {
        requests.push(`${request.method} ${request.url} ${body}`);
        response.setHeader('X-Jenkins', '2.452.1');
        response.setHeader('Content-Type', 'application/json');
        if (request.url?.startsWith('/whoAmI/api/json')) return response.end(JSON.stringify({ name: 'alice', anonymous: false }));
        if (request.url === '/me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken') {
          return response.end(JSON.stringify({ status: 'ok', data: { tokenName: 'laptop', tokenUuid: '00000000-0000-4000-8000-000000000001', tokenValue: '11aabbccddeeff00112233445566778899' } }));
        }
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => jenkins.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(jenkins.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => jenkins.close(() => resolve())));

  const run = (args: string[]) => cli.run(args, { env: { STEWARD_URL: url, STEWARD_AUTH: 'alice:11aabbccddeeff00112233445566778800' } });

  it("creates and revokes API tokens with Jenkins' URLs, and says what needs Steward's API", async () => {
    const [created, revoked, list, expiring, users] = await Promise.all([
      run(['token', 'create', 'laptop']),
      run(['token', 'revoke', '00000000-0000-4000-8000-000000000001']),
      run(['token', 'list']),
      run(['token', 'create', 'x', '--expires', '30d']),
      run(['user', 'list']),
    ]);
    expect(created).toMatchObject({ code: 0, stdout: '11aabbccddeeff00112233445566778899\n' });
    expect(requests).toContain('POST /me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken newTokenName=laptop');
    expect(revoked).toMatchObject({ code: 0, stdout: 'Revoked the API token (00000000-0000-4000-8000-000000000001)\n' });
    expect(revoked.stderr).toBe('steward: Jenkins answers the same whether or not that UUID was one of your tokens.\n');
    expect(requests).toContain('POST /me/descriptorByName/jenkins.security.ApiTokenProperty/revoke tokenUuid=00000000-0000-4000-8000-000000000001');
    expect(list.code).toBe(2);
    expect(list.stderr).toBe(`steward: Listing API tokens needs Steward's API, and ${url} is Jenkins 2.452.1.\n  On Jenkins, see them on your user's Security page (your name, then Security).\n`);
    expect(expiring).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining("An API token that expires needs Steward's API") });
    expect(users).toMatchObject({ code: 2, stderr: expect.stringContaining("Listing users needs Steward's API") });
    expect(requests.some((request) => request.includes('/steward/api/v1/'))).toBe(false);
  });
});
