import { readdir, readFile } from 'node:fs/promises';

/**
 * Finds and kills processes a build left behind, recognising them by the cookie in their
 * environment (Jenkins' ProcessTreeKiller does the same with BUILD_ID): after a crash, process ids
 * may have been reused, so a recorded id alone is not proof. Linux only (reads /proc); elsewhere it
 * does nothing.
 */
export async function killProcessesWithCookie(cookie: string): Promise<number[]> {
  const marker = Buffer.from(`STEWARD_BUILD_COOKIE=${cookie}\0`);
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const killed: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => null);
    if (!environ || environ.indexOf(marker) < 0) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // Already gone.
    }
  }
  return killed;
}
