import type { Policy } from '../auth/policy.js';
import type { Grant } from '../core/access.js';
import { DomainError } from '../core/errors.js';
import type { Item } from '../core/item.js';
import type { Items } from '../items/items.js';

/**
 * The grants made on the folders above an item, outermost first: they hold for the item too. One
 * reading for the native API and the web interface.
 */
export async function grantsAbove(deps: { readonly policy: Policy; readonly items: Items }, item: Item): Promise<Array<{ folder: Item; grants: Grant[] }>> {
  const grants = deps.policy.current.grants;
  const found: Array<{ folder: Item; grants: Grant[] }> = [];
  for (const id of item.ancestorIds) {
    const folder = await deps.items.byId(id);
    if (!folder) throw new DomainError('item_not_found', `A folder above ${item.fullName} is gone.`);
    const own = grants.filter((grant) => grant.itemId === id);
    if (own.length > 0) found.push({ folder, grants: own });
  }
  return found;
}
