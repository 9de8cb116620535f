import type { CredentialSecret } from '../core/credential.js';
import { displayUrl, isCommitSpec, refsToBuild } from '../core/git-source.js';
import type { Job } from '../core/item.js';
import type { RepositoryAnswer } from '../queue/scm-polling.js';
import { lsRemote } from './git-ls-remote.js';

/**
 * Asks a job's repositories for the heads of the branches (and tags) its branch specifiers select,
 * with `git ls-remote` on this server (`lsRemote`: no workspace, one process per remote, credentials
 * as for a checkout). Heads are keyed `REMOTE REF` (`origin refs/heads/main`). A specifier naming a
 * commit never moves and is not asked about. Lines for the polling log come with the answer.
 */
export async function askRemoteHeads(job: Job, credentials: ReadonlyMap<string, CredentialSecret>, env: Readonly<Record<string, string>>): Promise<RepositoryAnswer> {
  const source = job.settings.scm;
  if (!source) return { heads: null, log: ['This job has no git repository to poll.'] };
  if (source.branches.every(isCommitSpec)) return { heads: {}, log: ['Its branch specifiers name commits only: nothing to poll.'] };
  const log: string[] = [];
  const heads: Record<string, string> = {};
  for (const remote of source.remotes) {
    const credential = remote.credentialsId === null ? null : (credentials.get(remote.credentialsId) ?? null);
    if (remote.credentialsId !== null && credential === null) log.push(`credential "${remote.credentialsId}" is not available: asking without it`);
    log.push(` > git ls-remote --heads --tags -- ${displayUrl(remote.url)} # timeout=1`);
    let refs;
    try {
      refs = await lsRemote(remote.url, credential, { env });
    } catch (error) {
      log.push(error instanceof Error ? error.message : String(error), `ERROR: git ls-remote of ${displayUrl(remote.url)} failed.`);
      return { heads: null, log };
    }
    const selected = refsToBuild(source, remote.name, refs);
    for (const { ref, sha } of selected) heads[`${remote.name} ${ref}`] = sha;
    log.push(`Found ${refs.length} remote refs on ${displayUrl(remote.url)}; ${selected.length} match ${source.branches.join(', ')}`);
  }
  return { heads, log };
}
