import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { CredentialSecret } from '../core/credential.js';
import { branchMatches, type GitRemote, type GitSource, isCommitSpec, refspecOf, remoteBranchName } from '../core/git-source.js';
import { type BuildSource, type Change, type ChangedPath, MAX_CHANGED_PATHS, MAX_CHANGES, type PreviousRevisions, type Revision } from '../core/revision.js';
import { GitCredentialFiles } from './git-credentials.js';
import { type GitOutput, type GitRunContext, runGit } from './git-process.js';

export interface CheckoutRequest extends Omit<GitRunContext, 'timeoutMs'> {
  readonly source: GitSource;
  readonly workspace: string;
  /** The credentials the build may use, by id. */
  readonly credentials: ReadonlyMap<string, CredentialSecret>;
  /** The job's earlier builds' revisions: the change set starts after the previous one. */
  readonly previous: PreviousRevisions;
  /**
   * A commit to build instead of resolving the branch specifiers, when it was fetched: what a commit
   * notification names (`/git/notifyCommit?sha1=`, the git plugin's RevisionParameterAction).
   */
  readonly revision?: string | null;
}

export interface CheckoutResult extends BuildSource {
  /** The local branch checked out (LocalBranch), or null for a detached HEAD. */
  readonly localBranch: string | null;
  /** Where the clone is: the workspace, or the relative target directory in it. */
  readonly directory: string;
}

/** A checkout that failed: what git said (already in the log) and a hint a person can act on. */
export class CheckoutFailed extends Error {
  override readonly name = 'CheckoutFailed';
  constructor(
    message: string,
    readonly hint: string | null,
  ) {
    super(message);
  }
}

/** The git plugin's default timeout for a command, in minutes. */
const DEFAULT_TIMEOUT_MINUTES = 10;

/**
 * Checks a job's git source out into the build's workspace the way the git plugin does with CLI git:
 * `git init` once, then on every build the remotes' URLs and refspecs configured and fetched (so a
 * second build only fetches what is new), the branch specifiers resolved against the fetched refs
 * (the first specifier that matches anything wins; of several matching branches the first by name,
 * said in the log), `git checkout -f SHA` (detached, or as the LocalBranch), cleaning, wiping and
 * submodules as the extensions say. Credential files live in a private directory outside the
 * workspace for the length of the checkout. Throws `CheckoutFailed` (git's error is in the log) or
 * `GitStopped` when the build was stopped meanwhile.
 */
