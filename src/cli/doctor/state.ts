import type { Client, ServerInfo } from '../client.js';
import type { TriggerSecret } from '../connection.js';
import type { RemoteItem } from '../remote-jobs.js';
import type { Probe } from './probe.js';
import type { DoctorTarget } from './target.js';

/** The stable ids of the checks, in the order they run and print (docs/cli.md lists them). */
export const CHECK_IDS = [
  'server',
  'credential',
  'credential_kind',
  'anonymous_read',
  'job_visible',
  'job_buildable',
  'parameters',
  'build_permission',
  'crumb',
  'method',
  'build_token_root',
  'token',
  'shell_ampersand',
  'try',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

/**
 * One line of the checklist. `title` is the finding (pass, fail) or the check's name (skip);
 * `detail` is the evidence, the cause of a failure, or why the check was skipped; `fix` is set
 * exactly when the check failed, and names a command, a setting or a permission.
 */
export interface Check {
  readonly id: CheckId;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly title: string;
  readonly detail: string | null;
  readonly fix: string | null;
}

/** What the checks learn, each written by the check that finds it out and read by those after. */
export interface Facts {
  server: ServerInfo | null;
  /** Whether anonymous may read the server (Overall/Read); null until known. */
  anonymousReads: boolean | null;
  /** What the server answered anonymous on /api/json, for causes. */
  anonymousAnswer: string | null;
  /** Whether the credential was accepted; null without one or when not known. */
  credentialAccepted: boolean | null;
  credentialKind: 'password' | 'api_token' | 'other' | null;
  item: RemoteItem | null;
  /** Whether the caller may build the job (Job/Build); null when not known. */
  mayBuild: boolean | null;
  /** Whether the server needs a crumb for this caller's POSTs; null when not known. */
  crumbRequired: boolean | null;
  tokenRootExists: boolean | null;
  /** Whether the job takes a trigger token (its own or a Steward trigger token); null when not known. */
  jobTakesToken: boolean | null;
}

/** What the checks work with: the target, the ways to ask the server, and the facts so far. */
export interface DoctorRun {
  readonly target: DoctorTarget;
  /** For the trigger of `--try` as `steward build` makes it, and for reading items. */
  readonly client: Client;
  /** Reads without a trigger token (a bare `stwt_` token would change who reads). */
  readonly reader: Client;
  readonly probe: Probe;
  /** The token of the trigger: from the URL, else --token or STEWARD_TOKEN. */
  readonly token: TriggerSecret | null;
  readonly parameters: ReadonlyArray<readonly [string, string]>;
  readonly tryIt: boolean;
  readonly facts: Facts;
}

/** `user alice` or `anonymous`: who asks, for findings. */
export function who(run: DoctorRun): string {
  return run.client.credential ? run.client.credential.user : 'anonymous';
}

/** Whether the trigger goes by token alone through `/buildByToken/` (as `steward build` does with only a token). */
export function viaTokenRoot(run: DoctorRun): boolean {
  if (run.target.kind === 'token-root-url') return true;
  if (run.target.kind === 'job-url') return false;
  return run.client.credential === null && run.token !== null;
}

/** Whether the trigger is sent as a POST: always by `steward build`, for a URL as `-X` says. */
export function isPost(run: DoctorRun): boolean {
  return run.target.url === null || run.target.method === 'POST';
}

export function isSteward(run: DoctorRun): boolean {
  return run.facts.server?.kind === 'steward';
}

/** How the checks are named when they are skipped (their findings name themselves). */
export const LABELS: Record<CheckId, string> = {
  server: 'server',
  credential: 'credential',
  credential_kind: 'password or API token',
  anonymous_read: 'anonymous read access (Overall/Read)',
  job_visible: 'job visible',
  job_buildable: 'job enabled',
  parameters: 'parameters',
  build_permission: 'Job/Build permission',
  crumb: 'crumb',
  method: 'HTTP method',
  build_token_root: 'Build Token Root (/buildByToken/)',
  token: 'trigger token',
  shell_ampersand: 'unquoted & in the shell',
  try: 'trigger (--try)',
};

export function pass(id: CheckId, title: string, detail: string | null = null): Check {
  return { id, status: 'pass', title, detail, fix: null };
}

export function fail(id: CheckId, title: string, cause: string, fix: string): Check {
  return { id, status: 'fail', title, detail: cause, fix };
}

export function skip(id: CheckId, why: string): Check {
  return { id, status: 'skip', title: LABELS[id], detail: why, fix: null };
}
