/** The names of the robustness suite's world (see fixtures.ts), shared by the routes and the fixtures. */
export const LOW_USER = 'low';
export const LOW_PASSWORD = 'low-password-1';
export const JOB_TOKEN = 'job-token-for-app';
export const WEBHOOK_SECRET = 'webhook-secret-0123456789';
/** A job whose name holds the characters Jenkins allows but URLs and HTML care about. */
export const ODD_NAME = `odd name+'"(=~){},.é名`;

export const FOLDERS = ['team', 'team/inner'] as const;
export const JOBS = ['demo', 'hostile-log', 'disabled', 'waiting', 'team/app', 'team/inner/deep', ODD_NAME] as const;
export const WEBHOOKS = ['gh', 'gl', 'hm'] as const;

/** Items the destructive actions may hit; `restore` makes them again. */
export const VICTIM_JOB = 'victim';
export const VICTIM_FOLDER = 'victim-folder';
export const VICTIM_USER = 'victim-user';
export const VICTIM_WEBHOOK = 'victim-hook';
/** An agent the fuzzer may delete, take offline or give a new secret; `restore` makes it again. */
export const VICTIM_NODE = 'victim-node';
/** An agent the fuzzer only reads. */
export const NODE = 'fuzz-node';