export async function checkout(request: CheckoutRequest): Promise<CheckoutResult> {
  const { source, log } = request;
  const extensions = source.extensions;
  const context: GitRunContext = { ...request, timeoutMs: (extensions.clone?.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000 };
  const directory = extensions.relativeTargetDir === null ? request.workspace : insideWorkspace(request.workspace, extensions.relativeTargetDir);
  const files = new GitCredentialFiles(request.user);
  try {
    if (extensions.wipeWorkspace) {
      log.write('Wiping out workspace first.\n');
      for (const entry of await readdir(request.workspace)) await rm(join(request.workspace, entry), { recursive: true, force: true });
    }
    // `git init` makes a missing target directory, as the account git runs as (the build user).
    const fresh = !existsSync(join(directory, '.git'));
    log.write(fresh ? 'Cloning the remote Git repository\n' : 'Fetching changes from the remote Git repository\n');
    if (fresh) await must(runGit(context, request.workspace, ['init', directory]), 'Could not create a git repository in the workspace');
    const accesses = new Map<string, Awaited<ReturnType<GitCredentialFiles['access']>>>();
    for (const remote of source.remotes) {
      const credential = credentialOf(request, remote);
      const access = await files.access(remote.url, credential);
      if (access.warning) log.write(`WARNING: ${access.warning}\n`);
      accesses.set(remote.name, access);
      await must(runGit(context, directory, ['config', `remote.${remote.name}.url`, remote.url]), 'Could not configure the remote');
      await must(runGit(context, directory, ['config', '--replace-all', `remote.${remote.name}.fetch`, refspecOf(remote)]), 'Could not configure the remote');
    }
    for (const remote of source.remotes) {
      const access = accesses.get(remote.name)!;
      const depth = extensions.clone?.shallow ? [`--depth=${extensions.clone.depth ?? 1}`] : [];
      const tags = extensions.clone?.noTags ? '--no-tags' : '--tags';
      const fetched = await runGit(context, directory, ['fetch', tags, '--force', '--progress', ...depth, '--', remote.url, ...refspecOf(remote).split(/\s+/)], { show: true, env: access.env, secrets: access.secrets });
      if (fetched.code !== 0) throw new CheckoutFailed(`Error fetching remote repo '${remote.name}'`, fetchHint(fetched, remote, request));
    }
    const chosen = (request.revision ? await notified(context, directory, source, request.revision) : null) ?? (await choose(context, directory, source));
    const firstAccess = accesses.get(source.remotes[0]!.name)!;
    if (extensions.cleanBeforeCheckout) {
      log.write('Cleaning workspace\n');
      await must(runGit(context, directory, ['clean', '-fdx'], { show: true }), 'Could not clean the workspace');
    }
    log.write(`Checking out Revision ${chosen.sha} (${chosen.branch ?? 'detached'})\n`);
    const localBranch = localBranchOf(extensions.localBranch, chosen.branch);
    await must(runGit(context, directory, localBranch === null ? ['checkout', '-f', chosen.sha] : ['checkout', '-f', '-B', localBranch, chosen.sha], { show: true }), `Could not check out ${chosen.sha}`);
    if (extensions.cleanAfterCheckout) {
      log.write('Cleaning workspace\n');
      await must(runGit(context, directory, ['clean', '-fdx'], { show: true }), 'Could not clean the workspace');
    }
    if (extensions.submodules) {
      const { recursive, shallow, depth } = extensions.submodules;
      const args = ['submodule', 'update', '--init', ...(recursive ? ['--recursive'] : []), ...(shallow ? [`--depth=${depth ?? 1}`] : [])];
      // Submodules on the same server as the parent are reached with its credential (parentCredentials); without one, none is sent.
      const env = extensions.submodules.parentCredentials ? firstAccess.env : { GIT_TERMINAL_PROMPT: '0' };
      // file:// submodules are what tests and mirrors use; git refuses them by default since 2.38.1.
      const submodules = await runGit(context, directory, ['-c', 'protocol.file.allow=always', ...args], { show: true, env, secrets: firstAccess.secrets });
      if (submodules.code !== 0) throw new CheckoutFailed('Could not update the submodules', hintOf(submodules.stderr, null, request));
    }
    const subject = await runGit(context, directory, ['log', '-1', '--format=%s', chosen.sha]);
    log.write(`Commit message: "${subject.stdout.trim()}"\n`);
    const changes = await changeSet(context, directory, chosen, request.previous);
    return { revision: chosen, ...changes, localBranch, directory };
  } finally {
    await files.dispose();
  }
}

function credentialOf(request: CheckoutRequest, remote: GitRemote): CredentialSecret | null {
  if (remote.credentialsId === null) return null;
  const credential = request.credentials.get(remote.credentialsId) ?? null;
  if (credential === null) request.log.write(`WARNING: credential "${remote.credentialsId}" of ${remote.name} was not found: fetching without one\n`);
  return credential;
}

function insideWorkspace(workspace: string, relative: string): string {
  const target = resolve(workspace, relative);
  if (target !== workspace && !target.startsWith(workspace + sep)) throw new CheckoutFailed(`The relative target directory ${relative} is outside the workspace`, 'Use a relative path such as src/app, without "..".');
  return target;
}

async function must(pending: Promise<GitOutput>, message: string): Promise<GitOutput> {
  const output = await pending;
  if (output.code !== 0) throw new CheckoutFailed(message, null);
  return output;
}

/**
 * The revision to build: for each branch specifier in order, a commit (40 hex digits), a tag, or the
 * fetched remote branches it matches (`branchMatches`); the first specifier that finds anything wins,
 * and of several branches the first by name.
 */
/** The notified commit, on the first fetched branch the specifiers select that holds it; null (said in the log) when it was not fetched. */
async function notified(context: GitRunContext, directory: string, source: GitSource, sha1: string): Promise<Revision | null> {
  const found = await runGit(context, directory, ['rev-parse', '--verify', '--quiet', `${sha1}^{commit}`]);
  if (found.code !== 0) {
    context.log.write(`The notified commit ${sha1} is not on the fetched branches: building the branch specifiers' revision instead\n`);
    return null;
  }
  const sha = found.stdout.trim();
  const holding = await runGit(context, directory, ['for-each-ref', '--contains', sha, '--format=%(refname)', 'refs/remotes/']);
  for (const remote of source.remotes) {
    const prefix = `refs/remotes/${remote.name}/`;
    for (const ref of holding.stdout.split('\n').filter((line) => line.startsWith(prefix) && line !== `${prefix}HEAD`)) {
      const branchRef = `refs/heads/${ref.slice(prefix.length)}`;
      if (source.branches.some((spec) => branchMatches(spec, remote.name, branchRef))) return { sha, branch: remoteBranchName(remote.name, branchRef), remoteUrl: remote.url };
    }
  }
  return { sha, branch: null, remoteUrl: source.remotes[0]!.url };
}

async function choose(context: GitRunContext, directory: string, source: GitSource): Promise<Revision> {
  const refs = await runGit(context, directory, ['for-each-ref', '--format=%(objectname) %(*objectname) %(refname)', 'refs/remotes/', 'refs/tags/']);
  const listed = refs.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [sha, peeled, ref] = line.split(' ');
      return { sha: peeled || sha!, ref: ref! };
    });
  const seen: string[] = [];
  for (const spec of source.branches) {
    if (isCommitSpec(spec)) {
      const found = await runGit(context, directory, ['rev-parse', '--verify', '--quiet', `${spec}^{commit}`]);
      if (found.code === 0) return { sha: found.stdout.trim(), branch: null, remoteUrl: source.remotes[0]!.url };
      continue;
    }
    const candidates: Revision[] = [];
    for (const remote of source.remotes) {
      const prefix = `refs/remotes/${remote.name}/`;
      for (const { sha, ref } of listed) {
        if (ref.startsWith(prefix) && ref !== `${prefix}HEAD`) {
          const branchRef = `refs/heads/${ref.slice(prefix.length)}`;
          seen.push(remoteBranchName(remote.name, branchRef));
          if (branchMatches(spec, remote.name, branchRef)) candidates.push({ sha, branch: remoteBranchName(remote.name, branchRef), remoteUrl: remote.url });
        } else if (ref.startsWith('refs/tags/') && branchMatches(spec, remote.name, ref) && !candidates.some((c) => c.branch === ref)) {
          candidates.push({ sha, branch: ref, remoteUrl: remote.url });
        }
      }
    }
    if (candidates.length === 0) continue;
    if (candidates.length > 1) {
      context.log.write(`Several branches match ${spec}: ${candidates.map((c) => c.branch).join(', ')}; building ${candidates[0]!.branch}, the first, as Jenkins does\n`);
    }
    return candidates[0]!;
  }
  const branches = [...new Set(seen)];
  throw new CheckoutFailed(
    "Couldn't find any revision to build. Verify the repository and branch configuration for this job.",
    `No branch specifier (${source.branches.join(', ')}) matched a fetched branch, tag or commit. Branches seen: ${branches.length === 0 ? 'none' : branches.slice(0, 20).join(', ')}${branches.length > 20 ? ', …' : ''}. Use */main for branch main of any remote, refs/tags/NAME for a tag, or a whole commit id.`,
  );
}

