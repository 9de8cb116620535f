import { rereadKeptConfigs } from './http/jenkins/config-xml/reread.js';
import { homedir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from 'pino';
import { Accounts } from './auth/accounts.js';
import { ApiTokens } from './auth/api-tokens.js';
import { AuditLog } from './auth/audit-log.js';
import { Authenticator } from './auth/authenticator.js';
import { Authorizer } from './auth/authorization.js';
import { Crumbs } from './auth/crumbs.js';
import { INITIAL_ADMIN, InitialPassword } from './auth/initial-password.js';
import { FailureLimiter, TriggerLimiter } from './auth/rate-limits.js';
import { Networks } from './auth/networks.js';
import { randomPassword } from './auth/passwords.js';
import { Policy } from './auth/policy.js';
import { keyCheckOf, SecretBox, WrongKeyError } from './auth/secret-box.js';
import { Sessions } from './auth/sessions.js';
import { TriggerTokens } from './auth/trigger-tokens.js';
import { Webhooks } from './auth/webhooks.js';
import { Credentials } from './auth/credentials.js';
import type { Job } from './core/item.js';
import { applyRetention } from './builds/retention.js';
import { applyConfigFile } from './config/apply.js';
import { type ConfigFile, loadConfigFile } from './config/config-file.js';
import { loadMasterKey } from './config/master-key.js';
import { resolveSettings, type ServeOptions, type Settings, SettingsError } from './config/settings.js';
import { BuildUserError, serverUserName } from './executor/build-user.js';
import { DiskReserve } from './executor/disk-reserve.js';
import { DiskSpaceMonitor } from './executor/disk-space.js';
import { type BuiltInNode, prepareBuiltInNode } from './executor/built-in-node.js';
import { ShellRunner } from './executor/shell-runner.js';
import { Workspaces } from './executor/workspaces.js';
import { createApp } from './http/app.js';
import { Readiness } from './http/readiness.js';
import { refuseUnreadableRequests, unreadableRequestResponse } from './http/protocol-refusals.js';
import { Items } from './items/items.js';
import { RemoteRunner } from './remote/remote-runner.js';
import { labelsMatch } from './labels/label-expression.js';
import { Views } from './items/views.js';
import { LogFiles } from './logs/log-files.js';
import { ArtifactFiles } from './artifacts/artifact-files.js';
import { ChunkedLogs } from './logs/chunked-logs.js';
import { Nodes } from './nodes/nodes.js';
import { probeWritable } from './logs/write-probe.js';
import { Metrics } from './metrics/metrics.js';
import { readMetricsToken } from './config/metrics-token.js';
import { anyLeaseExpired, reapLostBuilds, recoverInterruptedBuilds } from './queue/recovery.js';
import { fireDueTimers } from './queue/timer-triggers.js';
import { PushNotifications } from './queue/push-notifications.js';
import { ScmPolling } from './queue/scm-polling.js';
import { askRemoteHeads } from './executor/git-heads.js';
import { retryAfterAgentLoss } from './queue/agent-loss-retry.js';
import { Scheduler } from './queue/scheduler.js';
import { IDEMPOTENCY_KEPT_MS, Triggers } from './queue/trigger.js';
import { queueDownstream } from './queue/downstream-builds.js';
import { SchemaTooNewError } from './store/sqlite/migrate.js';
import { serverLog } from './server-log.js';
import { DomainError } from './core/errors.js';
import { openPostgresStore } from './store/postgres/open.js';
import { PgLogChunks } from './store/postgres/log-chunks.js';
import { openSqliteStore } from './store/sqlite/open.js';
import type { Store } from './store/types.js';
import { JENKINS_COMPATIBLE_VERSION, STEWARD_VERSION } from './version.js';

export interface RunningServer {
  /** The base URL the server listens on, ending in `/`. */
  readonly url: string;
  readonly port: number;
  readonly settings: Settings;
  /** Stops accepting requests, aborts running builds (the queue stays on disk) and closes the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Lines for the person who started the server (where the admin password is, the URL). */
  readonly announce?: (line: string) => void;
  readonly log?: Logger;
}

const PRUNE_EVERY_MS = 3_600_000;
/** How often some server of the deployment looks for builds whose server stopped renewing their lease. */
const REAP_EVERY_MS = 5_000;
/** How often the "Build periodically" timers are looked at: a schedule has minutes, a build starts at most this late. */
const TIMER_CHECK_MS = 5_000;
const INITIAL_PASSWORD_FILE = 'initialAdminPassword';
const CANCELLED_KEPT_MS = 86_400_000;

/** Reads the configuration file (when given) and the settings, and starts the server. */
export async function startFromOptions(options: ServeOptions, start: StartOptions = {}): Promise<RunningServer> {
  const env = start.env ?? process.env;
  const path = options.config ?? env.STEWARD_CONFIG;
  const file = path ? loadConfigFile(path, env) : null;
  return startServer(resolveSettings(options, env, file), file, start);
}

/** The composition root: the only place that names concrete implementations. */
export async function startServer(settings: Settings, file: ConfigFile | null, start: StartOptions = {}): Promise<RunningServer> {
  const env = start.env ?? process.env;
  const announce = start.announce ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = start.log ?? serverLog(settings.logLevel, settings.logFormat, process.stderr.isTTY === true);
  const node = builtInNode(settings);
  for (const note of node.notes) announce(note);
  if (node.warning) {
    announce(`WARNING: ${node.warning}`);
    log.warn(node.warning);
  }
  const secretsDir = join(settings.home, 'secrets');
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const master = loadMasterKey(secretsDir, settings.keyFile);
  if (master.warning) announce(master.warning);
  const metricsToken = settings.metricsTokenFile === null ? null : readMetricsToken(settings.metricsTokenFile);

  // The metrics read the scheduler and the disk monitor only when scraped, after they exist.
  const metrics = new Metrics({
    waitingCounts: () => scheduler.waitingCounts(),
    executors: () => ({ busy: scheduler.busyExecutors, total: scheduler.executorCount }),
    disk: () => disk.current,
  });
  const store = await openStore(settings, metrics);
  const secrets = await openSecretBox(store, master.key, settings);
  const accounts = new Accounts(store.users);
  await ensureAdmin(accounts, secretsDir, env, announce);
  const initialPassword = await InitialPassword.load(join(secretsDir, INITIAL_PASSWORD_FILE), accounts);
  accounts.whenPasswordGone((userId) => initialPassword.forget(userId));
  const policy = await Policy.load(store);
  const apiTokens = new ApiTokens(store);
  const sessions = new Sessions(store, { idleTimeoutMs: settings.sessionTimeoutMs, cookieName: `JSESSIONID.${secrets.derive('session cookie').toString('hex').slice(0, 8)}` });
  const triggerTokens = new TriggerTokens(store);
  const authenticator = new Authenticator({ accounts, apiTokens, sessions, triggerTokens, limiter: new FailureLimiter(store.rateWindows, settings.failedAuthentications) });
  const audit = new AuditLog(store, log, settings.auditRetentionMs);
  const webhooks = new Webhooks(store, secrets);
  const credentials = new Credentials(store, secrets);
  // What a build's bindings (and checkout) get: one read of the store per build, for the ids its job names.
  const credentialsOf = async (job: Job) => (await credentials.forBuild(job)).found;
  const nodes = new Nodes({ store, sealer: secrets });

  // Logs where every node reads them: in the database when there is a shared one, else files in the home.
  const logWritten = (bytes: number) => metrics.logWritten(bytes);
  const logs =
    settings.databaseUrl !== null
      ? new ChunkedLogs(new PgLogChunks({ url: settings.databaseUrl }), { onWritten: logWritten, onCompactionFailed: (err, job, build) => log.warn({ err, job, build }, 'could not compact the chunks of a console log') })
      : new LogFiles(join(settings.home, 'jobs'), logWritten);
  // Artifacts in the home: served by the node that ran the build (a shared store is for later, behind the same port).
  const artifacts = new ArtifactFiles(join(settings.home, 'artifacts'));
  const reserve = new DiskReserve(join(settings.home, 'disk-reserve'));
  const disk = new DiskSpaceMonitor(settings.home, (reading) => reserve.restore(reading.freeBytes));
  await disk.start();
  const buildUserName = node.buildUser?.name ?? serverUserName();
  const workspaces = new Workspaces(node.workspaceRoot, node.buildUser);
  let rootUrl = settings.publicUrl ?? '';
  const runner = new ShellRunner({
    logs,
    workspaces,
    buildUser: node.buildUser,
    globalEnvironment: settings.buildEnvironment,
    unseal: (sealed) => secrets.unseal(sealed),
    rootUrl: () => rootUrl,
    cookiePrefix: secrets.digest('build cookie').slice(0, 12),
    killGraceMs: settings.killGraceMs,
    log,
    previousRevisions: (job, build) => store.sources.previous(job.id, build.number),
    recordSource: (job, build, source) => store.sources.record(job.id, build.number, source),
    credentials: credentialsOf,
    artifacts: { store: artifacts, maxBuildBytes: settings.artifactsMaxBuildBytes },
  });
  const remoteRunner = new RemoteRunner({ logs, log, leaseKey: secrets.derive('agent lease'), unseal: (sealed) => secrets.unseal(sealed), leaseMs: settings.agentLeaseMs });
  const scheduler = new Scheduler({
    store,
    runner,
    remoteRunner,
    canRun: (job, labels) => labelsMatch(job.settings.labelExpression, labels),
    executors: settings.executors,
    server: settings.serverName,
    leaseMs: settings.serverLeaseMs,
    log,
    releaseDiskReserve: () => reserve.release(),
    onFinished: async (job, build) => {
      const retry = await retryAfterAgentLoss(triggers, job, build);
      if (retry !== null) log.info({ job: job.fullName, build: build.number, queueId: retry }, 'the build lost its agent: queued again (retryOnAgentLoss)');
      await queueDownstream({ store, triggers, log }, job, build);
      await applyRetention(store, { logs, artifacts }, job, settings.retention);
    },
  });
  const items = new Items({
    store,
    stopBuilds: (jobId, interruption) => scheduler.stopJob(jobId, interruption),
    removeFiles: async (job) => {
      await logs.removeJob(job.id);
      await artifacts.removeJob(job.id);
      await workspaces.remove(job.fullName);
    },
    isBuilding: (jobId) => scheduler.isBuilding(jobId),
    moveFiles: (from, to) => workspaces.move(from, to),
  });
  scheduler.events.on('started', (build, queuedAt) => metrics.buildStarted(build, queuedAt));
  scheduler.events.on('finished', (build) => metrics.buildFinished(build));
  const triggers = new Triggers({
    store,
    sealer: secrets,
    defaultQuietPeriodSeconds: () => settings.quietPeriodSeconds,
    defaultMaxQueued: () => settings.maxQueuedPerJob,
    wake: () => {
      scheduler.wake();
      store.signals.notify('queue');
    },
    accepted: () => metrics.triggerAccepted(),
    limiter: new TriggerLimiter(store.rateWindows, settings.triggerLimits),
  });

  // Polling runs git on this server, with a plain environment: none of the server's own variables.
  const pollingEnvironment = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: homedir() };
  const scmPolling = new ScmPolling({ store, triggers, log, ask: async (job) => askRemoteHeads(job, await credentialsOf(job), pollingEnvironment) });
  const pushNotifications = new PushNotifications({ store, polling: scmPolling, triggers, log });

  if (file) {
    const report = await applyConfigFile(file, { items, accounts, secrets, policy, webhooks, credentials, nodes, endSessions: (userId) => sessions.endAllOf(userId) });
    log.info({ created: report.created, updated: report.updated, users: report.users, nodes: report.nodes }, 'applied the configuration file');
  }
  const reread = await rereadKeptConfigs({ store, items, secrets, log });
  if (reread > 0) announce(`${reread} job(s) saved by an older Steward now run more of their config.xml (a git checkout, polling, build triggers or bindings); the log names them.`);
  const recovered = await recoverInterruptedBuilds(store, runner, settings.serverName, log);
  if (recovered > 0) announce(`Aborted ${recovered} build(s) that were running when Steward last stopped.`);
  const adopted = await scheduler.adoptRunning();
  if (adopted.length > 0) announce(`${adopted.length} build(s) running on agents go on; their agents report to this server again.`);
  // Before any server may reap them: the adopted builds' leases ran on while this server was down.
  await scheduler.renewLeases();
  scheduler.listen();

  const app = createApp({
    jenkins: {
      store,
      items,
      views: new Views(store),
      triggers,
      scheduler,
      logs,
      artifacts,
      secrets,
      publicUrl: settings.publicUrl,
      builtInNode: () => ({ buildUser: buildUserName, warning: node.warning, diskSpace: disk.current }),
      nodes,
      // What runs on each agent: none until agents claim builds (the scheduler answers it then).
      runningByNode: () => scheduler.runningByNode(),
      scmPolling,
      pushNotifications,
      githubWebhookSecret: async () => (settings.githubWebhookSecretCredential === null ? null : credentials.serverSecretText(settings.githubWebhookSecretCredential)),
      accounts,
      authenticator,
      apiTokens,
      triggerTokens,
      webhooks,
      credentials,
      sessions,
      policy,
      authorizer: new Authorizer(policy),
      crumbs: new Crumbs(secrets.derive('crumbs')),
      audit,
      initialPassword,
    },
    log,
    bodyLimitBytes: settings.bodyLimitBytes,
    jenkinsVersion: JENKINS_COMPATIBLE_VERSION,
    stewardVersion: STEWARD_VERSION,
    instanceTag: randomBytes(4).toString('hex'),
    trustedProxies: new Networks(settings.trustedProxies),
    operations: {
      readiness: new Readiness({ database: () => store.ping(), home: () => probeWritable(settings.home) }),
      metrics,
      metricsToken,
    },
    agents: {
      store,
      scheduler,
      remote: remoteRunner,
      authenticate: (name, secret) => nodes.authenticate(name, secret),
      unseal: (sealed) => secrets.unseal(sealed),
      credentials: credentialsOf,
      rootUrl: () => rootUrl,
      globalEnvironment: settings.buildEnvironment,
    },
  });
  const server = await listen(app.fetch, settings);
  const { port } = server.address() as AddressInfo;
  const host = settings.host === '0.0.0.0' || settings.host === '::' ? 'localhost' : settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${host}:${port}/`;
  rootUrl = settings.publicUrl ?? url;

  const prune = () =>
    Promise.all([
      store.queue.pruneCancelled(Date.now() - CANCELLED_KEPT_MS),
      store.queue.pruneIdempotencyKeys(Date.now() - IDEMPOTENCY_KEPT_MS),
      sessions.pruneIdle(),
      audit.prune(),
      store.rateWindows.prune(Date.now()),
    ]).catch((error: unknown) => log.warn({ err: error }, 'pruning old queue items, idempotency keys, sessions, audit events or rate windows failed'));
  // Once per deployment, by whichever server claims the run (PeriodicStore), however many share the database.
  const periodic = (task: string, everyMs: number, work: () => Promise<unknown>) => async () => {
    try {
      if (await store.periodic.claim(task, Date.now(), everyMs)) await work();
    } catch (error) {
      log.warn({ err: error, task }, 'a periodic task failed; it runs again at its next turn');
    }
  };
  const pruneOnce = periodic('prune', PRUNE_EVERY_MS, prune);
  const reapOnce = periodic('reap lost builds', REAP_EVERY_MS, () => reapLostBuilds(store, runner, settings.serverName, remoteRunner.leaseMs, log));
  await pruneOnce();
  const pruner = setInterval(() => void pruneOnce(), PRUNE_EVERY_MS / 12);
  pruner.unref();
  const reaper = setInterval(() => {
    anyLeaseExpired(store, settings.serverName, Date.now(), remoteRunner.leaseMs).then(
      (expired) => (expired ? reapOnce() : undefined),
      () => {}, // the database is out of reach: nobody can reap now
    );
  }, REAP_EVERY_MS);
  reaper.unref();
  // Timers are read every few seconds on every server (one index seek when none is due); each fires once per deployment.
  const timers = setInterval(() => {
    fireDueTimers({ store, triggers, log }).catch((error: unknown) => log.warn({ err: error }, 'firing the "Build periodically" timers failed; they are looked at again shortly'));
    scmPolling.pollDue().catch((error: unknown) => log.warn({ err: error }, 'polling the jobs\' repositories failed; the due polls are looked at again shortly'));
  }, TIMER_CHECK_MS);
  timers.unref();
  scheduler.wake();
  announce(`Steward listening on ${url}`);

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    settings,
    close: () => {
      closing ??= (async () => {
        clearInterval(pruner);
        clearInterval(reaper);
        clearInterval(timers);
        disk.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await scheduler.shutdown();
        server.closeAllConnections?.();
        await stopped;
        await apiTokens.close();
        await triggerTokens.close();
        await logs.close();
        await store.close();
        log.flush?.();
      })();
      return closing;
    },
  };
}

function listen(fetch: Parameters<typeof getRequestListener>[0], settings: Settings): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Without a Host header the adapter cannot make a URL, and answers that with the reason, not Node's bare 400.
    const server = createServer({ requireHostHeader: false }, getRequestListener(fetch, { hostname: settings.host, errorHandler: unreadableRequestResponse }));
    refuseUnreadableRequests(server);
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Opens the database: PostgreSQL when an address was given, else SQLite in the home. One of a newer
 * Steward, or a PostgreSQL server out of reach, is a problem of the start, reported as one (exit 2).
 */
async function openStore(settings: Settings, metrics: Metrics): Promise<Store> {
  const observeCommit = (seconds: number) => metrics.commit(seconds);
  try {
    if (settings.databaseUrl !== null) return await openPostgresStore({ url: settings.databaseUrl, observeCommit, observeConflict: () => metrics.dbConflict() });
    return openSqliteStore({ path: join(settings.home, 'steward.db'), observeCommit });
  } catch (error) {
    if (error instanceof SchemaTooNewError) throw new SettingsError(error.message);
    if (error instanceof DomainError && error.code === 'storage_unavailable') {
      throw new SettingsError(`${error.message} Check that PostgreSQL runs and accepts connections from this machine, and the address given by --database or STEWARD_DATABASE_URL.`);
    }
    throw error;
  }
}

/**
 * The secret box of the master key, with the digest key a key rotation carried in the database. Refuses
 * to run on a PostgreSQL database whose secrets were sealed with another key: a second server started
 * without the first one's key (or with a new one after a move, or the old one after a rotation) would
 * otherwise fail to open every sealed value and hand out crumbs and session cookies the other servers
 * refuse. The first server's key check is recorded on either backend, so that an imported SQLite home
 * carries it. On SQLite the key lives beside the database in the home, so only a carried digest key
 * the key does not open (a rotation whose new key was not put in place) stops the start there.
 */
async function openSecretBox(store: Store, key: Buffer, settings: Settings): Promise<SecretBox> {
  const mine = keyCheckOf(key);
  try {
    if ((await store.security.keyCheck(mine)) !== mine && settings.databaseUrl !== null) throw new WrongKeyError();
    return new SecretBox(key, await store.security.sealedDigestKey());
  } catch (error) {
    if (!(error instanceof WrongKeyError)) throw error;
    await store.close();
    const given = settings.keyFile === null ? `the key in ${join(settings.home, 'secrets', 'master.key')}` : `the key in ${settings.keyFile}`;
    throw new SettingsError(
      `This database's secrets are sealed with another key than ${given}. Every server of one database needs the same key: start this one with --key-file naming a copy of the first server's HOME/secrets/master.key, or, after steward key rotate, the new key (docs/operations.md, "The key, shared by every server").`,
    );
  }
}

/** Prepares the built-in node; a build user that cannot work is a settings problem, reported as one. */
function builtInNode(settings: Settings): BuiltInNode {
  try {
    return prepareBuiltInNode(settings);
  } catch (error) {
    if (error instanceof BuildUserError) throw new SettingsError(error.message);
    throw error;
  }
}

/**
 * On first start (no users yet) creates `admin`, with `STEWARD_ADMIN_PASSWORD` when set, otherwise a
 * random password written to `secrets/initialAdminPassword` (mode 0600), whose path is announced.
 */
async function ensureAdmin(accounts: Accounts, secretsDir: string, env: NodeJS.ProcessEnv, announce: (line: string) => void): Promise<void> {
  if (!(await accounts.isEmpty())) return;
  const given = env.STEWARD_ADMIN_PASSWORD;
  const password = given && given !== '' ? given : randomPassword();
  await accounts.create({ id: INITIAL_ADMIN, fullName: INITIAL_ADMIN, password });
  if (given) {
    announce('Created the user admin with the password from STEWARD_ADMIN_PASSWORD.');
    return;
  }
  const path = join(secretsDir, INITIAL_PASSWORD_FILE);
  writeFileSync(path, `${password}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  announce(`Created the user admin. Its password is in ${path} (removed once admin's password is changed).`);
}
