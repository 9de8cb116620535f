import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Items } from '../../src/items/items.js';
import { Triggers } from '../../src/queue/trigger.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/types.js';

export interface TestDomain {
  readonly store: Store;
  readonly items: Items;
  readonly triggers: Triggers;
  /** Closes the store and removes its directory. */
  close(): Promise<void>;
}

/**
 * The domain's services over a real SQLite store in a temporary directory, for in-process tests of
 * what they do together (timers, polling, downstream builds, credentials): no server, no files
 * beyond the store's, secrets sealed as themselves, a trigger due at once.
 */
export function openTestDomain(name: string, now?: () => number): TestDomain {
  const dir = mkdtempSync(join(tmpdir(), `steward-${name}-`));
  const store = openSqliteStore({ path: join(dir, 'steward.db') });
  const items = new Items({ store, stopBuilds: async () => {}, removeFiles: async () => {}, isBuilding: () => false, moveFiles: async () => {}, ...(now ? { now } : {}) });
  const sealer = { seal: (text: string) => text, unseal: (text: string) => text, digest: (text: string) => text };
  const triggers = new Triggers({ store, sealer, defaultQuietPeriodSeconds: () => 0, defaultMaxQueued: () => 100, wake: () => {}, ...(now ? { now } : {}) });
  return {
    store,
    items,
    triggers,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
