import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobXml, startTestServer, type TestServer } from '../support/server.js';

/** Where a job may run, through each way a job is configured: config.xml, the configuration file, and api/json. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    config: `
jobs:
  - name: from-file
    label: "  linux && !arm  "
  - name: anywhere
    label: "   "
`,
  });
});
afterAll(async () => {
  await server.stop();
});

const xml = { 'content-type': 'application/xml' };
const restricted = (expression: string) => jobXml({ extra: `<assignedNode>${expression}</assignedNode><canRoam>false</canRoam>` });

async function labelExpressionOf(job: string): Promise<unknown> {
  const response = await server.fetch(`/job/${job}/api/json?tree=labelExpression`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { labelExpression: unknown }).labelExpression;
}

describe('label expressions of jobs', () => {
  it("reads <assignedNode> from a config.xml, exports it as the job's labelExpression, and writes it back", async () => {
    await server.createJob('restricted', restricted(' linux &amp;&amp; ("with space" || docker) '));
    expect(await labelExpressionOf('restricted')).toBe('linux && ("with space" || docker)');
    const config = await (await server.fetch('/job/restricted/config.xml')).text();
    expect(config).toMatch(/<assignedNode>linux &amp;&amp; \("with space" \|\| docker\)<\/assignedNode>\s*<canRoam>false<\/canRoam>/);

    // Sent back with canRoam true, the job may run anywhere again: null, as Jenkins exports it.
    const roaming = await server.fetch('/job/restricted/config.xml', { method: 'POST', headers: xml, body: config.replace('<canRoam>false</canRoam>', '<canRoam>true</canRoam>') });
    expect(roaming.status).toBe(200);
    expect(await labelExpressionOf('restricted')).toBeNull();
    const after = await (await server.fetch('/job/restricted/config.xml')).text();
    expect(after).toContain('<canRoam>true</canRoam>');
    expect(after).not.toContain('<assignedNode>');
  });

  it('refuses a config.xml whose assignedNode does not parse: 400 config_invalid, naming the element, the problem and its column', async () => {
    const created = await server.fetch('/createItem?name=broken', { method: 'POST', headers: xml, body: restricted('linux &amp;&amp; (docker') });
    expect(created.status).toBe(400);
    expect(created.headers.get('x-steward-reason')).toBe('config_invalid');
    expect(created.headers.get('x-error')).toMatch(/^<assignedNode>: Label expression "linux && \(docker": it ends too early at column 17/);
    expect((await server.fetch('/job/broken/api/json')).status).toBe(404);

    // Nor does an update change the job.
    await server.createJob('kept', restricted('linux'));
    const updated = await server.fetch('/job/kept/config.xml', { method: 'POST', headers: xml, body: restricted('linux docker') });
    expect(updated.status).toBe(400);
    expect(updated.headers.get('x-steward-reason')).toBe('config_invalid');
    expect(updated.headers.get('x-error')).toContain("unexpected 'docker' at column 7");
    expect(await labelExpressionOf('kept')).toBe('linux');
  });

  it('a job that says nothing about where it runs may run anywhere', async () => {
    await server.createJob('plain', jobXml());
    expect(await labelExpressionOf('plain')).toBeNull();
    expect(await (await server.fetch('/job/plain/config.xml')).text()).toContain('<canRoam>true</canRoam>');
  });

  it("takes the configuration file's label, trimmed, and a blank one as any node", async () => {
    expect(await labelExpressionOf('from-file')).toBe('linux && !arm');
    expect(await labelExpressionOf('anywhere')).toBeNull();
  });
});
