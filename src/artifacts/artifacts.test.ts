import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveSettings, checkArchiveSettings } from '../core/archive.js';
import { isArtifactPath } from '../core/artifact.js';
import { archiveArtifacts } from './archive-artifacts.js';
import { ArtifactFiles } from './artifact-files.js';
import { selectArtifacts } from './select-artifacts.js';

let dir: string;
let workspace: string;
let outside: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'steward-artifacts-'));
  workspace = join(dir, 'ws');
  outside = join(dir, 'outside');
  for (const path of ['dist/sub', '.git', 'docs']) await mkdir(join(workspace, path), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'not yours');
  const files: Record<string, string> = { 'dist/app.tar.gz': 'tar', 'dist/app.js.map': 'map', 'dist/sub/Notes.TXT': 'notes', '.git/config': 'git', 'docs/a.txt': 'a', 'build.log': 'log', 'dist/backup~': 'old' };
  for (const [path, content] of Object.entries(files)) await writeFile(join(workspace, path), content);
  await symlink(join(outside, 'secret'), join(workspace, 'dist/leak'));
  await symlink(join(workspace, 'docs/a.txt'), join(workspace, 'dist/inside'));
  await symlink(outside, join(workspace, 'dist/outdir'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const paths = async (settings: ReturnType<typeof archiveSettings>) => (await selectArtifacts(workspace, settings)).files.map((file) => file.path);

describe('choosing artifacts in the workspace', () => {
  it('takes Ant-style includes and excludes, with Ant\'s default excludes', async () => {
    expect(await paths(archiveSettings(['dist/'], { exclude: ['**/*.map'] }))).toEqual(['dist/app.tar.gz', 'dist/inside', 'dist/sub/Notes.TXT']);
    expect(await paths(archiveSettings(['**/*.txt']))).toEqual(['docs/a.txt']);
    expect(await paths(archiveSettings(['**/*.txt'], { caseSensitive: false }))).toEqual(['dist/sub/Notes.TXT', 'docs/a.txt']);
    expect(await paths(archiveSettings(['**'], { exclude: ['dist/**'] }))).toEqual(['build.log', 'docs/a.txt']);
    expect(await paths(archiveSettings(['**'], { exclude: ['dist/**', 'docs/**'], defaultExcludes: false }))).toEqual(['.git/config', 'build.log']);
  });

  it('never follows a symbolic link out of the workspace, nor into a linked directory', async () => {
    const selection = await selectArtifacts(workspace, archiveSettings(['dist/**']));
    expect(selection.files.map((file) => file.path)).not.toContain('dist/leak');
    expect(selection.files.some((file) => file.path.startsWith('dist/outdir'))).toBe(false);
    expect(selection.refused).toEqual(['dist/leak (a symbolic link to a file outside the workspace, or to no file)', 'dist/outdir (a symbolic link to a file outside the workspace, or to no file)']);
    // A link inside the workspace is that file, unless followSymlinks is off.
    expect(selection.files.find((file) => file.path === 'dist/inside')).toMatchObject({ size: 1 });
    expect(await paths(archiveSettings(['dist/inside'], { followSymlinks: false }))).toEqual([]);
  });
});

describe('archiving a build', () => {
  const run = async (settings: ReturnType<typeof archiveSettings>, result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' = 'SUCCESS', maxBytes = 1 << 20) => {
    const store = new ArtifactFiles(join(dir, 'artifacts'));
    let log = '';
    const outcome = await archiveArtifacts(settings, result, workspace, { store, maxBytes, jobId: 1, number: 7, write: (line) => (log += line) });
    return { outcome, log, artifacts: await store.list(1, 7) };
  };

  it('stores what matched and says how much', async () => {
    const { outcome, log, artifacts } = await run(archiveSettings(['dist/*.tar.gz', 'build.log']));
    expect(outcome).toBe('archived');
    expect(artifacts).toEqual([{ path: 'build.log', size: 3 }, { path: 'dist/app.tar.gz', size: 3 }]);
    expect(log).toBe('Archiving artifacts: 2 files, 6 bytes\n');
  });

  it('fails the build when nothing matches, unless an empty archive is allowed', async () => {
    expect(await run(archiveSettings(['nothing/**']))).toMatchObject({ outcome: 'failed', log: 'ERROR: No artifacts found that match the file pattern "nothing/**". Configuration error?\n', artifacts: [] });
    expect(await run(archiveSettings(['nothing/**'], { allowEmpty: true }))).toMatchObject({ outcome: 'skipped', artifacts: [] });
  });

  it('archives unstable builds but not failed ones when only if successful', async () => {
    expect((await run(archiveSettings(['build.log'], { onlyIfSuccessful: true }), 'UNSTABLE')).outcome).toBe('archived');
    expect(await run(archiveSettings(['build.log'], { onlyIfSuccessful: true }), 'FAILURE')).toMatchObject({ outcome: 'skipped', log: 'Skipped archiving because build is not successful\n' });
    expect((await run(archiveSettings(['build.log']), 'FAILURE')).outcome).toBe('archived');
  });

  it('refuses a build over the size limit and keeps nothing', async () => {
    const { outcome, log, artifacts } = await run(archiveSettings(['dist/**']), 'SUCCESS', 4);
    expect(outcome).toBe('failed');
    expect(log).toContain('exceed the limit of 4 bytes per build; nothing was archived');
    expect(artifacts).toEqual([]);
  });
});

describe('ArtifactFiles', () => {
  it('shows a build\'s artifacts only once committed, and none of an abandoned staging', async () => {
    const store = new ArtifactFiles(join(dir, 'artifacts'));
    const staging = await store.stage(3, 1);
    await staging.put('a/b.txt', Readable.from([Buffer.from('hello world')]));
    expect(await store.list(3, 1)).toEqual([]);
    expect(await store.stat(3, 1, 'a/b.txt')).toBeNull();
    await staging.commit();
    expect(await store.list(3, 1)).toEqual([{ path: 'a/b.txt', size: 11 }]);
    expect(await text((await store.read(3, 1, 'a/b.txt', 6, 11)) as Readable)).toBe('world');

    const abandoned = await store.stage(3, 2);
    await abandoned.put('x', Readable.from([Buffer.from('x')]));
    await abandoned.abandon();
    expect(await store.list(3, 2)).toEqual([]);
    expect(await readdir(join(dir, 'artifacts', '3', '.staging'))).toEqual([]);
  });

  it('refuses paths that leave the build\'s artifacts', async () => {
    const store = new ArtifactFiles(join(dir, 'artifacts'));
    const staging = await store.stage(3, 1);
    await expect(staging.put('../escape', Readable.from([]))).rejects.toThrow('cannot name an artifact');
    await staging.commit();
    for (const path of ['../1/x', 'a/../../x', '/etc/passwd', '', 'a//b']) expect(await store.read(3, 1, path, 0, 1)).toBeNull();
    await store.remove(3, 1);
    await store.removeJob(3);
  });
});

describe('archive settings and artifact paths', () => {
  it('refuses patterns that point outside the workspace, and paths that could leave a build\'s artifacts', () => {
    expect(() => checkArchiveSettings(archiveSettings(['dist/**']))).not.toThrow();
    for (const include of [['../secrets/**'], ['/etc/passwd'], ['dist/../../x'], []]) expect(() => checkArchiveSettings(archiveSettings(include))).toThrow();
    expect(() => checkArchiveSettings(archiveSettings(['dist/**'], { exclude: ['../x'] }))).toThrow('points outside the workspace');
    expect(['a', 'a/b.txt', '.hidden', 'a..b'].every(isArtifactPath)).toBe(true);
    expect(['', '.', '..', 'a/../b', '/a', 'a//b', 'a/', 'a\0b'].some(isArtifactPath)).toBe(false);
  });
});
