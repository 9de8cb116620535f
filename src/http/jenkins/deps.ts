import type { Accounts } from '../../auth/accounts.js';
import type { Authorizer } from '../../auth/authorization.js';
import type { Crumbs } from '../../auth/crumbs.js';
import type { SecretBox } from '../../auth/secret-box.js';
import type { Items } from '../../items/items.js';
import type { LogFiles } from '../../logs/log-files.js';
import type { Scheduler } from '../../queue/scheduler.js';
import type { Triggers } from '../../queue/trigger.js';
import type { Store } from '../../store/types.js';

/** What the Jenkins-compatible routes use. */
export interface JenkinsDeps {
  readonly store: Store;
  readonly items: Items;
  readonly triggers: Triggers;
  readonly scheduler: Scheduler;
  readonly logs: LogFiles;
  readonly accounts: Accounts;
  readonly authorizer: Authorizer;
  readonly secrets: SecretBox;
  readonly crumbs: Crumbs;
  /** The configured public URL (ending in `/`), or null to derive it from each request. */
  readonly publicUrl: string | null;
}
