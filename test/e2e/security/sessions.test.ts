import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobXml, startTestServer, type TestServer } from '../../support/server.js';

/**
 * Browser sessions: the login form and its crumb, the session cookie, crumbs bound to the session,
 * logout, password changes and idle expiry.
 */
let server: TestServer;
let cookieName: string;

beforeAll(async () => {
  server = await startTestServer({ config: 'security:\n  sessionTimeout: 2s\n' });
  await server.createJob('demo', jobXml({ steps: ['true'], extra: '<quietPeriod>3600</quietPeriod>' }));
  const created = await server.fetch('/steward/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'carol', password: 'carol-password' }) });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await server.stop();
});

/** The `name=value` of the session cookie a response sets, and its attributes. */
function sessionCookie(response: Response): { pair: string; attributes: string } {
  const header = response.headers.getSetCookie().find((cookie) => cookie.startsWith('JSESSIONID.'));
  if (!header) throw new Error(`no session cookie in ${response.status} response`);
  const [pair, ...attributes] = header.split(';');
  cookieName = (pair as string).split('=')[0] as string;
  return { pair: pair as string, attributes: attributes.join(';') };
}

async function loginForm(): Promise<{ cookie: string; crumb: string; html: string }> {
  const response = await server.fetch('/login?from=%2Fjob%2Fdemo%2F', { auth: null });
  expect(response.status).toBe(200);
  const html = await response.text();
  const crumb = /name="Jenkins-Crumb" value="([0-9a-f]{64})"/.exec(html)?.[1];
  if (!crumb) throw new Error('no crumb in the login form');
  return { cookie: sessionCookie(response).pair, crumb, html };
}

async function login(user: string, password: string): Promise<Response> {
  const form = await loginForm();
  return server.fetch('/j_spring_security_check', {
    method: 'POST',
    auth: null,
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: server.url.replace(/\/$/, '') },
    body: new URLSearchParams({ j_username: user, j_password: password, from: '/job/demo/', 'Jenkins-Crumb': form.crumb }).toString(),
  });
}

async function signedIn(user = 'carol', password = 'carol-password'): Promise<string> {
  const response = await login(user, password);
  expect(response.status).toBe(302);
  return sessionCookie(response).pair;
}

function asSession(cookie: string, path: string, init: RequestInit = {}): Promise<Response> {
  return server.fetch(path, { ...init, auth: null, headers: { ...(init.headers as Record<string, string>), cookie } });
}

