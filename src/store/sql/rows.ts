import type { BuildSource, Change, Revision } from '../../core/revision.js';
import type { AccessPolicy, Grant } from '../../core/access.js';
import type { ApiToken } from '../../core/api-token.js';
import type { StoredAuditEvent } from '../../core/audit.js';
import type { Build, Interruption, Result } from '../../core/build.js';
import type { Cause, CauseCount } from '../../core/cause.js';
import { defaultJobSettings, type FolderSettings, type Item, type JobSettings } from '../../core/item.js';
import type { AgentNode } from '../../core/node.js';
import type { ParameterValue } from '../../core/parameters.js';
import { findPermission } from '../../core/permissions.js';
import type { QueueItem } from '../../core/queue-item.js';
import type { TriggerToken } from '../../core/trigger-token.js';
import type { User } from '../../core/user.js';
import type { View, ViewSettings } from '../../core/view.js';
import type { Webhook } from '../../core/webhook.js';
import type { StoredCredential } from '../../core/credential.js';
import type { Session, StopRequest } from '../types.js';

/**
 * The rows both SQL backends (sqlite/, postgres/) read, and their mapping to the domain. The two
 * schemas use the same column names and keep documents (settings, causes, parameters, lists) as JSON
 * text, so one mapping serves both.
 */

export interface ItemRow {
  id: number;
  parent_id: number | null;
  kind: 'folder' | 'job';
  name: string;
  full_name: string;
  settings: string;
  source_config: string | null;
  next_build_number: number;
  ancestor_ids: string;
  created_at: number;
  updated_at: number;
}

export function rowToItem(row: ItemRow): Item {
  const base = {
    id: row.id,
    name: row.name,
    fullName: row.full_name,
    parentId: row.parent_id,
    ancestorIds: JSON.parse(row.ancestor_ids) as number[],
    sourceConfig: row.source_config,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.kind === 'folder') return { ...base, kind: 'folder', settings: JSON.parse(row.settings) as FolderSettings };
  // Settings written by an older version lack the newer fields, which take their defaults.
  return { ...base, kind: 'job', settings: { ...defaultJobSettings(), ...(JSON.parse(row.settings) as Partial<JobSettings>) }, nextBuildNumber: row.next_build_number };
}

export interface QueueRow {
  id: number;
  job_id: number;
  state: QueueItem['state'];
  queued_at: number;
  due_at: number;
  parameters: string | null;
  build_number: number | null;
  left_at: number | null;
}

/** The queue item columns, in the order of QueueRow. */
export const QUEUE_COLUMNS = 'id, job_id, state, queued_at, due_at, parameters, build_number, left_at';

export function rowToQueueItem(row: QueueRow, causes: QueueItem['causes']): QueueItem {
  return {
    id: row.id,
    jobId: row.job_id,
    state: row.state,
    queuedAt: row.queued_at,
    dueAt: row.due_at,
    parameters: row.parameters === null ? null : (JSON.parse(row.parameters) as ParameterValue[]),
    causes,
    buildNumber: row.build_number,
    leftAt: row.left_at,
  };
}

export interface CauseRow {
  queue_id: number;
  cause: string;
  count: number;
}

export function rowToCauseCount(row: CauseRow): CauseCount {
  return { cause: JSON.parse(row.cause) as Cause, count: row.count };
}

/** Causes rows (ordered by item, then position) grouped by queue id. */
export function causesByItem(rows: readonly CauseRow[]): Map<number, CauseCount[]> {
  const result = new Map<number, CauseCount[]>();
  for (const row of rows) {
    const list = result.get(row.queue_id) ?? [];
    list.push(rowToCauseCount(row));
    result.set(row.queue_id, list);
  }
  return result;
}

export interface BuildRow {
  job_id: number;
  number: number;
  queue_id: number;
  state: Build['state'];
  result: Result | null;
  started_at: number;
  duration_ms: number;
  parameters: string | null;
  executor: number;
  node: string;
  interruption: string | null;
  process_group: number | null;
}

/** The columns of a build that say which server holds it (migration 0008 on SQLite, 0002 on PostgreSQL). */
export interface ServerColumns {
  server: string | null;
  lease_until: number | null;
  stop_request: string | null;
}

