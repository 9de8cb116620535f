import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { basicAuth, createApiToken, jobXml, stringParameter, waitFor } from '../support/server.js';
import { createTestDatabase } from '../support/postgres.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { processesRunning } from '../support/processes.js';

/**
 * DESIGN §4's durability contract, tested the hard way: a burst of triggers against a real server
 * process, SIGKILL in the middle, a restart on the same home, and then every trigger that got a 201
 * must exist (as a queue item or a build), running builds must have ended ABORTED with the restart as
 * the reason, their processes must be gone, and build numbers must be dense. On both stores: SQLite in
 * the home, and a PostgreSQL database (`--database`).
 */
const homes: string[] = [];
const env = { STEWARD_ADMIN_PASSWORD: 'durable-pw' };
const servers: ServerProcess[] = [];

afterAll(async () => {
  for (const server of servers) server.child.kill('SIGKILL');
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

describeKillTest('SQLite', async () => []);
describeKillTest('PostgreSQL', async () => ['--database', await createTestDatabase('durability')]);

function describeKillTest(backend: string, storeArgs: () => Promise<string[]>): void {
  describe(`kill -9 in the middle of a burst of triggers (${backend})`, () => {
    it('keeps every acknowledged trigger, aborts running builds with a restart cause, and keeps numbers dense', async () => {
      const home = mkdtempSync(join(tmpdir(), 'steward-durability-'));
      homes.push(home);
      const args = ['serve', '--port', '0', '--home', home, '--executors', '2', ...(await storeArgs())];
      let auth = basicAuth('admin', 'durable-pw');
      const call = (base: string, path: string, init: RequestInit = {}): Promise<Response> =>
        fetch(new URL(path, base), { ...init, headers: { authorization: auth, ...(init.headers as Record<string, string>) }, redirect: 'manual' });
      let server = await spawnServer(args, env);
      servers.push(server);
      const first = server;
      // An API token: triggers need no crumb, and the token must outlive the crash like everything else.
      auth = basicAuth('admin', await createApiToken(first.url, 'admin', 'durable-pw', 'burst'));
      const xml = (steps: string[], extra = '') => ({ method: 'POST', headers: { 'content-type': 'application/xml' }, body: jobXml({ parameters: stringParameter('N'), steps, extra }) });
      expect((await call(first.url, '/createItem?name=slow', xml(['sleep 31.7']))).status).toBe(200);
      expect((await call(first.url, '/createItem?name=burst', xml(['true'], '<concurrentBuild>true</concurrentBuild>'))).status).toBe(200);
      expect((await call(first.url, '/job/slow/buildWithParameters?N=0', { method: 'POST' })).status).toBe(201);
      await waitFor(() => (processesRunning('sleep 31.7').length > 0 ? true : undefined), 10_000, 'the slow build to start');

      const acknowledged: number[] = [];
      let next = 0;
      let killed = false;
      const total = 600;
      const worker = async () => {
        while (next < total) {
          const n = next++;
          try {
            const response = await call(first.url, `/job/burst/buildWithParameters?N=${n}`, { method: 'POST' });
            if (response.status === 201) acknowledged.push(Number(/\/queue\/item\/(\d+)\/$/.exec(response.headers.get('location') ?? '')?.[1]));
          } catch {
            // Refused or cut off by the kill: not acknowledged, so nothing is promised.
          }
          if (!killed && acknowledged.length >= total / 3) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: 32 }, worker));
      expect(await first.exited).toBe('SIGKILL');
      expect(acknowledged.length).toBeGreaterThanOrEqual(total / 3);
      expect(acknowledged.length).toBeLessThan(total);

      server = await spawnServer(args, env);
      servers.push(server);
      const second = server;
      expect(second.output()).toMatch(/Aborted \d+ build\(s\) that were running when Steward last stopped./);

      for (const id of acknowledged) {
        const response = await call(second.url, `/queue/item/${id}/api/json`);
        expect(response.status, `queue item ${id}`).toBe(200);
      }

      const slow = (await (await call(second.url, '/job/slow/1/api/json')).json()) as { result: string; building: boolean };
      expect(slow).toMatchObject({ result: 'ABORTED', building: false });
      const slowLog = await (await call(second.url, '/job/slow/1/consoleText')).text();
      expect(slowLog).toContain('Steward restarted while this build was running, so the build was aborted.\nFinished: ABORTED\n');
      expect(processesRunning('sleep 31.7')).toEqual([]);

      await waitFor(
        async () => {
          const queue = (await (await call(second.url, '/queue/api/json')).json()) as { items: unknown[] };
          const job = (await (await call(second.url, '/job/burst/api/json?tree=color')).json()) as { color: string };
          return queue.items.length === 0 && !job.color.endsWith('_anime') ? true : undefined;
        },
        60_000,
        'the queue to drain',
      );
      const job = (await (await call(second.url, '/job/burst/api/json?tree=nextBuildNumber,allBuilds[number,result]')).json()) as {
        nextBuildNumber: number;
        allBuilds: Array<{ number: number; result: string }>;
      };
      const numbers = job.allBuilds.map((build) => build.number).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: job.nextBuildNumber - 1 }, (_, index) => index + 1));
      const executables = await Promise.all(
        acknowledged.map(async (id) => ((await (await call(second.url, `/queue/item/${id}/api/json`)).json()) as { executable: { number: number } | null }).executable?.number),
      );
      expect(executables.every((number) => number !== undefined && number >= 1)).toBe(true);
      expect(new Set(executables).size).toBe(acknowledged.length);

      const after = await call(second.url, '/job/burst/buildWithParameters?N=after', { method: 'POST' });
      const newId = Number(/\/queue\/item\/(\d+)\/$/.exec(after.headers.get('location') ?? '')?.[1]);
      expect(newId).toBeGreaterThan(Math.max(...acknowledged));

      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }, 120_000);
  });
}
