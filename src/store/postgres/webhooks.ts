import type { Webhook } from '../../core/webhook.js';
import { rowToWebhook, webhookColumns, type WebhookRow } from '../sql/rows.js';
import type { WebhookStore } from '../types.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

export class PgWebhookStore implements WebhookStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  async get(name: string): Promise<Webhook | null> {
    const row = await this.db.one<WebhookRow>('SELECT * FROM webhooks WHERE name_key = $1', [name.toLowerCase()]);
    return row ? rowToWebhook(row) : null;
  }

  async list(): Promise<Webhook[]> {
    return (await this.db.rows<WebhookRow>('SELECT * FROM webhooks ORDER BY name_key')).map(rowToWebhook);
  }

  put(webhook: Webhook): Promise<Webhook> {
    return this.batch.write(async (tx) => {
      const c = webhookColumns(webhook);
      const row = await tx.one<WebhookRow>(
        `INSERT INTO webhooks (name, name_key, kind, stored_secret, definition, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, kind = excluded.kind, stored_secret = excluded.stored_secret, definition = excluded.definition
         RETURNING *`,
        [c.name, c.key, c.kind, c.storedSecret, c.definition, c.createdBy, c.createdAt],
      );
      return rowToWebhook(row as WebhookRow);
    });
  }

  delete(name: string): Promise<boolean> {
    return this.batch.write(async (tx) => (await tx.run('DELETE FROM webhooks WHERE name_key = $1', [name.toLowerCase()])) === 1);
  }
}
