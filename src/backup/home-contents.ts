import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Top-level entries of a home that a backup does not copy as they are:
 * - the database and its journal files: the backup takes a snapshot instead;
 * - `jobs/`: it holds the logs of the snapshot's builds only, chosen build by build;
 * - `workspace/`: jobs' working directories are scratch a build makes again, often large, and may be
 *   in the middle of being changed by a running build;
 * - `tmp/`: scratch, where the backup itself stages its files;
 * - `disk-reserve`: zeros, made again at start.
 */
const NOT_COPIED = new Set(['steward.db', 'steward.db-wal', 'steward.db-shm', 'steward.db-journal', 'jobs', 'workspace', 'tmp', 'disk-reserve']);

/**
 * The other files of the home, as `/`-separated paths relative to it: `secrets/master.key` (the
 * sealing key), `secrets/initialAdminPassword`, a configuration file kept in the home, and whatever
 * else is there. Only regular files: symbolic links and special files are not followed.
 */
export async function otherFilesOf(home: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(home, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (relative === '' && NOT_COPIED.has(entry.name)) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(path);
    }
  };
  await walk('');
  return found.sort();
}
