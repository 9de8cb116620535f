import type { AccessPolicy, Grant } from '../core/access.js';
import type { JobEdge, OwnEdge } from '../core/job-edges.js';
import type { ApiToken } from '../core/api-token.js';
import type { AuditEvent, AuditFilter, StoredAuditEvent } from '../core/audit.js';
import type { Build, Interruption, PermalinkName, Result } from '../core/build.js';
import type { Cause } from '../core/cause.js';
import type { TriggerToken } from '../core/trigger-token.js';
import type { Webhook } from '../core/webhook.js';
import type { StoredCredential } from '../core/credential.js';
import type { View, ViewSettings } from '../core/view.js';
import type { AgentNode, AgentSecrets } from '../core/node.js';
import type { FolderSettings, Item, Job, JobSettings } from '../core/item.js';
import type { ParameterValue } from '../core/parameters.js';
import type { QueueItem } from '../core/queue-item.js';
import type { BuildSource, PreviousRevisions } from '../core/revision.js';
import type { User } from '../core/user.js';

/**
 * The storage ports. Each backend (SQLite now, PostgreSQL later) implements them and passes the one
 * contract suite in `contract.ts`. Rules every implementation keeps:
 * - A promise returned by a write resolves only after the change is durable (committed to disk).
 *   Implementations may group concurrent writes into one commit.
 * - Reads see every write whose promise has resolved.
 * - Nothing here interprets `sourceConfig`, parameter values or causes beyond storing them.
 */
export interface Store {
  readonly items: ItemStore;
  readonly queue: QueueStore;
  readonly builds: BuildStore;
  readonly users: UserStore;
  readonly apiTokens: ApiTokenStore;
  readonly sessions: SessionStore;
  readonly security: SecurityStore;
  readonly audit: AuditStore;
  readonly triggerTokens: TriggerTokenStore;
  readonly webhooks: WebhookStore;
  readonly credentials: CredentialStore;
  readonly views: ViewStore;
  readonly nodes: NodeStore;
  readonly periodic: PeriodicStore;
  readonly rateWindows: RateWindowStore;
  readonly timers: TimerStore;
  readonly polls: PollStore;
  readonly sources: BuildSourceStore;
  readonly signals: Signals;
  /** Answers a trivial query, or throws when the backend cannot (the readiness check). */
  ping(): Promise<void>;
  /** Flushes pending writes and releases the backend. */
  close(): Promise<void>;
}

export interface NewItem {
  readonly parentId: number | null;
  readonly name: string;
  readonly fullName: string;
  readonly settings: FolderSettings | JobSettings;
  readonly sourceConfig: string | null;
  /** When the job's timers next fire; absent: it has none. */
  readonly nextFires?: NextFires;
  /** The upstream and downstream edges the job's settings declare, resolved to ids (`job_edges`). */
  readonly edges?: readonly OwnEdge[];
}

/**
 * A job has two timers: "Build periodically" (`build`) queues a build, "Poll SCM" (`poll`) asks its
 * repository whether it moved.
 */
export type TimerPurpose = 'build' | 'poll';

/** When each of a job's timers next fires (ms since the epoch); null: that timer is off. */
export type NextFires = Readonly<Record<TimerPurpose, number | null>>;

export const NO_FIRES: NextFires = { build: null, poll: null };

/** A job whose timer is due, and the time it came due. */
export interface DueTimer {
  readonly jobId: number;
  readonly dueAt: number;
}

/**
 * The jobs' timers ("Build periodically", "Poll SCM"), kept beside the job's settings (`NewItem.nextFires`,
 * `ItemStore.update`). Several servers look at the same timers: `advance` moves a timer for one of
 * them only, which then queues the build or polls, so a timer fires once per deployment.
 */
