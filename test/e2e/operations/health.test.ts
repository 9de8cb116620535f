import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, startTestServer, type TestServer, waitFor } from '../../support/server.js';
import { fillDisk, mountTmpfs, unmountTmpfs } from '../../support/tmpfs.js';

/** Default policy: anonymous may not read this server at all; the probes must not care. */
describe('/steward/health and /steward/ready', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answer without credentials where anonymous may read nothing, saying only their state', async () => {
    expect((await server.fetch('/api/json', { auth: null })).status).toBe(403);
    const health = await server.fetch('/steward/health', { auth: null });
    expect(health.status).toBe(200);
    expect(health.headers.get('cache-control')).toBe('no-store');
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await server.fetch('/steward/ready', { auth: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', home: 'ok' } });
    expect((await server.fetch('/steward/health', { method: 'HEAD', auth: null })).status).toBe(200);
  });

  it('ignore the credentials a prober sends, and are not audited as refusals', async () => {
    const before = await refusedAuthentications();
    for (const path of ['/steward/health', '/steward/ready']) {
      const response = await server.fetch(path, { auth: basicAuth('admin', 'wrong-password') });
      expect(response.status).toBe(200);
    }
    expect((await server.fetch('/steward/health', { method: 'POST', auth: null })).headers.get('x-steward-reason')).toBe('method_not_allowed');
    expect(await refusedAuthentications()).toBe(before);
  });

  async function refusedAuthentications(): Promise<number> {
    const page = (await (await server.fetch('/steward/api/v1/audit?action=authenticate&outcome=refused&limit=100')).json()) as { events: unknown[] };
    return page.events.length;
  }
});

/**
 * Readiness on a disk that fills up: the home is a small tmpfs (mounting needs root, as CI runs the
 * suite, like the full-disk tests), filled by a file and then freed.
 */
describe('/steward/ready on a full disk', () => {
  let mount: string;
  let server: TestServer;

  beforeAll(async () => {
    mount = mountTmpfs(16 * 1024 * 1024, 'The readiness tests');
    mkdirSync(join(mount, 'home'));
    server = await startTestServer({ home: join(mount, 'home') });
  });

  afterAll(async () => {
    await server?.stop();
    unmountTmpfs(mount);
  });

  it('is 503 with the failing check while the home cannot be written, and 200 again once it can', async () => {
    expect((await server.fetch('/steward/ready', { auth: null })).status).toBe(200);
    fillDisk(join(mount, 'filler'));
    const unavailable = await waitFor(
      async () => {
        const response = await server.fetch('/steward/ready', { auth: null });
        return response.status === 503 ? response : undefined;
      },
      10_000,
      'readiness to fail on the full disk',
    );
    expect(unavailable.headers.get('cache-control')).toBe('no-store');
    expect(await unavailable.json()).toEqual({ status: 'unavailable', checks: { database: 'ok', home: 'failing' } });
    expect((await server.fetch('/steward/health', { auth: null })).status).toBe(200);
    rmSync(join(mount, 'filler'));
    await waitFor(async () => ((await server.fetch('/steward/ready', { auth: null })).status === 200 ? true : undefined), 10_000, 'readiness to come back');
  });
});
