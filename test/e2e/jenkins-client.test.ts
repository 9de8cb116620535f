import Jenkins from 'jenkins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createApiToken, FOLDER_XML, jobXml, startTestServer, stringParameter, type TestServer, waitFor } from '../support/server.js';

/**
 * The npm `jenkins` client (1.1.0, the version docs/jenkins-compat.md describes), unmodified, with
 * its defaults: it fetches a crumb before every POST and treats anything but 302 as failure for
 * stop, delete, enable, disable, copy and queue cancel.
 */
let server: TestServer;
let jenkins: Jenkins;

beforeAll(async () => {
  server = await startTestServer();
  const url = new URL(server.url);
  url.username = 'admin';
  url.password = ADMIN_PASSWORD;
  jenkins = new Jenkins({ baseUrl: url.href.replace(/\/$/, '') });
  server.logLines.length = 0;
});
afterAll(async () => {
  await server.stop();
});

async function buildNumberOf(queueId: number): Promise<number> {
  return waitFor(async () => {
    const item = (await jenkins.queue.item(queueId)) as { executable?: { number: number } };
    return item.executable?.number;
  });
}

function streamLog(name: string, number: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const stream = jenkins.build.logStream(name, number, 'text', 100) as unknown as NodeJS.EventEmitter;
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(text));
  });
}

describe('npm jenkins 1.1.0 against Steward', () => {
  it('creates a folder and jobs in it, and reads them back', async () => {
    await jenkins.job.create('ci', FOLDER_XML);
    await jenkins.job.create('ci/hello', jobXml({ description: 'says hello', steps: ['echo "hello from $JOB_NAME"'] }));
    await jenkins.job.create('ci/params', jobXml({ parameters: stringParameter('GREETING', 'hi'), steps: ['echo "greeting: $GREETING"'] }));
    await jenkins.job.create('ci/long', jobXml({ steps: ['echo started; sleep 30'] }));
    expect(await jenkins.job.exists('ci/hello')).toBe(true);
    expect(await jenkins.job.exists('ci/nope')).toBe(false);
    const job = await jenkins.job.get('ci/hello');
    expect(job).toMatchObject({ name: 'hello', fullName: 'ci/hello', description: 'says hello', color: 'notbuilt' });
    const list = (await jenkins.job.list('ci')) as Array<{ name: string }>;
    expect(list.map((entry) => entry.name)).toEqual(['hello', 'long', 'params']);
    const info = (await jenkins.info()) as { jobs: Array<{ name: string }> };
    expect(info.jobs.map((entry) => entry.name)).toEqual(['ci']);
    await expect(jenkins.job.create('ci/hello', jobXml())).rejects.toThrow(/A job already exists with the name "hello"/);
  });

  it('gets and updates a config', async () => {
    const xml = (await jenkins.job.config('ci/hello')) as string;
    expect(xml).toContain('<description>says hello</description>');
    await jenkins.job.config('ci/hello', xml.replace('says hello', 'says hello again'));
    expect(await jenkins.job.get('ci/hello')).toMatchObject({ description: 'says hello again' });
  });

  it('builds without parameters: queue item to build number, log streamed to the end', async () => {
    const queueId = (await jenkins.job.build('ci/hello')) as number;
    expect(Number.isInteger(queueId)).toBe(true);
    const number = await buildNumberOf(queueId);
    expect(number).toBe(1);
    const log = await streamLog('ci/hello', number);
    expect(log).toContain('+ echo hello from ci/hello\nhello from ci/hello\n');
    expect(log.endsWith('Finished: SUCCESS\n')).toBe(true);
    expect(await jenkins.build.get('ci/hello', number)).toMatchObject({ number: 1, result: 'SUCCESS', building: false, queueId });
  });

  it('builds with parameters', async () => {
    const queueId = (await jenkins.job.build({ name: 'ci/params', parameters: { GREETING: 'hello there & more' } })) as number;
    const number = await buildNumberOf(queueId);
    const log = await streamLog('ci/params', number);
    expect(log).toContain('\ngreeting: hello there & more\n');
  });

  it('stops a running build', async () => {
    const number = await buildNumberOf((await jenkins.job.build('ci/long')) as number);
    // An empty log comes back as undefined from the client (papi leaves empty bodies undefined).
    await waitFor(async () => ((((await jenkins.build.log('ci/long', number)) as string | undefined) ?? '').includes('started\n') ? true : undefined));
    await jenkins.build.stop('ci/long', number);
    const build = await waitFor(async () => {
      const current = (await jenkins.build.get('ci/long', number)) as { building: boolean; result: string | null };
      return current.building ? undefined : current;
    });
    expect(build.result).toBe('ABORTED');
    expect(await streamLog('ci/long', number)).toContain('Aborted by admin\nFinished: ABORTED\n');
  });

  it('disables and enables a job; a disabled job refuses builds', async () => {
    await jenkins.job.disable('ci/hello');
    expect(await jenkins.job.get('ci/hello')).toMatchObject({ color: 'disabled', buildable: false });
    await expect(jenkins.job.build('ci/hello')).rejects.toThrow(/is not buildable/);
    await jenkins.job.enable('ci/hello');
    expect(await jenkins.job.get('ci/hello')).toMatchObject({ color: 'blue', buildable: true });
  });

  it('copies a job, cancels a queue item and deletes jobs', async () => {
    await jenkins.job.copy('ci/hello', 'ci/hello-copy');
    expect(await jenkins.job.get('ci/hello-copy')).toMatchObject({ description: 'says hello again', nextBuildNumber: 1 });
    const queueId = (await jenkins.job.build({ name: 'ci/params', parameters: { GREETING: 'later' }, delay: '1h' } as never)) as number;
    expect((await jenkins.queue.list()) as unknown[]).toContainEqual(expect.objectContaining({ id: queueId }));
    await jenkins.queue.cancel(queueId);
    expect(await jenkins.queue.item(queueId)).toMatchObject({ cancelled: true, executable: null });
    await jenkins.job.destroy('ci/hello-copy');
    expect(await jenkins.job.exists('ci/hello-copy')).toBe(false);
    await jenkins.job.destroy('ci');
    expect(await jenkins.job.exists('ci/hello')).toBe(false);
  });

  it('fetched a crumb before POSTs and never logged the password', () => {
    expect(server.logLines.some((line) => line.includes('/crumbIssuer/api/json'))).toBe(true);
    expect(server.logLines.join('\n')).not.toContain(ADMIN_PASSWORD);
  });
});

