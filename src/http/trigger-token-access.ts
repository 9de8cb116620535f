import type { Authorizer } from '../auth/authorization.js';
import type { Principal } from '../auth/principal.js';
import { Permissions } from '../core/permissions.js';
import type { TriggerToken } from '../core/trigger-token.js';
import type { Items } from '../items/items.js';

/**
 * Whether a principal may see and revoke a trigger token: Job/Configure on every item it covers (an
 * administrator always). The one rule for the native API and the web interface.
 */
export async function mayManageTriggerToken(deps: { readonly authorizer: Authorizer; readonly items: Items }, principal: Principal, token: TriggerToken): Promise<boolean> {
  if (principal.kind !== 'user') return false;
  if (deps.authorizer.has(principal, Permissions.Administer)) return true;
  for (const id of token.itemIds) {
    const item = await deps.items.byId(id);
    if (!item || !deps.authorizer.has(principal, Permissions.ItemConfigure, item)) return false;
  }
  return true;
}
