import type { Build } from '../../core/build.js';
import { isPermalinkName, PERMALINKS } from '../../core/build.js';
import { DomainError } from '../../core/errors.js';
import type { Folder, Item, Job } from '../../core/item.js';
import { nameKey } from '../../core/item-name.js';
import { Permissions } from '../../core/permissions.js';
import { ALL_VIEW, type View } from '../../core/view.js';
import type { Scope } from './scope.js';

/** What a Jenkins URL names before its action: the root, a folder, a job or a build. */
export type Target =
  | { readonly kind: 'root' }
  | { readonly kind: 'folder'; readonly item: Folder }
  | { readonly kind: 'job'; readonly item: Job }
  | { readonly kind: 'build'; readonly job: Job; readonly build: Build }
  /** A view of the root or a folder (`owner`); `view` null is the implicit `all` view. */
  | { readonly kind: 'view'; readonly owner: Folder | null; readonly view: View | null };

/**
 * Walks `job/a/job/b/…[/N or permalink]` from the root, as Stapler does, and returns the target and
 * the remaining segments (the action). Items the caller may neither read nor discover look missing
 * (404), as in Jenkins; items it may only discover are refused (403). `view/V/` names a view of the
 * root or a folder, and jobs below it are the folder's (`/view/V/job/X/` is `/job/X/`).
 */
export async function traverse(scope: Scope, segments: readonly string[]): Promise<{ target: Target; rest: string[] }> {
  let target: Target = { kind: 'root' };
  let index = 0;
  for (;;) {
    const next = segments[index + 1];
    if (next === undefined || !(target.kind === 'root' || target.kind === 'folder' || target.kind === 'view')) break;
    if (segments[index] === 'view' && target.kind !== 'view') {
      const owner = folderOf(target);
      target = { kind: 'view', owner, view: await findView(scope, owner, next) };
      index += 2;
      continue;
    }
    if (segments[index] !== 'job') break;
    const name = next;
    const parentName: string | null = folderOf(target)?.fullName ?? null;
    // A segment is one name, and no name holds a `/`: `job/team%2Fapp` is not team/app (a path split
    // by the item store would make it one, and a name spelt two ways is a trap for allow-lists).
    const item: Item | null = name.includes('/') ? null : await scope.deps.items.find(parentName ? `${parentName}/${name}` : name);
    const visibility = item ? scope.deps.authorizer.visibility(scope.principal, item) : 'hidden';
    if (!item || visibility === 'hidden') {
      throw new DomainError('item_not_found', `No item named "${parentName ? `${parentName}/${name}` : name}".`, parentName ? `Check the name; ${parentName} is a folder with its own items.` : 'Check the name; folders are addressed as /job/FOLDER/job/NAME/.');
    }
    // Job/Discover without Job/Read: the caller may know the item exists, but not look inside (403).
    if (visibility === 'discover') throw scope.deps.authorizer.refusal(scope.principal, Permissions.ItemRead, item);
    target = item.kind === 'folder' ? { kind: 'folder', item } : { kind: 'job', item };
    index += 2;
  }
  if (target.kind === 'job' && segments[index] !== undefined) {
    const segment = segments[index] as string;
    const build = await findBuild(scope, target.item, segment);
    if (build) {
      target = { kind: 'build', job: target.item, build };
      index += 1;
    }
  }
  return { target, rest: segments.slice(index) };
}

/** The folder whose items a `job/NAME` segment names next: a folder's, a view's folder, or the top level's (null). */
function folderOf(target: Target): Folder | null {
  return target.kind === 'view' ? target.owner : target.kind === 'folder' ? target.item : null;
}

async function findView(scope: Scope, owner: Folder | null, name: string): Promise<View | null> {
  if (nameKey(name) === ALL_VIEW) return null;
  const view = await scope.deps.views.get(owner, name);
  if (!view) throw new DomainError('item_not_found', `No view named "${name}"${owner ? ` in ${owner.fullName}` : ''}.`, `Every folder has the view "${ALL_VIEW}"; list the others in …/api/json?tree=views[name].`);
  return view;
}

async function findBuild(scope: Scope, job: Job, segment: string): Promise<Build | null> {
  if (/^\d+$/.test(segment)) {
    const build = await scope.deps.store.builds.get(job.id, Number(segment));
    if (!build) throw new DomainError('build_not_found', `${job.fullName} has no build #${segment}.`, 'See the job\'s builds in …/api/json?tree=builds[number].');
    return build;
  }
  if (isPermalinkName(segment)) {
    const build = await scope.deps.store.builds.latest(job.id, segment);
    if (!build) throw new DomainError('build_not_found', `${job.fullName} has no ${segment} yet.`);
    return build;
  }
  return null;
}
