import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, jobXml, queueIdOf, startTestServer, stringParameter, type TestServer, waitForBuild } from '../support/server.js';

let server: TestServer;
const PARAMETERS = [
  stringParameter('GREETING', 'hello'),
  '<hudson.model.BooleanParameterDefinition><name>FLAG</name><defaultValue>false</defaultValue></hudson.model.BooleanParameterDefinition>',
  '<hudson.model.ChoiceParameterDefinition><name>ENV</name><choices class="java.util.Arrays$ArrayList"><a class="string-array"><string>dev</string><string>prod</string></a></choices></hudson.model.ChoiceParameterDefinition>',
].join('');

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('plain', jobXml({ steps: ['echo plain'] }));
  // A quiet period keeps triggers waiting in the queue, so that identical ones are folded together.
  await server.createJob('quiet', jobXml({ extra: '<quietPeriod>60</quietPeriod>' }));
  await server.createJob('params', jobXml({ parameters: PARAMETERS, steps: ['echo "$GREETING $FLAG $ENV"'] }));
  await server.createJob('quiet-params', jobXml({ parameters: PARAMETERS, extra: '<quietPeriod>60</quietPeriod>' }));
});
afterAll(async () => {
  await server.stop();
});

function post(path: string, init: RequestInit = {}) {
  return server.fetch(path, { method: 'POST', ...init });
}

async function parametersOf(queueId: number): Promise<Record<string, unknown>> {
  const item = (await (await server.fetch(`/queue/item/${queueId}/api/json`)).json()) as { actions: Array<{ _class: string; parameters?: Array<{ name: string; value: unknown }> }> };
  const action = item.actions.find((candidate) => candidate._class === 'hudson.model.ParametersAction');
  return Object.fromEntries((action?.parameters ?? []).map((parameter) => [parameter.name, parameter.value]));
}

