import type { Database, Statement } from 'better-sqlite3';
import type { AgentNode, AgentSecrets } from '../../core/node.js';
import type { NodeStore } from '../types.js';
import { nodeNameTaken, nodeNotFound } from '../sql/refusals.js';
import { type NodeRow, rowToNode } from '../sql/rows.js';
import type { WriteBatch } from './write-batch.js';

export class SqliteNodeStore implements NodeStore {
  private readonly all: Statement<[], NodeRow>;
  private readonly byKey: Statement<[string], NodeRow>;
  private readonly insert: Statement;
  private readonly updateRow: Statement;
  private readonly updateSecrets: Statement;
  private readonly seen: Statement<[number, string]>;
  private readonly remove: Statement<[string]>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.all = db.prepare('SELECT * FROM nodes ORDER BY name_key');
    this.byKey = db.prepare('SELECT * FROM nodes WHERE name_key = ?');
    this.insert = db.prepare(
      `INSERT INTO nodes (name, name_key, description, labels, executors, offline_message, secret, previous_secret, previous_until, created_at, last_seen_at)
       VALUES (@name, @key, @description, @labels, @executors, @offlineMessage, @secret, @previousSecret, @previousUntil, @createdAt, @lastSeenAt)`,
    );
    this.updateRow = db.prepare(
      `UPDATE nodes SET description = @description, labels = @labels, executors = @executors, offline_message = @offlineMessage WHERE name_key = @key RETURNING *`,
    );
    this.updateSecrets = db.prepare('UPDATE nodes SET secret = @secret, previous_secret = @previousSecret, previous_until = @previousUntil WHERE name_key = @key');
    this.seen = db.prepare('UPDATE nodes SET last_seen_at = ? WHERE name_key = ?');
    this.remove = db.prepare('DELETE FROM nodes WHERE name_key = ?');
  }

  async list(): Promise<AgentNode[]> {
    return this.all.all().map(rowToNode);
  }

  async get(name: string): Promise<AgentNode | null> {
    const row = this.byKey.get(name.toLowerCase());
    return row ? rowToNode(row) : null;
  }

  create(node: AgentNode, secrets: AgentSecrets): Promise<AgentNode> {
    return this.batch.write(() => {
      try {
        this.insert.run({
          name: node.name,
          key: node.name.toLowerCase(),
          description: node.description,
          labels: JSON.stringify(node.labels),
          executors: node.executors,
          offlineMessage: node.offlineMessage,
          secret: secrets.current,
          previousSecret: secrets.previous,
          previousUntil: secrets.previousUntil,
          createdAt: node.createdAt,
          lastSeenAt: node.lastSeenAt,
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw nodeNameTaken(node.name);
        }
        throw error;
      }
      return rowToNode(this.byKey.get(node.name.toLowerCase()) as NodeRow);
    });
  }

  update(name: string, changes: Partial<Pick<AgentNode, 'description' | 'labels' | 'executors' | 'offlineMessage'>>): Promise<AgentNode> {
    return this.batch.write(() => {
      const current = this.byKey.get(name.toLowerCase());
      if (!current) throw nodeNotFound(name);
      const node = { ...rowToNode(current), ...changes };
      const row = this.updateRow.get({ key: name.toLowerCase(), description: node.description, labels: JSON.stringify(node.labels), executors: node.executors, offlineMessage: node.offlineMessage }) as NodeRow;
      return rowToNode(row);
    });
  }

  async secrets(name: string): Promise<AgentSecrets | null> {
    const row = this.byKey.get(name.toLowerCase());
    return row ? { current: row.secret, previous: row.previous_secret, previousUntil: row.previous_until } : null;
  }

  setSecrets(name: string, secrets: AgentSecrets): Promise<void> {
    return this.batch.write(() => {
      this.updateSecrets.run({ key: name.toLowerCase(), secret: secrets.current, previousSecret: secrets.previous, previousUntil: secrets.previousUntil });
    });
  }

  touch(name: string, at: number): Promise<void> {
    return this.batch.write(() => {
      this.seen.run(at, name.toLowerCase());
    });
  }

  delete(name: string): Promise<boolean> {
    return this.batch.write(() => this.remove.run(name.toLowerCase()).changes === 1);
  }
}