export interface TimerStore {
  /** The timers of one purpose due at `now`, earliest first, at most `limit`: one index range read. */
  due(purpose: TimerPurpose, now: number, limit: number): Promise<DueTimer[]>;
  /** Moves a job's timer from `from` to `to` (null: it stops) if it is still at `from`; true for the caller that moved it. */
  advance(purpose: TimerPurpose, jobId: number, from: number, to: number | null): Promise<boolean>;
}

/** What a job's last poll of its repository saw: the commit at the head of each branch it builds, by ref. */
export interface PollRecord {
  readonly heads: Readonly<Record<string, string>>;
  /** The poll's log, as `/job/X/scmPollLog/` shows it. */
  readonly log: string;
  readonly polledAt: number;
}

/**
 * The jobs' last polls. A poll builds when the heads it sees differ from the recorded ones; `record`
 * writes only over the record the poll started from, so of two servers polling one job at once one
 * records the change, and only it builds.
 */
export interface PollStore {
  last(jobId: number): Promise<PollRecord | null>;
  /** Writes `next` if the job's record is still `from` (compared by `polledAt`; null: none yet); true when written. */
  record(jobId: number, from: PollRecord | null, next: PollRecord): Promise<boolean>;
}

/**
 * What builds checked out: a build's revision and change set (`build_scm`, one row per build, deleted
 * with it), recorded as soon as its checkout ends, by the server holding the build.
 */
export interface BuildSourceStore {
  /** Records (or replaces) a build's source; nothing when the build does not exist (deleted meanwhile). */
  record(jobId: number, number: number, source: BuildSource): Promise<void>;
  get(jobId: number, number: number): Promise<BuildSource | null>;
  /**
   * The revisions of the latest build before `number` that recorded one, and of the latest such build
   * that succeeded: index seeks backwards from `number`.
   */
  previous(jobId: number, number: number): Promise<PreviousRevisions>;
}

export interface ItemStore {
  get(id: number): Promise<Item | null>;
  /** Looks an item up by full name, ignoring case. */
  findByFullName(fullName: string): Promise<Item | null>;
  /** The items directly inside a folder (null: the top level), ordered by name ignoring case. */
  listChildren(parentId: number | null): Promise<Item[]>;
  /** Every job below a folder, at any depth. */
  listJobsBelow(folderId: number): Promise<Job[]>;
  /**
   * The jobs that keep settings of their config.xml Steward does not run (`ignoredSettings` not empty),
   * by full name: read once when a server starts, to run what a newer Steward now runs. A scan of the
   * jobs' settings, which only a start may afford.
   */
  listJobsWithIgnoredSettings(): Promise<Job[]>;
  /**
   * The jobs whose git source uses a repository, by its key (`repositoryKey`), ordered by full name, at
   * most `limit`: read through an index the store keeps with each job's settings.
   */
  listJobsUsingRepository(repositoryKey: string, limit: number): Promise<Job[]>;
  /** Fails with DomainError `name_taken` when the name is in use in that folder, ignoring case. */
  create(item: NewItem): Promise<Item>;
  /**
   * Replaces the settings (the kind must stay the same), the source document, when the job's timers
   * next fire and, when `edges` is given, the edges the job declares, in one transaction.
   */
  update(id: number, settings: FolderSettings | JobSettings, sourceConfig: string | null, nextFires?: NextFires, edges?: readonly OwnEdge[]): Promise<Item>;
  /** The edges from a job to its downstream jobs, whichever job declares them: one index range read. */
  downstreamOf(jobId: number): Promise<JobEdge[]>;
  /** The edges from a job's upstream jobs to it, whichever job declares them: one index range read. */
  upstreamOf(jobId: number): Promise<JobEdge[]>;
  /**
   * Gives the item a new name in its folder; the full names of everything below a folder follow.
   * Fails with DomainError `name_taken` like `create`. Ids, and so builds, queue items and grants, stay.
   */
  rename(id: number, name: string): Promise<Item>;
  /** Deletes the item, everything below it, and their queue items and builds. */
  delete(id: number): Promise<void>;
}

