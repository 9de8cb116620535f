import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOLDER_XML, jobXml, queueIdOf, startTestServer, stringParameter, type TestServer } from '../../support/server.js';

/**
 * The recipes of DESIGN §2, run verbatim with the real curl binary in a real shell, all of them. Placeholders
 * stay as written where they can be real (the user is called `user`, its password is `PASSWORD`, the
 * job `NAME` has the token `TOKEN`); `API_TOKEN` and `<crumb>` are replaced by real values. Each
 * recipe's last curl also writes its status line and headers, which the test reads.
 */
const execFileAsync = promisify(execFile);
let server: TestServer;
let dir: string;
let apiToken: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'steward-curl-'));
  await server.createJob('NAME', jobXml({ steps: ['true'], extra: '<authToken>TOKEN</authToken><quietPeriod>3600</quietPeriod>' }));
  await server.createJob('Folder', FOLDER_XML);
  await server.createJob('Folder/NAME', jobXml({ parameters: stringParameter('Type', 'plain') + stringParameter('param1'), extra: '<authToken>TOKEN</authToken><quietPeriod>3600</quietPeriod>' }));
  const created = await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'user', password: 'PASSWORD' }) });
  expect(created.status).toBe(201);
  // The user makes an API token the way the Jenkins guides say: a crumb with the password, then generateNewToken.
  const made = await shell(
    `C=$(curl -s "$J/crumbIssuer/api/json" --user user:PASSWORD | sed 's/.*"crumb":"\\([0-9a-f]*\\)".*/\\1/')
curl -X POST "$J/me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken" --user user:PASSWORD -H "Jenkins-Crumb: $C" --data newTokenName=recipes`,
  );
  expect(made.status).toBe(200);
  apiToken = (JSON.parse(made.body) as { data: { tokenValue: string } }).data.tokenValue;
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Runs a recipe in bash; the last line's curl also saves its headers and body. */
async function shell(recipe: string): Promise<Outcome> {
  const lines = recipe.replaceAll('API_TOKEN', apiToken ?? 'API_TOKEN').replaceAll('/tmp/cookies', join(dir, 'cookies')).trim().split('\n');
  const last = lines.pop() as string;
  const script = [...lines, `${last} -s -D "$OUT.headers" -o "$OUT.body"`].join('\n');
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  await execFileAsync('bash', ['-euo', 'pipefail', '-c', script], { env: { ...process.env, J: server.url.replace(/\/$/, ''), OUT: out } });
  const head = readFileSync(`${out}.headers`, 'utf8').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(head[0]?.split(' ')[1]), headers, body: readFileSync(`${out}.body`, 'utf8') };
}

async function causesOf(outcome: Outcome): Promise<unknown[]> {
  const response = await server.fetch(`/queue/item/${queueIdOf(new Response(null, { headers: { location: outcome.headers.location ?? '' } }))}/api/json`);
  const item = (await response.json()) as { actions: Array<{ causes?: unknown[] }> };
  return item.actions.find((action) => action.causes)?.causes ?? [];
}

