import type { Build } from '../../core/build.js';
import { DomainError } from '../../core/errors.js';
import type { Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import type { ParameterValue } from '../../core/parameters.js';
import { Permissions } from '../../core/permissions.js';
import { fromBrowser } from '../ui/page.js';
import { enqueue } from './queueing.js';
import type { Scope } from './scope.js';

/**
 * `POST …/N/rebuild` (Jenkins' Rebuild plugin) and `…/N/replay/rebuild` (what Backstage sends): queues
 * the job again with build N's parameters (parameters added since take their defaults, removed ones
 * are dropped), with Job/Build, caused "Rebuilt from #N" by the caller. Answers Jenkins' 302 to the
 * job (a browser's form gets a 303 to the same page).
 */
export async function rebuild(scope: Scope, job: Job, build: Build): Promise<Response> {
  scope.check(Permissions.ItemBuild, job);
  const input = await scope.readInput();
  const parameters = job.settings.parameters.length === 0 ? null : new Map((build.parameters ?? []).map((value) => [value.name, [plainText(scope, job, build, value)]]));
  await enqueue(scope, job, input, { kind: 'permission' }, { parameters, rejectUnknownParameters: false, delayMs: null, rebuildOf: build.number });
  return scope.redirect(itemPath(job.fullName), fromBrowser(scope) ? 303 : 302);
}

function plainText(scope: Scope, job: Job, build: Build, value: ParameterValue): string {
  if (value.type === 'boolean') return String(value.value);
  if (value.type !== 'password') return value.value;
  const plain = scope.deps.secrets.unseal(value.sealed);
  if (plain === null) {
    throw new DomainError(
      'parameter_invalid',
      `The value of ${value.name} in ${job.fullName} #${build.number} can no longer be read (it was sealed with another key), so the build cannot be repeated as it was.`,
      'Use Build with Parameters and enter the value again.',
    );
  }
  return plain;
}