describe('POST /job/X/build', () => {
  it('answers 201 with an absolute Location ending in /, built from the request Host, and an empty body', async () => {
    const response = await post('/job/plain/build');
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${server.url}queue/item/\\d+/$`));
    expect(await response.text()).toBe('');
    const viaLocalhost = await fetch(`http://localhost:${server.port}/job/plain/build`, { method: 'POST', headers: { authorization: basicAuth('admin', server.adminToken) } });
    expect(viaLocalhost.headers.get('location')).toMatch(new RegExp(`^http://localhost:${server.port}/queue/item/\\d+/$`));
  });

  it('gives queue ids that increase across jobs', async () => {
    const first = queueIdOf(await post('/job/quiet-params/buildWithParameters?GREETING=ids-1'));
    const second = queueIdOf(await post('/job/params/buildWithParameters?GREETING=ids-2'));
    const third = queueIdOf(await post('/job/quiet-params/buildWithParameters?GREETING=ids-3'));
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);
  });

  it('folds a repeated trigger into the waiting item: 201 with the same Location, the cause counted', async () => {
    const first = await post('/job/quiet/build');
    const second = await post('/job/quiet/build');
    expect(second.status).toBe(201);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    const item = (await (await server.fetch(`/queue/item/${queueIdOf(first)}/api/json`)).json()) as { actions: Array<{ causes?: unknown[] }> };
    const causes = item.actions.find((action) => action.causes)?.causes;
    expect(causes).toEqual([
      { _class: 'hudson.model.Cause$UserIdCause', shortDescription: 'Started by user admin', userId: 'admin', userName: 'admin' },
      { _class: 'hudson.model.Cause$UserIdCause', shortDescription: 'Started by user admin', userId: 'admin', userName: 'admin' },
    ]);
  });

  it('answers a GET with 405 and Allow: POST, queueing nothing', async () => {
    const before = (await (await server.fetch('/job/quiet/api/json?tree=nextBuildNumber,inQueue')).json()) as object;
    const response = await server.fetch('/job/plain/build');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(response.headers.get('x-steward-reason')).toBe('method_not_allowed');
    expect(await response.text()).toContain('This URL requires POST.');
    expect(await (await server.fetch('/job/quiet/api/json?tree=nextBuildNumber,inQueue')).json()).toEqual(before);
  });

  it('answers a GET of /build on a parameterized job with 405, pointing at buildWithParameters', async () => {
    const response = await server.fetch('/job/params/build');
    expect(response.status).toBe(405);
    expect(response.headers.get('x-steward-reason')).toBe('parameters_form_required');
    expect(await response.text()).toContain('buildWithParameters');
  });

  it('refuses /build on a parameterized job without json: 400 "Nothing is submitted" / "expects a form submission"', async () => {
    const nothing = await post('/job/params/build');
    expect(nothing.status).toBe(400);
    expect(nothing.headers.get('x-error')).toBe('Nothing is submitted.');
    const other = await post('/job/params/build?GREETING=x');
    expect(other.status).toBe(400);
    expect(other.headers.get('x-error')).toBe('This page expects a form submission.');
    expect(await other.text()).toContain('/buildWithParameters?NAME=value');
  });

  it('takes parameters from a json form field, filling omitted ones with defaults', async () => {
    const json = JSON.stringify({ parameter: [{ name: 'GREETING', value: 'hi' }, { name: 'FLAG', value: true }] });
    const response = await post('/job/quiet-params/build', { body: new URLSearchParams({ json }) });
    expect(response.status).toBe(201);
    expect(await parametersOf(queueIdOf(response))).toEqual({ GREETING: 'hi', FLAG: true, ENV: 'dev' });
  });

  it('takes a raw JSON body {"parameter":[…]} (DESIGN §5.2), a single object too', async () => {
    const response = await post('/job/quiet-params/build', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ parameter: { name: 'ENV', value: 'prod' } }) });
    expect(response.status).toBe(201);
    expect(await parametersOf(queueIdOf(response))).toEqual({ GREETING: 'hello', FLAG: false, ENV: 'prod' });
  });

  it('answers 303 to the existing item when an identical json trigger is folded', async () => {
    const body = () => new URLSearchParams({ json: JSON.stringify({ parameter: [{ name: 'GREETING', value: 'fold-me' }] }) });
    const first = await post('/job/quiet-params/build', { body: body() });
    const second = await post('/job/quiet-params/build', { body: body() });
    expect(second.status).toBe(303);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
  });

  it('refuses an unknown parameter name in json with 400 (Jenkins: 500), naming it', async () => {
    const response = await post('/job/params/build', { body: new URLSearchParams({ json: JSON.stringify({ parameter: [{ name: 'NOPE', value: 'x' }] }) }) });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('parameter_invalid');
    expect(response.headers.get('x-error')).toBe('No such parameter definition: NOPE.');
  });

  it('refuses json that is not JSON with 400', async () => {
    const response = await post('/job/params/build', { body: new URLSearchParams({ json: '{oops' }) });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('body_invalid');
  });

  it('answers 409 "not buildable" for a disabled job on either endpoint', async () => {
    await server.createJob('off', jobXml({ extra: '<disabled>true</disabled>' }));
    await server.createJob('off-params', jobXml({ parameters: PARAMETERS, extra: '<disabled>true</disabled>' }));
    for (const path of ['/job/off/build', '/job/off-params/buildWithParameters']) {
      const response = await post(path);
      expect(response.status, path).toBe(409);
      expect(response.headers.get('x-error')).toMatch(/is not buildable/);
      expect(response.headers.get('x-steward-reason')).toBe('job_disabled');
    }
  });

  it('with Accept: application/json also answers {queueId, queueUrl, build, coalesced}', async () => {
    const response = await post('/job/quiet/build', { headers: { accept: 'application/json' } });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ queueId: queueIdOf(response), queueUrl: response.headers.get('location'), build: null, coalesced: true });
  });

  it('tolerates a trailing /api/json (jenkins-api)', async () => {
    const response = await post('/job/plain/build/api/json');
    expect(response.status).toBe(201);
  });
});

