import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Mounts a tmpfs of `bytes` on a fresh directory, a real small disk to fill. Mounting needs root, as
 * CI runs the suite; without it the test fails saying so rather than being skipped.
 */
export function mountTmpfs(bytes: number, what: string): string {
  if (process.getuid?.() !== 0) throw new Error(`${what} mount a small tmpfs and so need root: run npm test as root (CI does, through .ci/run).`);
  const mount = mkdtempSync(join(tmpdir(), 'steward-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0711`, 'tmpfs', mount]);
  return mount;
}

export function unmountTmpfs(mount: string | undefined): void {
  if (!mount) return;
  execFileSync('umount', ['-l', mount]);
  rmSync(mount, { recursive: true, force: true });
}

/** Writes zeros to `path` until the file system refuses with ENOSPC, then gives `leaveBytes` back. */
export function fillDisk(path: string, leaveBytes = 0): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  if (leaveBytes > 0) truncateSync(path, Math.max(0, statSync(path).size - leaveBytes));
}
