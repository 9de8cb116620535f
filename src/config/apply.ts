import type { Accounts } from '../auth/accounts.js';
import { remoteTokenFor } from '../auth/secret-box.js';
import type { Policy, PolicyChange } from '../auth/policy.js';
import type { Webhooks } from '../auth/webhooks.js';
import type { Credentials } from '../auth/credentials.js';
import { CredentialDeclarations } from './apply-credentials.js';
import { type Grant, readGrants } from '../core/access.js';
import { DomainError } from '../core/errors.js';
import { type GitSource, simpleGitSource } from '../core/git-source.js';
import type { Folder, Item, JobSettings, RemoteTokenDigest, Retention } from '../core/item.js';
import { archiveSettings } from '../core/archive.js';
import { checkPasswordDefault, type ParameterDefinition } from '../core/parameters.js';
import type { Items } from '../items/items.js';
import type { Nodes } from '../nodes/nodes.js';
import { type ConfigFile, type FolderDeclaration, type JobDeclaration, milliseconds, seconds } from './config-file.js';

export interface SecretTools {
  seal(plaintext: string): string;
  unseal(sealed: string): string | null;
  digest(value: string): string;
}

export interface ApplyReport {
  readonly created: string[];
  readonly updated: string[];
  readonly users: string[];
  readonly nodes: string[];
}

/**
 * Applies the users, folders and jobs a configuration file declares: each is created when missing
 * and brought to the declared state when present. Items and users the file does not mention are
 * left alone. Errors name the declaration at fault.
 */
export interface ApplyDeps {
  readonly items: Items;
  readonly accounts: Accounts;
  readonly secrets: SecretTools;
  readonly policy: Policy;
  readonly webhooks: Webhooks;
  readonly credentials: Credentials;
  readonly nodes: Nodes;
  /** Ends a user's sessions (when the file changes their password). */
  readonly endSessions: (userId: string) => Promise<unknown>;
}

/** Jobs whose build triggers change, set in a second pass with the settings declared. */
type WithTriggers = Array<{ item: Item; settings: JobSettings }>;

/** Per-item grants found while applying, applied together with the server-wide ones. */
type ScopedGrants = Array<{ itemId: number | null; grants: readonly Grant[] }>;

/**
 * Applies the users, folders, jobs and security settings a configuration file declares: each is
 * created when missing and brought to the declared state when present. Items and users the file
 * does not mention are left alone, and so are the grants of items that declare none. Errors name
 * the declaration at fault.
 */
export async function applyConfigFile(config: ConfigFile, deps: ApplyDeps): Promise<ApplyReport> {
  const report: ApplyReport = { created: [], updated: [], users: [], nodes: [] };
  for (const user of config.users) {
    const existing = await deps.accounts.get(user.id);
    if (!existing) await deps.accounts.create({ id: user.id, fullName: user.fullName ?? user.id, password: user.password, groups: user.groups ?? [] });
    else {
      if (!(await deps.accounts.checkPassword(user.id, user.password))) {
        await deps.accounts.setPassword(user.id, user.password);
        await deps.endSessions(user.id);
      }
      await deps.accounts.update(user.id, { ...(user.fullName !== undefined ? { fullName: user.fullName } : {}), ...(user.groups !== undefined ? { groups: user.groups } : {}) });
    }
    report.users.push(user.id);
  }
  const scoped: ScopedGrants = [];
  const credentials = new CredentialDeclarations(config.credentials, deps);
  await credentials.apply(null);
  const withTriggers: WithTriggers = [];
  await applyLevel({ ...deps, credentials }, null, config.folders, config.jobs, report, scoped, withTriggers);
  await credentials.applyRest();
  // Build triggers name other jobs, which may come later in the file: they are set once every job exists.
  for (const { item, settings } of withTriggers) {
    const current = await deps.items.get(item.fullName);
    await deps.items.update(current, settings, current.sourceConfig);
  }
  const security = config.security;
  if (security?.grants !== undefined) scoped.unshift({ itemId: null, grants: readGrants(security.grants, null, 'security.grants') });
  const change: PolicyChange = {
    ...(security?.authorization !== undefined ? { strategy: security.authorization } : {}),
    ...(security?.allowAnonymousRead !== undefined ? { allowAnonymousRead: security.allowAnonymousRead } : {}),
    ...(security?.crumbs !== undefined ? { crumbs: security.crumbs } : {}),
    grants: scoped,
  };
  if (security !== undefined || scoped.length > 0) await deps.policy.update(change);
  for (const declared of config.webhooks) {
    await deps.webhooks.define(
      {
        name: declared.name,
        kind: declared.kind,
        secret: declared.secret,
        signature: declared.signature ?? null,
        jobs: declared.jobs,
        events: declared.events ?? [],
        refs: declared.refs ?? [],
        refField: declared.refField ?? 'ref',
        parameters: declared.parameters ?? {},
        eventHeader: declared.eventHeader ?? null,
        deliveryHeader: declared.deliveryHeader ?? null,
      },
      'configuration file',
    );
  }
  for (const declared of config.nodes) {
    const { name, ...values } = declared;
    // A declared node keeps the secret made when it was first created: its agent's file stays valid.
    if (await deps.nodes.get(name)) await deps.nodes.update(name, values);
    else await deps.nodes.create(declared);
    report.nodes.push(name);
  }
  return report;
}

