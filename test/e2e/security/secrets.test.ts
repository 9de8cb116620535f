import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, basicAuth, createApiToken, jobXml, startTestServer, type TestServer, waitForBuild } from '../../support/server.js';

/**
 * No secret reaches the database or the logs. The run uses every kind of credential — passwords, API
 * tokens (in Basic and created through both APIs), a job token in the query and in a form body, a
 * session cookie, crumbs, a password parameter — then reads every file under the server's home and
 * every log line it wrote, looking for each secret.
 */
let server: TestServer;
const secrets: Record<string, string> = {};

function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesBelow(path) : [path];
  });
}

beforeAll(async () => {
  server = await startTestServer();
  secrets.adminPassword = ADMIN_PASSWORD;
  secrets.adminToken = server.adminToken;
  secrets.jobToken = 'job-token-7f3a9c';
  secrets.parameter = 'param-secret-51be';
  secrets.userPassword = 'kim-password-e4c1';

  await server.createJob('guarded', jobXml({
    steps: ['echo "deploying with $API_KEY"'],
    parameters: '<hudson.model.PasswordParameterDefinition><name>API_KEY</name><defaultValue>default-secret-0d2e</defaultValue></hudson.model.PasswordParameterDefinition>',
    extra: `<authToken>${secrets.jobToken}</authToken>`,
  }));
  secrets.parameterDefault = 'default-secret-0d2e';
  expect((await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'kim', password: secrets.userPassword }) })).status).toBe(201);

  secrets.userToken = await createApiToken(server.url, 'kim', secrets.userPassword, 'jenkins-endpoint');
  const native = await server.fetch('/steward/api/v1/users/kim/tokens', { method: 'POST', auth: basicAuth('kim', secrets.userToken), headers: { 'content-type': 'application/json' }, body: '{"name":"native"}' });
  secrets.nativeToken = ((await native.json()) as { value: string }).value;

  const kim = basicAuth('kim', secrets.nativeToken);
  expect((await server.fetch(`/job/guarded/buildWithParameters?token=${secrets.jobToken}&API_KEY=${secrets.parameter}`, { method: 'POST', auth: kim })).status).toBe(201);
  await waitForBuild(server, '/job/guarded', 1);
  const form = await server.fetch('/job/guarded/buildWithParameters', { method: 'POST', auth: kim, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${secrets.jobToken}` });
  expect(form.status).toBe(201);
  await waitForBuild(server, '/job/guarded', 2);
  // Wrong credentials are secrets too, and a job token sent to a job without one.
  expect((await server.fetch('/api/json', { auth: basicAuth('kim', 'wrong-guess-91ac') })).status).toBe(401);
  secrets.wrongGuess = 'wrong-guess-91ac';

  const login = await server.fetch('/j_spring_security_check', { method: 'POST', auth: null, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `j_username=kim&j_password=${secrets.userPassword}` });
  const cookie = (login.headers.getSetCookie()[0] as string).split(';')[0] as string;
  secrets.sessionCookie = cookie.slice(cookie.indexOf('=') + 1);
  const crumb = ((await (await server.fetch('/crumbIssuer/api/json', { auth: null, headers: { cookie } })).json()) as { crumb: string }).crumb;
  secrets.crumb = crumb;
  expect((await server.fetch(`/job/guarded/buildWithParameters?Jenkins-Crumb=${crumb}`, { method: 'POST', auth: null, headers: { cookie } })).status).toBe(201);
  await waitForBuild(server, '/job/guarded', 3);
  expect((await server.fetch('/logout', { auth: null, headers: { cookie } })).status).toBe(302);
  // A stored credential bound into a build: sealed at rest, masked in the console, never in the server's log or the API.
  secrets.credential = 'credential-secret-c4d8e1';
  const stored = await server.fetch('/credentials/store/system/domain/_/createCredentials', {
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body: `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>deploy</id><description/><secret>${secrets.credential}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
  });
  expect(stored.status).toBe(200);
  await server.createJob('bound', jobXml({
    steps: ['echo "using $DEPLOY"'],
    extra: '<buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings><org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>deploy</credentialsId><variable>DEPLOY</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding></bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers>',
  }));
  expect((await server.fetch('/job/bound/build', { method: 'POST' })).status).toBe(201);
  await waitForBuild(server, '/job/bound', 1);
  for (const path of ['/credentials/store/system/domain/_/api/json?depth=2', '/credentials/store/system/domain/_/credential/deploy/config.xml', '/job/bound/config.xml', '/steward/api/v1/audit']) {
    expect(await (await server.fetch(path)).text(), path).not.toContain(secrets.credential);
  }
  // Let the usage statistics of the tokens be written.
  await server.fetch('/steward/api/v1/users/kim/tokens');
});
afterAll(async () => {
  await server.stop();
});

describe('secrets at rest and in logs', () => {
  it('used every kind of credential', () => {
    expect(Object.keys(secrets).sort()).toEqual(['adminPassword', 'adminToken', 'credential', 'crumb', 'jobToken', 'nativeToken', 'parameter', 'parameterDefault', 'sessionCookie', 'userPassword', 'userToken', 'wrongGuess']);
  });

  it('keeps none of them in any file of the home directory (database, WAL, logs, workspaces)', () => {
    const files = filesBelow(server.home);
    expect(files.some((file) => file.endsWith('steward.db-wal'))).toBe(true);
    for (const file of files) {
      const content = readFileSync(file).toString('latin1');
      for (const [name, value] of Object.entries(secrets)) expect(content.includes(value), `${name} in ${file}`).toBe(false);
    }
  });

  it('writes none of them to the log, which did record the requests', () => {
    const log = server.logLines.join('\n');
    expect(log).toContain('/job/guarded/buildWithParameters?token=[redacted]');
    expect(log).toContain('Jenkins-Crumb=[redacted]');
    for (const [name, value] of Object.entries(secrets)) expect(log.includes(value), name).toBe(false);
  });

  it('masks the password parameter in the console log', async () => {
    const console1 = await (await server.fetch('/job/guarded/1/consoleText')).text();
    expect(console1).toContain('deploying with ****');
    expect(await (await server.fetch('/job/bound/1/consoleText')).text()).toContain('using ****');
  });
});
