import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { ConfigFile } from '../../src/config/config-file.js';
import { parseConfigFile } from '../../src/config/config-file.js';
import { resolveSettings } from '../../src/config/settings.js';
import { type RunningServer, startServer } from '../../src/main.js';

export const ADMIN_PASSWORD = 'admin-secret-pw';

export interface TestServer extends RunningServer {
  readonly home: string;
  /** An API token of admin, made through Jenkins' generateNewToken at start; `fetch` uses it. */
  readonly adminToken: string;
  /** Every log line the server wrote, as JSON text (for checks that secrets never reach logs). */
  readonly logLines: string[];
  /** fetch relative to the server, as admin (with the API token) unless `auth: null` or other credentials are given. */
  fetch(path: string, init?: RequestInit & { auth?: string | null }): Promise<Response>;
  /** Creates a job from config.xml (or a native shell command). */
  createJob(fullName: string, xml: string): Promise<void>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  readonly executors?: number;
  readonly config?: string;
  readonly home?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly killGraceMs?: number;
}

/** Starts a real server in this process on a loopback port, with a fresh home directory. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'steward-test-'));
  const env = { ...process.env, STEWARD_ADMIN_PASSWORD: ADMIN_PASSWORD, ...options.env };
  const file: ConfigFile | null = options.config ? parseConfigFile(options.config, 'steward.yaml', env) : null;
  const settings = {
    ...resolveSettings({ home, port: '0', executors: options.executors === undefined ? (file ? undefined : '2') : String(options.executors) }, env, file),
    killGraceMs: options.killGraceMs ?? 2000,
  };
  const logLines: string[] = [];
  const log = pino({ level: 'debug', base: undefined }, { write: (line: string) => void logLines.push(line) });
  const server = await startServer(settings, file, { env, announce: () => {}, log });
  const adminToken = await createApiToken(server.url, 'admin', options.env?.STEWARD_ADMIN_PASSWORD ?? ADMIN_PASSWORD, 'tests');
  const basic = basicAuth('admin', adminToken);
  const testServer: TestServer = {
    ...server,
    close: () => server.close(),
    home,
    adminToken,
    logLines,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      const auth = init.auth === undefined ? basic : init.auth;
      if (auth !== null && !headers.has('authorization')) headers.set('authorization', auth);
      return fetch(new URL(path.replace(/^\//, ''), server.url), { ...init, headers, redirect: 'manual' });
    },
    async createJob(fullName, xml) {
      const slash = fullName.lastIndexOf('/');
      const parent = slash < 0 ? '' : fullName.slice(0, slash).split('/').map((part) => `job/${encodeURIComponent(part)}/`).join('');
      const response = await testServer.fetch(`/${parent}createItem?name=${encodeURIComponent(fullName.slice(slash + 1))}`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: xml,
      });
      if (response.status !== 200) throw new Error(`creating ${fullName} failed: ${response.status} ${await response.text()}`);
    },
    async stop() {
      await server.close();
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
  };
  return testServer;
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Creates an API token the way Jenkins users do: a crumb fetched with the password, then generateNewToken. */
export async function createApiToken(baseUrl: string, user: string, password: string, name: string, expirationDuration = ''): Promise<string> {
  const authorization = basicAuth(user, password);
  const crumbResponse = await fetch(new URL('crumbIssuer/api/json', baseUrl), { headers: { authorization } });
  if (crumbResponse.status !== 200) throw new Error(`fetching a crumb as ${user} failed: ${crumbResponse.status} ${await crumbResponse.text()}`);
  const { crumb } = (await crumbResponse.json()) as { crumb: string };
  const response = await fetch(new URL(`user/${encodeURIComponent(user)}/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken`, baseUrl), {
    method: 'POST',
    headers: { authorization, 'Jenkins-Crumb': crumb, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ newTokenName: name, expirationDuration }).toString(),
  });
  const body = (await response.json()) as { status: string; data?: { tokenValue: string } };
  if (response.status !== 200 || body.status !== 'ok' || !body.data) throw new Error(`generateNewToken for ${user} failed: ${response.status} ${JSON.stringify(body)}`);
  return body.data.tokenValue;
}

/** A freestyle config.xml with shell steps and optional parameters and extras. */
export function jobXml(options: { steps?: string[]; parameters?: string; extra?: string; description?: string } = {}): string {
  const steps = (options.steps ?? ['echo hello']).map((command) => `<hudson.tasks.Shell><command>${escape(command)}</command></hudson.tasks.Shell>`).join('');
  const properties = options.parameters ? `<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>${options.parameters}</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>` : '<properties/>';
  return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>${escape(options.description ?? '')}</description>
  ${properties}
  <builders>${steps}</builders>
  ${options.extra ?? ''}
</project>`;
}

export const FOLDER_XML = `<?xml version='1.1' encoding='UTF-8'?><com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder@6.9"><description>a folder</description><properties/></com.cloudbees.hudson.plugins.folder.Folder>`;

export function stringParameter(name: string, defaultValue = ''): string {
  return `<hudson.model.StringParameterDefinition><name>${name}</name><defaultValue>${escape(defaultValue)}</defaultValue><trim>false</trim></hudson.model.StringParameterDefinition>`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition', intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until build N of a job has finished and returns its JSON. */
export async function waitForBuild(server: Pick<TestServer, 'fetch'>, jobPath: string, number: number, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const response = await server.fetch(`${jobPath}/${number}/api/json`);
      if (response.status !== 200) return undefined;
      const body = (await response.json()) as Record<string, unknown>;
      return body.building === false ? body : undefined;
    },
    timeoutMs,
    `${jobPath} #${number} to finish`,
  );
}

/** The queue id from a trigger's Location. */
export function queueIdOf(response: Response): number {
  const match = /\/queue\/item\/(\d+)\/$/.exec(response.headers.get('location') ?? '');
  if (!match) throw new Error(`no queue Location in ${response.status} response`);
  return Number(match[1]);
}

/** Waits until a build's console log contains `text`; on timeout the error shows the log and the executors. */
export async function waitForLog(server: Pick<TestServer, 'fetch'>, buildPath: string, text: string, timeoutMs = 10_000): Promise<string> {
  let log = '';
  try {
    return await waitFor(
      async () => {
        log = await (await server.fetch(`${buildPath}/consoleText`)).text();
        return log.includes(text) ? log : undefined;
      },
      timeoutMs,
      `"${text}" in ${buildPath}`,
    );
  } catch (error) {
    const state = await (await server.fetch('/computer/api/json?depth=2&tree=computer[executors[currentExecutable[url]]]')).text();
    const queue = await (await server.fetch('/queue/api/json?tree=items[id,why,task[name]]')).text();
    throw new Error(`${(error as Error).message}\nlog so far:\n${log}\nexecutors: ${state}\nqueue: ${queue}`);
  }
}