export function toStopRequest(row: { job_id: number; number: number; stop_request: string }): StopRequest {
  const { interruption, mode } = JSON.parse(row.stop_request) as Pick<StopRequest, 'interruption' | 'mode'>;
  return { jobId: row.job_id, number: row.number, interruption, mode };
}

export function rowToBuild(row: BuildRow, causes: Build['causes']): Build {
  return {
    jobId: row.job_id,
    number: row.number,
    queueId: row.queue_id,
    state: row.state,
    result: row.result,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    causes,
    parameters: row.parameters === null ? null : (JSON.parse(row.parameters) as ParameterValue[]),
    node: row.node,
    executor: row.executor,
    interruption: row.interruption === null ? null : (JSON.parse(row.interruption) as Interruption),
  };
}

export interface UserRow {
  id: string;
  full_name: string;
  password_hash: string;
  groups: string;
  created_at: number;
}

/** The user columns, in the order of UserRow. */
export const USER_COLUMNS = 'id, full_name, password_hash, groups, created_at';

export function rowToUser(row: UserRow): User {
  return { id: row.id, fullName: row.full_name, passwordHash: row.password_hash, groups: JSON.parse(row.groups) as string[], createdAt: row.created_at };
}

export interface ApiTokenRow {
  uuid: string;
  user_id: string;
  name: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  last_used_address: string | null;
  use_count: number;
}

/** API tokens with their user's id as spelled at creation (tokens are keyed by the lower-cased id). */
export const API_TOKEN_SELECT = `SELECT t.uuid, u.id AS user_id, t.name, t.hash, t.created_at, t.expires_at, t.revoked_at, t.last_used_at, t.last_used_address, t.use_count
  FROM api_tokens t JOIN users u ON u.id_key = t.user_key`;

export function rowToApiToken(row: ApiTokenRow): ApiToken {
  return {
    uuid: row.uuid,
    userId: row.user_id,
    name: row.name,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    lastUsedAddress: row.last_used_address,
    useCount: row.use_count,
  };
}

export interface TriggerTokenRow {
  uuid: string;
  name: string;
  hash: string;
  item_ids: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  allowed_networks: string;
  can_cancel: number;
  last_used_at: number | null;
  last_used_address: string | null;
  use_count: number;
}

