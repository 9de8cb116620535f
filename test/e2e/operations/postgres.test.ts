import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from '../../support/child-server.js';
import { Cable, createTestDatabase } from '../../support/postgres.js';
import { spawnServer } from '../../support/process.js';
import { jobXml, waitFor, waitForBuild } from '../../support/server.js';

const homes: string[] = [];
const servers: ChildServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.kill()));
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'steward-pg-serve-'));
  homes.push(home);
  return home;
}

describe('steward serve on PostgreSQL', () => {
  it('keeps its data in the database given by --database, and runs a triggered build', async () => {
    const url = await createTestDatabase('serve');
    const home = newHome();
    const server = await startChildServer(home, ['--database', url, '--executors', '1']);
    servers.push(server);
    await server.createJob('hello', jobXml({ steps: ['echo hello from postgres'] }));
    const triggered = await server.fetch('/job/hello/build', { method: 'POST' });
    expect(triggered.status).toBe(201);
    expect(await waitForBuild(server, '/job/hello', 1)).toMatchObject({ result: 'SUCCESS', number: 1 });
    expect(await (await server.fetch('/job/hello/1/consoleText')).text()).toContain('hello from postgres');
    // The store is the database, not a file in the home.
    expect(existsSync(join(home, 'steward.db'))).toBe(false);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ number: string; result: string }>(`SELECT b.number, b.result FROM builds b JOIN items i ON i.id = b.job_id WHERE i.full_name = 'hello'`);
      expect(rows).toEqual([{ number: '1', result: 'SUCCESS' }]);
    } finally {
      await client.end();
    }
  });

  it('answers 503 storage_unavailable with Retry-After while the database is out of reach, never 201, and recovers by itself', async () => {
    const direct = new URL(await createTestDatabase('lost'));
    const cable = new Cable(Number(direct.port));
    await cable.plug();
    const viaCable = new URL(direct);
    viaCable.port = String(cable.port);
    const server = await startChildServer(newHome(), ['--database', viaCable.toString(), '--executors', '1']);
    servers.push(server);
    try {
      await server.createJob('hello', jobXml({ steps: ['echo hello'] }));
      await cable.cut();
      const refused = await server.fetch('/job/hello/build', { method: 'POST', headers: { accept: 'application/json' } });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('x-steward-reason')).toBe('storage_unavailable');
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(((await refused.json()) as { message: string }).message).toMatch(/could not reach its database/);
      // The failure limit's check, the first thing a Basic request reads, is refused the same way.
      const guess = await fetch(new URL('api/json', server.url), { headers: { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` } });
      expect(guess.status).toBe(503);
      expect(guess.headers.get('x-steward-reason')).toBe('storage_unavailable');
      const ready = await fetch(new URL('steward/ready', server.url));
      expect(ready.status).toBe(503);
      await cable.plug();
      const accepted = await server.fetch('/job/hello/build', { method: 'POST' });
      expect(accepted.status).toBe(201);
      expect(await waitForBuild(server, '/job/hello', 1)).toMatchObject({ result: 'SUCCESS' });
    } finally {
      await cable.cut();
    }
  });

  it('keeps the result of a build that ends while the database is out of reach, and starts what fell due meanwhile, once it is back', async () => {
    const direct = new URL(await createTestDatabase('outage'));
    const cable = new Cable(Number(direct.port));
    await cable.plug();
    const viaCable = new URL(direct);
    viaCable.port = String(cable.port);
    const server = await startChildServer(newHome(), ['--database', viaCable.toString(), '--executors', '2']);
    servers.push(server);
    try {
      await server.createJob('slow', jobXml({ steps: ['sleep 1.5', 'echo slow done'] }));
      await server.createJob('later', jobXml({ steps: ['echo later done'] }));
      expect((await server.fetch('/job/slow/build', { method: 'POST' })).status).toBe(201);
      await waitFor(
        async () => {
          const response = await server.fetch('/job/slow/1/api/json');
          return response.status === 200 && ((await response.json()) as { building: boolean }).building ? true : undefined;
        },
        10_000,
        'slow #1 to start',
      );
      // Due in a second, while the database is out of reach: its start must wait for the database.
      expect((await server.fetch('/job/later/build?delay=1sec', { method: 'POST' })).status).toBe(201);
      await cable.cut();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await cable.plug();
      expect(await waitForBuild(server, '/job/slow', 1, 20_000)).toMatchObject({ result: 'SUCCESS' });
      expect(await waitForBuild(server, '/job/later', 1, 20_000)).toMatchObject({ result: 'SUCCESS' });
      expect(await (await server.fetch('/job/later/1/consoleText')).text()).toContain('later done');
    } finally {
      await cable.cut();
    }
  });

  it('refuses to start, saying why, when the database cannot be reached or the address is not PostgreSQL', async () => {
    const unreachable = await spawnServer(['serve', '--port', '0', '--home', newHome(), '--database', 'postgres://steward@127.0.0.1:1/none'], { STEWARD_CONFIG: '' }).catch(
      (error: unknown) => error,
    );
    expect(String(unreachable)).toMatch(/could not reach its database/);
    const wrong = await spawnServer(['serve', '--port', '0', '--home', newHome()], { STEWARD_CONFIG: '', STEWARD_DATABASE_URL: 'mysql://db/steward' }).catch((error: unknown) => error);
    expect(String(wrong)).toMatch(/must be a postgres:\/\/ address/);
  });
});
