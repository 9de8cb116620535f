import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDomain, type TestDomain } from '../../test/support/real-store.js';
import { defaultJobSettings, type Job } from '../core/item.js';
import { maskedForms } from '../logs/masking.js';
import type { Store } from '../store/types.js';
import { Credentials } from './credentials.js';
import { SecretBox } from './secret-box.js';

let domain: TestDomain;
let store: Store;
let credentials: Credentials;
let items: TestDomain['items'];

beforeEach(() => {
  domain = openTestDomain('credentials');
  ({ store, items } = domain);
  credentials = new Credentials(store, new SecretBox(Buffer.alloc(32, 7)));
});

afterEach(() => domain.close());

const binding = (credentialsId: string) => ({ ...defaultJobSettings(), bindings: [{ kind: 'string' as const, credentialsId, variable: 'T' }] });

describe('Credentials', () => {
  it('seals the secret, keeps it on an update that sends it redacted (null), and refuses a taken id or a bad one', async () => {
    const stored = await credentials.create(null, { id: 'api', kind: 'secretText', description: 'x', secret: 'value-1' });
    expect(JSON.stringify(stored)).not.toContain('value-1');
    await expect(credentials.create(null, { id: 'api', kind: 'secretText', description: '', secret: 'v' })).rejects.toMatchObject({ code: 'credential_exists' });
    await expect(credentials.create(null, { id: 'a/b', kind: 'secretText', description: '', secret: 'v' })).rejects.toMatchObject({ code: 'config_invalid', field: 'id' });
    await credentials.update(null, 'api', { id: 'api', kind: 'secretText', description: 'y', secret: null });
    const job = (await items.create(null, 'j', binding('api'), null)) as Job;
    const resolved = await credentials.forBuild(job);
    expect(resolved.found.get('api')).toEqual({ kind: 'secretText', id: 'api', secret: 'value-1' });
    await credentials.delete(null, 'api');
    expect((await credentials.forBuild(job)).missing).toEqual(['api']);
  });

  it("gives a job the nearest store's credential, and refuses one it may not use or may not name", async () => {
    const team = await items.create(null, 'team', { kind: 'folder', description: '' }, null);
    await credentials.create(null, { id: 'api', kind: 'secretText', description: '', secret: 'system' });
    await credentials.create(team.id, { id: 'api', kind: 'secretText', description: '', secret: 'team' });
    await credentials.create(team.id, { id: 'team-only', kind: 'secretText', description: '', secret: 't' });
    const inside = (await items.create(team, 'app', binding('api'), null)) as Job;
    expect((await credentials.forBuild(inside)).found.get('api')).toMatchObject({ secret: 'team' });
    await expect(items.create(null, 'outside', binding('team-only'), null)).rejects.toMatchObject({ code: 'config_invalid', field: 'bindings.0.credentialsId' });
    const denied = { name: 'kim', mayUseCredentials: () => false, canRead: () => true, checkBuild: () => {} };
    await expect(items.create(team, 'other', binding('api'), null, denied)).rejects.toThrow(/Credentials\/UseItem/);
    await credentials.create(null, { id: 'login', kind: 'usernamePassword', description: '', username: 'u', password: 'p' });
    await expect(items.create(null, 'wrong-kind', binding('login'), null)).rejects.toThrow(/Username with password/);
  });
});

describe('maskedForms', () => {
  it('masks a value, its base64 forms and each long enough line of a multi-line value', () => {
    expect(maskedForms('ab\ncdef\r\n}')).toEqual(['ab\ncdef\r\n}', Buffer.from('ab\ncdef\r\n}').toString('base64'), Buffer.from('ab\ncdef\r\n}\n').toString('base64'), 'cdef']);
    expect(maskedForms('')).toEqual([]);
  });
});
