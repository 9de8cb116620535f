import type { Build } from '../core/build.js';
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
