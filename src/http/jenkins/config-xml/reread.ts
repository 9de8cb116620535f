import type { Logger } from 'pino';
import { isDomainError } from '../../../core/errors.js';
import type { Items } from '../../../items/items.js';
import type { Store } from '../../../store/types.js';
import { isRefusal } from '../../errors.js';
import { parseConfigXml, type SecretCodec } from './parse.js';

/**
 * Runs what a newer Steward runs of config.xml documents stored by an older one. A job keeps the
 * config.xml it was last written as, and the settings read from it name what was kept but not run
 * (`ignoredSettings`); when a server starts, each such job's document is read again, and the job is
 * saved with what this version reads from it (a git SCM, SCM polling, build triggers, credentials
 * bindings…), as if the document had just been posted by the operator. A document this version
 * refuses (a credential that no longer exists) leaves the job as it was, and says so in the log.
 * Answers how many jobs changed.
 */
export async function rereadKeptConfigs(deps: { store: Store; items: Items; secrets: SecretCodec; log: Logger }): Promise<number> {
  let changed = 0;
  for (const job of await deps.store.items.listJobsWithIgnoredSettings()) {
    if (job.sourceConfig === null) continue;
    try {
      const parsed = parseConfigXml(job.sourceConfig, job.settings, deps.secrets);
      const nowRun = job.settings.ignoredSettings.filter((setting) => !parsed.ignored.includes(setting));
      if (parsed.settings.kind !== 'job' || nowRun.length === 0) continue;
      await deps.items.update(job, parsed.settings, parsed.source);
      deps.log.info({ job: job.fullName, nowRun }, 'this version runs more of the job\'s config.xml than the one that saved it: the job now runs it');
      changed += 1;
    } catch (error) {
      if (!isDomainError(error) && !isRefusal(error)) throw error;
      deps.log.warn({ job: job.fullName, reason: error.code, err: error.message }, 'the job\'s config.xml could not be read again with what this version runs: the job stays as it was until it is saved again');
    }
  }
  return changed;
}