/** LocalBranch `**` (or empty) is the remote branch's own name (`origin/feature/x` → `feature/x`). */
function localBranchOf(setting: string | null, branch: string | null): string | null {
  if (setting === null) return null;
  if (setting !== '**' && setting.trim() !== '') return setting.trim();
  if (branch === null || branch.startsWith('refs/')) return null;
  return branch.slice(branch.indexOf('/') + 1);
}

/**
 * The commits since the previous build's revision (`git log PREVIOUS..SHA`), newest first, at most
 * MAX_CHANGES, with their changed paths. Empty on a first build, and when the previous commit is not
 * in the clone (history rewritten, a shallow clone), which the log says.
 */
async function changeSet(context: GitRunContext, directory: string, revision: Revision, previous: PreviousRevisions): Promise<{ changes: Change[]; changesTruncated: boolean }> {
  const before = previous.previous?.sha ?? null;
  if (before === null) {
    context.log.write('First time build. Skipping changelog.\n');
    return { changes: [], changesTruncated: false };
  }
  if (before === revision.sha) return { changes: [], changesTruncated: false };
  const known = await runGit(context, directory, ['cat-file', '-e', `${before}^{commit}`]);
  if (known.code !== 0) {
    context.log.write(`The previous build's commit ${before} is not in this clone: no change set.\n`);
    return { changes: [], changesTruncated: false };
  }
  const logged = await runGit(context, directory, ['log', '--no-color', '--name-status', '--no-renames', `--max-count=${MAX_CHANGES + 1}`, '--format=%x1e%H%x1f%an%x1f%ae%x1f%at%x1f%B%x1f', `${before}..${revision.sha}`]);
  if (logged.code !== 0) return { changes: [], changesTruncated: false };
  const changes = logged.stdout
    .split('\x1e')
    .filter((record) => record.trim() !== '')
    .map(parseChange);
  return { changes: changes.slice(0, MAX_CHANGES), changesTruncated: changes.length > MAX_CHANGES };
}

