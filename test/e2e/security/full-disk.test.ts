import { readdirSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from '../../support/child-server.js';
import { jobXml, stringParameter, waitFor, waitForBuild } from '../../support/server.js';
import { fillDisk, mountTmpfs, unmountTmpfs } from '../../support/tmpfs.js';

/**
 * Issue 12, finding 3: a build whose output hit ENOSPC threw out of the log writer and the process
 * exited; triggers on a full disk answered a bare 500. Here the Steward home is a real 24 MiB tmpfs
 * (mounting needs root, as CI runs the suite), filled by a file and by a build's output.
 */
const DISK_BYTES = 24 * 1024 * 1024;

describe('a full disk', () => {
  let mount: string;
  let home: string;
  let server: ChildServer;

  beforeAll(async () => {
    mount = mountTmpfs(DISK_BYTES, 'The full-disk tests');
    home = join(mount, 'home');
    mkdirSync(home);
    server = await startChildServer(home);
    await server.createJob('flood', jobXml({ steps: ['echo before; head -c 100000000 /dev/zero | tr "\\0" "x"; echo; echo after'] }));
    await server.createJob('hello', jobXml({ steps: ['echo hello'] }));
    await server.createJob('big', jobXml({ parameters: stringParameter('BLOB') }));
  });

  afterAll(async () => {
    await server?.kill();
    unmountTmpfs(mount);
  });

  it('aborts a build whose log cannot be written, saying why, and the server stays up', async () => {
    const response = await server.fetch('/job/flood/build', { method: 'POST' });
    expect(response.status).toBe(201);
    const json = await waitForBuild(server, '/job/flood', 1, 30_000);
    expect(json.result).toBe('ABORTED');
    const actions = json.actions as Array<{ _class?: string; causes?: Array<{ _class: string; shortDescription: string }> }>;
    const interruption = actions.find((action) => action._class === 'jenkins.model.InterruptedBuildAction');
    expect(interruption?.causes?.[0]?._class).toBe('io.steward.model.CauseOfInterruption$LogUnwritable');
    expect(interruption?.causes?.[0]?.shortDescription).toMatch(/^Steward could not write this build's console log \(ENOSPC: no space left on device, write\), so the build was aborted/);
    expect(server.child.exitCode).toBeNull();
    expect((await server.fetch('/api/json?tree=mode')).status).toBe(200);
    // The build's processes were stopped: nothing is still writing.
    expect(await (await server.fetch('/job/flood/1/consoleText')).text()).not.toContain('after');
  });

  it('refuses triggers with 503 disk_full and Retry-After, loses nothing acknowledged, and resumes once space is freed', async () => {
    // An operator frees space by hand (the flood's log), then the disk fills up again, leaving a
    // little room, so that some triggers are acknowledged before it is full.
    for (const jobDir of readdirSync(join(home, 'jobs'))) rmSync(join(home, 'jobs', jobDir, '1', 'log'), { force: true });
    fillDisk(join(mount, 'filler'), 2 * 1024 * 1024);
    const blob = 'b'.repeat(200_000);
    const accepted: string[] = [];
    let refusal: Response | null = null;
    for (let attempt = 0; attempt < 200 && !refusal; attempt += 1) {
      const response = await server.fetch('/job/big/buildWithParameters', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ BLOB: `${attempt}${blob}`, delay: '3600sec' }).toString(),
      });
      if (response.status === 201) accepted.push(response.headers.get('location') as string);
      else refusal = response;
    }
    expect(accepted.length).toBeGreaterThan(2);
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers.get('x-steward-reason')).toBe('disk_full');
    expect(refusal?.headers.get('retry-after')).toBe('30');
    const body = (await refusal?.json()) as { message: string; hint: string };
    expect(body.message).toMatch(/^Steward could not save this change: its disk is full or failing/);
    expect(body.hint).toContain('Nothing acknowledged earlier was lost');
    expect(server.child.exitCode).toBeNull();

    rmSync(join(mount, 'filler'));
    const after = await waitFor(
      async () => {
        const response = await server.fetch('/job/hello/build', { method: 'POST' });
        return response.status === 201 ? response : undefined;
      },
      10_000,
      'a trigger to be accepted once space is freed',
    );
    expect(after.status).toBe(201);
    expect((await waitForBuild(server, '/job/hello', 1, 20_000)).result).toBe('SUCCESS');
    for (const location of accepted) expect((await server.fetch(`${new URL(location).pathname}api/json`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});
