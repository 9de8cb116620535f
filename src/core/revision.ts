/**
 * What a build checked out and what changed since its job's previous build: its revision and its
 * change set, recorded as soon as its checkout ends (so a running build shows its commit).
 */
export interface BuildSource {
  readonly revision: Revision;
  /** The commits since the previous build's revision, newest first, at most `MAX_CHANGES`; empty on a first build. */
  readonly changes: readonly Change[];
  /** True when there were more commits than `changes` holds. */
  readonly changesTruncated: boolean;
}

/** The commit a build checked out (Jenkins' `lastBuiltRevision`). */
export interface Revision {
  readonly sha: string;
  /** The remote branch it was found as (`origin/main`, Jenkins' GIT_BRANCH), or a tag's ref; null for a commit specifier. */
  readonly branch: string | null;
  /** The URL of the remote it came from. */
  readonly remoteUrl: string;
}

/** One commit of a change set (Jenkins' `GitChangeSet`). */
export interface Change {
  readonly sha: string;
  /** The whole commit message. */
  readonly message: string;
  readonly authorName: string;
  readonly authorEmail: string;
  /** The author's time, ms since the epoch. */
  readonly timestamp: number;
  /** The files the commit touched (at most `MAX_CHANGED_PATHS`). */
  readonly paths: readonly ChangedPath[];
}

export interface ChangedPath {
  readonly editType: 'add' | 'edit' | 'delete';
  readonly file: string;
}

/** The most commits a change set records: enough for a page, not a whole history after a long pause. */
export const MAX_CHANGES = 100;
/** The most paths recorded per commit. */
export const MAX_CHANGED_PATHS = 200;

/** The revisions of the job's earlier builds a build is compared with (GIT_PREVIOUS_COMMIT and friends, the change set). */
export interface PreviousRevisions {
  /** The latest earlier build's revision. */
  readonly previous: Revision | null;
  /** The latest earlier successful build's revision. */
  readonly previousSuccessful: Revision | null;
}

export const NO_PREVIOUS_REVISIONS: PreviousRevisions = { previous: null, previousSuccessful: null };
