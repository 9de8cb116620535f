/**
 * Exported beans: the object model behind Jenkins' `api/json` and `api/xml`, as Stapler defines it.
 * A bean has a class name (rendered as `_class`) and properties in a fixed order; each property has
 * a visibility that decides at which depth it appears, and a getter that is only called when the
 * property will be rendered (so `builds` is not loaded for `tree=name`).
 */
export type Exported = null | undefined | string | number | boolean | Bean | PagedList | readonly Exported[];

/**
 * A list read a page at a time from the store (a job's builds): only the range that `tree=` asks for
 * is read, and a long one is read in pages, never as one array of everything.
 */
export interface PagedList {
  /** Up to `limit` elements after skipping `offset`. */
  readonly page: (offset: number, limit: number) => Promise<readonly Exported[]>;
  /** How many elements it shows at most, whatever the range (Jenkins' `builds` shows the newest 100). */
  readonly shown: number;
}

export interface Property {
  readonly name: string;
  /** Stapler's visibility: at `depth=0` a top-level object shows properties ≥1, nested ones ≥2, … */
  readonly visibility: number;
  /** Inline properties do not count as a level of nesting (Jenkins' `property` list). */
  readonly inline: boolean;
  readonly get: () => Exported | Promise<Exported>;
}

export interface Bean {
  readonly className: string;
  /** False for the few objects Jenkins renders without `_class` (where the declared type matches). */
  readonly showClass: boolean;
  readonly properties: readonly Property[];
}

export type PropertySpec = readonly [name: string, visibility: number, get: () => Exported | Promise<Exported>, options?: { inline?: boolean }];

export function bean(className: string, specs: readonly PropertySpec[], options: { showClass?: boolean } = {}): Bean {
  return {
    className,
    showClass: options.showClass ?? true,
    properties: specs.map(([name, visibility, get, extra]) => ({ name, visibility, get, inline: extra?.inline ?? false })),
  };
}

export function isBean(value: Exported): value is Bean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'properties' in value;
}

export function isPagedList(value: Exported): value is PagedList {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'page' in value;
}

/** A paged list of at most `shown` elements. */
export function pagedList(shown: number, page: PagedList['page']): PagedList {
  return { shown, page };
}