function parseChange(record: string): Change {
  const [sha = '', authorName = '', authorEmail = '', time = '0', message = '', status = ''] = record.split('\x1f');
  const paths: ChangedPath[] = [];
  for (const line of status.split('\n')) {
    const [kind, file] = line.split('\t');
    if (!kind || !file || paths.length >= MAX_CHANGED_PATHS) continue;
    paths.push({ editType: kind === 'A' ? 'add' : kind === 'D' ? 'delete' : 'edit', file });
  }
  return { sha: sha.trim(), authorName, authorEmail, timestamp: Number(time) * 1000, message: message.replace(/\n+$/, ''), paths };
}

function fetchHint(fetched: GitOutput, remote: GitRemote, request: CheckoutRequest): string | null {
  return hintOf(fetched.stderr, remote, request);
}

/** A sentence for the failures people hit most, from what git printed. */
function hintOf(stderr: string, remote: GitRemote | null, request: CheckoutRequest): string | null {
  const id = remote?.credentialsId ?? null;
  const url = remote?.url ?? 'the repository';
  if (/Authentication failed|could not read (Username|Password)|terminal prompts disabled|Permission denied \(publickey|HTTP Basic: Access denied|invalid credentials|returned error: 40[13]|Invalid username or password/i.test(stderr)) {
    if (id === null) return `Authentication failed for ${url}, and the job names no credential: give the remote a credentials id (a username and password or token for HTTPS, an SSH key for SSH).`;
    if (!request.credentials.has(id)) return `Authentication failed for ${url}: the credential "${id}" the job names was not found. Check the credentials id, and that the credential exists where this job can use it.`;
    return `Authentication failed for ${url} with the credential "${id}": it is wrong, or not the one for this repository.`;
  }
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) {
    return `The SSH host key of ${url} is not the one known: add the server's key to ~/.ssh/known_hosts of the account builds run as on this node (ssh-keyscan HOST), or remove the stale one.`;
  }
  if (/detected dubious ownership/i.test(stderr)) return `${url} belongs to another account than the one builds run as here: git refuses it. Serve it over HTTP(S) or SSH, or let the build account trust it (safe.directory in its git configuration).`;
  if (/couldn't find remote ref/i.test(stderr)) return `A ref the job fetches does not exist on ${url}: check the refspec and the branch specifier (${request.source.branches.join(', ')}).`;
  if (/Could not resolve host|Connection refused|Connection timed out|Network is unreachable|timed out after/i.test(stderr)) return `${url} could not be reached from this node: check the URL and the network.`;
  if (/does not appear to be a git repository|repository .* not found|not found/i.test(stderr)) return `No repository at ${url}: check the URL.`;
  return null;
}
