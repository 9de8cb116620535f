import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const PROBE = '.steward-ready-probe';

/**
 * Throws unless a small file can be written, synced to disk and removed in `dir`: what a console log
 * or a database commit there needs (a full, read-only or failing disk fails it). The file is removed
 * whatever happens.
 */
export async function probeWritable(dir: string): Promise<void> {
  const path = join(dir, PROBE);
  try {
    const file = await open(path, 'w', 0o600);
    try {
      await file.writeFile('ready\n');
      await file.datasync();
    } finally {
      await file.close();
    }
  } finally {
    await unlink(path).catch(() => {});
  }
}
