import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Cable, createTestSchema } from '../../test/support/postgres.js';
import { openPostgresStore } from '../store/postgres/open.js';
import { PgLogChunks } from '../store/postgres/log-chunks.js';
import { ChunkedLogs } from './chunked-logs.js';
import { LogFiles } from './log-files.js';
import { describeLogsContract } from './logs-contract.suite.js';

describeLogsContract('files', async () => {
  const root = mkdtempSync(join(tmpdir(), 'steward-logs-contract-'));
  const logs = new LogFiles(root);
  return {
    logs,
    async breakStorage(jobId, number) {
      // Every write to /dev/full fails with ENOSPC, as on a full disk.
      const path = logs.path(jobId, number);
      mkdirSync(dirname(path), { recursive: true });
      symlinkSync('/dev/full', path);
    },
    async close() {
      await logs.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
});

describeLogsContract('postgres', async () => {
  const direct = new URL(await createTestSchema());
  // The store makes the schema (migrations); the logs reach the database through a cable that a test can cut.
  await (await openPostgresStore({ url: direct.toString() })).close();
  const cable = new Cable(Number(direct.port));
  await cable.plug();
  const viaCable = new URL(direct);
  viaCable.port = String(cable.port);
  // Patience for an outage (30 s by default) is tried elsewhere (log-chunks.test.ts): a cut here is a failure soon.
  const logs = new ChunkedLogs(new PgLogChunks({ url: viaCable.toString() }), { outageMs: 1000 });
  return {
    logs,
    breakStorage: () => cable.cut(),
    async close() {
      await logs.close();
      await cable.cut();
    },
  };
});
