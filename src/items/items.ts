import type { Interruption } from '../core/build.js';
import { DomainError, isDomainError } from '../core/errors.js';
import { checkJobSettings, type Folder, type FolderSettings, type Item, type Job, type JobSettings } from '../core/item.js';
import { checkItemName, joinFullName, nameKey, splitFullName } from '../core/item-name.js';
import { renameInView } from '../core/view.js';
import { labelExpressionSetting } from '../labels/label-expression.js';
import { type NextFires, NO_FIRES, type Store } from '../store/types.js';
import type { Configurer } from './configurer.js';
import { renamedInTriggers, resolveEdges } from './job-edges.js';
import { nextFire, parseTimerSpec } from '../timers/timer-spec.js';
import { checkCredentialUses } from './credential-uses.js';

export interface ItemsDeps {
  readonly store: Store;
  /** Stops a job's running builds and waits for them to end. */
  readonly stopBuilds: (jobId: number, interruption: Interruption) => Promise<void>;
  /** Deletes what a job has on disk: workspace and build logs. */
  readonly removeFiles: (job: Job) => Promise<void>;
  /** Whether a build of the job is running. */
  readonly isBuilding: (jobId: number) => boolean;
  /** Moves what a renamed item has on disk under its full name (workspaces). */
  readonly moveFiles: (fromFullName: string, toFullName: string) => Promise<void>;
  readonly now?: () => number;
}

/**
 * The life of folders and jobs: looking them up by full name, creating, reconfiguring, copying,
 * enabling, disabling and deleting them, with the rules every way in (API, config file) shares.
 */
export class Items {
  constructor(private readonly deps: ItemsDeps) {}

  /** Finds an item by its full name (`team/app/deploy`), ignoring case; throws when missing. */
  async get(fullName: string): Promise<Item> {
    const item = await this.find(fullName);
    if (!item) throw new DomainError('item_not_found', `No item named "${fullName}".`, 'Check the name (it is the full path, e.g. folder/job).');
    return item;
  }

  /**
   * An item named from inside a folder, as a copy's source (`from=`) is: relative to the folder first,
   * else as a full name; a leading `/` means a full name only.
   */
  async findFrom(folder: Folder | null, name: string): Promise<Item | null> {
    const bare = name.replace(/^\/+/, '');
    const relative = folder && !name.startsWith('/') ? await this.find(`${folder.fullName}/${bare}`) : null;
    return relative ?? this.find(bare);
  }

  /** When a job saved now with these settings first fires by each of its timers. */
  private nextFires(settings: FolderSettings | JobSettings, fullName: string): NextFires {
    if (settings.kind !== 'job') return NO_FIRES;
    const now = (this.deps.now ?? Date.now)();
    const fire = (spec: string | null) => (spec === null || spec === '' ? null : nextFire(parseTimerSpec(spec, fullName), now));
    return { build: fire(settings.timerSpec), poll: fire(settings.pollSpec) };
  }

  find(fullName: string): Promise<Item | null> {
    return this.deps.store.items.findByFullName(splitFullName(fullName).join('/'));
  }

  byId(id: number): Promise<Item | null> {
    return this.deps.store.items.get(id);
  }

  children(folder: Folder | null): Promise<Item[]> {
    return this.deps.store.items.listChildren(folder?.id ?? null);
  }

  /**
   * Creates a folder or job. `configurer` is the person saving (absent for the configuration file): the
   * credentials a job names must be ones it may use there, the jobs its build triggers name ones it may
   * see, and build when they are downstream.
   */
  async create(parent: Item | null, rawName: string, settings: FolderSettings | JobSettings, sourceConfig: string | null, configurer: Configurer | null = null): Promise<Item> {
    if (parent && parent.kind !== 'folder') {
      throw new DomainError('parent_not_folder', `${parent.fullName} is a job, not a folder: items can only be created in folders.`);
    }
    const name = checkItemName(rawName);
    const fullName = joinFullName(parent?.fullName ?? null, name);
    const saved = checked(settings);
    if (saved.kind === 'job') await checkCredentialUses(this.deps.store, saved, null, parent ? [...parent.ancestorIds, parent.id] : [], parent, configurer);
    const edges = saved.kind === 'job' ? await resolveEdges(this.deps.store, { id: null, fullName }, saved, configurer ?? undefined) : undefined;
    return this.deps.store.items.create({ parentId: parent?.id ?? null, name, fullName, settings: saved, sourceConfig, nextFires: this.nextFires(saved, fullName), ...(edges ? { edges } : {}) });
  }

