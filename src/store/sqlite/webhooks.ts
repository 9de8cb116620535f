import type { Database, Statement } from 'better-sqlite3';
import type { Webhook } from '../../core/webhook.js';
import type { WebhookStore } from '../types.js';
import { rowToWebhook, webhookColumns, type WebhookRow } from '../sql/rows.js';
import type { WriteBatch } from './write-batch.js';

export class SqliteWebhookStore implements WebhookStore {
  private readonly byKey: Statement<[string], WebhookRow>;
  private readonly all: Statement<[], WebhookRow>;
  private readonly upsert: Statement;
  private readonly remove: Statement<[string]>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.byKey = db.prepare('SELECT * FROM webhooks WHERE name_key = ?');
    this.all = db.prepare('SELECT * FROM webhooks ORDER BY name_key');
    this.upsert = db.prepare(
      `INSERT INTO webhooks (name, name_key, kind, stored_secret, definition, created_by, created_at)
       VALUES (@name, @key, @kind, @storedSecret, @definition, @createdBy, @createdAt)
       ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, kind = excluded.kind, stored_secret = excluded.stored_secret, definition = excluded.definition`,
    );
    this.remove = db.prepare('DELETE FROM webhooks WHERE name_key = ?');
  }

  async get(name: string): Promise<Webhook | null> {
    const row = this.byKey.get(name.toLowerCase());
    return row ? rowToWebhook(row) : null;
  }

  async list(): Promise<Webhook[]> {
    return this.all.all().map(rowToWebhook);
  }

  put(webhook: Webhook): Promise<Webhook> {
    return this.batch.write(() => {
      const columns = webhookColumns(webhook);
      this.upsert.run(columns);
      return rowToWebhook(this.byKey.get(columns.key) as WebhookRow);
    });
  }

  delete(name: string): Promise<boolean> {
    return this.batch.write(() => this.remove.run(name.toLowerCase()).changes === 1);
  }
}