describe('/job/X/buildWithParameters', () => {
  it('answers 201 for new parameters, 303 for identical waiting ones, 201 for different ones', async () => {
    const first = await post('/job/quiet-params/buildWithParameters?GREETING=one');
    const again = await post('/job/quiet-params/buildWithParameters?GREETING=one');
    const other = await post('/job/quiet-params/buildWithParameters?GREETING=two');
    expect(first.status).toBe(201);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(other.status).toBe(201);
    expect(queueIdOf(other)).not.toBe(queueIdOf(first));
  });

  it('reads parameters from the query, a urlencoded body and a multipart body; ignores undeclared names', async () => {
    const query = await post('/job/quiet-params/buildWithParameters?GREETING=q&UNDECLARED=x');
    expect(await parametersOf(queueIdOf(query))).toEqual({ GREETING: 'q', FLAG: false, ENV: 'dev' });
    const form = await post('/job/quiet-params/buildWithParameters', { body: new URLSearchParams({ GREETING: 'form', FLAG: 'TRUE' }) });
    expect(await parametersOf(queueIdOf(form))).toEqual({ GREETING: 'form', FLAG: true, ENV: 'dev' });
    const multipart = new FormData();
    multipart.set('GREETING', 'multi');
    multipart.set('ENV', 'prod');
    multipart.set('FLAG', 'yes');
    const response = await post('/job/quiet-params/buildWithParameters', { body: multipart });
    expect(response.status).toBe(201);
    expect(await parametersOf(queueIdOf(response))).toEqual({ GREETING: 'multi', FLAG: false, ENV: 'prod' });
  });

  it('refuses an invalid choice and a parameter given twice with 400 (Jenkins: 500)', async () => {
    const choice = await post('/job/params/buildWithParameters?ENV=staging');
    expect(choice.status).toBe(400);
    expect(choice.headers.get('x-error')).toBe('"staging" is not a valid choice for parameter ENV.');
    expect(await choice.text()).toContain('Use one of: "dev", "prod".');
    const twice = await post('/job/params/buildWithParameters?GREETING=a', { body: new URLSearchParams({ GREETING: 'b' }) });
    expect(twice.status).toBe(400);
    expect(twice.headers.get('x-steward-reason')).toBe('parameter_invalid');
  });

  it('refuses a job without parameters with 400 "is not parameterized"', async () => {
    const response = await post('/job/plain/buildWithParameters?X=1');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-error')).toBe('plain is not parameterized.');
  });

  it('needs POST without a token: GET is 405', async () => {
    const response = await server.fetch('/job/params/buildWithParameters?GREETING=x');
    expect(response.status).toBe(405);
  });

  it('runs the build with the values as environment variables', async () => {
    const response = await post('/job/params/buildWithParameters?GREETING=howdy&FLAG=true&ENV=prod');
    const item = (await (await server.fetch(`/queue/item/${queueIdOf(response)}/api/json`)).json()) as { id: number };
    const left = await waitForItemToLeave(item.id);
    await waitForBuild(server, '/job/params', left);
    const log = await (await server.fetch(`/job/params/${left}/consoleText`)).text();
    expect(log).toContain('\nhowdy true prod\n');
  });
});

describe('delay and the quiet period', () => {
  it('delay=10sec puts the item in the quiet period for about 10 s, saying so in why', async () => {
    const before = Date.now();
    const response = await post('/job/plain/build?delay=10sec');
    const item = (await (await server.fetch(`/queue/item/${queueIdOf(response)}/api/json`)).json()) as Record<string, unknown>;
    expect(item._class).toBe('hudson.model.Queue$WaitingItem');
    expect(item.timestamp as number).toBeGreaterThanOrEqual(before + 10_000);
    expect(item.timestamp as number).toBeLessThan(Date.now() + 10_000 + 50);
    expect(item.why).toMatch(/^In the quiet period\. Expires in \d+(\.\d+)? sec$/);
    await server.fetch(`/queue/cancelItem?id=${item.id as number}`, { method: 'POST' });
  });

  it('accepts bare milliseconds and our units (500ms, 2min, 1h)', async () => {
    for (const delay of ['10', '500ms', '2min', '1h', '5 sec']) {
      const response = await post(`/job/params/buildWithParameters?GREETING=delay-${encodeURIComponent(delay)}&delay=${encodeURIComponent(delay)}`);
      expect(response.status, delay).toBe(201);
      await server.fetch(`/queue/cancelItem?id=${queueIdOf(response)}`, { method: 'POST' });
    }
  });

  it('refuses a malformed delay with 400 listing the accepted forms (Jenkins: 500)', async () => {
    const response = await post('/job/plain/build?delay=soon');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('delay_invalid');
    expect(await response.text()).toContain('10sec');
  });

  it('uses the job quiet period when no delay is given, and the server default (0) otherwise', async () => {
    const quiet = await post('/job/quiet/build?delay=0sec');
    const waiting = (await (await server.fetch(`/queue/item/${queueIdOf(quiet)}/api/json`)).json()) as Record<string, unknown>;
    // delay=0sec brings the folded item's due time forward: it starts now.
    expect(waiting._class).not.toBe('hudson.model.Queue$WaitingItem');
  });
});

async function waitForItemToLeave(id: number): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const item = (await (await server.fetch(`/queue/item/${id}/api/json`)).json()) as { executable?: { number: number } | null };
    if (item.executable) return item.executable.number;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`queue item ${id} never started`);
}
