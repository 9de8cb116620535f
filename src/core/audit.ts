/**
 * The audit log: one event per security-relevant act, accepted or refused. Events name who acted
 * (a user id, `anonymous`, or a token by its name) and never carry a secret.
 */
export type AuditAction =
  | 'authenticate'
  | 'login'
  | 'logout'
  | 'trigger'
  | 'api_token.create'
  | 'api_token.rename'
  | 'api_token.revoke'
  | 'trigger_token.create'
  | 'trigger_token.revoke'
  | 'webhook.delivery'
  | 'push.notification'
  | 'webhook.create'
  | 'webhook.delete'
  | 'user.create'
  | 'user.update'
  | 'user.password'
  | 'user.delete'
  | 'security.update'
  | 'grants.update'
  | 'node.create'
  | 'node.update'
  | 'node.delete'
  | 'node.secret.read'
  | 'node.secret.rotate'
  | 'credential.create'
  | 'credential.update'
  | 'credential.delete';

/** How the actor proved who it is. */
export type CredentialKind = 'none' | 'password' | 'api_token' | 'session' | 'job_token' | 'trigger_token' | 'webhook';

export interface AuditEvent {
  readonly at: number;
  readonly requestId: string | null;
  readonly action: AuditAction;
  readonly outcome: 'accepted' | 'refused';
  /** The refusal's reason code; null when accepted. */
  readonly reason: string | null;
  /** A user id, `anonymous`, or what the credential names (an API token's owner). */
  readonly actor: string;
  readonly credential: CredentialKind;
  readonly address: string | null;
  /** The full name of the folder or job acted on, if any. */
  readonly item: string | null;
  /** For triggers: the queue item the trigger created or was folded into. */
  readonly queueId: number | null;
  /** Further facts, never secrets: a token's name, the fields a change touched. */
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AuditFilter {
  readonly since?: number;
  readonly until?: number;
  readonly actor?: string;
  readonly item?: string;
  readonly action?: string;
  readonly outcome?: 'accepted' | 'refused';
  /** A refusal's reason code, e.g. `permission_missing`. */
  readonly reason?: string;
  /** Newest first; at most this many. */
  readonly limit: number;
  /** Events with ids below this one (for paging back). */
  readonly beforeId?: number;
}

export interface StoredAuditEvent extends AuditEvent {
  readonly id: number;
  /** How many identical events this one stands for (identical triggers committed together). */
  readonly count: number;
}
