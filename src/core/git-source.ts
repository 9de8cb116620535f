import { DomainError } from './errors.js';

/**
 * Where a job's build takes its source from: a git repository checked out into the workspace before
 * the steps run (Jenkins: `hudson.plugins.git.GitSCM`). Pure data and rules, no I/O: the checkout
 * itself is `executor/git-checkout.ts`.
 */
export interface GitSource {
  readonly remotes: readonly GitRemote[];
  /** Branch specifiers (Jenkins' `BranchSpec`), tried in order: `*\/main`, `origin/release-*`, `refs/tags/v1`, a commit. */
  readonly branches: readonly string[];
  readonly extensions: GitExtensions;
}

export interface GitRemote {
  readonly url: string;
  /** The remote's name in the workspace's clone (`origin` by default). */
  readonly name: string;
  /** Null: every branch, `+refs/heads/*:refs/remotes/NAME/*`. */
  readonly refspec: string | null;
  /** The credential used to reach it (Jenkins' `credentialsId`); null: none. */
  readonly credentialsId: string | null;
}

/** The git plugin's "Additional Behaviours" Steward runs; each is off when null or false. */
export interface GitExtensions {
  /** `git clean -fdx` before the checkout (CleanBeforeCheckout). */
  readonly cleanBeforeCheckout: boolean;
  /** `git clean -fdx` after the checkout (CleanCheckout). */
  readonly cleanAfterCheckout: boolean;
  /** Everything in the workspace removed before the checkout (WipeWorkspace). */
  readonly wipeWorkspace: boolean;
  /** CloneOption: a shallow fetch of `depth` commits, without tags, with a timeout in minutes. */
  readonly clone: { readonly shallow: boolean; readonly depth: number | null; readonly noTags: boolean; readonly timeoutMinutes: number | null } | null;
  /** RelativeTargetDirectory: where in the workspace to check out (a relative path inside it). */
  readonly relativeTargetDir: string | null;
  /** SubmoduleOption: submodules updated after the checkout. */
  readonly submodules: { readonly recursive: boolean; readonly shallow: boolean; readonly depth: number | null; readonly parentCredentials: boolean } | null;
  /** LocalBranch: the commit checked out as this local branch (`**`: the remote branch's own name). */
  readonly localBranch: string | null;
  /** UserIdentity: the name and e-mail address git commits made by the build carry. */
  readonly userIdentity: { readonly name: string | null; readonly email: string | null } | null;
  /** Extensions Steward keeps (their config.xml stays with the job) but does not run, by class name. */
  readonly unknown: readonly string[];
}

export const DEFAULT_REMOTE_NAME = 'origin';
export const DEFAULT_BRANCH_SPEC = '**';

export function defaultGitExtensions(): GitExtensions {
  return { cleanBeforeCheckout: false, cleanAfterCheckout: false, wipeWorkspace: false, clone: null, relativeTargetDir: null, submodules: null, localBranch: null, userIdentity: null, unknown: [] };
}

/** A source of one repository and one branch specifier, as the config file and the job form give it. */
export function simpleGitSource(url: string, branch: string | null, credentialsId: string | null): GitSource {
  return {
    remotes: [{ url, name: DEFAULT_REMOTE_NAME, refspec: null, credentialsId }],
    branches: [branch === null || branch.trim() === '' ? DEFAULT_BRANCH_SPEC : branch.trim()],
    extensions: defaultGitExtensions(),
  };
}

/** The refspec a remote is fetched with: its own, or every branch as `refs/remotes/NAME/*`. */
export function refspecOf(remote: GitRemote): string {
  return remote.refspec ?? `+refs/heads/*:refs/remotes/${remote.name}/*`;
}

const REMOTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Checks a source whichever way it arrived; fields are named as `scm.…` for the form and the config file. */
export function checkGitSource(source: GitSource): void {
  if (source.remotes.length === 0) throw new DomainError('config_invalid', 'A git source needs a repository URL.', 'Give the URL of the repository to check out.').at('scm.url');
  const names = new Set<string>();
  for (const remote of source.remotes) {
    if (remote.url.trim() === '' || /[\0\n\r]/.test(remote.url) || remote.url.startsWith('-')) {
      throw new DomainError('config_invalid', `"${remote.url}" is not a repository URL.`, 'Use https://host/path.git, ssh://git@host/path.git, git@host:path.git or file:///path.').at('scm.url');
    }
    if (!REMOTE_NAME.test(remote.name) || names.has(remote.name)) {
      throw new DomainError('config_invalid', `"${remote.name}" is not a name for a remote, or names two.`, 'Use letters, digits, dots, dashes and underscores, once per remote (origin by default).').at('scm.name');
    }
    names.add(remote.name);
    // Several refspecs may be given, separated by spaces, as Jenkins takes them; none may read as an option.
    if (remote.refspec !== null && (remote.refspec.trim() === '' || /[\0\n\r]/.test(remote.refspec) || remote.refspec.trim().split(/\s+/).some((part) => part.startsWith('-')))) {
      throw new DomainError('config_invalid', `"${remote.refspec}" is not a refspec.`, 'Use +refs/heads/*:refs/remotes/origin/*, or leave it empty.').at('scm.refspec');
    }
  }
  for (const spec of source.branches) {
    if (/[\0\n\r]/.test(spec) || spec.startsWith('-')) throw new DomainError('config_invalid', `"${spec}" is not a branch specifier.`, 'Use */main, origin/release-*, refs/tags/v1 or a commit.').at('scm.branch');
  }
  const { relativeTargetDir, clone, submodules } = source.extensions;
  if (relativeTargetDir !== null && !isInsideRelativePath(relativeTargetDir)) {
    throw new DomainError('config_invalid', `"${relativeTargetDir}" is not a directory inside the workspace.`, 'Use a relative path such as src/app, without "..".').at('scm.relativeTargetDir');
  }
  for (const depth of [clone?.depth, submodules?.depth]) {
    if (depth !== null && depth !== undefined && !(Number.isInteger(depth) && depth >= 1)) {
      throw new DomainError('config_invalid', `A shallow clone's depth must be a whole number of at least 1 (got ${depth}).`).at('scm.depth');
    }
  }
}

function isInsideRelativePath(path: string): boolean {
  if (path.startsWith('/') || path.includes('\0')) return false;
  return path.split(/[\\/]+/).every((part) => part !== '..');
}

/** A branch specifier that names one commit: 40 hex digits (or 64, for SHA-256 repositories). */
export function isCommitSpec(spec: string): boolean {
  return /^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(spec.trim());
}

/**
 * Whether a branch specifier selects a ref of a remote, as the git plugin's `BranchSpec.matches`
 * does (`BranchSpec.getPattern`): `ref` is the remote's full ref (`refs/heads/main`, `refs/tags/v1`,
 * as `git ls-remote` lists them), `remoteName` the remote's name in the job (`origin`).
 *
 * - `**` (or an empty specifier) matches every branch; `*` matches within one path segment.
 * - `main` (no slash) matches branch main of any remote; `*\/main` and `origin/main` the remote-qualified name;
 *   `refs/heads/main` the full name; `refs/remotes/origin/main` is read as `origin/main`.
 * - `:REGEX` is a regular expression over the names above (`origin/main`, `refs/heads/main`).
 * - Tags match only a tag specifier (`refs/tags/v1`, `refs/tags/v*`); a commit matches no ref.
 */
export function branchMatches(spec: string, remoteName: string, ref: string): boolean {
  const trimmed = spec.trim();
  if (ref.startsWith('refs/tags/')) {
    return trimmed.startsWith('refs/tags/') && wildcardPattern(trimmed).test(ref);
  }
  if (!ref.startsWith('refs/heads/')) return false;
  const branch = ref.slice('refs/heads/'.length);
  if (trimmed === '' || trimmed === DEFAULT_BRANCH_SPEC) return true;
  // The build chooser matches remote branch names (`origin/main`); a fully qualified specifier, or a
  // regular expression, is also tried on the full ref.
  const names = trimmed.startsWith('refs/') || trimmed.startsWith(':') ? [`${remoteName}/${branch}`, ref] : [`${remoteName}/${branch}`];
  const pattern = specPattern(trimmed, remoteName);
  return pattern !== null && names.some((name) => pattern.test(name));
}

function specPattern(spec: string, remoteName: string): RegExp | null {
  if (spec.startsWith(':') && spec.length > 1) {
    try {
      return new RegExp(`^(?:${spec.slice(1)})$`);
    } catch {
      return null;
    }
  }
  const expanded = spec.startsWith(`refs/remotes/${remoteName}/`) ? `${remoteName}/${spec.slice(`refs/remotes/${remoteName}/`.length)}` : spec;
  // An unqualified name (no slash, no **) is looked for on every remote, as the plugin does.
  const prefix = !expanded.includes('**') && !expanded.includes('/') ? '(?:refs/heads/|refs/remotes/[^/]+/|remotes/[^/]+/|[^/]+/)?' : '(?:refs/heads/|refs/remotes/|remotes/)?';
  return new RegExp(`^${prefix}${wildcardSource(expanded)}$`);
}

