import { expect } from 'vitest';
import { type ServerProcess, spawnServer } from './process.js';
import { basicAuth, createApiToken } from './server.js';

export const CHILD_ADMIN_PASSWORD = 'child-admin-pw';

/** `steward serve` as a child process (its own pid, memory and environment), driven over HTTP as admin. */
export interface ChildServer extends ServerProcess {
  readonly adminToken: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  createJob(name: string, xml: string): Promise<void>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

/** Starts `steward serve --port 0 --home HOME ARGS` with admin's password set, and makes admin an API token. */
export async function startChildServer(home: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  const server = await spawnServer(['serve', '--port', '0', '--home', home, ...args], { STEWARD_ADMIN_PASSWORD: CHILD_ADMIN_PASSWORD, STEWARD_CONFIG: '', ...env });
  const adminToken = await createApiToken(server.url, 'admin', env.STEWARD_ADMIN_PASSWORD ?? CHILD_ADMIN_PASSWORD, 'tests');
  const authorization = basicAuth('admin', adminToken);
  const child: ChildServer = {
    ...server,
    adminToken,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', authorization);
      return fetch(new URL(path.replace(/^\//, ''), server.url), { ...init, headers, redirect: 'manual' });
    },
    async createJob(name, xml) {
      const response = await child.fetch(`/createItem?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
      if (response.status !== 200) throw new Error(`creating ${name} failed: ${response.status} ${await response.text()}`);
    },
    async kill() {
      server.child.kill('SIGKILL');
      await server.exited;
    },
  };
  return child;
}

/** A request with a JSON body. */
export function json(method: string, body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Expects the answer's status (its body shown when it differs) and answers its JSON body ({} when empty). */
export async function ok(response: Promise<Response>, status = 200): Promise<Record<string, unknown>> {
  const answered = await response;
  const text = await answered.text();
  expect(answered.status, text).toBe(status);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
