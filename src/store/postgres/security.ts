import type { AccessPolicy, Grant } from '../../core/access.js';
import { DIGEST_KEY, KEY_CHECK, type GrantRow, policySettings, type PolicySettings, rowsToGrants } from '../sql/rows.js';
import type { SecurityStore } from '../types.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

/** The access policy: one settings document and the rows of the permission matrix. */
export class PgSecurityStore implements SecurityStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  async load(): Promise<AccessPolicy | null> {
    const row = await this.db.one<{ value: string }>("SELECT value FROM security_settings WHERE key = 'policy'");
    if (!row) return null;
    return { ...(JSON.parse(row.value) as PolicySettings), grants: await this.readGrants(this.db) };
  }

  save(policy: PolicySettings, grants: readonly Grant[], scopes: ReadonlyArray<number | null>): Promise<AccessPolicy> {
    return this.batch.write(async (tx) => {
      const settings = policySettings(policy);
      await tx.run("INSERT INTO security_settings (key, value) VALUES ('policy', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [JSON.stringify(settings)]);
      for (const scope of scopes) {
        if (scope === null) await tx.run('DELETE FROM security_grants WHERE item_id IS NULL');
        else await tx.run('DELETE FROM security_grants WHERE item_id = $1', [scope]);
      }
      for (const grant of grants) {
        if (scopes.includes(grant.itemId)) {
          await tx.run('INSERT INTO security_grants (item_id, sid, permission) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [grant.itemId, grant.sid, grant.permission.id]);
        }
      }
      return { ...settings, grants: await this.readGrants(tx) };
    });
  }

  keyCheck(check: string): Promise<string> {
    return this.batch.write(async (tx) => {
      await tx.run(`INSERT INTO security_settings (key, value) VALUES ('${KEY_CHECK}', $1) ON CONFLICT (key) DO NOTHING`, [check]);
      return ((await tx.one<{ value: string }>(`SELECT value FROM security_settings WHERE key = '${KEY_CHECK}'`)) as { value: string }).value;
    });
  }

  async sealedDigestKey(): Promise<string | null> {
    return (await this.db.one<{ value: string }>(`SELECT value FROM security_settings WHERE key = '${DIGEST_KEY}'`))?.value ?? null;
  }

  private async readGrants(sql: Sql): Promise<Grant[]> {
    // Grants of items deleted since are gone with them (ON DELETE CASCADE).
    return rowsToGrants(await sql.rows<GrantRow>('SELECT item_id, sid, permission FROM security_grants ORDER BY COALESCE(item_id, 0), id'));
  }
}
