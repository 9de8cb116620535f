import type { Item } from '../../../core/item.js';
import type { ActionTable } from '../../jenkins/action.js';

/** The per-item permission grid of a job or folder. */
export function itemSecurityUiActions(_item: Item): ActionTable {
  return {};
}