async function applyLevel(
  deps: { items: Items; secrets: SecretTools; credentials: CredentialDeclarations },
  parent: Folder | null,
  folders: readonly FolderDeclaration[],
  jobs: readonly JobDeclaration[],
  report: ApplyReport,
  scoped: ScopedGrants,
  withTriggers: WithTriggers,
): Promise<void> {
  for (const declared of folders) {
    const item = await upsert(deps.items, parent, declared.name, { kind: 'folder', description: declared.description }, report);
    if (declared.grants !== undefined) scoped.push({ itemId: item.id, grants: readGrants(declared.grants, item.id, `the grants of folder ${item.fullName}`) });
    await deps.credentials.apply(item as Folder);
    await applyLevel(deps, item as Folder, declared.folders, declared.jobs, report, scoped, withTriggers);
  }
  for (const declared of jobs) {
    const fullName = parent ? `${parent.fullName}/${declared.name}` : declared.name;
    const existing = await deps.items.find(fullName);
    const current = existing?.kind === 'job' ? existing.settings : null;
    const settings = jobSettings(declared, current, deps.secrets);
    const changesTriggers = JSON.stringify([settings.upstreamTrigger, settings.downstreamTrigger]) !== JSON.stringify([current?.upstreamTrigger ?? null, current?.downstreamTrigger ?? null]);
    const first = changesTriggers ? { ...settings, upstreamTrigger: current?.upstreamTrigger ?? null, downstreamTrigger: current?.downstreamTrigger ?? null } : settings;
    const item = await upsert(deps.items, parent, declared.name, first, report);
    if (changesTriggers) withTriggers.push({ item, settings });
    if (declared.grants !== undefined) scoped.push({ itemId: item.id, grants: readGrants(declared.grants, item.id, `the grants of job ${item.fullName}`) });
  }
}

async function upsert(items: Items, parent: Folder | null, name: string, settings: JobSettings | { kind: 'folder'; description: string }, report: ApplyReport): Promise<Item> {
  const fullName = parent ? `${parent.fullName}/${name}` : name;
  const existing = await items.find(fullName);
  if (!existing) {
    const created = await items.create(parent, name, settings, null);
    report.created.push(created.fullName);
    return created;
  }
  if (existing.kind !== settings.kind) {
    throw new DomainError('item_kind_mismatch', `The configuration file declares ${fullName} as a ${settings.kind}, but it exists as a ${existing.kind}.`, `Rename one of them, or delete the existing ${existing.kind}.`);
  }
  const updated = await items.update(existing, settings, existing.sourceConfig);
  report.updated.push(updated.fullName);
  return updated;
}

