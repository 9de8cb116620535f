import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWellFormedAgentSecret } from '../auth/agent-secret.js';
import { SecretBox } from '../auth/secret-box.js';
import { openSqliteStore } from '../store/sqlite/open.js';
import type { Store } from '../store/types.js';
import { NODE_ONLINE_WINDOW_MS, Nodes } from './nodes.js';

let store: Store;
let clock: number;
let nodes: Nodes;
const box = new SecretBox(Buffer.alloc(32, 7));

beforeEach(() => {
  store = openSqliteStore({ path: ':memory:' });
  clock = 1_000_000;
  nodes = new Nodes({ store, sealer: box, now: () => clock });
});
afterEach(async () => {
  await store.close();
});

describe('Nodes', () => {
  it('registers a node with its name as first label, deduplicated labels, and a 256-bit stwa_ secret kept sealed', async () => {
    const { node, secret } = await nodes.create({ name: 'linux-1', labels: ' linux  docker linux linux-1 ', executors: 4, description: 'rack 3' });
    expect(node).toMatchObject({ name: 'linux-1', labels: ['linux-1', 'linux', 'docker'], executors: 4, description: 'rack 3', offlineMessage: null, lastSeenAt: null, createdAt: clock });
    expect(secret).toMatch(/^stwa_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/);
    expect(isWellFormedAgentSecret(secret)).toBe(true);
    const stored = await store.nodes.secrets('linux-1');
    expect(stored?.current).not.toContain(secret);
    expect(box.unseal(stored?.current as string)).toBe(secret);
    expect(await nodes.secretOf('LINUX-1')).toBe(secret);
    expect((await nodes.create({ name: 'mac', labels: ['macos', 'arm64 m1'] })).node.labels).toEqual(['mac', 'macos', 'arm64', 'm1']);
    expect((await nodes.get('mac'))?.executors).toBe(1);
  });

  it("refuses the built-in node's names, bad names, taken names and executors out of 1..64", async () => {
    for (const name of ['built-in', '(Built-In)', 'MASTER', '(master)']) await expect(nodes.create({ name })).rejects.toMatchObject({ code: 'name_taken' });
    await expect(nodes.create({ name: 'a/b' })).rejects.toMatchObject({ code: 'name_invalid' });
    await expect(nodes.create({ name: 'two words' })).rejects.toMatchObject({ code: 'name_invalid' });
    await expect(nodes.create({ name: 'x', executors: 0 })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(nodes.create({ name: 'x', executors: 65 })).rejects.toMatchObject({ code: 'config_invalid' });
    await nodes.create({ name: 'x', executors: 64 });
    await expect(nodes.create({ name: 'X' })).rejects.toMatchObject({ code: 'name_taken' });
    await expect(nodes.update('nope', { executors: 2 })).rejects.toMatchObject({ code: 'node_not_found' });
  });

  it('authenticates the current secret only, and answers an unknown name as a wrong secret', async () => {
    const { secret } = await nodes.create({ name: 'linux-1' });
    const other = await nodes.create({ name: 'linux-2' });
    expect((await nodes.authenticate('linux-1', secret))?.name).toBe('linux-1');
    expect(await nodes.authenticate('linux-1', `${secret}x`)).toBeNull();
    expect(await nodes.authenticate('linux-1', other.secret)).toBeNull();
    expect(await nodes.authenticate('linux-1', '')).toBeNull();
    expect(await nodes.authenticate('nobody', secret)).toBeNull();
  });

  it('keeps the previous secret valid until the overlap ends, and only then', async () => {
    const { secret: old } = await nodes.create({ name: 'linux-1' });
    const fresh = await nodes.rotateSecret('linux-1', 60_000);
    expect(fresh).not.toBe(old);
    expect(await nodes.secretOf('linux-1')).toBe(fresh);
    expect(await nodes.authenticate('linux-1', fresh)).not.toBeNull();
    expect(await nodes.authenticate('linux-1', old)).not.toBeNull();
    clock += 59_999;
    expect(await nodes.authenticate('linux-1', old)).not.toBeNull();
    clock += 1;
    expect(await nodes.authenticate('linux-1', old)).toBeNull();
    expect(await nodes.authenticate('linux-1', fresh)).not.toBeNull();
    // A second rotation replaces the previous one: the first secret never comes back.
    const third = await nodes.rotateSecret('linux-1', 0);
    expect(await nodes.authenticate('linux-1', fresh)).toBeNull();
    expect(await nodes.authenticate('linux-1', third)).not.toBeNull();
  });

  it('is online within the window after its last contact, and offline when taken offline', async () => {
    const { node } = await nodes.create({ name: 'linux-1' });
    expect(nodes.isOnline(node, clock)).toBe(false);
    await store.nodes.touch('linux-1', clock);
    const seen = (await nodes.get('linux-1'))!;
    expect(nodes.isOnline(seen, clock + NODE_ONLINE_WINDOW_MS)).toBe(true);
    expect(nodes.isOnline(seen, clock + NODE_ONLINE_WINDOW_MS + 1)).toBe(false);
    const off = await nodes.setOffline('linux-1', 'disk swap');
    expect(off.offlineMessage).toBe('disk swap');
    expect(nodes.isOnline(off, clock)).toBe(false);
    expect(nodes.isOnline(await nodes.setOffline('linux-1', null), clock)).toBe(true);
    expect(await nodes.update('linux-1', { labels: 'gpu', executors: 2, description: 'd' })).toMatchObject({ labels: ['linux-1', 'gpu'], executors: 2, description: 'd' });
    expect(await nodes.delete('linux-1')).toBe(true);
    expect(await nodes.delete('linux-1')).toBe(false);
    expect(await nodes.secretOf('linux-1')).toBeNull();
  });
});
