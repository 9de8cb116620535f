import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import picomatch from 'picomatch';
import type { ArchiveSettings } from '../core/archive.js';

/** Ant's default excludes, which Jenkins applies unless `defaultExcludes` is false. */
const ANT_DEFAULT_EXCLUDES = [
  '**/*~', '**/#*#', '**/.#*', '**/%*%', '**/._*',
  '**/CVS', '**/CVS/**', '**/.cvsignore', '**/SCCS', '**/SCCS/**', '**/vssver.scc',
  '**/.svn', '**/.svn/**', '**/.DS_Store',
  '**/.git', '**/.git/**', '**/.gitattributes', '**/.gitignore', '**/.gitmodules',
  '**/.hg', '**/.hg/**', '**/.hgignore', '**/.hgsub', '**/.hgsubstate', '**/.hgtags',
  '**/.bzr', '**/.bzr/**', '**/.bzrignore',
];

/** A file chosen for archiving: its artifact path, where it is read from, and its size when chosen. */
export interface SelectedFile {
  readonly path: string;
  readonly source: string;
  readonly size: number;
}

export interface Selection {
  readonly files: SelectedFile[];
  /** Symbolic links that matched but were not archived, each with why (pointing outside the workspace, …). */
  readonly refused: string[];
}

/**
 * The workspace files an archive's patterns choose, as Ant's file sets choose them (Jenkins'
 * `FilePath.list`): a pattern ending in `/` means everything below; `**` crosses directories; dot
 * files match like any other. Symbolic links to directories are never entered; a link to a file is
 * taken as that file only when `followSymlinks` is set and its target is inside the workspace.
 */
export async function selectArtifacts(workspace: string, settings: ArchiveSettings): Promise<Selection> {
  const options = { dot: true, nocase: !settings.caseSensitive };
  const included = picomatch(settings.include.map(antPattern), options);
  const excludes = [...settings.exclude.map(antPattern), ...(settings.defaultExcludes ? ANT_DEFAULT_EXCLUDES : [])];
  const excluded = excludes.length > 0 ? picomatch(excludes, options) : () => false;
  const root = await realpath(workspace);
  const files: SelectedFile[] = [];
  const refused: string[] = [];
  const walk = async (directory: string, prefix: string): Promise<void> => {
    const entries = await readdir(directory, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const full = join(directory, entry.name);
      if (entry.isDirectory()) {
        await walk(full, path);
        continue;
      }
      if (!included(path) || excluded(path)) continue;
      if (entry.isFile()) {
        files.push({ path, source: full, size: (await lstat(full)).size });
      } else if (entry.isSymbolicLink()) {
        const target = await followed(root, full);
        if (!settings.followSymlinks) refused.push(`${path} (a symbolic link; followSymlinks is off)`);
        else if (target === null) refused.push(`${path} (a symbolic link to a file outside the workspace, or to no file)`);
        else files.push({ path, source: target, size: (await stat(target)).size });
      }
    }
  };
  await walk(root, '');
  return { files, refused };
}

/** The real path a link leads to when it is a regular file inside `root`; null otherwise. */
async function followed(root: string, link: string): Promise<string | null> {
  try {
    const target = await realpath(link);
    if (!target.startsWith(root + sep)) return null;
    return (await stat(target)).isFile() ? target : null;
  } catch {
    return null;
  }
}

/** Ant's `dir/` is `dir/**`; a leading `./` means nothing. */
function antPattern(pattern: string): string {
  const relative = pattern.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  return relative.endsWith('/') ? `${relative}**` : relative;
}