function wildcardPattern(spec: string): RegExp {
  return new RegExp(`^${wildcardSource(spec)}$`);
}

/** `**` any characters, `*` any but `/`, everything else literally. */
function wildcardSource(spec: string): string {
  return spec
    .split('**')
    .map((part) => part.split('*').map(escapeRegExp).join('[^/]*'))
    .join('.*');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A ref of a remote and the commit it names, as `git ls-remote` lists them. */
export interface RemoteRef {
  readonly ref: string;
  readonly sha: string;
}

/**
 * The refs of one remote a source would build, for SCM polling and push notifications: for each
 * branch specifier in order, the refs it matches (`branchMatches`), without repeats. A commit
 * specifier matches no ref: a job pinned to a commit has nothing to poll.
 */
export function refsToBuild(source: GitSource, remoteName: string, refs: readonly RemoteRef[]): RemoteRef[] {
  const found: RemoteRef[] = [];
  for (const spec of source.branches) {
    for (const ref of refs) {
      if (branchMatches(spec, remoteName, ref.ref) && !found.some((seen) => seen.ref === ref.ref)) found.push(ref);
    }
  }
  return found;
}

/**
 * The short name of a branch a ref of a remote is built as: `origin/main` for `refs/heads/main`
 * (Jenkins' GIT_BRANCH), the tag's full ref for a tag.
 */
export function remoteBranchName(remoteName: string, ref: string): string {
  return ref.startsWith('refs/heads/') ? `${remoteName}/${ref.slice('refs/heads/'.length)}` : ref;
}

/**
 * Whether two repository URLs name the same repository, as the git plugin's `GitStatus.looselyMatches`
 * decides it for `/git/notifyCommit?url=`: the same host (any case) and the same path, whatever the
 * scheme, user, port, trailing `/` or `.git`. `git@host:org/app.git`, `https://user@HOST/org/app`
 * and `ssh://git@host:22/org/app.git/` all match.
 */
export function repositoryUrlMatches(a: string, b: string): boolean {
  const left = looseUrl(a);
  const right = looseUrl(b);
  return left !== null && right !== null && left.host === right.host && left.path === right.path;
}

function looseUrl(url: string): { host: string; path: string } | null {
  const text = url.trim();
  if (text === '') return null;
  let host: string;
  let path: string;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/i.exec(text);
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.*)$/.exec(text);
  if (scheme) {
    host = scheme[2]!.replace(/^.*@/, '').replace(/:\d*$/, '');
    path = scheme[3]!;
  } else if (scp) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    host = '';
    path = text;
  }
  path = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  return { host: host.toLowerCase(), path };
}

/** A URL as it may be shown: without a password in its user info (`https://user:****@host/…`). */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^/@]*@/i, '$1:****@');
}

/**
 * The key two repository URLs share exactly when `repositoryUrlMatches` says they name the same
 * repository (`host/path`), so jobs can be looked up by the repository a notification names; null for no URL.
 */
export function repositoryKey(url: string): string | null {
  const loose = looseUrl(url);
  return loose === null ? null : `${loose.host}/${loose.path}`;
}

/** The repositories a job's source uses, as keys (`repositoryKey`), without repeats. */
export function repositoryKeysOf(source: GitSource | null): string[] {
  return [...new Set((source?.remotes ?? []).flatMap((remote) => repositoryKey(remote.url) ?? []))];
}

/**
 * Whether a push of `pushed` (`refs/heads/main`, `refs/tags/v1`, or a bare branch name) concerns a
 * source: some branch specifier selects it on one of `remotes` (all of the source's by default). A
 * specifier with a parameter (`$BRANCH`) is taken to select every ref, as the git plugin does.
 */
export function buildsRef(source: GitSource, pushed: string, remotes: readonly GitRemote[] = source.remotes): boolean {
  const ref = pushed.startsWith('refs/') ? pushed : `refs/heads/${pushed}`;
  return source.branches.some((spec) => spec.includes('$') || remotes.some((remote) => branchMatches(spec, remote.name, ref)));
}
