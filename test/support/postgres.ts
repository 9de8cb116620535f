import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL for the tests: a throwaway cluster of Debian's `postgresql` package, started once
 * per test run by vitest's global setup (`postgres-cluster.ts`), on a free loopback port, with its data
 * directory in a temporary directory removed at the end. Tests get its address from the environment and
 * make their own databases (`createTestDatabase`). They never skip when PostgreSQL is missing: they fail
 * with what to install.
 */

/** The environment variables the global setup hands to the test workers. */
export const POSTGRES_URL_ENV = 'STEWARD_TEST_POSTGRES_URL';
export const POSTGRES_ERROR_ENV = 'STEWARD_TEST_POSTGRES_ERROR';

const INSTALL = 'The PostgreSQL tests run against a real PostgreSQL server: install Debian\'s package (`apt-get install -y postgresql`, which `npm test` does when run as root), so that initdb and postgres are under /usr/lib/postgresql/VERSION/bin.';

/** The directory of the newest installed PostgreSQL's programs, or null when there is none. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'initdb')) && existsSync(join(root, version, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0] as string, 'bin') : null;
}

export interface PostgresCluster {
  /** The address of the cluster's `postgres` database, as its superuser `steward`. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /**
   * `synchronous_commit=off`: commits return before their WAL is flushed (fsync stays on, so the
   * cluster itself stays consistent). Only for suites that do not test durability.
   */
  readonly asyncCommit?: boolean;
}

/** Starts a throwaway cluster: initdb into a temporary directory, then postgres on a free loopback port. */
export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL is not installed. ${INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), 'steward-pg-'));
  const data = join(dir, 'data');
  // PostgreSQL refuses to run as root: then it runs as Debian's `postgres` system user, owning the directory.
  const owner = process.getuid?.() === 0 ? systemUser('postgres') : null;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  try {
    execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'steward', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...as, stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? String(error)}`);
  }
  const port = await freePort();
  const settings = [
    ['listen_addresses', '127.0.0.1'],
    ['unix_socket_directories', dir],
    ['max_connections', '200'],
    ['fsync', 'on'],
    ['synchronous_commit', options.asyncCommit ? 'off' : 'on'],
    ['log_min_messages', 'fatal'],
  ];
  const server = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), ...settings.flatMap(([name, value]) => ['-c', `${name}=${value}`])], {
    ...as,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `postgres://steward@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(url, server, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, stop };
}

/**
 * The cluster the global setup started for this run, or a failure saying what to install. Every test
 * that needs PostgreSQL calls this, so none can pass without one.
 */
export function testClusterUrl(): string {
  const url = process.env[POSTGRES_URL_ENV];
  if (url) return url;
  throw new Error(process.env[POSTGRES_ERROR_ENV] ?? `No PostgreSQL cluster was started for this test run (vitest's global setup test/support/postgres-cluster.ts). ${INSTALL}`);
}

let databases = 0;

/** Creates an empty database in the run's cluster and returns its address. */
export async function createTestDatabase(prefix = 'steward'): Promise<string> {
  const admin = testClusterUrl();
  const name = `${prefix}_${process.pid}_${++databases}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await runOnce(admin, `CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

let shared: Promise<string> | null = null;
let schemas = 0;

/**
 * A fresh, empty schema in a database of this test file's own (made on first use), as an address whose
 * `search_path` names it: everything a store creates and reads is in that schema. Much cheaper than a
 * database per store (CREATE DATABASE copies a template and syncs it), so the contract suite opens one
 * per test.
 */
export async function createTestSchema(): Promise<string> {
  shared ??= createTestDatabase('schemas');
  const database = await shared;
  const name = `store_${++schemas}`;
  await runOnce(database, `CREATE SCHEMA ${name}`);
  const url = new URL(database);
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

/** Runs one statement on a connection of its own. */
async function runOnce(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
  const [, , uid, gid] = line.split(':');
  if (!uid || !gid) throw new Error(`There is no "${name}" user to run PostgreSQL as (postgres refuses to run as root). ${INSTALL}`);
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url: string, server: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited with code ${server.exitCode}: ${stderr()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${String(error)} ${stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Fast shutdown (SIGINT): disconnects clients, aborts their transactions, shuts down cleanly. */
function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => server.kill('SIGKILL'), 10_000);
    server.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    server.kill('SIGINT');
  });
}

/** A TCP proxy in front of the cluster, to cut a store or a server off its database and reconnect it. */
export class Cable {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  async plug(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

/**
 * EXPLAIN ANALYZE of a statement as prepared statements run after a few executions (a generic plan),
 * on `client`: `plan(name, sql, types, values)` gives the plan's text, `rowsRead` the most rows any
 * of its nodes produced.
 */
export async function genericPlans(client: pg.ClientBase): Promise<{ plan: (name: string, sql: string, types: string, values: string) => Promise<string>; rowsRead: (plan: string) => number }> {
  await client.query('SET plan_cache_mode = force_generic_plan');
  return {
    async plan(name, sql, types, values) {
      await client.query(`PREPARE ${name} (${types}) AS ${sql}`);
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE ${name} (${values})`);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    },
    rowsRead: (text) => Math.max(...[...text.matchAll(/actual rows=(\d+)/g)].map((match) => Number(match[1]))),
  };
}
