import { DomainError } from './errors.js';

/**
 * "Archive the artifacts" (Jenkins' `hudson.tasks.ArtifactArchiver` publisher): which files of the
 * workspace are kept with a build after its steps. Patterns are Ant-style globs relative to the
 * workspace (`dist/**\/*.tar.gz`), as Jenkins writes them comma-separated.
 */
export interface ArchiveSettings {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** No matching file is not an error (Jenkins' `allowEmptyArchive`); otherwise it fails the build. */
  readonly allowEmpty: boolean;
  /** Archive only when the build is SUCCESS or UNSTABLE (Jenkins: not worse than UNSTABLE). */
  readonly onlyIfSuccessful: boolean;
  /** Ant's default excludes (`**\/.git/**`, `**\/*~`, …) apply, as in Jenkins (default true). */
  readonly defaultExcludes: boolean;
  /** Patterns match case-sensitively (default true). */
  readonly caseSensitive: boolean;
  /** A symbolic link to a file inside the workspace is archived as that file (default true); one pointing outside never is. */
  readonly followSymlinks: boolean;
  /** Kept from config.xml; Steward does not record fingerprints. */
  readonly fingerprint: boolean;
}

/** Jenkins' defaults for the fields a config.xml may leave out. */
export function archiveSettings(include: readonly string[], rest: Partial<Omit<ArchiveSettings, 'include'>> = {}): ArchiveSettings {
  return { include, exclude: [], allowEmpty: false, onlyIfSuccessful: false, defaultExcludes: true, caseSensitive: true, followSymlinks: true, fingerprint: false, ...rest };
}

/** `a/*.jar, b/**` → [`a/*.jar`, `b/**`]: Jenkins' comma-separated list (blank entries dropped). */
export function splitPatterns(list: string): string[] {
  return list
    .split(',')
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '');
}

/** The settings Steward keeps but does not act on, for the job's ignored settings. */
export function ignoredOfArchive(settings: ArchiveSettings): string[] {
  return settings.fingerprint ? ['publishers/hudson.tasks.ArtifactArchiver/fingerprint'] : [];
}

/** A pattern may not leave the workspace: no absolute path, no `..` segment. */
export function checkArchiveSettings(settings: ArchiveSettings): void {
  if (settings.include.length === 0) {
    throw new DomainError('config_invalid', 'Archiving artifacts needs at least one file pattern.', 'Give Ant-style patterns relative to the workspace, such as dist/**/*.tar.gz.').at('archive.include');
  }
  for (const [field, patterns] of [
    ['archive.include', settings.include],
    ['archive.exclude', settings.exclude],
  ] as const) {
    for (const pattern of patterns) {
      if (pattern.startsWith('/') || pattern.split(/[\\/]/).includes('..')) {
        throw new DomainError('config_invalid', `Artifact pattern "${pattern}" points outside the workspace.`, 'Patterns are relative to the workspace and may not contain "..".').at(field);
      }
    }
  }
}

/** Whether a build that ended with this result has its artifacts archived. */
export function archivesAfter(settings: ArchiveSettings, result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'NOT_BUILT' | 'ABORTED'): boolean {
  if (result === 'ABORTED' || result === 'NOT_BUILT') return false;
  return !settings.onlyIfSuccessful || result === 'SUCCESS' || result === 'UNSTABLE';
}
