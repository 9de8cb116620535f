import type { CredentialSecret } from '../core/credential.js';
import type { Build } from '../core/build.js';
import type { Job } from '../core/item.js';
import type { PreviousRevisions } from '../core/revision.js';

/** What an agent receives for a build it claimed: what to run, and nothing beyond that build. */
export interface Assignment {
  readonly job: Job;
  readonly build: Build;
  readonly lease: string;
  readonly leaseMs: number;
  readonly renewEveryMs: number;
  /** Plain values of the build's password parameters, by their sealed form: the agent cannot unseal. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly rootUrl: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly nodeLabels: string;
  /** The credentials this build uses, in clear (see `ShellRunnerOptions.credentials`): only those, and only for this build. */
  readonly credentials: readonly CredentialSecret[];
  /** The revisions of the job's earlier builds, which the agent cannot read (GIT_PREVIOUS_COMMIT, the change set). */
  readonly previousRevisions: PreviousRevisions;
}

