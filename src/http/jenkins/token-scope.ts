import type { TriggerToken } from '../../core/trigger-token.js';
import type { CauseCount } from '../../core/cause.js';
import { DomainError } from '../../core/errors.js';
import { Permissions } from '../../core/permissions.js';
import type { Scope } from './scope.js';
import type { Target } from './traverse.js';

/** What a trigger token may do on a job: trigger it. */
const JOB_ACTIONS = new Set(['build', 'buildWithParameters', 'polling']);
/** What it may do on a build it started: read it, follow its log, stop it (with `canCancel`). */
const BUILD_ACTIONS = new Set(['api', '', 'consoleText', 'logText/progressiveText', 'buildNumber', 'stop', 'term', 'kill']);

/** The top-level URLs a trigger token may use at all: jobs (to trigger and read) and queue items. */
export const TOKEN_HEADS = new Set(['job', 'queue', 'whoAmI']);

export function startedBy(token: TriggerToken, causes: readonly CauseCount[]): boolean {
  return causes.some(({ cause }) => cause.kind === 'token' && cause.tokenUuid === token.uuid);
}

/**
 * Keeps a request made by a trigger token itself to what it may do: trigger the jobs it covers, and
 * read (and, with `canCancel`, stop) the builds it started. A build it did not start looks missing.
 */
export function checkTokenScope(scope: Scope, target: Target, action: string): void {
  const principal = scope.principal;
  if (principal.kind !== 'token') return;
  if (target.kind === 'job' && JOB_ACTIONS.has(action)) return;
  if (target.kind === 'build' && BUILD_ACTIONS.has(action)) {
    if (!startedBy(principal.token, target.build.causes)) {
      throw new DomainError('build_not_found', `${target.job.fullName} has no build #${target.build.number} that this token started.`, 'A trigger token reads only the builds it started.');
    }
    return;
  }
  throw scope.deps.authorizer.refusal(principal, target.kind === 'job' || target.kind === 'build' ? Permissions.ItemConfigure : Permissions.Administer);
}
