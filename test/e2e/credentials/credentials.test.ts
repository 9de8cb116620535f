import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../../support/agent.js';
import { pythonJenkins } from '../../support/python-jenkins.js';
import { FOLDER_XML, jobXml, startTestServer, type TestServer, waitForBuild } from '../../support/server.js';

/**
 * Issue 17, credentials: the credentials plugin's API with curl verbatim (create 200/409, list,
 * config.xml redacted, update keeping a redacted secret, doDelete, DELETE, an unknown class), the
 * folder store through python-jenkins, a freestyle SecretBuildWrapper with every kind of binding on
 * the built-in node and on an agent (masked plainly, line by line and in base64; its files gone after
 * the build), the refusal of a folder's credential outside the folder, and a build whose credential
 * vanished.
 */
const execFileAsync = promisify(execFile);
let server: TestServer;
let agent: AgentProcess;
let dir: string;

const TEXT = 'text-secret-6f1d2a';
const PASSWORD = 'pw-secret-b71c93';
const MULTI = 'first-line-9a8b7c\nsecond-line-5d4e3f';
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nkey-line-one-0c1d2e3f\nkey-line-two-4a5b6c7d\n-----END OPENSSH PRIVATE KEY-----';
const FILE_TEXT = 'file-secret-2e3f4a';

const stringXml = (id: string, secret: string) =>
  `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>${id}</id><description>a token</description><secret>${secret}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`;

/** Runs a shell script with curl, `$J` the server and `$AUTH` admin's user:token; returns the last curl's status and body. */
async function curl(script: string, files: Record<string, string> = {}): Promise<{ status: number; body: string; headers: string }> {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const lines = script.trim().split('\n');
  const last = lines.pop() as string;
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  await execFileAsync('bash', ['-euo', 'pipefail', '-c', [...lines, `${last} -s -D "${out}.h" -o "${out}.b"`].join('\n')], {
    cwd: dir,
    env: { ...process.env, J: server.url.replace(/\/$/, ''), AUTH: `admin:${server.adminToken}` },
  });
  const { readFileSync } = await import('node:fs');
  const headers = readFileSync(`${out}.h`, 'utf8');
  return { status: Number(headers.split(' ')[1]), body: readFileSync(`${out}.b`, 'utf8'), headers };
}

function bindingsJob(label: string): string {
  const bindings = [
    '<org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>token</credentialsId><variable>TOKEN</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding>',
    '<org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>multi</credentialsId><variable>MULTI</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding>',
    '<org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding><credentialsId>login</credentialsId><usernameVariable>U</usernameVariable><passwordVariable>P</passwordVariable></org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding>',
    '<org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordBinding><credentialsId>login</credentialsId><variable>UP</variable></org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordBinding>',
    '<org.jenkinsci.plugins.credentialsbinding.impl.FileBinding><credentialsId>file</credentialsId><variable>SECRET_FILE</variable></org.jenkinsci.plugins.credentialsbinding.impl.FileBinding>',
    '<org.jenkinsci.plugins.credentialsbinding.impl.SSHUserPrivateKeyBinding><credentialsId>key</credentialsId><keyFileVariable>KEY_FILE</keyFileVariable><usernameVariable>KEY_USER</usernameVariable><passphraseVariable>KEY_PASS</passphraseVariable></org.jenkinsci.plugins.credentialsbinding.impl.SSHUserPrivateKeyBinding>',
  ].join('');
  const script = [
    'set +x',
    'echo "plain $TOKEN"',
    'echo "base64 $(printf %s "$TOKEN" | base64)"',
    'echo "base64 newline $(echo "$TOKEN" | base64)"',
    'echo "$MULTI"',
    'echo "user $U pass $P both $UP"',
    'echo "file at $SECRET_FILE"; cat "$SECRET_FILE"; echo',
    'echo "key at $KEY_FILE for $KEY_USER"; cat "$KEY_FILE"; echo "passphrase $KEY_PASS"',
    'stat -c "mode %a" "$(dirname "$KEY_FILE")" "$KEY_FILE"',
    'case "$KEY_FILE" in "$WORKSPACE"/*) echo "inside the workspace";; *) echo "outside the workspace";; esac',
  ].join('\n');
  return jobXml({
    steps: [script],
    extra: `<assignedNode>${label}</assignedNode><canRoam>false</canRoam><buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper plugin="credentials-binding@1.27"><bindings>${bindings}</bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers>`,
  });
}

beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'steward-credentials-'));
  const node = await server.fetch('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'remote-1', labels: ['remote'], executors: 1 }) });
  expect(node.status).toBe(201);
  agent = startAgent(server.url, 'remote-1', ((await node.json()) as { secret: string }).secret);
  await server.createJob('team', FOLDER_XML);
  await server.createJob('other', FOLDER_XML);
});
afterAll(async () => {
  await agent.stop('SIGKILL');
  rmSync(agent.workDir, { recursive: true, force: true });
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the credentials plugin's API", () => {
  it('creates, refuses a taken id, lists, shows redacted, updates keeping a redacted secret, and deletes (curl verbatim)', async () => {
    const created = await curl('curl -X POST -u "$AUTH" -H "Content-Type: application/xml" --data-binary @cred.xml "$J/credentials/store/system/domain/_/createCredentials"', { 'cred.xml': stringXml('scratch', 'first-value-71aa') });
    expect(created.status).toBe(200);
    const again = await curl('curl -X POST -u "$AUTH" -H "Content-Type: application/xml" --data-binary @cred.xml "$J/credentials/store/system/domain/_/createCredentials"');
    expect(again.status).toBe(409);
    const listed = await curl('curl -g -u "$AUTH" "$J/credentials/store/system/domain/_/api/json?tree=credentials[id]"');
    expect(JSON.parse(listed.body)).toEqual({ _class: 'com.cloudbees.plugins.credentials.CredentialsStoreAction$DomainWrapper', credentials: [{ _class: 'com.cloudbees.plugins.credentials.CredentialsStoreAction$CredentialsWrapper', id: 'scratch' }] });
    const shown = await curl('curl -u "$AUTH" "$J/credentials/store/system/domain/_/credential/scratch/config.xml"');
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('<secret><secret-redacted/></secret>');
    expect(shown.body).not.toContain('first-value-71aa');
    // The redacted form sent back with a new description keeps the secret.
    writeFileSync(join(dir, 'update.xml'), shown.body.replace('<description>a token</description>', '<description>renamed</description>'));
    const updated = await curl('curl -X POST -u "$AUTH" -H "Content-Type: application/xml" --data-binary @update.xml "$J/credentials/store/system/domain/_/credential/scratch/config.xml"');
    expect(updated.status).toBe(200);
    expect((await curl('curl -u "$AUTH" "$J/credentials/store/system/domain/_/credential/scratch/config.xml"')).body).toContain('<description>renamed</description>');
    const unknown = await curl('curl -X POST -u "$AUTH" -H "Content-Type: application/xml" --data "<com.example.VaultCredentials><id>v</id></com.example.VaultCredentials>" "$J/credentials/store/system/domain/_/createCredentials"');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('com.example.VaultCredentials');
    const deleted = await curl('curl -X POST -u "$AUTH" "$J/credentials/store/system/domain/_/credential/scratch/doDelete"');
    expect(deleted.status).toBe(302);
    expect((await curl('curl -u "$AUTH" "$J/credentials/store/system/domain/_/credential/scratch/config.xml"')).status).toBe(404);
    await curl('curl -X POST -u "$AUTH" -H "Content-Type: application/xml" --data-binary @cred.xml "$J/credentials/store/system/domain/_/createCredentials"');
    expect((await curl('curl -X DELETE -u "$AUTH" "$J/credentials/store/system/domain/_/credential/scratch/config.xml"')).status).toBe(200);
    // No secret in the audit trail of all that.
    const audit = await (await server.fetch('/steward/api/v1/audit?action=credential.create')).text();
    expect(audit).toContain('scratch');
    expect(audit).not.toContain('first-value-71aa');
  });

  it('the native API creates, updates keeping a left-out secret, lists without secrets, and deletes', async () => {
    const put = (body: unknown) => server.fetch('/steward/api/v1/credentials/native-1?folder=team', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put({ kind: 'usernamePassword', username: 'ci', password: 'native-secret-3c2b' })).status).toBe(200);
    const updated = await put({ kind: 'usernamePassword', username: 'ci-2', description: 'changed' });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ id: 'native-1', kind: 'usernamePassword', username: 'ci-2', folder: 'team' });
    const listed = await (await server.fetch('/steward/api/v1/credentials?folder=team')).text();
    expect(listed).toContain('native-1');
    expect(listed).not.toContain('native-secret-3c2b');
    expect((await server.fetch('/steward/api/v1/credentials/native-1?folder=team', { method: 'DELETE' })).status).toBe(204);
    expect((await server.fetch('/steward/api/v1/credentials/native-1?folder=team', { method: 'DELETE' })).status).toBe(404);
  });

  it("python-jenkins creates, lists, finds and deletes a credential in a folder's store", async () => {
    const result = await pythonJenkins(server, `
server.create_credential('team', '''${stringXml('team-token', 'team-secret-8c7d')}''')
listed = server.list_credentials('team')
exists = server.credential_exists('team-token', 'team')
info = server.get_credential_info('team-token', 'team')
server.delete_credential('team-token', 'team')
print(json.dumps({'listed': listed, 'exists': exists, 'id': info['id'], 'after': server.credential_exists('team-token', 'team')}))`);
    expect(result).toEqual({ listed: [{ _class: 'com.cloudbees.plugins.credentials.CredentialsStoreAction$CredentialsWrapper', id: 'team-token' }], exists: true, id: 'team-token', after: false });
  });
});

