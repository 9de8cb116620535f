import { describe, expect, it } from 'vitest';
import { branchMatches, checkGitSource, displayUrl, isCommitSpec, remoteBranchName, repositoryUrlMatches, simpleGitSource } from './git-source.js';

describe('branchMatches, as the git plugin\'s BranchSpec', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['*/main', 'origin', 'refs/heads/main', true],
    ['*/main', 'upstream', 'refs/heads/main', true],
    ['*/main', 'origin', 'refs/heads/maintenance', false],
    ['*/main', 'origin', 'refs/heads/feature/main', false],
    ['main', 'origin', 'refs/heads/main', true],
    ['main', 'origin', 'refs/heads/feature/main', false],
    ['origin/main', 'origin', 'refs/heads/main', true],
    ['upstream/main', 'origin', 'refs/heads/main', false],
    ['origin/release-*', 'origin', 'refs/heads/release-1.2', true],
    ['origin/release-*', 'origin', 'refs/heads/release/1.2', false],
    ['origin/release-*', 'origin', 'refs/heads/hotfix-1', false],
    ['refs/heads/x', 'origin', 'refs/heads/x', true],
    ['refs/heads/x', 'origin', 'refs/heads/xy', false],
    ['refs/remotes/origin/x', 'origin', 'refs/heads/x', true],
    ['refs/tags/v1', 'origin', 'refs/tags/v1', true],
    ['refs/tags/v1', 'origin', 'refs/tags/v10', false],
    ['refs/tags/v*', 'origin', 'refs/tags/v10', true],
    ['refs/tags/v1', 'origin', 'refs/heads/v1', false],
    ['*/main', 'origin', 'refs/tags/main', false],
    ['**', 'origin', 'refs/heads/feature/deep/x', true],
    ['', 'origin', 'refs/heads/anything', true],
    ['origin/feature/**', 'origin', 'refs/heads/feature/a/b', true],
    [':^origin/(main|dev)$', 'origin', 'refs/heads/dev', true],
    [':^origin/(main|dev)$', 'origin', 'refs/heads/devel', false],
    ['0123456789abcdef0123456789abcdef01234567', 'origin', 'refs/heads/main', false],
  ];
  it.each(cases)('%s on %s %s → %s', (spec, remote, ref, expected) => {
    expect(branchMatches(spec, remote, ref)).toBe(expected);
  });

  it('knows a commit specifier and names branches as GIT_BRANCH does', () => {
    expect(isCommitSpec('0123456789abcdef0123456789abcdef01234567')).toBe(true);
    expect(isCommitSpec('0123456')).toBe(false);
    expect(remoteBranchName('origin', 'refs/heads/main')).toBe('origin/main');
    expect(remoteBranchName('origin', 'refs/tags/v1')).toBe('refs/tags/v1');
  });
});

describe('repositoryUrlMatches, as the git plugin\'s GitStatus.looselyMatches', () => {
  const same = [
    ['https://github.com/org/app.git', 'https://github.com/org/app'],
    ['https://github.com/org/app.git', 'git@github.com:org/app.git'],
    ['https://user:secret@GitHub.com/org/app/', 'ssh://git@github.com:22/org/app.git'],
    ['http://github.com/org/app', 'git://github.com/org/app.git/'],
    ['file:///srv/git/app.git', '/srv/git/app'],
  ];
  it.each(same)('%s matches %s', (a, b) => {
    expect(repositoryUrlMatches(a!, b!)).toBe(true);
    expect(repositoryUrlMatches(b!, a!)).toBe(true);
  });
  const different = [
    ['https://github.com/org/app.git', 'https://github.com/org/app2.git'],
    ['https://github.com/org/app.git', 'https://gitlab.com/org/app.git'],
    ['https://github.com/org/app.git', 'https://github.com/Org/app.git'],
    ['', ''],
  ];
  it.each(different)('%s does not match %s', (a, b) => expect(repositoryUrlMatches(a!, b!)).toBe(false));

  it('hides a password in a URL shown', () => {
    expect(displayUrl('https://bob:hunter2@host/x.git')).toBe('https://bob:****@host/x.git');
    expect(displayUrl('https://host/x.git')).toBe('https://host/x.git');
  });
});

describe('checkGitSource', () => {
  it('takes a plain source and refuses what git would read as an option or a path outside the workspace', () => {
    expect(() => checkGitSource(simpleGitSource('https://h/x.git', '*/main', null))).not.toThrow();
    expect(() => checkGitSource(simpleGitSource('--upload-pack=evil', null, null))).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => checkGitSource(simpleGitSource('https://h/x.git', '-x', null))).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    const source = simpleGitSource('https://h/x.git', null, null);
    expect(source.branches).toEqual(['**']);
    expect(() => checkGitSource({ ...source, extensions: { ...source.extensions, relativeTargetDir: '../out' } })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => checkGitSource({ ...source, extensions: { ...source.extensions, relativeTargetDir: 'src/app' } })).not.toThrow();
  });
});
