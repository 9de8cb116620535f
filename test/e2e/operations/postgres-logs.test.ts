import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from '../../support/child-server.js';
import { CliRunner } from '../../support/cli.js';
import { createTestDatabase } from '../../support/postgres.js';
import { jobXml, waitFor, waitForBuild } from '../../support/server.js';

const dirs: string[] = [];
const servers: ChildServer[] = [];
const cli = new CliRunner();
afterAll(async () => {
  await Promise.all(servers.map((server) => server.kill()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  cli.dispose();
});

function newDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/**
 * Issue 16: with several `steward serve` nodes on one PostgreSQL, a build's console log is in the
 * database, so every node serves it, live while the build runs.
 */
describe('console logs in PostgreSQL (steward serve --database)', () => {
  it('are followed live on a node that does not run the build, and read there byte for byte as on the node that does', async () => {
    const url = await createTestDatabase('logs');
    // Both nodes read the same master key (docs/operations.md); B runs no builds.
    const keyFile = join(newDir('steward-pg-logs-key-'), 'master.key');
    writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    // Both start before any build runs: a node's start ends the built-in builds it finds running.
    const a = await startChildServer(newDir('steward-pg-logs-a-'), ['--database', url, '--executors', '1', '--key-file', keyFile]);
    servers.push(a);
    const b = await startChildServer(newDir('steward-pg-logs-b-'), ['--database', url, '--executors', '0', '--key-file', keyFile]);
    servers.push(b);
    // A few seconds of lines, with characters of 2, 3 and 4 bytes, and a line ending only after a pause.
    await a.createJob('ticker', jobXml({ steps: ['#!/bin/sh\nfor i in $(seq 1 30); do echo "line $i ✓ ünïcödé 😀"; sleep 0.1; done; printf "half a line…"; sleep 0.5; echo " …and its end"'] }));
    expect((await a.fetch('/job/ticker/build', { method: 'POST' })).status).toBe(201);

    // Node B follows progressiveText as the npm jenkins client and `steward logs -f` do.
    await waitFor(async () => ((await b.fetch('/job/ticker/1/api/json')).status === 200 ? true : undefined), 10_000, 'build #1 to be seen on node B');
    const following = cli.start(['logs', 'ticker', '1', '-f'], { env: { STEWARD_URL: b.url, STEWARD_AUTH: `admin:${b.adminToken}` } });
    const pieces: Buffer[] = [];
    const whileRunning: Array<{ body: Buffer; building: boolean }> = [];
    let start = 0;
    for (let answers = 0; ; answers += 1) {
      expect(answers).toBeLessThan(200);
      const response = await b.fetch(`/job/ticker/1/logText/progressiveText?start=${start}`);
      expect(response.status).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      pieces.push(body);
      start = Number(response.headers.get('x-text-size'));
      if (response.headers.get('x-more-data') !== 'true') break;
      const building = ((await (await b.fetch('/job/ticker/1/api/json?tree=building')).json()) as { building: boolean }).building;
      whileRunning.push({ body, building });
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const followed = Buffer.concat(pieces);
    expect(await waitForBuild(b, '/job/ticker', 1)).toMatchObject({ result: 'SUCCESS' });
    // Live: several answers brought lines while the build was still running on node A.
    expect(whileRunning.filter((answer) => answer.building && answer.body.length > 0).length).toBeGreaterThanOrEqual(5);
    // Only whole lines while the build runs: no answer ends inside "half a line…".
    for (const { body } of whileRunning) expect(body.length === 0 || body.at(-1) === 0x0a).toBe(true);
    expect(followed.toString()).toContain('line 30 ✓ ünïcödé 😀\nhalf a line… …and its end\n');
    const onA = Buffer.from(await (await a.fetch('/job/ticker/1/consoleText')).arrayBuffer());
    const onB = Buffer.from(await (await b.fetch('/job/ticker/1/consoleText')).arrayBuffer());
    expect(onA.toString()).toMatch(/^Started by user admin\n[^]*line 1 ✓ ünïcödé 😀\n[^]*Finished: SUCCESS\n$/);
    expect(onB.equals(onA)).toBe(true);
    expect(followed.equals(onA)).toBe(true);
    const cliFollowed = await following.done;
    expect(cliFollowed.code).toBe(0);
    expect(cliFollowed.stdout).toBe(onA.toString());
    // The build page on node B shows the log too (read through the same port), and progressiveHtml goes on from any offset.
    expect(await (await b.fetch('/job/ticker/1/console')).text()).toContain('line 30 ✓ ünïcödé 😀');
    const html = await b.fetch(`/job/ticker/1/logText/progressiveHtml?start=${onA.indexOf('line 2 ')}`);
    expect(await html.text()).toMatch(/^line 2 ✓ ünïcödé 😀\n/);
  });

  it('go with their builds: retention, deleting a build and deleting a job remove their chunks and no others', async () => {
    const url = await createTestDatabase('logs_removed');
    const server = await startChildServer(newDir('steward-pg-logs-removed-'), ['--database', url, '--executors', '1']);
    servers.push(server);
    const discarder = '<jenkins.model.BuildDiscarderProperty><strategy class="hudson.tasks.LogRotator"><daysToKeep>-1</daysToKeep><numToKeep>1</numToKeep></strategy></jenkins.model.BuildDiscarderProperty>';
    await server.createJob('rotating', jobXml({ steps: ['echo rotating'] }).replace('<properties/>', `<properties>${discarder}</properties>`));
    await server.createJob('other', jobXml({ steps: ['echo other'] }));
    for (const [job, number] of [
      ['rotating', 1],
      ['rotating', 2],
      ['other', 1],
      ['other', 2],
      ['rotating', 3],
    ] as const) {
      expect((await server.fetch(`/job/${job}/build`, { method: 'POST' })).status).toBe(201);
      expect(await waitForBuild(server, `/job/${job}`, number)).toMatchObject({ result: 'SUCCESS' });
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const logs = async () =>
        (
          await client.query<{ log: string }>(
            "SELECT DISTINCT i.full_name || '#' || c.number AS log FROM log_chunks c JOIN items i ON i.id = c.job_id ORDER BY 1",
          )
        ).rows.map((row) => row.log);
      // Retention keeps rotating's newest build (also its last successful one); it deletes the log right after the build.
      await waitFor(async () => ((await logs()).join() === 'other#1,other#2,rotating#3' ? true : undefined), 5000, 'the logs of rotating #1 and #2 to go');
      expect((await server.fetch('/job/other/1/doDelete', { method: 'POST' })).status).toBe(302);
      expect(await logs()).toEqual(['other#2', 'rotating#3']);
      const { rows } = await client.query<{ id: string }>("SELECT id FROM items WHERE full_name = 'rotating'");
      expect((await server.fetch('/job/rotating/doDelete', { method: 'POST' })).status).toBe(302);
      await waitFor(async () => ((await logs()).join() === 'other#2' ? true : undefined), 5000, 'the logs of job rotating to go');
      const { rows: left } = await client.query<{ count: string }>('SELECT count(*) FROM log_chunks WHERE job_id = $1', [rows[0]?.id]);
      expect(Number(left[0]?.count)).toBe(0);
    } finally {
      await client.end();
    }
  });
});
