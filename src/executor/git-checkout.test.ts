import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer, TestRepository } from '../../test/support/git-repos.js';
import type { CredentialSecret } from '../core/credential.js';
import { type GitSource, simpleGitSource } from '../core/git-source.js';
import { NO_PREVIOUS_REVISIONS, type PreviousRevisions } from '../core/revision.js';
import type { LogWriter } from '../logs/console-logs.js';
import { BuildControl } from '../queue/runner.js';
import { gitVariables } from './environment.js';
import { checkout, CheckoutFailed, type CheckoutResult } from './git-checkout.js';

/** A console log in memory. */
function memoryLog(): LogWriter & { text: () => string } {
  const parts: string[] = [];
  return {
    failure: null,
    buffered: 0,
    full: false,
    write: (text) => void parts.push(String(text)),
    drained: async () => {},
    flush: async () => {},
    size: async () => parts.join('').length,
    close: async () => {},
    text: () => parts.join(''),
  };
}

let repo: TestRepository;
let scratch: string;
let first: string;

beforeAll(() => {
  repo = new TestRepository();
  scratch = mkdtempSync(join(tmpdir(), 'steward-checkout-'));
  first = repo.commit('First commit', { 'README.md': 'one\n' });
});

afterAll(() => {
  repo.remove();
  rmSync(scratch, { recursive: true, force: true });
});

let workspaces = 0;
function workspace(): string {
  const path = join(scratch, `ws${(workspaces += 1)}`);
  return path;
}

async function run(source: GitSource, path: string, options: { previous?: PreviousRevisions; credentials?: CredentialSecret[] } = {}): Promise<{ result: CheckoutResult; log: string }> {
  const log = memoryLog();
  const { mkdirSync } = await import('node:fs');
  mkdirSync(path, { recursive: true });
  const result = await checkout({
    source,
    workspace: path,
    credentials: new Map((options.credentials ?? []).map((credential) => [credential.id, credential])),
    previous: options.previous ?? NO_PREVIOUS_REVISIONS,
    log,
    control: new BuildControl(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, GIT_CONFIG_NOSYSTEM: '1' },
    user: null,
    killGraceMs: 1000,
  }).catch((error: unknown) => {
    if (error instanceof CheckoutFailed) Object.assign(error, { log: log.text() });
    throw error;
  });
  return { result, log: log.text() };
}

