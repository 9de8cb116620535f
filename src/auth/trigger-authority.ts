import { DomainError } from '../core/errors.js';
import type { Job } from '../core/item.js';
import { covers, type TriggerToken } from '../core/trigger-token.js';
import type { Authenticator } from './authenticator.js';
import type { Principal } from './principal.js';
import type { SecretBox } from './secret-box.js';
import { TriggerTokens } from './trigger-tokens.js';

/**
 * What allowed a trigger: the caller's Job/Build permission, the job's own "Trigger builds remotely"
 * token, or a trigger token covering the job. `inQuery` records that a token came in the URL (it is
 * accepted, redacted from logs, and noted in the audit log).
 */
export type Authority =
  | { readonly kind: 'permission' }
  | { readonly kind: 'job_token'; readonly inQuery: boolean }
  | { readonly kind: 'trigger_token'; readonly token: TriggerToken; readonly inQuery: boolean };

/** A token a trigger presents (`token=`, or `X-Steward-Token`), and whether it came in the URL. */
export interface PresentedToken {
  readonly value: string;
  readonly inQuery: boolean;
}

export interface TokenAuthorityDeps {
  readonly authenticator: Pick<Authenticator, 'triggerToken' | 'failed' | 'checkAllowed'>;
  readonly secrets: Pick<SecretBox, 'matches'>;
}

/**
 * Checks a presented token against the job: a trigger token must cover it, else the job's own
 * token must match. Returns null when the token is neither and the job has no token of its own (as
 * in Jenkins, the `token` is then ignored). A wrong token is a 403 and a failed authentication.
 */
export async function tokenAuthority(deps: TokenAuthorityDeps, job: Job, presented: PresentedToken, address: string): Promise<Authority | null> {
  const trigger = await deps.authenticator.triggerToken(presented.value, address);
  if (trigger) {
    if (covers(trigger, job)) return { kind: 'trigger_token', token: trigger, inQuery: presented.inQuery };
    await deps.authenticator.failed(address);
    throw notCovered(trigger, job);
  }
  if (TriggerTokens.isTokenLike(presented.value)) throw invalidToken(job);
  const stored = job.settings.remoteToken;
  if (!stored) return null;
  await deps.authenticator.checkAllowed(address);
  if (deps.secrets.matches(presented.value, stored.digest)) return { kind: 'job_token', inQuery: presented.inQuery };
  await deps.authenticator.failed(address);
  throw invalidToken(job);
}

/** Jenkins' words for a wrong token, for every kind of token a trigger URL takes. */
export function invalidToken(job: Job): DomainError {
  return new DomainError('job_token_invalid', 'Invalid token provided.', `The token matches neither the "Trigger builds remotely" token of ${job.fullName} nor a trigger token covering it.`);
}

/**
 * The authority of a request made by a trigger token itself (sent as Bearer or X-Steward-Token): only
 * for the jobs the token covers, exactly as when the same token is sent as `token=`.
 */
export function principalTokenAuthority(principal: Principal, job: Job): Authority | null {
  if (principal.kind !== 'token') return null;
  const token = principal.token;
  if (!covers(token, job)) throw notCovered(token, job);
  return { kind: 'trigger_token', token, inQuery: false };
}

function notCovered(token: TriggerToken, job: Job): DomainError {
  return new DomainError('token_scope', `The trigger token "${token.name}" does not cover ${job.fullName}.`, `Use a token made for ${job.fullName} (or a folder above it).`);
}