describe('bindings in a freestyle job', () => {
  beforeAll(async () => {
    const create = (xml: string, store = 'credentials/store/system') =>
      server.fetch(`/${store}/domain/_/createCredentials`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
    expect((await create(stringXml('token', TEXT))).status).toBe(200);
    expect((await create(stringXml('multi', MULTI))).status).toBe(200);
    expect(
      (await create(`<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>GLOBAL</scope><id>login</id><description/><username>deployer</username><password>${PASSWORD}</password></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`)).status,
    ).toBe(200);
    expect(
      (await create(`<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><scope>GLOBAL</scope><id>file</id><description/><fileName>settings.txt</fileName><secretBytes>${Buffer.from(FILE_TEXT).toString('base64')}</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>`)).status,
    ).toBe(200);
    expect(
      (
        await create(
          `<com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey><scope>GLOBAL</scope><id>key</id><description/><username>git</username><privateKeySource class="com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource"><privateKey>${KEY}</privateKey></privateKeySource><passphrase>phrase-9f8e7d</passphrase></com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>`,
        )
      ).status,
    ).toBe(200);
  });

  for (const [where, label] of [
    ['the built-in node', 'built-in'],
    ['an agent', 'remote'],
  ] as const) {
    it(`binds every kind on ${where}, masks plain, line by line and base64, and removes its files`, async () => {
      const name = `bound-${label}`;
      await server.createJob(name, bindingsJob(label));
      expect((await server.fetch(`/job/${name}/config.xml`).then((r) => r.text()))).toContain('<credentialsId>key</credentialsId>');
      expect(await (await server.fetch(`/job/${name}/configure`)).text()).toContain('Credentials bound');
      expect((await server.fetch(`/job/${name}/build`, { method: 'POST' })).status).toBe(201);
      expect((await waitForBuild(server, `/job/${name}`, 1, 30_000)).result).toBe('SUCCESS');
      const log = await (await server.fetch(`/job/${name}/1/consoleText`)).text();
      for (const secret of [TEXT, PASSWORD, 'first-line-9a8b7c', 'second-line-5d4e3f', 'key-line-one-0c1d2e3f', FILE_TEXT, 'phrase-9f8e7d', Buffer.from(TEXT).toString('base64'), Buffer.from(`${TEXT}\n`).toString('base64')]) {
        expect(log, secret).not.toContain(secret);
      }
      expect(log).toContain('plain ****');
      expect(log).toContain('base64 ****');
      expect(log).toContain('base64 newline ****');
      expect(log).toContain('user deployer pass **** both ****');
      expect(log).toContain('mode 700');
      expect(log).toContain('mode 600');
      expect(log).toContain('outside the workspace');
      const keyFile = /key at (\S+) for git/.exec(log)?.[1] as string;
      const secretFile = /file at (\S+)/.exec(log)?.[1] as string;
      expect(keyFile).toMatch(/secretFiles-/);
      expect(existsSync(keyFile)).toBe(false);
      expect(existsSync(secretFile)).toBe(false);
    });
  }

  it("refuses a folder's credential outside the folder, and a build whose credential vanished fails saying so", async () => {
    const teamCredential = await server.fetch('/job/team/credentials/store/folder/domain/_/createCredentials', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: stringXml('team-only', 'team-only-secret-1b2c') });
    expect(teamCredential.status).toBe(200);
    const using = jobXml({
      steps: ['echo "$T"'],
      extra: '<buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings><org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>team-only</credentialsId><variable>T</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding></bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers>',
    });
    const outside = await server.fetch('/job/other/createItem?name=thief', { method: 'POST', headers: { 'content-type': 'application/xml', accept: 'application/json' }, body: using });
    expect(outside.status).toBe(400);
    const refusal = (await outside.json()) as { error: string; message: string };
    expect(refusal.error).toBe('config_invalid');
    expect(refusal.message).toContain('"team-only"');
    expect(refusal.message).toContain('bindings.0.credentialsId');
    await server.createJob('team/inside', using);
    expect((await server.fetch('/job/team/credentials/store/folder/domain/_/credential/team-only/config.xml', { method: 'DELETE' })).status).toBe(200);
    expect((await server.fetch('/job/team/job/inside/build', { method: 'POST' })).status).toBe(201);
    expect((await waitForBuild(server, '/job/team/job/inside', 1)).result).toBe('FAILURE');
    expect(await (await server.fetch('/job/team/job/inside/1/consoleText')).text()).toContain('Credential "team-only" (bindings.0.credentialsId) no longer exists');
  });
});

