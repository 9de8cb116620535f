import type { Build } from '../core/build.js';
import type { GitSource } from '../core/git-source.js';
import type { PreviousRevisions, Revision } from '../core/revision.js';
import type { Job } from '../core/item.js';
import { baseName } from '../core/item.js';
import { buildPath, itemPath } from '../core/item-url.js';

export interface EnvironmentInput {
  /** The server's own environment: only the variables `PASSED_THROUGH` names are taken from it. */
  readonly base: NodeJS.ProcessEnv;
  /** Variables the operator set for every build (`settings.buildEnvironment`). */
  readonly global: Readonly<Record<string, string>>;
  /** The account the steps run as. */
  readonly user: { readonly name: string; readonly home: string };
  readonly job: Job;
  readonly build: Build;
  /** Parameter values in plain text. */
  readonly parameters: ReadonlyMap<string, string>;
  readonly workspace: string;
  readonly rootUrl: string;
  readonly cookie: string;
  /** The labels of the node it runs on, space-separated (Jenkins' NODE_LABELS); the node's name is `build.node`. */
  readonly nodeLabels: string;
}

/**
 * What a build takes from the server's environment: where programs are, the language and the time
 * zone. Nothing else: the server's environment holds its configuration and secrets
 * (STEWARD_ADMIN_PASSWORD, proxies with credentials, cloud keys), and a build must not see them.
 */
const PASSED_THROUGH = /^(PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ)$/;

/**
 * The environment of a build's steps, documented in docs/security.md: a few variables of the
 * server's (`PASSED_THROUGH`), the account's HOME, USER and LOGNAME, the operator's global variables,
 * then the parameters, then the variables Jenkins defines, which always win, so a parameter can
 * never change what BUILD_NUMBER or WORKSPACE mean.
 */
export function buildEnvironment(input: EnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.base)) {
    if (value !== undefined && PASSED_THROUGH.test(name)) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  Object.assign(env, { HOME: input.user.home, USER: input.user.name, LOGNAME: input.user.name });
  Object.assign(env, input.global);
  for (const [name, value] of input.parameters) env[name] = value;
  const { job, build } = input;
  const jobUrl = input.rootUrl + itemPath(job.fullName);
  Object.assign(env, {
    BUILD_NUMBER: String(build.number),
    BUILD_ID: String(build.number),
    BUILD_DISPLAY_NAME: `#${build.number}`,
    BUILD_URL: input.rootUrl + buildPath(job.fullName, build.number),
    BUILD_TAG: `jenkins-${encodeURIComponent(job.fullName.replaceAll('/', '-'))}-${build.number}`,
    JOB_NAME: job.fullName,
    JOB_BASE_NAME: baseName(job.fullName),
    JOB_URL: jobUrl,
    JENKINS_URL: input.rootUrl,
    WORKSPACE: input.workspace,
    EXECUTOR_NUMBER: String(build.executor),
    NODE_NAME: input.build.node,
    NODE_LABELS: input.nodeLabels,
    STEWARD_BUILD_COOKIE: input.cookie,
  });
  return env;
}

/**
 * The git plugin's variables for a build with a git source (its README): GIT_COMMIT, GIT_BRANCH
 * (`origin/main`), GIT_LOCAL_BRANCH with the LocalBranch extension, GIT_URL (the first remote) and
 * GIT_URL_n for each of several, GIT_CHECKOUT_DIR with a relative target directory, the
 * UserIdentity's GIT_AUTHOR_/GIT_COMMITTER_ NAME and EMAIL, and GIT_PREVIOUS_COMMIT /
 * GIT_PREVIOUS_SUCCESSFUL_COMMIT: the job's earlier builds' commits, set only when those built the
 * same branch (unset on a branch's first build).
 */
export function gitVariables(source: GitSource, checkout: { readonly revision: Revision; readonly localBranch: string | null }, previous: PreviousRevisions): Record<string, string> {
  const { revision } = checkout;
  const env: Record<string, string> = { GIT_COMMIT: revision.sha, GIT_BRANCH: revision.branch ?? 'detached' };
  if (checkout.localBranch !== null) env.GIT_LOCAL_BRANCH = checkout.localBranch;
  env.GIT_URL = source.remotes[0]?.url ?? '';
  if (source.remotes.length > 1) source.remotes.forEach((remote, index) => (env[`GIT_URL_${index + 1}`] = remote.url));
  if (source.extensions.relativeTargetDir !== null) env.GIT_CHECKOUT_DIR = source.extensions.relativeTargetDir;
  const identity = source.extensions.userIdentity;
  if (identity?.name) Object.assign(env, { GIT_AUTHOR_NAME: identity.name, GIT_COMMITTER_NAME: identity.name });
  if (identity?.email) Object.assign(env, { GIT_AUTHOR_EMAIL: identity.email, GIT_COMMITTER_EMAIL: identity.email });
  if (previous.previous && previous.previous.branch === revision.branch) env.GIT_PREVIOUS_COMMIT = previous.previous.sha;
  if (previous.previousSuccessful && previous.previousSuccessful.branch === revision.branch) env.GIT_PREVIOUS_SUCCESSFUL_COMMIT = previous.previousSuccessful.sha;
  return env;
}