export interface EnqueueRequest {
  readonly jobId: number;
  readonly dueAt: number;
  readonly parameters: readonly ParameterValue[] | null;
  /** Identical requests have equal keys; the store compares keys, never values. */
  readonly parametersKey: string;
  readonly cause: Cause;
  /** When true, a waiting item of the same job with the same key absorbs this request. */
  readonly coalesce: boolean;
  /**
   * The most items of the job that may wait: a request that would add one more fails with
   * DomainError `queue_full` (one folded into a waiting item still succeeds).
   */
  readonly maxWaiting?: number;
  readonly now: number;
  /**
   * Recorded in the same commit as the item, with its queue id, so no accepted trigger goes
   * unaudited. Identical events committed together are stored as one, counted.
   */
  readonly audit?: AuditEvent;
  /**
   * With a key: when the same credential already used it since `since`, nothing is queued and the
   * result is the first request's, with `replayOf` set; otherwise the key is recorded with the item,
   * in the same commit. Concurrent requests with one key thus make one item.
   */
  readonly idempotency?: { readonly credential: string; readonly key: string; readonly fingerprint: string; readonly since: number };
}

export interface EnqueueResult {
  readonly queueId: number;
  /** False when the request was folded into an item that was already waiting. */
  readonly created: boolean;
  /** The item's due time after this request (folding can only move it earlier). */
  readonly dueAt: number;
  /** True when the item became due earlier than before (always for a new item). */
  readonly advanced: boolean;
  /** For a repeated idempotency key: the fingerprint of the first request, whose result this is. */
  readonly replayOf?: { readonly fingerprint: string };
}

/** A place in the queue's order (due time, then id). */
export interface QueuePosition {
  readonly dueAt: number;
  readonly id: number;
}

export interface QueueStore {
  /**
   * Adds a request to the queue. When coalescing and a waiting item of the job has the same
   * parameters key, the cause is added to it and its due time moves earlier (never later).
   */
  enqueue(request: EnqueueRequest): Promise<EnqueueResult>;
  get(id: number): Promise<QueueItem | null>;
  /** The first `limit` waiting items, soonest due first (ties by id). */
  listWaiting(limit: number): Promise<QueueItem[]>;
  /** The first `limit` waiting items of one job, soonest due first. */
  listWaitingOfJob(jobId: number, limit: number): Promise<QueueItem[]>;
  /**
   * The claim query: at most `limit` waiting items due at `now` or earlier, soonest first, after the
   * position `after` (to read on from a previous batch), skipping the excluded jobs and the jobs
   * running an `exclusive` build on any server (those cannot start another build now). Reads about
   * `limit` items however many wait.
   */
  listDue(now: number, excludedJobIds: readonly number[], limit: number, after?: QueuePosition | null): Promise<QueueItem[]>;
  /** The earliest due time of a waiting item after `now`, or null: when the scheduler must look again. */
  nextDueAfter(now: number): Promise<number | null>;
  /**
   * How many items wait, by why (for the metrics): in their quiet period at `now`, due but of a job in
   * `blockingJobIds` (one that cannot start another build now), or buildable. Counted through the
   * indexes of waiting items without reading a row.
   */
  waitingCounts(now: number, blockingJobIds: readonly number[]): Promise<WaitingCounts>;
  /** Marks a waiting item cancelled; returns null when it is not waiting. */
  cancel(id: number, now: number): Promise<QueueItem | null>;
  /** Cancels every waiting item of a job; returns them. */
  cancelForJob(jobId: number, now: number): Promise<QueueItem[]>;
  /** Forgets cancelled items that left the queue before `before`. */
  pruneCancelled(before: number): Promise<number>;
  /** Forgets idempotency keys recorded before `before`. */
  pruneIdempotencyKeys(before: number): Promise<number>;
}

