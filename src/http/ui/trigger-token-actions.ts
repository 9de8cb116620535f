import { DomainError } from '../../core/errors.js';
import type { Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import { covers } from '../../core/trigger-token.js';
import { expiryOf } from '../api/context.js';
import { single } from '../body.js';
import type { Scope } from '../jenkins/scope.js';
import type { TokenFormState } from './trigger-panel.js';
import { mayManageTriggerToken } from '../trigger-token-access.js';

/** Renders the job page with the token form in the given state. */
export type RenderWithTokenForm = (state: TokenFormState, status: 200 | 400) => Promise<Response>;

/**
 * `POST …/triggerTokens`: makes a trigger token covering this job, under the native API's rule
 * (a signed-in user with Job/Configure on it) and through the same service. The answer is the page
 * itself (200) with the value shown this once; it never goes into a URL or a redirect. Refused
 * input comes back as the form (400) with the error beside its field.
 */
export async function createTriggerToken(scope: Scope, job: Job, render: RenderWithTokenForm): Promise<Response> {
  const principal = scope.principal;
  if (principal.kind !== 'user') throw scope.deps.authorizer.refusal(principal, Permissions.ItemConfigure, job);
  scope.check(Permissions.ItemConfigure, job);
  const input = await scope.readInput();
  const values = { name: single(input, 'name') ?? '', expires: (single(input, 'expires') ?? '').trim() };
  try {
    const { token, value } = await scope.deps.triggerTokens.create({
      name: values.name,
      itemIds: [job.id],
      createdBy: principal.id,
      expiresAt: expiryFromForm(values.expires),
      allowedNetworks: [],
      canCancel: false,
    });
    await scope.deps.audit.recordNow(scope.audit({ action: 'trigger_token.create', outcome: 'accepted', item: job.fullName, detail: { tokenName: token.name, tokenUuid: token.uuid } }));
    return await render({ created: { token, value } }, 200);
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'config_invalid') throw error;
    const text = error.hint ? `${error.message} ${error.hint}` : error.message;
    return render({ values, errors: fieldOf(error) === 'expires' ? { expires: text } : { name: text } }, 400);
  }
}

/**
 * `POST …/triggerTokens/revoke` with `uuid`: revokes a token covering this job when the caller may
 * manage it (the native API's rule), then back to the job page.
 */
export async function revokeTriggerToken(scope: Scope, job: Job): Promise<Response> {
  const input = await scope.readInput();
  const token = await scope.deps.triggerTokens.get(single(input, 'uuid') ?? '');
  if (!covers(token, job) || !(await mayManageTriggerToken(scope.deps, scope.principal, token))) {
    if (scope.principal.kind !== 'user') throw scope.deps.authorizer.refusal(scope.principal, Permissions.ItemConfigure, job);
    throw new DomainError('permission_missing', `Revoking the trigger token "${token.name}" needs Job/Configure on everything it covers.`, 'Ask an administrator, or someone who may configure those jobs.', Permissions.ItemConfigure);
  }
  await scope.deps.triggerTokens.revoke(token.uuid);
  await scope.deps.audit.recordNow(scope.audit({ action: 'trigger_token.revoke', outcome: 'accepted', item: job.fullName, detail: { tokenName: token.name, tokenUuid: token.uuid } }));
  return scope.redirect(`${itemPath(job.fullName)}#trigger-remotely`, 303);
}

/** A `datetime-local` value is a UTC time without its zone; an empty one means no expiry. */
function expiryFromForm(text: string): number | null {
  if (text === '') return null;
  return expiryOf(/(Z|[+-]\d\d:\d\d)$/i.test(text) ? text : `${text}Z`);
}

/**
 * The field a refused token belongs beside. The service names none, and checks the name before the
 * expiry; its expiry refusals are the ones about a date.
 */
function fieldOf(error: DomainError): 'name' | 'expires' {
  if (error.field === 'name' || error.field === 'expiresAt') return error.field === 'name' ? 'name' : 'expires';
  return /expir|date/i.test(error.message) ? 'expires' : 'name';
}
