import type { Database, Statement } from 'better-sqlite3';
import type { BuildSource, PreviousRevisions } from '../../core/revision.js';
import { type BuildSourceRow, buildSourceFromRow, revisionFromRow } from '../sql/rows.js';
import type { BuildSourceStore } from '../types.js';
import type { WriteBatch } from './write-batch.js';

/** See BuildSourceStore: `build_scm`, keyed as `builds`. */
export class SqliteBuildSourceStore implements BuildSourceStore {
  private readonly upsert: Statement<[number, number, string, string | null, string, string, number, number, number]>;
  private readonly one: Statement<[number, number], BuildSourceRow>;
  private readonly latest: Statement<[number, number], BuildSourceRow>;
  private readonly latestSuccessful: Statement<[number, number], BuildSourceRow>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.upsert = db.prepare(`INSERT INTO build_scm (job_id, number, sha, branch, remote_url, changes, changes_truncated)
      SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM builds WHERE job_id = ? AND number = ?)
      ON CONFLICT (job_id, number) DO UPDATE SET sha = excluded.sha, branch = excluded.branch, remote_url = excluded.remote_url, changes = excluded.changes, changes_truncated = excluded.changes_truncated`);
    this.one = db.prepare('SELECT * FROM build_scm WHERE job_id = ? AND number = ?');
    this.latest = db.prepare('SELECT * FROM build_scm WHERE job_id = ? AND number < ? ORDER BY number DESC LIMIT 1');
    this.latestSuccessful = db.prepare(`SELECT s.* FROM build_scm s JOIN builds b ON b.job_id = s.job_id AND b.number = s.number
      WHERE s.job_id = ? AND s.number < ? AND b.result = 'SUCCESS' ORDER BY s.number DESC LIMIT 1`);
  }

  record(jobId: number, number: number, source: BuildSource): Promise<void> {
    const { revision } = source;
    return this.batch.write(() => {
      this.upsert.run(jobId, number, revision.sha, revision.branch, revision.remoteUrl, JSON.stringify(source.changes), source.changesTruncated ? 1 : 0, jobId, number);
    });
  }

  async get(jobId: number, number: number): Promise<BuildSource | null> {
    const row = this.one.get(jobId, number);
    return row ? buildSourceFromRow(row) : null;
  }

  async previous(jobId: number, number: number): Promise<PreviousRevisions> {
    const latest = this.latest.get(jobId, number);
    const successful = this.latestSuccessful.get(jobId, number);
    return { previous: latest ? revisionFromRow(latest) : null, previousSuccessful: successful ? revisionFromRow(successful) : null };
  }
}
