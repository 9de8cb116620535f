import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of docs/architecture.md, enforced: each module of src/ may import only the modules
 * listed for it. `main.ts` (the composition root) may import anything.
 */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  // store/postgres/ implements the logs' chunk port (logs/chunked-logs.ts): console logs in PostgreSQL.
  store: ['core', 'logs'],
  auth: ['core', 'store'],
  logs: [],
  queue: ['core', 'store', 'auth', 'timers'],
  executor: ['core', 'logs', 'queue', 'artifacts'],
  // Label expressions (peggy): the scheduler's and the job settings' one reading of them.
  labels: ['core'],
  items: ['core', 'store', 'labels', 'timers'],
  // "Build periodically" schedules (Jenkins' cron, next fire times by cron-parser): checked with a job's settings, fired by the queue.
  timers: ['core'],
  builds: ['core', 'store', 'logs', 'artifacts'],
  // Artifacts: the storage port, files in the home, choosing and archiving a build's files.
  artifacts: ['core'],
  config: ['core', 'auth', 'items', 'labels', 'nodes', 'timers'],
  // The registry of agents: names, labels, executors and secrets.
  nodes: ['core', 'store', 'auth'],
  // Prometheus metrics (prom-client): fed by main.ts, read by http through an interface of its own.
  metrics: ['core'],
  // version.js is one constant: the pages show it.
  http: ['core', 'store', 'auth', 'queue', 'items', 'labels', 'logs', 'artifacts', 'nodes', 'remote', 'timers', 'version.js'],
  // The server's side of builds on agents: leases, log ranges, results (a BuildRunner).
  remote: ['core', 'logs', 'queue'],
  // `steward agent`: runs claimed builds with the built-in node's shell runner.
  agent: ['core', 'executor', 'logs', 'queue', 'remote'],
  // A backup reads the home directly: a consistent snapshot of the store's database, and the console logs.
  backup: ['store', 'logs', 'version.js'],
  // `steward migrate`, `export`, `import` and `key rotate`: the stores' databases directly, the archive
  // like a backup's, the secret box (auth/secret-box.ts) to seal values again.
  database: ['store', 'logs', 'backup', 'auth', 'version.js'],
  // The command line is an HTTP client: the server's modules load only for `steward serve`, backup/
  // only for `steward backup` and `restore`, database/ only for `migrate`, `export`, `import` and `key rotate` (dynamic imports).
  cli: ['core', 'config', 'version.js'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.suite.ts') ? [path] : [];
  });
}

const SRC = 'src';

describe('architecture', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const module = relative(SRC, file).split('/')[0] as string;
    const allowed = ALLOWED[module];
    if (!allowed) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(SRC, join(file, '..', match[1] as string)).split('/')[0] as string;
      if (target !== module && !allowed.includes(target)) violations.push(`${file} imports ${target} (${match[1]})`);
    }
  }

  it('keeps every module within the imports docs/architecture.md allows', () => {
    expect(files(SRC).length).toBeGreaterThan(50);
    expect(violations).toEqual([]);
  });

  it('keeps the domain free of Node and npm imports', () => {
    const external = files(join(SRC, 'core')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/from '([^.][^']*)'/g)].map((match) => `${file}: ${match[1]}`));
    expect(external).toEqual([]);
  });
});
