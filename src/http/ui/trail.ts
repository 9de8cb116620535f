import { itemPath } from '../../core/item-url.js';

/** The breadcrumb above an item's page: the dashboard, then each enclosing folder. */
export function trailOf(fullName: string): Array<readonly [string, string]> {
  const parts = fullName.split('/');
  const trail: Array<readonly [string, string]> = [['Dashboard', '/']];
  for (let index = 0; index < parts.length - 1; index += 1) trail.push([parts[index] as string, `/${itemPath(parts.slice(0, index + 1).join('/'))}`]);
  return trail;
}
