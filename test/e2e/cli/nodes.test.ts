import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRunner } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/** `steward node …` as child processes against a real server. */
let server: TestServer;
const cli = new CliRunner();

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
  cli.dispose();
});

function steward(args: string[]) {
  return cli.run(args, { env: { STEWARD_URL: server.url, STEWARD_AUTH: `admin:${server.adminToken}` } });
}

describe('steward node', () => {
  it('creates a node, printing its secret and the command that connects it, then lists, shows, rotates and deletes it', async () => {
    const created = await steward(['node', 'create', 'linux-1', '--labels', 'linux docker', '--executors', '4', '--description', 'rack 3']);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^stwa_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/);
    expect(created.stderr).toContain(`steward agent --url ${server.url} --name linux-1 --secret-file /etc/steward/agent-secret`);
    const listed = await steward(['node', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/linux-1\s+offline\s+linux-1 linux docker\s+4/);
    expect((await steward(['node', 'secret', 'linux-1'])).stdout.trim()).toBe(secret);
    const rotated = await steward(['node', 'rotate-secret', 'linux-1', '--overlap-hours', '0']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout.trim()).not.toBe(secret);
    expect((await steward(['node', 'secret', 'linux-1'])).stdout.trim()).toBe(rotated.stdout.trim());
    expect((await steward(['node', 'delete', 'linux-1'])).code).toBe(0);
    const missing = await steward(['node', 'delete', 'linux-1']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('node_not_found');
  });

  it('refuses a bad executor count before asking the server', async () => {
    const result = await steward(['node', 'create', 'x', '--executors', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--executors');
  });
});