  /** Reconfigures an item; a job's credentials and build triggers are checked (see `create`) when they change. */
  async update(item: Item, settings: FolderSettings | JobSettings, sourceConfig: string | null, configurer: Configurer | null = null): Promise<Item> {
    if (settings.kind !== item.kind) {
      throw new DomainError('item_kind_mismatch', `${item.fullName} is a ${item.kind}; this configuration describes a ${settings.kind}.`, `Delete the ${item.kind} first, or send a ${item.kind} configuration.`);
    }
    const saved = checked(settings);
    if (saved.kind === 'job' && item.kind === 'job') await checkCredentialUses(this.deps.store, saved, item.settings, item.ancestorIds, item, configurer);
    const edges = saved.kind === 'job' && item.kind === 'job' && triggersChanged(item.settings, saved) ? await resolveEdges(this.deps.store, item, saved, configurer ?? undefined) : undefined;
    const updated = await this.deps.store.items.update(item.id, saved, sourceConfig, this.nextFires(saved, item.fullName), edges);
    if (updated.kind === 'job' && updated.settings.disabled && item.kind === 'job' && !item.settings.disabled) {
      await this.deps.store.queue.cancelForJob(updated.id, this.now());
    }
    return updated;
  }

  /** Copies an item (a folder with everything below it) under a new name; history is not copied. */
  async copy(source: Item, parent: Item | null, name: string, configurer: Configurer | null = null): Promise<Item> {
    const copy = await this.create(parent, name, source.settings, source.sourceConfig, configurer);
    if (source.kind === 'folder') {
      for (const child of await this.deps.store.items.listChildren(source.id)) await this.copy(child, copy, child.name, configurer);
    }
    return copy;
  }

  /**
   * Renames an item in its folder, as Jenkins' `doRename`: its id, and so its builds, queue items,
   * grants and trigger tokens, stay; its workspaces move; webhooks that name it (or, for a folder,
   * jobs below it) follow. Refused while a build of it (or below it) runs, as in Jenkins.
   */
  async rename(item: Item, rawName: string): Promise<Item> {
    const name = checkItemName(rawName);
    if (name === item.name) return item;
    const jobs = item.kind === 'job' ? [item] : await this.deps.store.items.listJobsBelow(item.id);
    const busy = jobs.find((job) => this.deps.isBuilding(job.id));
    if (busy) {
      throw new DomainError('build_running', `${item.fullName} cannot be renamed while ${busy.fullName} is building.`, 'Wait for the build to end (or stop it), then rename.');
    }
    const renamed = await this.deps.store.items.rename(item.id, name);
    await this.deps.moveFiles(item.fullName, renamed.fullName);
    await this.renameInWebhooks(item.fullName, renamed.fullName);
    await this.renameInViews(item, renamed);
    if (renamed.kind === 'job') await this.renameInTriggers(renamed, item.fullName);
    return renamed;
  }

  /**
   * The build triggers of other jobs that name a renamed job follow its new name, as in Jenkins; found
   * through the job's edges (every job naming it owns one), not by reading every job. The edges
   * themselves are by id and stay. A folder's rename leaves the names of the jobs below it as they are.
   */
  private async renameInTriggers(job: Job, from: string): Promise<void> {
    const edges = [...(await this.deps.store.items.upstreamOf(job.id)), ...(await this.deps.store.items.downstreamOf(job.id))];
    for (const ownerId of new Set(edges.map((edge) => edge.ownerId).filter((id) => id !== job.id))) {
      const owner = await this.deps.store.items.get(ownerId);
      const settings = owner?.kind === 'job' ? renamedInTriggers(owner, from, job.fullName) : null;
      if (owner && settings) await this.update(owner, settings, owner.sourceConfig);
    }
  }