describe('DESIGN §2, verbatim', () => {
  it('crumb via XML + XPath kept in a cookie jar, then a POST with the crumb header', async () => {
    const outcome = await shell(`CRUMB=$(curl -s --cookie-jar /tmp/cookies -u user:API_TOKEN "$J/crumbIssuer/api/xml?xpath=concat(//crumbRequestField,\\":\\",//crumb)")
curl -X POST --cookie /tmp/cookies -H "$CRUMB" -u user:API_TOKEN "$J/job/NAME/build"`);
    expect(outcome.status).toBe(201);
    expect(outcome.headers.location).toMatch(/\/queue\/item\/\d+\/$/);
  });

  it('crumb via JSON with a password, then a POST with the crumb header and no cookie jar', async () => {
    const crumbJson = await shell('curl "$J/crumbIssuer/api/json?pretty=true" --user user:PASSWORD');
    expect(crumbJson.status).toBe(200);
    const crumb = (JSON.parse(crumbJson.body) as { crumb: string }).crumb;
    expect(crumb).toMatch(/^[0-9a-f]{64}$/);
    const outcome = await shell(`curl -X POST "$J/job/NAME/build" --user user:PASSWORD -H "Jenkins-Crumb: <crumb>"`.replace('<crumb>', crumb));
    expect(outcome.status).toBe(201);
  });

  it('API token: no crumb needed', async () => {
    const outcome = await shell('curl -X POST -u user:API_TOKEN "$J/job/NAME/build"');
    expect(outcome.status).toBe(201);
    expect(await causesOf(outcome)).toContainEqual(expect.objectContaining({ _class: 'hudson.model.Cause$UserIdCause', userId: 'user' }));
  });

  it("the job's own trigger token, with a user", async () => {
    const outcome = await shell('curl -X POST "$J/job/NAME/build?token=TOKEN" --user user:API_TOKEN');
    expect(outcome.status).toBe(201);
    expect(await causesOf(outcome)).toContainEqual({ _class: 'hudson.model.Cause$RemoteCause', shortDescription: 'Started by remote host 127.0.0.1', addr: '127.0.0.1', note: null });
  });

  it("the job's token in a form body, with delay", async () => {
    const outcome = await shell('curl -X POST "$J/job/Folder/job/NAME/buildWithParameters" --user user:API_TOKEN --data delay=0sec --data token=TOKEN');
    expect(outcome.status).toBe(201);
  });

  it('Build Token Root: no user at all, GET', async () => {
    const outcome = await shell('curl "$J/buildByToken/build?job=NAME&token=TOKEN"');
    // NAME waits in a quiet period of an hour, so earlier recipes' item may absorb this one (303).
    expect([201, 303]).toContain(outcome.status);
    expect(outcome.headers.location).toMatch(/\/queue\/item\/\d+\/$/);
    expect(await causesOf(outcome)).toContainEqual(expect.objectContaining({ _class: 'hudson.model.Cause$RemoteCause', addr: '127.0.0.1' }));
  });

  it('Build Token Root with parameters, folders as job=folder/name', async () => {
    const outcome = await shell('curl "$J/buildByToken/buildWithParameters?job=Folder/NAME&token=TOKEN&Type=Mexican"');
    expect(outcome.status).toBe(201);
    const item = (await (await server.fetch(`/queue/item/${queueIdOf(new Response(null, { headers: { location: outcome.headers.location ?? '' } }))}/api/json`)).json()) as { actions: Array<{ parameters?: Array<{ name: string; value: string }> }> };
    expect(item.actions.find((action) => action.parameters)?.parameters).toContainEqual({ _class: 'hudson.model.StringParameterValue', name: 'Type', value: 'Mexican' });
  });

  it('reading', async () => {
    const outcome = await shell('curl --user user:API_TOKEN "$J/api/json?pretty=true"');
    expect(outcome.status).toBe(200);
    expect(JSON.parse(outcome.body)).toMatchObject({ _class: 'hudson.model.Hudson', useCrumbs: true, useSecurity: true });
  });

  it('refuses a password POST without a crumb: 403 No valid crumb, and why', async () => {
    const outcome = await shell('curl -X POST --user user:PASSWORD "$J/job/NAME/build"');
    expect(outcome.status).toBe(403);
    expect(outcome.headers['x-steward-reason']).toBe('crumb_missing');
    expect(outcome.body).toBe(
      'No valid crumb was included in the request: this POST was authenticated with a password, so it needs a crumb.\n' +
        'Use an API token instead of the password (no crumb needed), or fetch one from /crumbIssuer/api/json with the same credentials and send it as Jenkins-Crumb.\n',
    );
  });

  it('refuses an anonymous token trigger without Overall/Read: 403, and why', async () => {
    const outcome = await shell('curl "$J/job/NAME/build?token=TOKEN"');
    expect(outcome.status).toBe(403);
    expect(outcome.headers['x-steward-reason']).toBe('authentication_required');
    expect(outcome.headers['x-required-permission']).toBe('hudson.model.Hudson.Read');
    expect(outcome.headers['x-error']).toBe("Authentication required: anonymous requests may not read this server, and a job's trigger token does not replace that (it replaces only Job/Build).");
    expect(outcome.body).toContain('a job&#39;s trigger token does not replace that (it replaces only Job/Build)');
    expect(outcome.body).not.toContain('=TOKEN');
  });

  describe('with anonymous read allowed', () => {
    beforeAll(async () => {
      const response = await server.fetch('/steward/api/v1/security', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowAnonymousRead: true }) });
      expect(response.status).toBe(200);
    });
    afterAll(async () => {
      await server.fetch('/steward/api/v1/security', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowAnonymousRead: false }) });
    });

    it('a JSON body, as people try it, with the job token and no user: accepted without a crumb (DESIGN §5.8)', async () => {
      const outcome = await shell(`curl -X POST -H "Content-Type: application/json" -d '{"parameter":[{"name":"param1","value":"value1"}]}' "$J/job/Folder/job/NAME/build?token=TOKEN"`);
      expect(outcome.status).toBe(201);
      expect(await causesOf(outcome)).toEqual([expect.objectContaining({ _class: 'hudson.model.Cause$RemoteCause', addr: '127.0.0.1' })]);
    });

    it('a GET with the job token triggers too', async () => {
      expect((await shell('curl "$J/job/NAME/build?token=TOKEN"')).status).toBe(201);
    });

    it('an anonymous POST without a token still needs a crumb', async () => {
      const outcome = await shell('curl -X POST "$J/job/NAME/build"');
      expect(outcome.status).toBe(403);
      expect(outcome.headers['x-steward-reason']).toBe('crumb_missing');
    });
  });
});