export interface WaitingCounts {
  readonly quiet: number;
  readonly blocked: number;
  /** Due and not blocked: waiting for an executor, including items no node can run now (Jenkins counts those as buildable too). */
  readonly buildable: number;
}

export interface StartBuild {
  readonly queueId: number;
  /** The node the build runs on (`built-in` or an agent's name) and its executor slot there. */
  readonly node: string;
  readonly executor: number;
  readonly startedAt: number;
  /** The Steward server that runs the build on its built-in executors, or hands it to its agent. */
  readonly server?: string | null;
  /**
   * The job does not allow concurrent builds: the start is refused while another build of the job
   * runs, and no other build of the job starts while this one runs, whichever server asks.
   */
  readonly exclusive?: boolean;
  /** The build's lease: until when it holds unless its server renews it (`renewLeases`). */
  readonly leaseUntil?: number | null;
}

/** A stop asked for a build through a server that does not run it, for the server that does. */
export interface StopRequest {
  readonly jobId: number;
  readonly number: number;
  readonly interruption: Interruption;
  readonly mode: 'term' | 'kill';
}

export interface FinishBuild {
  readonly result: Result;
  readonly durationMs: number;
  readonly interruption: Interruption | null;
  /**
   * The server recording the result. A build another server holds now (it took the agent's build over
   * while this one was cut off) is not finished by this one: it comes back still running.
   */
  readonly server?: string | null;
}

/** A server asks to hold an agent's build whose server stopped renewing its lease. */
export interface TakeOver {
  readonly jobId: number;
  readonly number: number;
  readonly server: string;
  readonly leaseUntil: number;
  readonly now: number;
}

/**
 * What came of a `takeOver`: the build, now held by the asking server (or already held by it); the
 * server that holds it and whose lease still runs; or null when the build is not running.
 */
export type TakeOverOutcome = { readonly taken: Build } | { readonly heldBy: string | null } | null;

export interface BuildStore {
  /**
   * Turns a waiting queue item into a running build, atomically: the item leaves the queue, the job's
   * next build number is taken, and the build is recorded. Returns null when the item is no longer
   * waiting (cancelled, or started elsewhere), or when the start must wait for a running build of the
   * job (`exclusive`).
   */
  start(request: StartBuild): Promise<Build | null>;
  /**
   * Records a running build's result. A build that another server already finished (it reaped the
   * build's expired lease) keeps that result: the one recorded is returned.
   */
  finish(jobId: number, number: number, outcome: FinishBuild): Promise<Build>;
  /** Records the process group of a running build, so that it can be reaped after a crash. */
  setProcess(jobId: number, number: number, processGroup: number | null): Promise<void>;
  get(jobId: number, number: number): Promise<Build | null>;
  /** Newest first: the `limit` builds after skipping the `offset` newest. */
  list(jobId: number, range: { offset: number; limit: number }): Promise<Build[]>;
  /** Oldest first: at most `limit` builds numbered `fromNumber` or more. */
  listFrom(jobId: number, fromNumber: number, limit: number): Promise<Build[]>;
  /** How many builds the job has; kept, not counted. */
  count(jobId: number): Promise<number>;
  /** The build a permalink points to (lastBuild, lastFailedBuild…): one indexed read at any history length. */
  latest(jobId: number, name: PermalinkName): Promise<Build | null>;
  /** The builds a permalink points to, for many jobs at once (pages that list jobs), keyed by job id. */
  permalinks(jobIds: readonly number[], name: PermalinkName): Promise<Map<number, Build>>;
  /** The oldest build of the job. */
  first(jobId: number): Promise<Build | null>;
  listRunning(): Promise<RunningBuildRecord[]>;
  /**
   * Crash recovery of one server: aborts the builds that were running on its built-in executors (and
   * built-in builds that name no server, started before servers were named), oldest first.
   */
  abortRunningOn(server: string, interruption: Interruption, now: number): Promise<RunningBuildRecord[]>;
  /**
   * Extends the leases of the builds a server holds (on its built-in executors or its agents) to
   * `until`; returns the builds it renewed (one it holds and is missing was finished elsewhere: its
   * lease had expired).
   */
  renewLeases(server: string, until: number): Promise<Array<{ jobId: number; number: number }>>;
  /**
   * Aborts the running builds whose lease ran out (their server stopped renewing it; `leaseRanOut`,
   * agent builds after `agentGraceMs` more), oldest first; never those of the server asking, which
   * knows its own builds are alive.
   */
  reapExpired(now: number, asking: string, agentGraceMs: number): Promise<RunningBuildRecord[]>;
  /**
   * Moves a running agent build to the asking server, in one transaction, when its server's lease ran
   * out (that server died or lost the database): the agent's report reached another server, which
   * holds the build from now on. A build on the built-in node, or whose server's lease still runs, is
   * not moved.
   */
  takeOver(request: TakeOver): Promise<TakeOverOutcome>;
  /** Records a stop for a running build's own server to apply; false when the build is not running. */
  requestStop(request: StopRequest): Promise<boolean>;
  /** The stops asked for the running builds of a server. */
  stopRequests(server: string): Promise<StopRequest[]>;
  delete(jobId: number, number: number): Promise<void>;
}

