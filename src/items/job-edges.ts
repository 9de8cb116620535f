import type { Configurer } from './configurer.js';
import { DomainError } from '../core/errors.js';
import type { Item, Job, JobSettings } from '../core/item.js';
import { candidateFullNames, findCycle, type JobEdge, type OwnEdge, type ProjectTrigger } from '../core/job-edges.js';
import { nameKey } from '../core/item-name.js';
import type { Store } from '../store/types.js';


/** The job being saved: its id (null while it is created) and full name. */
export interface SavedJob {
  readonly id: number | null;
  readonly fullName: string;
}

/** Stands for the job being created in the cycle search (ids are positive). */
const NEW_JOB = -1;

/**
 * The edges a job's settings declare, resolved to jobs by the names' rules (relative to the job's
 * folder, then full names), refused with `config_invalid` when a name is not a job the configurer may
 * see or when the edges would make a cycle (naming its path), and with the configurer's refusal when it
 * adds a downstream job it may not build.
 */
export async function resolveEdges(store: Store, job: SavedJob, settings: JobSettings, configurer?: Configurer): Promise<OwnEdge[]> {
  const folder = job.fullName.includes('/') ? job.fullName.slice(0, job.fullName.lastIndexOf('/')) : null;
  const edges: OwnEdge[] = [];
  const stored = job.id === null ? [] : await store.items.downstreamOf(job.id);
  for (const [field, direction] of [
    ['upstreamTrigger', 'upstream'],
    ['downstreamTrigger', 'downstream'],
  ] as const) {
    const trigger: ProjectTrigger | null = settings[field];
    for (const name of trigger?.projects ?? []) {
      const other = await findJob(store, folder, name, field, configurer);
      if (configurer && direction === 'downstream' && !stored.some((edge) => edge.downstreamId === other.id)) configurer.checkBuild(other);
      edges.push({ other: other.id, direction, threshold: (trigger as ProjectTrigger).threshold });
    }
  }
  await refuseCycle(store, job, edges);
  return edges;
}

async function findJob(store: Store, folder: string | null, name: string, field: string, configurer: Configurer | undefined): Promise<Job> {
  for (const candidate of candidateFullNames(folder, name)) {
    const item = await store.items.findByFullName(candidate);
    if (!item || (configurer && !configurer.canRead(item))) continue;
    if (item.kind !== 'job') throw new DomainError('config_invalid', `${item.fullName} is a folder, not a job: only jobs are built.`, 'Name the jobs inside it.').at(`${field}.projects`);
    return item;
  }
  throw new DomainError('config_invalid', `No such project "${name}".`, `Names are relative to the job's folder${folder ? ` (${folder})` : ''}, or full names (folder/job); check the spelling.`).at(`${field}.projects`);
}

/**
 * Follows downstream edges from the job, as they will be once it is saved (its own edges replaced by
 * `own`), reading only the jobs it reaches; refuses the save when it reaches the job again.
 */
async function refuseCycle(store: Store, job: SavedJob, own: readonly OwnEdge[]): Promise<void> {
  if (own.length === 0) return;
  const self = job.id ?? NEW_JOB;
  const intoSelf = new Set(own.filter((edge) => edge.direction === 'upstream').map((edge) => edge.other));
  const next = new Map<number, number[]>();
  const pending = [self];
  while (pending.length > 0) {
    const at = pending.pop() as number;
    if (next.has(at)) continue;
    const storedEdges: JobEdge[] = at === NEW_JOB ? [] : await store.items.downstreamOf(at);
    const targets = storedEdges.filter((edge) => edge.ownerId !== job.id).map((edge) => edge.downstreamId);
    if (at === self) targets.push(...own.filter((edge) => edge.direction === 'downstream').map((edge) => edge.other));
    if (intoSelf.has(at)) targets.push(self);
    next.set(at, targets);
    pending.push(...targets);
  }
  const cycle = findCycle(self, (at) => next.get(at) ?? []);
  if (!cycle) return;
  const names = await Promise.all(cycle.map(async (id) => (id === self ? job.fullName : ((await store.items.get(id))?.fullName ?? `#${id}`))));
  const field = own.some((edge) => edge.direction === 'upstream') ? 'upstreamTrigger' : 'downstreamTrigger';
  throw new DomainError('config_invalid', `These build triggers make a cycle: ${names.join(' → ')}.`, 'A job may not start itself through upstream and downstream jobs: remove one of these edges.').at(field);
}

/**
 * The settings of a job whose build triggers name a job just renamed (in its folder, so only the last
 * segment of its name changed), with those names following it, as Jenkins rewrites them; null when
 * none names it. Names are matched by what they resolved to: the old full name.
 */
export function renamedInTriggers(owner: Job, from: string, to: string): JobSettings | null {
  const folder = owner.fullName.includes('/') ? owner.fullName.slice(0, owner.fullName.lastIndexOf('/')) : null;
  const newName = to.slice(to.lastIndexOf('/') + 1);
  const follow = (trigger: ProjectTrigger | null): ProjectTrigger | null => {
    if (!trigger) return trigger;
    const projects = trigger.projects.map((name) =>
      candidateFullNames(folder, name).some((candidate) => nameKey(candidate) === nameKey(from)) ? name.slice(0, name.lastIndexOf('/') + 1) + newName : name,
    );
    return projects.some((name, index) => name !== trigger.projects[index]) ? { ...trigger, projects } : trigger;
  };
  const upstreamTrigger = follow(owner.settings.upstreamTrigger);
  const downstreamTrigger = follow(owner.settings.downstreamTrigger);
  if (upstreamTrigger === owner.settings.upstreamTrigger && downstreamTrigger === owner.settings.downstreamTrigger) return null;
  return { ...owner.settings, upstreamTrigger, downstreamTrigger };
}
