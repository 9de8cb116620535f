import { readdir, readFile, stat } from 'node:fs/promises';

/**
 * Finds and kills processes a build left behind, recognising them by the cookie in their
 * environment (Jenkins' ProcessTreeKiller does the same with BUILD_ID): after a crash, process ids
 * may have been reused, so a recorded id alone is not proof. Only processes of the account builds
 * run as (`uid`) are looked at, which keeps the scan cheap. Linux only (reads /proc); elsewhere it
 * does nothing.
 */
export async function killProcessesWithCookie(cookie: string, uid: number | null = process.getuid?.() ?? null): Promise<number[]> {
  const marker = Buffer.from(`STEWARD_BUILD_COOKIE=${cookie}\0`);
  const entries = (await readdir('/proc').catch(() => [] as string[])).filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid);
  const found = await Promise.all(
    entries.map(async (entry) => {
      if (uid !== null && (await stat(`/proc/${entry}`).catch(() => null))?.uid !== uid) return null;
      const environ = await readFile(`/proc/${entry}/environ`).catch(() => null);
      return environ && environ.indexOf(marker) >= 0 ? Number(entry) : null;
    }),
  );
  const killed: number[] = [];
  for (const pid of found) {
    if (pid === null) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // Already gone.
    }
  }
  return killed;
}
