import type { Database, Statement } from 'better-sqlite3';
import type { AccessPolicy, Grant } from '../../core/access.js';
import { DIGEST_KEY, KEY_CHECK, type GrantRow, policySettings, type PolicySettings, rowsToGrants } from '../sql/rows.js';
import type { SecurityStore } from '../types.js';
import type { WriteBatch } from './write-batch.js';

type Settings = PolicySettings;

/** The access policy: one settings document and the rows of the permission matrix. */
export class SqliteSecurityStore implements SecurityStore {
  private readonly settings: Statement<[], { value: string }>;
  private readonly grants: Statement<[], GrantRow>;
  private readonly putSettings: Statement<[string]>;
  private readonly clearServer: Statement<[]>;
  private readonly clearItem: Statement<[number]>;
  private readonly insertGrant: Statement;
  private readonly keepKeyCheck: Statement<[string]>;
  private readonly keptKeyCheck: Statement<[], { value: string }>;
  private readonly digestKey: Statement<[], { value: string }>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.settings = db.prepare("SELECT value FROM security_settings WHERE key = 'policy'");
    // Grants of items deleted since are gone with them (ON DELETE CASCADE).
    this.grants = db.prepare('SELECT item_id, sid, permission FROM security_grants ORDER BY COALESCE(item_id, 0), rowid');
    this.putSettings = db.prepare("INSERT INTO security_settings (key, value) VALUES ('policy', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    this.clearServer = db.prepare('DELETE FROM security_grants WHERE item_id IS NULL');
    this.clearItem = db.prepare('DELETE FROM security_grants WHERE item_id = ?');
    this.insertGrant = db.prepare('INSERT OR IGNORE INTO security_grants (item_id, sid, permission) VALUES (@itemId, @sid, @permission)');
    this.keepKeyCheck = db.prepare(`INSERT INTO security_settings (key, value) VALUES ('${KEY_CHECK}', ?) ON CONFLICT (key) DO NOTHING`);
    this.keptKeyCheck = db.prepare(`SELECT value FROM security_settings WHERE key = '${KEY_CHECK}'`);
    this.digestKey = db.prepare(`SELECT value FROM security_settings WHERE key = '${DIGEST_KEY}'`);
  }

  keyCheck(check: string): Promise<string> {
    return this.batch.write(() => {
      this.keepKeyCheck.run(check);
      return (this.keptKeyCheck.get() as { value: string }).value;
    });
  }

  async sealedDigestKey(): Promise<string | null> {
    return this.digestKey.get()?.value ?? null;
  }

  async load(): Promise<AccessPolicy | null> {
    const row = this.settings.get();
    if (!row) return null;
    return { ...(JSON.parse(row.value) as Settings), grants: this.readGrants() };
  }

  save(policy: Settings, grants: readonly Grant[], scopes: ReadonlyArray<number | null>): Promise<AccessPolicy> {
    return this.batch.write(() => {
      const settings = policySettings(policy);
      this.putSettings.run(JSON.stringify(settings));
      for (const scope of scopes) {
        if (scope === null) this.clearServer.run();
        else this.clearItem.run(scope);
      }
      for (const grant of grants) {
        if (scopes.includes(grant.itemId)) this.insertGrant.run({ itemId: grant.itemId, sid: grant.sid, permission: grant.permission.id });
      }
      return { ...settings, grants: this.readGrants() };
    });
  }

  private readGrants(): Grant[] {
    return rowsToGrants(this.grants.all());
  }

}