export interface RunningBuildRecord {
  readonly build: Build;
  readonly processGroup: number | null;
  /** The server that ran it, when known. */
  readonly server?: string | null;
  /** Until when its lease held (null once finished, or for builds started before leases). */
  readonly leaseUntil?: number | null;
}

export interface UserStore {
  /** Looks a user up by id, ignoring case. */
  get(id: string): Promise<User | null>;
  list(): Promise<User[]>;
  create(user: User): Promise<User>;
  update(id: string, changes: { fullName?: string; passwordHash?: string; groups?: readonly string[] }): Promise<User>;
  /** Deletes the user with its API tokens and sessions; false when there was none. */
  delete(id: string): Promise<boolean>;
}

export interface NewApiToken {
  readonly uuid: string;
  readonly userId: string;
  readonly name: string;
  /** SHA-256 of the secret, hex; the secret itself is never stored. */
  readonly hash: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
}

export interface TokenUse {
  readonly uuid: string;
  readonly at: number;
  readonly address: string | null;
  /** Uses since the last record. */
  readonly count: number;
}

export interface ApiTokenStore {
  create(token: NewApiToken): Promise<ApiToken>;
  /** The token whose secret hashes to `hash`, revoked or not. */
  findByHash(hash: string): Promise<ApiToken | null>;
  get(uuid: string): Promise<ApiToken | null>;
  /** A user's tokens that are not revoked, oldest first. */
  listForUser(userId: string): Promise<ApiToken[]>;
  /** Marks a token revoked; null when it does not exist or was already revoked. */
  revoke(uuid: string, at: number): Promise<ApiToken | null>;
  rename(uuid: string, name: string): Promise<ApiToken | null>;
  /** Adds uses to the tokens' statistics (count, last use time and address). */
  recordUses(uses: readonly TokenUse[]): Promise<void>;
}

export interface Session {
  /** SHA-256 of the cookie value, hex. */
  readonly hash: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly address: string | null;
}

export interface SessionStore {
  create(session: Session): Promise<Session>;
  get(hash: string): Promise<Session | null>;
  touch(hash: string, at: number): Promise<void>;
  delete(hash: string): Promise<void>;
  /** Ends every session of a user (logout everywhere, password change). */
  deleteForUser(userId: string): Promise<number>;
  /** Ends sessions last seen before `before`. */
  pruneIdle(before: number): Promise<number>;
}

