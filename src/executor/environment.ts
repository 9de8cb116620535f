import type { Build } from '../core/build.js';
import type { Job } from '../core/item.js';
import { baseName } from '../core/item.js';
import { buildPath, itemPath } from '../core/item-url.js';
import { BUILT_IN_NODE } from '../core/node.js';

export interface EnvironmentInput {
  /** The server's own environment; variables named STEWARD_* (configuration, secrets) are dropped. */
  readonly base: NodeJS.ProcessEnv;
  readonly job: Job;
  readonly build: Build;
  /** Parameter values in plain text. */
  readonly parameters: ReadonlyMap<string, string>;
  readonly workspace: string;
  readonly rootUrl: string;
  readonly cookie: string;
}

/**
 * The environment of a build's steps, in Laminar's order: the server's environment, then the
 * parameters, then the variables Jenkins defines, which always win, so a parameter can never change
 * what BUILD_NUMBER or WORKSPACE mean.
 */
export function buildEnvironment(input: EnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.base)) {
    if (value !== undefined && !name.startsWith('STEWARD_')) env[name] = value;
  }
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
    NODE_NAME: BUILT_IN_NODE,
    NODE_LABELS: BUILT_IN_NODE,
    STEWARD_BUILD_COOKIE: input.cookie,
  });
  return env;
}