/** The settings a job declaration describes; secrets already stored are kept when unchanged. */
export function jobSettings(declared: JobDeclaration, current: JobSettings | null, secrets: SecretTools): JobSettings {
  return {
    kind: 'job',
    description: declared.description,
    disabled: declared.disabled,
    concurrentBuild: declared.concurrent,
    quietPeriodSeconds: declared.quietPeriod === undefined ? null : seconds(declared.quietPeriod),
    parameters: declared.parameters.map((parameter) => parameterDefinition(parameter, current, secrets)),
    steps: declared.steps.map((step) => ({ command: step.sh, unstableReturn: step.unstableReturn ?? null })),
    timeoutMs: declared.timeout === undefined ? null : milliseconds(declared.timeout),
    retention: declared.retention ? retention(declared.retention) : null,
    remoteToken: declared.authToken === undefined ? null : token(declared.authToken, current?.remoteToken ?? null, secrets),
    coalesce: declared.coalesce,
    maxQueued: declared.maxQueued ?? null,
    labelExpression: declared.label ?? null,
    retryOnAgentLoss: declared.retryOnAgentLoss,
    timerSpec: blankAsNull(declared.timer),
    pollSpec: declared.poll ?? null,
    ignorePostCommitHooks: false,
    githubPushTrigger: declared.githubPush,
    scm: declared.git ? gitSource(declared.git) : null,
    // Absent, the bindings set through config.xml stay.
    bindings: declared.bindings === undefined ? (current?.bindings ?? []) : declared.bindings.map((one) => (one.kind === 'sshUserPrivateKey' ? { ...one, usernameVariable: one.usernameVariable ?? null, passphraseVariable: one.passphraseVariable ?? null } : one)),
    upstreamTrigger: declared.upstream ? { projects: declared.upstream.projects, threshold: declared.upstream.threshold } : null,
    downstreamTrigger: declared.downstream ? { projects: declared.downstream.projects, threshold: declared.downstream.threshold } : null,
    archive: declared.artifacts ? archiveSettings(declared.artifacts.include, { exclude: declared.artifacts.exclude, allowEmpty: declared.artifacts.allowEmpty, onlyIfSuccessful: declared.artifacts.onlyIfSuccessful }) : null,
    // The config.xml a job was last written as stays with it, with what of it Steward does not run.
    ignoredSettings: current?.ignoredSettings ?? [],
  };
}

export function retention(declared: { builds?: number | undefined; days?: number | undefined }): Retention {
  return { maxBuilds: declared.builds ?? null, maxDays: declared.days ?? null };
}

function token(value: string, current: RemoteTokenDigest | null, secrets: SecretTools): RemoteTokenDigest {
  return remoteTokenFor(secrets.digest(value), current);
}

function parameterDefinition(declared: JobDeclaration['parameters'][number], current: JobSettings | null, secrets: SecretTools): ParameterDefinition {
  const { name, description } = declared;
  const text = declared.default === undefined ? '' : String(declared.default);
  switch (declared.type) {
    case 'string':
    case 'text':
      return { type: declared.type, name, description, defaultValue: text, trim: declared.trim };
    case 'boolean':
      return { type: 'boolean', name, description, defaultValue: declared.default === true || text === 'true' };
    case 'choice':
      return { type: 'choice', name, description, choices: declared.choices ?? [] };
    case 'password': {
      const previous = current?.parameters.find((definition) => definition.name === name);
      const kept = previous?.type === 'password' && secrets.unseal(previous.sealedDefault) === text ? previous.sealedDefault : null;
      return { type: 'password', name, description, sealedDefault: kept ?? secrets.seal(checkPasswordDefault(name, text)) };
    }
  }
}

function blankAsNull(text: string | undefined): string | null {
  return text === undefined || text.trim() === '' ? null : text;
}

/** The config file's `git:` section as a source: one remote, one branch specifier, a few extensions. */
function gitSource(declared: NonNullable<JobDeclaration['git']>): GitSource {
  const source = simpleGitSource(declared.url, declared.branch ?? null, declared.credentials ?? null);
  return {
    ...source,
    extensions: {
      ...source.extensions,
      cleanBeforeCheckout: declared.clean,
      clone: declared.depth === undefined ? null : { shallow: true, depth: declared.depth, noTags: false, timeoutMinutes: null },
      relativeTargetDir: blankAsNull(declared.directory),
    },
  };
}
