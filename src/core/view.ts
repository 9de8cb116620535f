import { DomainError } from './errors.js';
import { checkItemName, nameKey } from './item-name.js';

/**
 * A list view (Jenkins' `hudson.model.ListView`): a named selection of the items in a folder (or at
 * the top level), shown as a tab. Items are chosen by name and by a regular expression over their
 * names; with `recurse`, items in sub-folders are candidates too, named relative to the view's folder
 * (`app/deploy`). Every folder also has the implicit view `all`, which is not stored.
 */
export interface ViewSettings {
  readonly description: string;
  /** Names relative to the view's folder, as Jenkins keeps them; names of missing items are kept. */
  readonly jobNames: readonly string[];
  /** Matched against the whole relative name; null for none. */
  readonly includeRegex: string | null;
  readonly recurse: boolean;
}

export interface View {
  readonly id: number;
  /** The folder the view belongs to; null for the top level. */
  readonly parentId: number | null;
  readonly name: string;
  readonly settings: ViewSettings;
  /** The config.xml it was last written with, kept for a faithful round-trip. */
  readonly sourceConfig: string | null;
}

/** The implicit view of every folder, listing all its items. */
export const ALL_VIEW = 'all';

export function emptyViewSettings(): ViewSettings {
  return { description: '', jobNames: [], includeRegex: null, recurse: false };
}

/** View names follow the item name rules; `all` is taken by the implicit view. */
export function checkViewName(raw: string | null | undefined): string {
  const name = checkItemName(raw);
  if (nameKey(name) === ALL_VIEW) throw viewNameTaken(name);
  return name;
}

export function viewNameTaken(name: string): DomainError {
  return new DomainError('name_taken', `A view already exists with the name "${name}".`, 'Choose another name.').with({ name, kind: 'view' });
}

/**
 * Whether an item, named relative to the view's folder, is in the view. Names compare ignoring case,
 * as item names do; `matches` applies the view's expression (compiled and checked by the caller).
 */
export function viewIncludes(settings: ViewSettings, relativeName: string, matches: (name: string) => boolean): boolean {
  const key = nameKey(relativeName);
  return settings.jobNames.some((name) => nameKey(name) === key) || (settings.includeRegex !== null && matches(relativeName));
}

/** The names with one item's name replaced (a rename below the view's folder), folders' contents too. */
export function renameInView(settings: ViewSettings, from: string, to: string): ViewSettings {
  const key = nameKey(from);
  const jobNames = settings.jobNames.map((name) => {
    const lower = nameKey(name);
    return lower === key ? to : lower.startsWith(`${key}/`) ? `${to}${name.slice(from.length)}` : name;
  });
  return { ...settings, jobNames };
}
