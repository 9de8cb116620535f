import type { Permission } from './permissions.js';

/**
 * The one error type of the domain. Every refusal the domain makes carries a stable code (part of
 * the API: clients and `docs/errors.md` key on it), a sentence saying what went wrong, and, where
 * there is one, a hint saying what to do. The HTTP layer maps codes to statuses in one place
 * (`src/http/errors.ts`); nothing here knows about HTTP.
 */
export type DomainErrorCode =
  | 'credentials_invalid'
  | 'token_expired'
  | 'token_revoked'
  | 'too_many_failures'
  | 'authentication_required'
  | 'permission_missing'
  | 'job_token_invalid'
  | 'job_token_not_set'
  | 'token_owner_only'
  | 'password_wrong'
  | 'password_rejected'
  | 'grant_invalid'
  | 'api_token_not_found'
  | 'trigger_token_not_found'
  | 'token_network_denied'
  | 'token_scope'
  | 'job_not_buildable'
  | 'job_parameterized'
  | 'idempotency_key_reused'
  | 'queue_full'
  | 'webhook_not_found'
  | 'credential_not_found'
  | 'credential_exists'
  | 'webhook_signature_invalid'
  | 'webhook_secret_missing'
  | 'access_token_required'
  | 'too_many_triggers'
  | 'user_delete_self'
  | 'queue_item_not_cancellable'
  | 'item_not_found'
  | 'build_not_found'
  | 'queue_item_not_found'
  | 'user_not_found'
  | 'node_not_found'
  | 'user_exists'
  | 'name_invalid'
  | 'name_taken'
  | 'parent_not_folder'
  | 'item_kind_mismatch'
  | 'config_invalid'
  | 'job_disabled'
  | 'job_not_parameterized'
  | 'parameter_invalid'
  | 'build_running'
  | 'queue_item_not_waiting'
  | 'delay_invalid'
  | 'disk_full'
  | 'storage_unavailable'
  | 'authentication_busy';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly hint?: string,
    /** For `permission_missing` and `authentication_required`: the permission that was needed. */
    readonly permission?: Permission,
    /** For `too_many_failures`, `disk_full` and other answers that pass: seconds until the caller may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  private fieldPath: string | undefined;

  /**
   * The one setting at fault, when there is one, as a path into the settings that were checked
   * (`quietPeriodSeconds`, `timeoutMs`, `retention.maxBuilds`, `parameters.2.name`,
   * `steps.0.unstableReturn`, and `name` for an item's name). A form shows the error beside it.
   */
  get field(): string | undefined {
    return this.fieldPath;
  }

  /** Names the setting at fault: `throw new DomainError(…).at('timeoutMs')`. */
  at(field: string): this {
    this.fieldPath = field;
    return this;
  }

  private factValues: Readonly<Record<string, string>> = {};

  /**
   * The values the message was made from (`{ name: 'x' }`, `{ rule: 'unsafe', character: '?' }`), so
   * that an edge which must word the refusal another way (Jenkins' exact `X-Error`) need not parse it.
   */
  get facts(): Readonly<Record<string, string>> {
    return this.factValues;
  }

  /** Records the message's values: `throw new DomainError(…).with({ name })`. */
  with(facts: Readonly<Record<string, string>>): this {
    this.factValues = { ...this.factValues, ...facts };
    return this;
  }
}

export function isDomainError(error: unknown, code?: DomainErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}

/**
 * A storage outage that passes by itself: the disk is full (`disk_full`) or the database is out of
 * reach (`storage_unavailable`). Work refused for one is worth trying again later.
 */
export function isStorageOutage(error: unknown): error is DomainError {
  return isDomainError(error, 'disk_full') || isDomainError(error, 'storage_unavailable');
}

/** The outage in a few words, for log lines: "the disk is full", "the database is out of reach". */
export function storageOutageWords(error: DomainError): string {
  return error.code === 'disk_full' ? 'the disk is full' : 'the database is out of reach';
}
