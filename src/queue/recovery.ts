import type { Logger } from 'pino';
import { leaseRanOut } from '../core/build.js';
import type { Store } from '../store/types.js';
import type { BuildRunner } from './runner.js';

/**
 * Run at start, before the scheduler: builds that were running on this server's built-in executors
 * when it last stopped without finishing them (a crash, a kill -9, a power cut) are finished as
 * ABORTED with the restart recorded as the reason, and what they left behind is reaped. Builds on
 * agents are not touched (the scheduler adopts them: they outlive the server), nor are other servers'
 * builds (their leases tell when they are lost: `reapLostBuilds`). Queued items start normally.
 */
export async function recoverInterruptedBuilds(store: Store, runner: BuildRunner, server: string, log: Logger): Promise<number> {
  const interrupted = await store.builds.abortRunningOn(server, { kind: 'restart' }, Date.now());
  for (const { build, processGroup } of interrupted) {
    const item = await store.items.get(build.jobId);
    await runner.reap(item?.kind === 'job' ? item : null, build, processGroup);
    log.warn({ job: item?.fullName, build: build.number }, 'a build was running when Steward stopped; it was aborted');
  }
  return interrupted.length;
}

/**
 * Periodic, once per deployment: builds whose server stopped renewing their lease (it died, or lost
 * the database for longer than the lease) are finished as ABORTED naming that server, what they left
 * on this machine is reaped, and every server hears that builds ended (jobs may start again). A build
 * on an agent is given the agent's lease (`agentGraceMs`) more: its agent's next report makes another
 * server take it over, and it goes on.
 */
export async function reapLostBuilds(store: Store, runner: BuildRunner, server: string, agentGraceMs: number, log: Logger): Promise<number> {
  const lost = await store.builds.reapExpired(Date.now(), server, agentGraceMs);
  for (const { build, server: lostServer } of lost) {
    const item = await store.items.get(build.jobId);
    await runner.reap(item?.kind === 'job' ? item : null, build, null);
    log.warn({ job: item?.fullName, build: build.number, server: lostServer }, 'the server of a build stopped renewing its lease; the build was aborted');
  }
  if (lost.length > 0) store.signals.notify('builds');
  return lost.length;
}

/**
 * Whether some build's lease ran out on another server: read first, every few seconds, so that an
 * idle deployment only reads (running builds are few: one per busy executor).
 */
export async function anyLeaseExpired(store: Store, server: string, now: number, agentGraceMs: number): Promise<boolean> {
  return (await store.builds.listRunning()).some((record) => record.server !== server && leaseRanOut(record.build, record.leaseUntil, now, agentGraceMs));
}
