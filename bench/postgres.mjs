// A throwaway PostgreSQL cluster for the benchmarks, as the tests make one (test/support/postgres.ts):
// Debian's postgresql package, initdb into a temporary directory, postgres on a free loopback port with
// fsync and synchronous_commit on (the defaults), removed when stopped.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((version) => existsSync(join(root, version, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql');
  return join(root, versions[0], 'bin');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a cluster; resolves with `{ url, version, stop() }` (`url` names its `postgres` database). */
export async function startPostgres() {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-pg-'));
  const data = join(dir, 'data');
  let as = {};
  if (process.getuid?.() === 0) {
    const [, , uid, gid] = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).trim().split(':');
    as = { uid: Number(uid), gid: Number(gid) };
    chownSync(dir, as.uid, as.gid);
  }
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'steward', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...as, stdio: 'pipe' });
  const port = await freePort();
  const server = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'max_connections=100'], { ...as, stdio: 'ignore' });
  const url = `postgres://steward@127.0.0.1:${port}/postgres`;
  for (let tries = 0; ; tries += 1) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      if (tries > 600) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const version = bin.split('/').at(-2);
  return {
    url,
    version,
    async stop() {
      await new Promise((resolve) => {
        server.once('exit', resolve);
        server.kill('SIGINT');
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