describe('signing in', () => {
  it('serves a login form with the field names scripts use and a crumb bound to a fresh cookie', async () => {
    const { html, cookie } = await loginForm();
    expect(html).toContain('name="j_username"');
    expect(html).toContain('name="j_password"');
    expect(html).toContain('<input type="hidden" name="from" value="/job/demo/">');
    expect(cookie).toMatch(/^JSESSIONID\.[0-9a-f]{8}=/);
  });

  it('opens a session: 302 to from, a new HttpOnly SameSite=Lax cookie, and the user is known by it', async () => {
    const form = await loginForm();
    const response = await login('carol', 'carol-password');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${server.url}job/demo/`);
    const { pair, attributes } = sessionCookie(response);
    expect(pair).not.toBe(form.cookie);
    expect(attributes).toMatch(/HttpOnly/);
    expect(attributes).toMatch(/SameSite=Lax/);
    expect(attributes).toMatch(/Path=\//);
    expect(attributes).not.toMatch(/Secure/);
    const who = (await (await asSession(pair, '/whoAmI/api/json')).json()) as { name: string; authorities: string[] };
    expect(who).toMatchObject({ name: 'carol', authorities: ['authenticated'] });
  });

  it('accepts a script login without a crumb, as older Jenkins did', async () => {
    const response = await server.fetch('/j_spring_security_check', {
      method: 'POST',
      auth: null,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'j_username=carol&j_password=carol-password',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(server.url);
  });

  it('refuses a login form posted from another site', async () => {
    const response = await server.fetch('/j_spring_security_check', {
      method: 'POST',
      auth: null,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: 'j_username=carol&j_password=carol-password',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${server.url}loginError?reason=crumb_mismatch`);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('sends a wrong password to /loginError with the reason', async () => {
    const response = await login('carol', 'wrong-password');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${server.url}loginError?reason=credentials_invalid`);
    expect(response.headers.get('x-steward-reason')).toBe('credentials_invalid');
    const page = await server.fetch('/loginError?reason=credentials_invalid', { auth: null });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('Invalid username or password.');
  });

  it('never redirects to another site after login', async () => {
    const form = await loginForm();
    const response = await server.fetch('/j_spring_security_check', {
      method: 'POST',
      auth: null,
      headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ j_username: 'carol', j_password: 'carol-password', from: '//evil.example/x', 'Jenkins-Crumb': form.crumb }).toString(),
    });
    expect(response.headers.get('location')).toBe(server.url);
  });
});

describe('a session', () => {
  it('needs the crumb of its own session to POST', async () => {
    const cookie = await signedIn();
    const missing = await asSession(cookie, '/job/demo/build', { method: 'POST' });
    expect(missing.status).toBe(403);
    expect(missing.headers.get('x-steward-reason')).toBe('crumb_missing');
    expect(await missing.text()).toContain('this POST came from a browser session');

    const crumb = ((await (await asSession(cookie, '/crumbIssuer/api/json')).json()) as { crumb: string }).crumb;
    expect((await asSession(cookie, '/job/demo/build', { method: 'POST', headers: { 'Jenkins-Crumb': crumb } })).status).toBe(201);

    const other = await signedIn();
    const foreign = await asSession(other, '/job/demo/build', { method: 'POST', headers: { 'Jenkins-Crumb': crumb } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('x-steward-reason')).toBe('crumb_mismatch');
    expect(foreign.headers.get('x-error')).toBe('No valid crumb was included in the request: the crumb was issued to another session.');
  });

  it('ends at logout: the cookie is cleared and no longer names anyone', async () => {
    const cookie = await signedIn();
    const response = await asSession(cookie, '/logout');
    expect(response.status).toBe(302);
    expect(response.headers.getSetCookie().some((header) => header.startsWith(`${cookieName}=;`) && /Max-Age=0/.test(header))).toBe(true);
    const after = await asSession(cookie, '/api/json');
    expect(after.status).toBe(403);
    expect(after.headers.get('x-steward-reason')).toBe('authentication_required');
  });

  it("ends when the user's password changes", async () => {
    const cookie = await signedIn();
    expect((await asSession(cookie, '/api/json')).status).toBe(200);
    const changed = await server.fetch('/steward/api/v1/users/carol/password', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'carol-new-password' }) });
    expect(changed.status).toBe(204);
    expect((await asSession(cookie, '/api/json')).status).toBe(403);
    const again = await signedIn('carol', 'carol-new-password');
    expect((await asSession(again, '/api/json')).status).toBe(200);
    await server.fetch('/steward/api/v1/users/carol/password', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'carol-password' }) });
  });

  it('ends after the idle timeout, and lives on while used', async () => {
    const idle = await signedIn();
    const busy = await signedIn();
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await asSession(busy, '/api/json')).status).toBe(200);
    }
    expect((await asSession(idle, '/api/json')).status).toBe(403);
  });

  it('is not used when the request also sends Basic credentials', async () => {
    const cookie = await signedIn();
    const who = (await (await server.fetch('/whoAmI/api/json', { headers: { cookie } })).json()) as { name: string };
    expect(who.name).toBe('admin');
  });
});

describe('a restart', () => {
  it('keeps sessions (they live in the database) and the cookie name', async () => {
    const home = mkdtempSync(join(tmpdir(), 'steward-sessions-'));
    try {
      const first = await startTestServer({ home });
      const login = await first.fetch('/j_spring_security_check', { method: 'POST', auth: null, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'j_username=admin&j_password=admin-secret-pw' });
      const cookie = (login.headers.getSetCookie()[0] as string).split(';')[0] as string;
      await first.close();
      const second = await startTestServer({ home });
      try {
        expect(((await (await second.fetch('/whoAmI/api/json', { auth: null, headers: { cookie } })).json()) as { name: string }).name).toBe('admin');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('over HTTPS', () => {
  it('marks the cookie Secure when the public URL is https', async () => {
    const secure = await startTestServer({ env: { STEWARD_PUBLIC_URL: 'https://ci.example.com/' } });
    try {
      const response = await secure.fetch('/login', { auth: null });
      const header = response.headers.getSetCookie().find((cookie) => cookie.startsWith('JSESSIONID.')) ?? '';
      expect(header).toMatch(/; Secure/);
    } finally {
      await secure.stop();
    }
  });
});
