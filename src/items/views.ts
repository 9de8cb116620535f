import isSafeRegex from 'safe-regex2';
import { DomainError } from '../core/errors.js';
import type { Folder, Item } from '../core/item.js';
import { nameKey } from '../core/item-name.js';
import { checkViewName, type View, viewIncludes, type ViewSettings } from '../core/view.js';
import type { Store } from '../store/types.js';

/** The longest `includeRegex` accepted: expressions are for names, which are short. */
const MAX_REGEX_LENGTH = 500;

/**
 * List views: creating, reconfiguring and deleting them, adding and removing items, and working out
 * which items a view shows. The implicit `all` view is not one of them.
 */
export class Views {
  constructor(private readonly store: Store) {}

  list(owner: Folder | null): Promise<View[]> {
    return this.store.views.list(owner?.id ?? null);
  }

  get(owner: Folder | null, name: string): Promise<View | null> {
    return this.store.views.get(owner?.id ?? null, name);
  }

  async create(owner: Folder | null, rawName: string, settings: ViewSettings, sourceConfig: string | null): Promise<View> {
    const name = checkViewName(rawName);
    compileIncludeRegex(settings.includeRegex);
    return this.store.views.create({ parentId: owner?.id ?? null, name, settings, sourceConfig });
  }

  async update(view: View, settings: ViewSettings, sourceConfig: string | null): Promise<View> {
    compileIncludeRegex(settings.includeRegex);
    return this.store.views.update(view.id, settings, sourceConfig);
  }

  async delete(view: View): Promise<void> {
    await this.store.views.delete(view.id);
  }

  /** Adds an item of the view's folder by its relative name; it must exist, as in Jenkins. */
  async add(view: View, owner: Folder | null, name: string): Promise<View> {
    const item = await this.store.items.findByFullName(owner ? `${owner.fullName}/${name}` : name);
    if (!item) {
      throw new DomainError('item_not_found', `Query parameter 'name' does not correspond to a known item: "${name}".`, `Give the name of an item in ${owner ? owner.fullName : 'the top level'}, relative to it.`);
    }
    const relative = relativeName(owner, item);
    if (view.settings.jobNames.some((existing) => nameKey(existing) === nameKey(relative))) return view;
    return this.store.views.update(view.id, { ...view.settings, jobNames: [...view.settings.jobNames, relative] }, view.sourceConfig);
  }

  async remove(view: View, name: string): Promise<View> {
    const jobNames = view.settings.jobNames.filter((existing) => nameKey(existing) !== nameKey(name));
    if (jobNames.length === view.settings.jobNames.length) return view;
    return this.store.views.update(view.id, { ...view.settings, jobNames }, view.sourceConfig);
  }

  /**
   * The items a view shows, in name order: the folder's own items, or with `recurse` every job below
   * it, that the view names or whose relative name its expression matches.
   */
  async items(owner: Folder | null, view: View): Promise<Item[]> {
    const candidates: Item[] = view.settings.recurse && owner ? await this.store.items.listJobsBelow(owner.id) : await this.store.items.listChildren(owner?.id ?? null);
    if (view.settings.recurse && !owner) candidates.push(...(await this.topLevelJobsBelow(candidates)));
    const regex = compileIncludeRegex(view.settings.includeRegex);
    return candidates.filter((item) => viewIncludes(view.settings, relativeName(owner, item), (name) => regex?.test(name) ?? false));
  }

  private async topLevelJobsBelow(topLevel: readonly Item[]): Promise<Item[]> {
    const below = await Promise.all(topLevel.filter((item) => item.kind === 'folder').map((folder) => this.store.items.listJobsBelow(folder.id)));
    return below.flat();
  }
}

function relativeName(owner: Folder | null, item: Item): string {
  return owner ? item.fullName.slice(owner.fullName.length + 1) : item.fullName;
}

/**
 * Compiles a view's expression, matched against whole names as Jenkins does. It runs on every listing,
 * so one that could backtrack without end (nested quantifiers) is refused, like an invalid one.
 */
export function compileIncludeRegex(source: string | null): RegExp | null {
  if (source === null) return null;
  const refuse = (why: string) =>
    new DomainError('config_invalid', `The view's includeRegex ${why}.`, 'Use a simple expression over item names, e.g. deploy-.* or (api|web)-.*').at('includeRegex');
  if (source.length > MAX_REGEX_LENGTH) throw refuse(`is longer than ${MAX_REGEX_LENGTH} characters`);
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${source})$`);
  } catch (error) {
    throw refuse(`is not a valid regular expression (${(error as Error).message})`);
  }
  if (!isSafeRegex(regex)) throw refuse('could take exponential time to match (nested repetition, like (a+)+)');
  return regex;
}
