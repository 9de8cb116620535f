/**
 * An artifact: a file kept with a build, named by its path relative to the workspace it came from
 * (`dist/app.tar.gz`, Jenkins' `relativePath`), always with `/` between segments.
 */
export interface Artifact {
  readonly path: string;
  readonly size: number;
}

/**
 * Whether a path may name an artifact: relative, segments separated by single `/`, none empty, `.` or
 * `..`, no NUL. Every path read from a request or written to storage passes here first, so none
 * leaves a build's artifacts.
 */
export function isArtifactPath(path: string): boolean {
  if (path === '' || path.length > 4096 || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** `Archiving artifacts: 3 files, 12.4 MB`: sizes in decimal units, as the issue and people count them. */
export function describeArtifacts(count: number, bytes: number): string {
  return `${count} ${count === 1 ? 'file' : 'files'}, ${formatBytes(bytes)}`;
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}` : `${value.toFixed(1)} ${units[unit]}`;
}