describe('the configuration file', () => {
  it('declares system and folder credentials whose secrets come from the environment, and a job that binds one', async () => {
    const configured = await startTestServer({
      env: { REGISTRY_TOKEN: 'env-secret-7e6d5c' },
      config: ['folders:', '  - name: team', '    jobs:', '      - name: push', '        steps: [\'echo "pushing as $NEXUS"\']', '        bindings:', '          - { kind: usernameColonPassword, credentialsId: nexus, variable: NEXUS }', 'credentials:', '  - id: registry', '    kind: secretText', '    secret: ${REGISTRY_TOKEN}', '  - id: nexus', '    kind: usernamePassword', '    folder: team', '    username: ci', "    password: 'literal-5b4a'"].join('\n'),
    });
    try {
      const system = await (await configured.fetch('/steward/api/v1/credentials')).json();
      expect(system).toMatchObject([{ id: 'registry', kind: 'secretText', folder: null }]);
      expect(await (await configured.fetch('/steward/api/v1/credentials?folder=team')).json()).toMatchObject([{ id: 'nexus', username: 'ci', folder: 'team' }]);
      expect(JSON.stringify(system)).not.toContain('env-secret-7e6d5c');
      expect((await configured.fetch('/job/team/job/push/build', { method: 'POST' })).status).toBe(201);
      expect((await waitForBuild(configured, '/job/team/job/push', 1)).result).toBe('SUCCESS');
      expect(await (await configured.fetch('/job/team/job/push/1/consoleText')).text()).toContain('pushing as ****');
    } finally {
      await configured.stop();
    }
  });
});