describe('npm jenkins 1.1.0 with an API token', () => {
  function clientWith(token: string): Jenkins {
    const url = new URL(server.url);
    url.username = 'admin';
    url.password = token;
    // No crumbs at all: an API token needs none, as in Jenkins since 2.96.
    return new Jenkins({ baseUrl: url.href.replace(/\/$/, ''), crumbIssuer: false });
  }

  it('creates, builds and reads without fetching a crumb', async () => {
    server.logLines.length = 0;
    const client = clientWith(server.adminToken);
    await client.job.create('token-job', jobXml({ steps: ['echo by token'] }));
    const number = await waitFor(async () => ((await client.queue.item((await client.job.build('token-job')) as number)) as { executable?: { number: number } }).executable?.number);
    expect(number).toBe(1);
    expect(server.logLines.some((line) => line.includes('/crumbIssuer/'))).toBe(false);
  });

  it('is refused with 401 once the token is revoked, and once it has expired', async () => {
    const token = await createApiToken(server.url, 'admin', ADMIN_PASSWORD, 'client');
    const client = clientWith(token);
    expect(await client.job.exists('token-job')).toBe(true);
    const uuid = ((await (await server.fetch('/steward/api/v1/users/admin/tokens')).json()) as Array<{ uuid: string; name: string }>).find((one) => one.name === 'client')?.uuid;
    expect((await server.fetch(`/steward/api/v1/users/admin/tokens/${uuid}`, { method: 'DELETE' })).status).toBe(204);
    await expect(client.job.get('token-job')).rejects.toMatchObject({ statusCode: 401 });

    const created = await server.fetch('/steward/api/v1/users/admin/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'brief', expiresAt: new Date(Date.now() + 600).toISOString() }),
    });
    const brief = clientWith(((await created.json()) as { value: string }).value);
    expect(await brief.job.exists('token-job')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await expect(brief.job.build('token-job')).rejects.toMatchObject({ statusCode: 401 });
  });
});