describe('git checkout', () => {
  it('clones over file://, then fetches only: a second build reports the new commits as its change set', async () => {
    const path = workspace();
    const one = await run(simpleGitSource(repo.url, '*/main', null), path);
    expect(one.result.revision).toEqual({ sha: first, branch: 'origin/main', remoteUrl: repo.url });
    expect(one.log).toContain('Cloning the remote Git repository');
    expect(one.log).toContain(` > git fetch --tags --force --progress -- ${repo.url} +refs/heads/*:refs/remotes/origin/* # timeout=10`);
    expect(one.log).toContain(`Checking out Revision ${first} (origin/main)`);
    expect(one.log).toContain('Commit message: "First commit"');
    expect(one.result.changes).toEqual([]);
    expect(readFileSync(join(path, 'README.md'), 'utf8')).toBe('one\n');

    const second = repo.commit('Second commit\n\nWith a body.', { 'src/a.txt': 'a\n' });
    const third = repo.commit('Third commit', { 'README.md': 'two\n' });
    const previous = { previous: one.result.revision, previousSuccessful: one.result.revision };
    const two = await run(simpleGitSource(repo.url, '*/main', null), path, { previous });
    expect(two.log).toContain('Fetching changes from the remote Git repository');
    expect(two.log).not.toContain('git init');
    expect(two.result.revision.sha).toBe(third);
    expect(two.result.changes.map((change) => change.sha)).toEqual([third, second]);
    expect(two.result.changes[1]).toMatchObject({ message: 'Second commit\n\nWith a body.', authorName: 'Alice Example', authorEmail: 'alice@example.com', paths: [{ editType: 'add', file: 'src/a.txt' }] });
    expect(two.result.changes[0]!.paths).toEqual([{ editType: 'edit', file: 'README.md' }]);
    expect(gitVariables(simpleGitSource(repo.url, '*/main', null), two.result, previous)).toEqual({
      GIT_COMMIT: third,
      GIT_BRANCH: 'origin/main',
      GIT_URL: repo.url,
      GIT_PREVIOUS_COMMIT: first,
      GIT_PREVIOUS_SUCCESSFUL_COMMIT: first,
    });
  });

  it('builds a tag, a commit, a local branch in a sub-directory, and says which of several branches it picked', async () => {
    repo.tag('v1');
    const tagged = (await run(simpleGitSource(repo.url, 'refs/tags/v1', null), workspace())).result.revision;
    expect(tagged.branch).toBe('refs/tags/v1');
    const byCommit = (await run(simpleGitSource(repo.url, first, null), workspace())).result.revision;
    expect(byCommit).toMatchObject({ sha: first, branch: null });

    repo.branch('release-1');
    const release = repo.commit('Release', { 'r.txt': 'r\n' }, 'release-1');
    repo.commit('Release 2', { 'r.txt': 'r2\n' }, 'release-2');
    const source = simpleGitSource(repo.url, 'origin/release-*', null);
    const path = workspace();
    const several = await run({ ...source, extensions: { ...source.extensions, relativeTargetDir: 'src/app', localBranch: '**' } }, path);
    expect(several.log).toContain('Several branches match origin/release-*: origin/release-1, origin/release-2; building origin/release-1');
    expect(several.result).toMatchObject({ revision: { sha: release, branch: 'origin/release-1' }, localBranch: 'release-1', directory: join(path, 'src/app') });
    expect(existsSync(join(path, 'src/app/r.txt'))).toBe(true);
    expect(readFileSync(join(path, 'src/app/.git/HEAD'), 'utf8')).toBe('ref: refs/heads/release-1\n');
    repo.branch('main');
  });

  it('fails with the branch specifier and the branches seen when nothing matches', async () => {
    const failure = await run(simpleGitSource(repo.url, '*/nope', null), workspace()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CheckoutFailed);
    expect((failure as CheckoutFailed).message).toContain("Couldn't find any revision to build");
    expect((failure as CheckoutFailed).hint).toMatch(/\(\*\/nope\).*Branches seen: origin\/main/);
  });

  describe('over HTTP behind Basic auth (git http-backend)', () => {
    let http: Awaited<ReturnType<typeof startGitHttpServer>>;
    beforeAll(async () => {
      http = await startGitHttpServer(repo.root, 'builder', 's3cret-pass');
    });
    afterAll(() => http.close());

    const credential = (password: string): CredentialSecret => ({ kind: 'usernamePassword', id: 'git-http', username: 'builder', password });
    const tempDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('steward-git-') && !name.startsWith('steward-git-repo-'));

    it('fetches with a username and password through GIT_ASKPASS, never in the URL or the log, and removes its files', async () => {
      const before = tempDirs();
      const { result, log } = await run(simpleGitSource(http.url('app.git'), '*/main', 'git-http'), workspace(), { credentials: [credential('s3cret-pass')] });
      expect(result.revision.remoteUrl).toBe(http.url('app.git'));
      expect(log).not.toContain('s3cret-pass');
      expect(tempDirs()).toEqual(before);
    });

    it('fails with a hint naming the credential when the password is wrong or the credential is missing', async () => {
      const wrong = (await run(simpleGitSource(http.url('app.git'), '*/main', 'git-http'), workspace(), { credentials: [credential('wrong')] }).catch((error: unknown) => error)) as CheckoutFailed & { log: string };
      expect(wrong.message).toBe("Error fetching remote repo 'origin'");
      expect(wrong.hint).toContain('with the credential "git-http": it is wrong');
      expect(wrong.log).toMatch(/Authentication failed/);
      expect(wrong.log).not.toContain('wrong\n');
      const missing = (await run(simpleGitSource(http.url('app.git'), '*/main', 'nope'), workspace()).catch((error: unknown) => error)) as CheckoutFailed;
      expect(missing.hint).toContain('the credential "nope" the job names was not found');
    });
  });
});

describe('lsRemote (for SCM polling)', () => {
  it('lists branches and peeled tags of a remote, which refsToBuild narrows to what a source builds', async () => {
    const { lsRemote } = await import('./git-ls-remote.js');
    const { refsToBuild } = await import('../core/git-source.js');
    const refs = await lsRemote(repo.url, null, { env: { HOME: scratch } });
    const main = refs.find((ref) => ref.ref === 'refs/heads/main');
    expect(main?.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(refs.find((ref) => ref.ref === 'refs/tags/v1')?.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(refsToBuild(simpleGitSource(repo.url, '*/main', null), 'origin', refs)).toEqual([main]);
    await expect(lsRemote(`${repo.url}-missing`, null)).rejects.toThrow(/does not appear to be a git repository/);
  });
});