export interface SecurityStore {
  /** The stored policy, or null when none was ever saved (the default applies). */
  load(): Promise<AccessPolicy | null>;
  /** Saves the strategy and crumb setting, and replaces the grants of the given scopes. */
  save(policy: Omit<AccessPolicy, 'grants'>, grants: readonly Grant[], scopes: ReadonlyArray<number | null>): Promise<AccessPolicy>;
  /**
   * The check value of the key that seals this database's secrets: the first caller's `check` is kept;
   * returns the kept one, so a server can tell it was given another key than the database's.
   */
  keyCheck(check: string): Promise<string>;
  /**
   * The digest key, sealed with the master key, once a key rotation carried it (`steward key rotate`);
   * null before (the digest key is then derived from the master key).
   */
  sealedDigestKey(): Promise<string | null>;
}

export interface AuditStore {
  record(event: AuditEvent): Promise<void>;
  /** Newest first. */
  query(filter: AuditFilter): Promise<StoredAuditEvent[]>;
  /** Forgets events older than `before`. */
  prune(before: number): Promise<number>;
}


export interface NewTriggerToken {
  readonly uuid: string;
  readonly name: string;
  /** SHA-256 of the secret, hex. */
  readonly hash: string;
  readonly itemIds: readonly number[];
  readonly createdBy: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly allowedNetworks: readonly string[];
  readonly canCancel: boolean;
}

export interface TriggerTokenStore {
  create(token: NewTriggerToken): Promise<TriggerToken>;
  /** The token whose secret hashes to `hash`, revoked or not. */
  findByHash(hash: string): Promise<TriggerToken | null>;
  get(uuid: string): Promise<TriggerToken | null>;
  /** Tokens that are not revoked, oldest first. */
  list(): Promise<TriggerToken[]>;
  revoke(uuid: string, at: number): Promise<TriggerToken | null>;
  recordUses(uses: readonly TokenUse[]): Promise<void>;
}

export interface NodeStore {
  /** Every agent, ordered by name ignoring case. */
  list(): Promise<AgentNode[]>;
  /** By name, ignoring case. */
  get(name: string): Promise<AgentNode | null>;
  /** Fails with DomainError `name_taken` (facts `{ name, kind: 'node' }`) when the name is in use, ignoring case. */
  create(node: AgentNode, secrets: AgentSecrets): Promise<AgentNode>;
  update(name: string, changes: Partial<Pick<AgentNode, 'description' | 'labels' | 'executors' | 'offlineMessage'>>): Promise<AgentNode>;
  secrets(name: string): Promise<AgentSecrets | null>;
  setSecrets(name: string, secrets: AgentSecrets): Promise<void>;
  /** Records that the agent was heard from; cheap enough for every lease renewal. */
  touch(name: string, at: number): Promise<void>;
  delete(name: string): Promise<boolean>;
}

export interface ViewStore {
  /** A folder's views (null: the top level's), ordered by name ignoring case. */
  list(parentId: number | null): Promise<View[]>;
  /** Every view, of every folder: few, since people make them one by one. */
  listAll(): Promise<View[]>;
  /** By name in a folder, ignoring case. */
  get(parentId: number | null, name: string): Promise<View | null>;
  /** Fails with DomainError `name_taken` when the folder has a view of that name, ignoring case. */
  create(view: Omit<View, 'id'>): Promise<View>;
  update(id: number, settings: ViewSettings, sourceConfig: string | null): Promise<View>;
  delete(id: number): Promise<boolean>;
}

export interface WebhookStore {
  /** By name, ignoring case. */
  get(name: string): Promise<Webhook | null>;
  list(): Promise<Webhook[]>;
  /** Creates the webhook, or replaces the one with its name. */
  put(webhook: Webhook): Promise<Webhook>;
  delete(name: string): Promise<boolean>;
}

/**
 * Credentials, by store (`folderId`: null for the system store, else the folder's id) and id; ids are
 * unique per store and compared exactly (case matters, as in Jenkins). A folder's credentials go
 * with the folder when it is deleted. Secret fields are stored as they come (sealed by the caller).
 */
