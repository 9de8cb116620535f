import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobXml, queueIdOf, startTestServer, type TestServer, waitFor, waitForBuild } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ executors: 2 });
});
afterAll(async () => {
  await server.stop();
});

const archiver = (fields: string) => `<publishers><hudson.tasks.ArtifactArchiver>${fields}</hudson.tasks.ArtifactArchiver></publishers>`;

async function build(job: string): Promise<{ number: number; json: Record<string, unknown>; log: string }> {
  const response = await server.fetch(`/job/${job}/build`, { method: 'POST' });
  expect(response.status).toBe(201);
  const queueId = queueIdOf(response);
  const number = await waitFor(async () => ((await (await server.fetch(`/queue/item/${queueId}/api/json`)).json()) as { executable?: { number: number } | null }).executable?.number);
  const json = await waitForBuild(server, `/job/${job}`, number);
  const log = await (await server.fetch(`/job/${job}/${number}/consoleText`)).text();
  return { number, json, log };
}

// 1..40000, one a line: 228,894 bytes, the same here as in the build.
const NUMBERS = Array.from({ length: 40_000 }, (_, index) => `${index + 1}\n`).join('');

describe('artifacts on the built-in node', () => {
  it('archives matching files, lists them in api/json, serves them whole, by range and through a permalink, and never outside the build', async () => {
    const steps = ['mkdir -p dist/sub && seq 1 40000 > dist/numbers.txt && echo hi > dist/sub/readme.txt && echo map > dist/app.js.map && ln -s /etc/passwd dist/passwd'];
    await server.createJob('arch', jobXml({ steps, extra: archiver('<artifacts>dist/</artifacts><excludes>**/*.map</excludes>') }));
    const { json, log } = await build('arch');
    expect(json.result).toBe('SUCCESS');
    expect(log).toContain('WARNING: not archived: dist/passwd (a symbolic link to a file outside the workspace, or to no file)\n');
    expect(log).toContain('Archiving artifacts: 2 files, 228.9 kB\nFinished: SUCCESS\n');
    expect(json.artifacts).toEqual([
      { displayPath: 'numbers.txt', fileName: 'numbers.txt', relativePath: 'dist/numbers.txt' },
      { displayPath: 'readme.txt', fileName: 'readme.txt', relativePath: 'dist/sub/readme.txt' },
    ]);

    const whole = await server.fetch('/job/arch/1/artifact/dist/numbers.txt');
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(whole.headers.get('content-length')).toBe(String(NUMBERS.length));
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(await whole.text()).toBe(NUMBERS);

    // A download resumed where it stopped.
    const rest = await server.fetch('/job/arch/1/artifact/dist/numbers.txt', { headers: { range: 'bytes=100000-' } });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(`bytes 100000-${NUMBERS.length - 1}/${NUMBERS.length}`);
    expect(await rest.text()).toBe(NUMBERS.slice(100_000));
    const past = await server.fetch('/job/arch/1/artifact/dist/numbers.txt', { headers: { range: `bytes=${NUMBERS.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${NUMBERS.length}`);

    const latest = await server.fetch('/job/arch/lastSuccessfulBuild/artifact/dist/sub/readme.txt');
    expect([latest.status, await latest.text()]).toEqual([200, 'hi\n']);
    const page = await server.fetch('/job/arch/1/artifact/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('href="/job/arch/1/artifact/dist/sub/readme.txt"');

    // Traversal: an encoded slash is part of the path, checked before storage sees it; missing files are 404.
    for (const path of ['dist%2F..%2F..%2F..%2Fsteward.db', '..%2F..%2Fsecrets%2Fmaster.key', 'dist/%2e%2e%2F%2e%2e%2Fx']) {
      const refused = await server.fetch(`/job/arch/1/artifact/${path}`);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('x-steward-reason')).toBe('artifact_path_invalid');
    }
    expect((await server.fetch('/job/arch/1/artifact/dist/passwd')).status).toBe(404);
    expect((await server.fetch('/job/arch/1/artifact/dist/app.js.map')).status).toBe(404);
    // Anonymous callers do not read them.
    expect((await server.fetch('/job/arch/1/artifact/dist/numbers.txt', { auth: null })).status).toBe(403);
  });

  it('fails a build whose patterns match nothing, unless an empty archive is allowed; deleting a build deletes its artifacts', async () => {
    await server.createJob('empty', jobXml({ steps: ['true'], extra: archiver('<artifacts>out/*.zip</artifacts>') }));
    const failed = await build('empty');
    expect(failed.json.result).toBe('FAILURE');
    expect(failed.log).toContain('ERROR: No artifacts found that match the file pattern "out/*.zip". Configuration error?\nFinished: FAILURE\n');

    await server.createJob('allowed', jobXml({ steps: ['echo x > kept.txt'], extra: archiver('<artifacts>out/*.zip, kept.txt</artifacts><allowEmptyArchive>true</allowEmptyArchive>') }));
    const passed = await build('allowed');
    expect(passed.json.result).toBe('SUCCESS');
    const stored = () => readdirSync(join(server.home, 'artifacts')).filter((jobId) => existsSync(join(server.home, 'artifacts', jobId, String(passed.number), 'kept.txt')));
    expect(stored()).toHaveLength(1);
    expect((await server.fetch(`/job/allowed/${passed.number}/doDelete`, { method: 'POST' })).status).toBe(302);
    expect((await server.fetch(`/job/allowed/${passed.number}/artifact/kept.txt`)).status).toBe(404);
    expect(stored()).toEqual([]);
  });

  it('retention deletes the artifacts of the builds it deletes', async () => {
    const discarder = '<properties><jenkins.model.BuildDiscarderProperty><strategy class="hudson.tasks.LogRotator"><daysToKeep>-1</daysToKeep><numToKeep>1</numToKeep><artifactDaysToKeep>-1</artifactDaysToKeep><artifactNumToKeep>-1</artifactNumToKeep></strategy></jenkins.model.BuildDiscarderProperty></properties>';
    await server.createJob('rotated', jobXml({ steps: ['echo $BUILD_NUMBER > out.txt'], extra: archiver('<artifacts>out.txt</artifacts>') }).replace('<properties/>', discarder));
    const first = await build('rotated');
    const jobDirectory = readdirSync(join(server.home, 'artifacts')).find((jobId) => existsSync(join(server.home, 'artifacts', jobId, String(first.number), 'out.txt'))) as string;
    await build('rotated');
    await waitFor(() => (existsSync(join(server.home, 'artifacts', jobDirectory, String(first.number))) ? undefined : true));
    expect(await (await server.fetch('/job/rotated/lastSuccessfulBuild/artifact/out.txt')).text()).toBe('2\n');
  });
});
