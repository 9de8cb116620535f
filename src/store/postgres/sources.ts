import type { BuildSource, PreviousRevisions } from '../../core/revision.js';
import { type BuildSourceRow, buildSourceFromRow, revisionFromRow } from '../sql/rows.js';
import type { BuildSourceStore } from '../types.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

const UPSERT = `INSERT INTO build_scm (job_id, number, sha, branch, remote_url, changes, changes_truncated)
  SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM builds WHERE job_id = $1 AND number = $2)
  ON CONFLICT (job_id, number) DO UPDATE SET sha = excluded.sha, branch = excluded.branch, remote_url = excluded.remote_url, changes = excluded.changes, changes_truncated = excluded.changes_truncated`;
const LATEST = 'SELECT * FROM build_scm WHERE job_id = $1 AND number < $2 ORDER BY number DESC LIMIT 1';
const LATEST_SUCCESSFUL = `SELECT s.* FROM build_scm s JOIN builds b ON b.job_id = s.job_id AND b.number = s.number
  WHERE s.job_id = $1 AND s.number < $2 AND b.result = 'SUCCESS' ORDER BY s.number DESC LIMIT 1`;

/** See BuildSourceStore: `build_scm`, keyed as `builds`. */
export class PgBuildSourceStore implements BuildSourceStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  record(jobId: number, number: number, source: BuildSource): Promise<void> {
    const { revision } = source;
    return this.batch.write(async (tx) => {
      await tx.run(UPSERT, [jobId, number, revision.sha, revision.branch, revision.remoteUrl, JSON.stringify(source.changes), source.changesTruncated]);
    });
  }

  async get(jobId: number, number: number): Promise<BuildSource | null> {
    const row = await this.db.one<BuildSourceRow>('SELECT * FROM build_scm WHERE job_id = $1 AND number = $2', [jobId, number]);
    return row ? buildSourceFromRow(row) : null;
  }

  async previous(jobId: number, number: number): Promise<PreviousRevisions> {
    const [latest, successful] = await Promise.all([this.db.one<BuildSourceRow>(LATEST, [jobId, number]), this.db.one<BuildSourceRow>(LATEST_SUCCESSFUL, [jobId, number])]);
    return { previous: latest ? revisionFromRow(latest) : null, previousSuccessful: successful ? revisionFromRow(successful) : null };
  }
}