export interface CredentialStore {
  /** Adds the credential; false (nothing written) when its store already has one with its id. */
  create(credential: StoredCredential): Promise<boolean>;
  get(folderId: number | null, id: string): Promise<StoredCredential | null>;
  /** One store's credentials, by id. */
  list(folderId: number | null): Promise<StoredCredential[]>;
  /**
   * The credentials with these ids in the system store or the stores of these folders: what a job
   * below the folders may use, read in one statement.
   */
  findUsable(ids: readonly string[], folderIds: readonly number[]): Promise<StoredCredential[]>;
  /** Replaces the credential with its store and id (keeping `createdAt`); false when there is none. */
  update(credential: StoredCredential): Promise<boolean>;
  delete(folderId: number | null, id: string): Promise<boolean>;
}

/** Work done once per deployment however many servers share the database (pruning, reaping leases). */
export interface PeriodicStore {
  /**
   * Whether this server should run the task now: true for exactly one caller once `everyMs` has passed
   * since the task last ran anywhere (the first call ever included); the run is then booked.
   */
  claim(task: string, now: number, everyMs: number): Promise<boolean>;
}

/**
 * A key's current window of counted events (failed authentications from an address, triggers of a
 * token): it started with the key's first event and lasts the window's length from then.
 */
export interface RateWindow {
  /** Events counted in the window, reserved ones included. */
  readonly events: number;
  /** Events counted in advance and not yet settled (see `RateWindowStore.settle`). */
  readonly reserved: number;
  /** When the window ends, in ms since the epoch. */
  readonly endsAt: number;
}

/** One event to count: for `key`, in a window of `windowMs`, only while the window holds fewer than `below` (null: always). */
export interface EventCount {
  readonly key: string;
  readonly windowMs: number;
  readonly below: number | null;
  /** Counted as reserved too: a failure counted before the check that decides it. */
  readonly reserve?: boolean;
}

/**
 * Events per key in fixed windows, the rate limits' counts, seen alike by every server of the
 * deployment. A key has a window from its first event until `windowMs` later; an event after that
 * starts a new one, and so does an event after a window's every event was taken back. Counts need
 * not survive a crash of the database: losing them only forgives a few events early.
 */
export interface RateWindowStore {
  /**
   * Counts one event for each of `counts` in turn, and stops at the first whose window is full:
   * `counted` holds the windows of the events counted (in order, as they are after the count), `full`
   * the window that refused the next one (null when all were counted). A count and its check are one
   * step, so events counted at once through any servers never pass a limit.
   */
  count(counts: readonly EventCount[], now: number): Promise<{ counted: RateWindow[]; full: RateWindow | null }>;
  /** The key's window at `now`, or null when it has none. */
  read(key: string, now: number): Promise<RateWindow | null>;
  /**
   * Settles one reserved event of the key's window that ends at `endsAt`: kept (it stays counted), or
   * taken back (`refund`). Nothing happens once that window has ended.
   */
  settle(key: string, endsAt: number, refund: boolean): Promise<void>;
  /** Deletes windows that ended at or before `before`; resolves with how many. */
  prune(before: number): Promise<number>;
}

/** What a server tells every server of the deployment (itself included) after a change it committed. */
export type SignalTopic =
  /** Items were queued: due work may be waiting. */
  | 'queue'
  /** Builds started or finished: waits may end, and jobs may be free to start again. */
  | 'builds'
  /** A stop was asked for a build another server runs. */
  | 'stops'
  /** The access policy changed: servers holding it in memory read it again. */
  | 'policy';

/**
 * Wake-ups between servers. A signal carries no data (listeners read the store) and may be lost (a
 * connection that dropped), so listeners also look every `pollMs`; null when no signal is ever lost
 * (one process).
 */
export interface Signals {
  readonly pollMs: number | null;
  notify(topic: SignalTopic): void;
  /** Returns a function that stops listening. */
  on(topic: SignalTopic, listener: () => void): () => void;
}