export function rowToTriggerToken(row: TriggerTokenRow): TriggerToken {
  return {
    uuid: row.uuid,
    name: row.name,
    itemIds: JSON.parse(row.item_ids) as number[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    allowedNetworks: JSON.parse(row.allowed_networks) as string[],
    canCancel: row.can_cancel === 1,
    lastUsedAt: row.last_used_at,
    lastUsedAddress: row.last_used_address,
    useCount: row.use_count,
  };
}

export interface SessionRow {
  hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  address: string | null;
}

/** Sessions with their user's id as spelled at creation. */
export const SESSION_SELECT = 'SELECT s.hash, u.id AS user_id, s.created_at, s.last_seen_at, s.address FROM sessions s JOIN users u ON u.id_key = s.user_key';

export function rowToSession(row: SessionRow): Session {
  return { hash: row.hash, userId: row.user_id, createdAt: row.created_at, lastSeenAt: row.last_seen_at, address: row.address };
}

export interface AuditRow {
  id: number;
  at: number;
  request_id: string | null;
  action: string;
  outcome: 'accepted' | 'refused';
  reason: string | null;
  actor: string;
  credential: string;
  address: string | null;
  item: string | null;
  queue_id: number | null;
  detail: string;
  count: number;
}

export function rowToAuditEvent(row: AuditRow): StoredAuditEvent {
  return {
    id: row.id,
    at: row.at,
    requestId: row.request_id,
    action: row.action as StoredAuditEvent['action'],
    outcome: row.outcome,
    reason: row.reason,
    actor: row.actor,
    credential: row.credential as StoredAuditEvent['credential'],
    address: row.address,
    item: row.item,
    queueId: row.queue_id,
    detail: JSON.parse(row.detail) as StoredAuditEvent['detail'],
    count: row.count,
  };
}

export interface WebhookRow {
  name: string;
  kind: Webhook['kind'];
  stored_secret: string;
  definition: string;
  created_by: string;
  created_at: number;
}

type WebhookDefinition = Omit<Webhook, 'name' | 'kind' | 'storedSecret' | 'createdBy' | 'createdAt'>;

export function rowToWebhook(row: WebhookRow): Webhook {
  return { name: row.name, kind: row.kind, storedSecret: row.stored_secret, ...(JSON.parse(row.definition) as WebhookDefinition), createdBy: row.created_by, createdAt: row.created_at };
}

/** A webhook's columns to write: the definition is everything but the columns of its own. */
export function webhookColumns(webhook: Webhook) {
  const { name, kind, storedSecret, createdBy, createdAt, ...definition } = webhook;
  return { name, key: name.toLowerCase(), kind, storedSecret, definition: JSON.stringify(definition), createdBy, createdAt };
}

export interface ViewRow {
  id: number;
  parent_id: number | null;
  name: string;
  settings: string;
  source_config: string | null;
}

export function rowToView(row: ViewRow): View {
  return { id: row.id, parentId: row.parent_id, name: row.name, settings: JSON.parse(row.settings) as ViewSettings, sourceConfig: row.source_config };
}

export interface NodeRow {
  name: string;
  description: string;
  labels: string;
  executors: number;
  offline_message: string | null;
  secret: string;
  previous_secret: string | null;
  previous_until: number | null;
  created_at: number;
  last_seen_at: number | null;
}

export function rowToNode(row: NodeRow): AgentNode {
  return {
    name: row.name,
    description: row.description,
    labels: JSON.parse(row.labels) as string[],
    executors: row.executors,
    offlineMessage: row.offline_message,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
  };
}

export interface GrantRow {
  item_id: number | null;
  sid: string;
  permission: string;
}

/** Grants of the permission matrix; rows naming a permission this version does not know are skipped, never widened. */
export function rowsToGrants(rows: readonly GrantRow[]): Grant[] {
  const grants: Grant[] = [];
  for (const row of rows) {
    const permission = findPermission(row.permission);
    if (permission) grants.push({ itemId: row.item_id, sid: row.sid, permission });
  }
  return grants;
}

/** The strategy and crumb setting as saved: exactly the settings' own fields. */
export function policySettings(policy: PolicySettings): PolicySettings {
  return { strategy: policy.strategy, allowAnonymousRead: policy.allowAnonymousRead, crumbs: policy.crumbs };
}

export type PolicySettings = Omit<AccessPolicy, 'grants'>;

/**
 * The keys of `security_settings` that are not the policy: the check value of the master key the
 * database's secrets are sealed with, and the digest key a key rotation carried (sealed).
 */
export const KEY_CHECK = 'key check';
export const DIGEST_KEY = 'digest key';

/** A row of `build_scm` (both schemas). */
export interface BuildSourceRow {
  job_id: number;
  number: number;
  sha: string;
  branch: string | null;
  remote_url: string;
  changes: string;
  changes_truncated: number | boolean;
}

export function buildSourceFromRow(row: BuildSourceRow): BuildSource {
  return {
    revision: revisionFromRow(row),
    changes: JSON.parse(row.changes) as Change[],
    changesTruncated: Boolean(row.changes_truncated),
  };
}

export function revisionFromRow(row: Pick<BuildSourceRow, 'sha' | 'branch' | 'remote_url'>): Revision {
  return { sha: row.sha, branch: row.branch, remoteUrl: row.remote_url };
}

export interface CredentialRow {
  folder_id: number | null;
  id: string;
  kind: StoredCredential['kind'];
  description: string;
  username: string | null;
  file_name: string | null;
  sealed_secret: string;
  created_at: number;
  updated_at: number;
}

export function rowToCredential(row: CredentialRow): StoredCredential {
  return {
    id: row.id,
    kind: row.kind,
    description: row.description,
    folderId: row.folder_id,
    username: row.username,
    fileName: row.file_name,
    sealedSecret: row.sealed_secret,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A credential's columns, in the order of the INSERT both backends write; the system store's key is 0 (no item has id 0). */
export function credentialColumns(c: StoredCredential): [number, number | null, string, string, string, string | null, string | null, string, number, number] {
  return [c.folderId ?? 0, c.folderId, c.id, c.kind, c.description, c.username, c.fileName, c.sealedSecret, c.createdAt, c.updatedAt];
}
