import type { AgentNode, AgentSecrets } from '../../core/node.js';
import { nodeNameTaken, nodeNotFound } from '../sql/refusals.js';
import { type NodeRow, rowToNode } from '../sql/rows.js';
import type { NodeStore } from '../types.js';
import { isUniqueViolation, type Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

export class PgNodeStore implements NodeStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  async list(): Promise<AgentNode[]> {
    return (await this.db.rows<NodeRow>('SELECT * FROM nodes ORDER BY name_key')).map(rowToNode);
  }

  async get(name: string): Promise<AgentNode | null> {
    const row = await this.db.one<NodeRow>('SELECT * FROM nodes WHERE name_key = $1', [name.toLowerCase()]);
    return row ? rowToNode(row) : null;
  }

  create(node: AgentNode, secrets: AgentSecrets): Promise<AgentNode> {
    return this.batch.write(async (tx) => {
      try {
        const row = await tx.one<NodeRow>(
          `INSERT INTO nodes (name, name_key, description, labels, executors, offline_message, secret, previous_secret, previous_until, created_at, last_seen_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
          [
            node.name,
            node.name.toLowerCase(),
            node.description,
            JSON.stringify(node.labels),
            node.executors,
            node.offlineMessage,
            secrets.current,
            secrets.previous,
            secrets.previousUntil,
            node.createdAt,
            node.lastSeenAt,
          ],
        );
        return rowToNode(row as NodeRow);
      } catch (error) {
        if (isUniqueViolation(error)) throw nodeNameTaken(node.name);
        throw error;
      }
    });
  }

  update(name: string, changes: Partial<Pick<AgentNode, 'description' | 'labels' | 'executors' | 'offlineMessage'>>): Promise<AgentNode> {
    return this.batch.write(async (tx) => {
      const current = await tx.one<NodeRow>('SELECT * FROM nodes WHERE name_key = $1 FOR UPDATE', [name.toLowerCase()]);
      if (!current) throw nodeNotFound(name);
      const node = { ...rowToNode(current), ...changes };
      const row = await tx.one<NodeRow>('UPDATE nodes SET description = $2, labels = $3, executors = $4, offline_message = $5 WHERE name_key = $1 RETURNING *', [
        name.toLowerCase(),
        node.description,
        JSON.stringify(node.labels),
        node.executors,
        node.offlineMessage,
      ]);
      return rowToNode(row as NodeRow);
    });
  }

  async secrets(name: string): Promise<AgentSecrets | null> {
    const row = await this.db.one<NodeRow>('SELECT * FROM nodes WHERE name_key = $1', [name.toLowerCase()]);
    return row ? { current: row.secret, previous: row.previous_secret, previousUntil: row.previous_until } : null;
  }

  setSecrets(name: string, secrets: AgentSecrets): Promise<void> {
    return this.batch.write(async (tx) => {
      await tx.run('UPDATE nodes SET secret = $2, previous_secret = $3, previous_until = $4 WHERE name_key = $1', [name.toLowerCase(), secrets.current, secrets.previous, secrets.previousUntil]);
    });
  }

  touch(name: string, at: number): Promise<void> {
    return this.batch.write(async (tx) => {
      await tx.run('UPDATE nodes SET last_seen_at = $2 WHERE name_key = $1', [name.toLowerCase(), at]);
    });
  }

  delete(name: string): Promise<boolean> {
    return this.batch.write(async (tx) => (await tx.run('DELETE FROM nodes WHERE name_key = $1', [name.toLowerCase()])) === 1);
  }
}
