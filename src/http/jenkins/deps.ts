import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import type { Accounts } from '../../auth/accounts.js';
import type { ApiTokens } from '../../auth/api-tokens.js';
import type { AuditLog } from '../../auth/audit-log.js';
import type { Authenticator } from '../../auth/authenticator.js';
import type { Authorizer } from '../../auth/authorization.js';
import type { Credentials } from '../../auth/credentials.js';
import type { Crumbs } from '../../auth/crumbs.js';
import type { InitialPassword } from '../../auth/initial-password.js';
import type { Policy } from '../../auth/policy.js';
import type { SecretBox } from '../../auth/secret-box.js';
import type { Sessions } from '../../auth/sessions.js';
import type { TriggerTokens } from '../../auth/trigger-tokens.js';
import type { Webhooks } from '../../auth/webhooks.js';
import type { Build } from '../../core/build.js';
import type { Job } from '../../core/item.js';
import type { BuiltInNodeStatus } from '../../core/node.js';
import type { Items } from '../../items/items.js';
import type { Views } from '../../items/views.js';
import type { ConsoleLogs } from '../../logs/console-logs.js';
import type { Nodes } from '../../nodes/nodes.js';
import type { PushNotifications } from '../../queue/push-notifications.js';
import type { Scheduler } from '../../queue/scheduler.js';
import type { ScmPolling } from '../../queue/scm-polling.js';
import type { Triggers } from '../../queue/trigger.js';
import type { Store } from '../../store/types.js';

/** The security services every part of the HTTP layer uses. */
export interface SecurityDeps {
  readonly accounts: Accounts;
  readonly authenticator: Authenticator;
  readonly apiTokens: ApiTokens;
  readonly triggerTokens: TriggerTokens;
  readonly webhooks: Webhooks;
  readonly credentials: Credentials;
  readonly sessions: Sessions;
  readonly policy: Policy;
  readonly authorizer: Authorizer;
  readonly crumbs: Crumbs;
  readonly audit: AuditLog;
  /** The password generated for admin on first start, while admin still has it. */
  readonly initialPassword: InitialPassword;
}

/** What the Jenkins-compatible routes use. */
export interface JenkinsDeps extends SecurityDeps {
  readonly store: Store;
  readonly items: Items;
  readonly views: Views;
  readonly triggers: Triggers;
  readonly scheduler: Scheduler;
  readonly logs: ConsoleLogs;
  readonly artifacts: ArtifactStore;
  readonly secrets: SecretBox;
  /** The configured public URL (ending in `/`), or null to derive it from each request. */
  readonly publicUrl: string | null;
  /** Who builds run as on this server, and its free disk space. */
  readonly builtInNode: () => BuiltInNodeStatus;
  /** The registry of agents. */
  readonly nodes: Nodes;
  /** The builds an agent runs now (the scheduler's answer once agents claim builds). */
  /** The builds running on each node, whichever server holds them. */
  readonly runningByNode: () => Promise<ReadonlyMap<string, ReadonlyArray<{ job: Job; build: Build }>>>;
  /** "Poll SCM": polls jobs' repositories, and keeps each job's last polling log. */
  readonly scmPolling: ScmPolling;
  readonly pushNotifications: PushNotifications;
  /** The secret GitHub signs deliveries to `/github-webhook/` with; null when none is set. */
  readonly githubWebhookSecret: () => Promise<string | null>;
}
