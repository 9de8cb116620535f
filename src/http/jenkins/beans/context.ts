import type { ArtifactStore } from '../../../artifacts/artifact-store.js';
import type { Authorizer } from '../../../auth/authorization.js';
import type { Principal } from '../../../auth/principal.js';
import type { Item } from '../../../core/item.js';
import type { BuiltInNodeStatus } from '../../../core/node.js';
import { Permissions } from '../../../core/permissions.js';
import type { Scheduler } from '../../../queue/scheduler.js';
import type { WaitingReasons } from '../../../queue/waiting-reason.js';
import type { Store } from '../../../store/types.js';

/** What the Jenkins shapes need to fill themselves in for one request. */
export interface BeanContext {
  /** Absolute root URL, ending in `/`, for the `url` fields. */
  readonly rootUrl: string;
  readonly store: Store;
  readonly scheduler: Scheduler;
  readonly authorizer: Authorizer;
  readonly principal: Principal;
  /** Whether POSTs need crumbs (the root's `useCrumbs`). */
  readonly useCrumbs: boolean;
  readonly builtInNode: () => BuiltInNodeStatus;
  /** Why waiting items wait: the nodes are read on first use and once per request, however many items it shows. */
  readonly waitingReasons: () => Promise<WaitingReasons>;
  /** Builds' artifacts, read only when a bean's `artifacts` is rendered. */
  readonly artifacts: ArtifactStore;
}

/** Lists show only the items the caller may read, as in Jenkins. */
export function canRead(context: BeanContext, item: Item): boolean {
  return context.authorizer.has(context.principal, Permissions.ItemRead, item);
}