  /** Views name items relative to their folder: those of the item's folders follow the new name. */
  private async renameInViews(item: Item, renamed: Item): Promise<void> {
    const from = splitFullName(item.fullName);
    const to = splitFullName(renamed.fullName);
    const owners = [null, ...item.ancestorIds];
    for (const view of await this.deps.store.views.listAll()) {
      const depth = owners.indexOf(view.parentId);
      if (depth < 0) continue;
      const settings = renameInView(view.settings, from.slice(depth).join('/'), to.slice(depth).join('/'));
      if (settings.jobNames.some((name, index) => name !== view.settings.jobNames[index])) await this.deps.store.views.update(view.id, settings, view.sourceConfig);
    }
  }

  private async renameInWebhooks(from: string, to: string): Promise<void> {
    const key = nameKey(from);
    const moved = (name: string) => {
      const lower = nameKey(name);
      return lower === key ? to : lower.startsWith(`${key}/`) ? `${to}${name.slice(from.length)}` : name;
    };
    for (const webhook of await this.deps.store.webhooks.list()) {
      const jobs = webhook.jobs.map(moved);
      if (jobs.some((name, index) => name !== webhook.jobs[index])) await this.deps.store.webhooks.put({ ...webhook, jobs });
    }
  }

  /** Disabling also cancels the job's queued builds, as in Jenkins; running builds continue. */
  async setDisabled(job: Job, disabled: boolean): Promise<Job> {
    if (job.settings.disabled === disabled) return job;
    return (await this.update(job, { ...job.settings, disabled }, job.sourceConfig)) as Job;
  }

  /** Deletes an item and everything below it: queued and running builds, history, workspaces, logs. */
  async delete(item: Item): Promise<void> {
    const jobs = item.kind === 'job' ? [item] : await this.deps.store.items.listJobsBelow(item.id);
    for (const job of jobs) {
      await this.deps.store.queue.cancelForJob(job.id, this.now());
      await this.deps.stopBuilds(job.id, { kind: 'deleted' });
    }
    await this.deps.store.items.delete(item.id);
    await Promise.all(jobs.map((job) => this.deps.removeFiles(job)));
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

/**
 * Settings as they are stored, whichever way they arrived (API, config file, config.xml, the form):
 * checked by the domain's rules, and the label expression parsed here, the one place that needs
 * both the domain and the parser (core imports no npm package), and stored trimmed, blank as null.
 */
function checked<S extends FolderSettings | JobSettings>(settings: S): S {
  if (settings.kind !== 'job') return settings;
  checkJobSettings(settings);
  const timerSpec = settings.timerSpec === null || settings.timerSpec.trim() === '' ? null : settings.timerSpec;
  // A blank polling schedule is kept: it polls when a push notification names the repository.
  const pollSpec = settings.pollSpec === null ? null : settings.pollSpec.trim() === '' ? '' : settings.pollSpec;
  checkSchedule(timerSpec, 'timerSpec');
  checkSchedule(pollSpec === '' ? null : pollSpec, 'pollSpec');
  return { ...settings, labelExpression: labelExpressionSetting(settings.labelExpression), timerSpec, pollSpec };
}

/** The job's name only spreads H: any name finds a schedule that cannot be read. */
function checkSchedule(spec: string | null, field: 'timerSpec' | 'pollSpec'): void {
  if (spec === null) return;
  try {
    parseTimerSpec(spec, '');
  } catch (error) {
    throw isDomainError(error) ? error.at(field) : error;
  }
}

/** Whether a save changes the job's build triggers: unchanged ones are neither resolved nor checked again. */
function triggersChanged(before: JobSettings, after: JobSettings): boolean {
  return JSON.stringify([before.upstreamTrigger, before.downstreamTrigger]) !== JSON.stringify([after.upstreamTrigger, after.downstreamTrigger]);
}
