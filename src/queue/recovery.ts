import type { Logger } from 'pino';
import { BUILT_IN_NODE } from '../core/node.js';
import type { Store } from '../store/types.js';
import type { BuildRunner } from './runner.js';

/**
 * Run at start, before the scheduler: builds that were running on the built-in node when the server
 * last stopped without finishing them (a crash, a kill -9, a power cut) are finished as ABORTED with
 * the restart recorded as the reason, and what they left behind is reaped. Builds on agents are not
 * touched (the scheduler adopts them: they outlive the server). Queued items start normally.
 */
export async function recoverInterruptedBuilds(store: Store, runner: BuildRunner, log: Logger): Promise<number> {
  const interrupted = await store.builds.abortRunning(BUILT_IN_NODE, { kind: 'restart' }, Date.now());
  for (const { build, processGroup } of interrupted) {
    const item = await store.items.get(build.jobId);
    await runner.reap(item?.kind === 'job' ? item : null, build, processGroup);
    log.warn({ job: item?.fullName, build: build.number }, 'a build was running when Steward stopped; it was aborted');
  }
  return interrupted.length;
}
