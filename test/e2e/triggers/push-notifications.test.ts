import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepository } from '../../support/git-repos.js';
import { jobXml, startTestServer, type TestServer, waitFor, waitForBuild } from '../../support/server.js';

/**
 * Polling and push notifications against a real server and real repositories over file://: the git
 * plugin's /git/notifyCommit with its token rules and text answers, …/polling, the polling log, and a
 * poll that builds once per change.
 */
let server: TestServer;
let repo: TestRepository;
let other: TestRepository;
let token: string;

function gitJob(url: string, branch: string, trigger: string): string {
  return jobXml({
    steps: ['git log -1 --format=%s', 'echo "GIT_COMMIT=$GIT_COMMIT GIT_BRANCH=$GIT_BRANCH"'],
    extra: `<scm class="hudson.plugins.git.GitSCM" plugin="git@5.2.1"><configVersion>2</configVersion>
<userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>${url}</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>
<branches><hudson.plugins.git.BranchSpec><name>${branch}</name></hudson.plugins.git.BranchSpec></branches>
<doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations><submoduleCfg class="empty-list"/><extensions/></scm>
<triggers>${trigger}</triggers>`,
  });
}

const POLL_ON_PUSH = '<hudson.triggers.SCMTrigger><spec></spec><ignorePostCommitHooks>false</ignorePostCommitHooks></hudson.triggers.SCMTrigger>';

async function notify(query: string): Promise<{ status: number; text: string; reason: string | null }> {
  const response = await fetch(`${server.url}/git/notifyCommit?${query}`);
  return { status: response.status, text: await response.text(), reason: response.headers.get('x-steward-reason') };
}

async function lastBuildNumber(job: string): Promise<number | null> {
  const body = (await (await server.fetch(`/job/${job}/api/json?tree=lastBuild[number]`)).json()) as { lastBuild: { number: number } | null };
  return body.lastBuild?.number ?? null;
}

beforeAll(async () => {
  repo = new TestRepository();
  other = new TestRepository();
  repo.commit('first', { 'README.md': 'one\n' });
  other.commit('elsewhere', { 'x.txt': 'x\n' });
  // Builds run as a build user here (tests run as root), for whom the repositories are another
  // account's: git fetches from them only when told they are safe, as an operator would.
  writeFileSync(join(repo.root, 'gitconfig'), '[safe]\n\tdirectory = *\n');
  server = await startTestServer({ config: `security:\n  failedAuthentications: { attempts: 1000, window: 1min }\n  githubWebhookSecretCredential: github-webhook\nsettings:\n  buildEnvironment:\n    GIT_CONFIG_GLOBAL: ${join(repo.root, 'gitconfig')}\n` });
  await server.createJob('app', gitJob(repo.url, '*/main', POLL_ON_PUSH));
  await server.createJob('app-release', gitJob(repo.url, '*/release-*', POLL_ON_PUSH));
  // Uses the repository, but listens to no notifications.
  await server.createJob('app-manual', gitJob(repo.url, '*/main', ''));
  await server.createJob('app-gh', gitJob(repo.url, '*/main', '<com.cloudbees.jenkins.GitHubPushTrigger plugin="github"><spec/></com.cloudbees.jenkins.GitHubPushTrigger>'));
  const made = await server.fetch('/steward/api/v1/trigger-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'git-host', items: ['app', 'app-release', 'app-manual'] }) });
  token = ((await made.json()) as { value: string }).value;
});

afterAll(async () => {
  await server?.stop();
  repo?.remove();
  other?.remove();
});

describe('/git/notifyCommit', () => {
  it('needs a token, as the git plugin does, and says so in its words', async () => {
    const missing = await notify(`url=${encodeURIComponent(repo.url)}`);
    expect(missing.status).toBe(401);
    expect(missing.reason).toBe('access_token_required');
    expect(missing.text).toContain('An access token is required. Please refer to Git plugin documentation');
    const wrong = await notify(`url=${encodeURIComponent(repo.url)}&token=stwt_${'0'.repeat(32)}_000000`);
    expect(wrong.status).toBe(403);
    expect(wrong.text).toContain('Invalid access token');
  });

  it('polls the jobs using the repository and a matching branch, which build once per change', async () => {
    // The URL as another clone writes it: file:// and a trailing .git/ still name the same repository.
    const answer = await notify(`url=${encodeURIComponent(`${repo.url}/`)}&branches=main&token=${token}`);
    expect(answer).toMatchObject({ status: 200, text: 'Scheduled polling of app\n' });
    const first = await waitForBuild(server, '/job/app', 1, 20_000);
    expect(first).toMatchObject({ result: 'SUCCESS' });
    expect((first.actions as Array<{ causes?: Array<{ shortDescription: string }> }>).flatMap((action) => action.causes ?? [])).toEqual([expect.objectContaining({ _class: 'hudson.triggers.SCMTrigger$SCMTriggerCause', shortDescription: 'Started by an SCM change' })]);
    // Nothing moved: the poll says so, and nothing builds. Without branches= every job of the repository polls.
    expect((await notify(`url=${encodeURIComponent(repo.url)}&token=${token}`)).text).toBe('Scheduled polling of app\nScheduled polling of app-release\n');
    const log = await waitFor(async () => {
      const text = await (await server.fetch('/job/app/scmPollLog/pollingLog')).text();
      return text.includes('No changes') ? text : undefined;
    }, 10_000, 'a poll that found no changes');
    expect(log).toContain('git ls-remote --heads --tags -- file://');
    expect(await lastBuildNumber('app')).toBe(1);
    // A new commit: the next notification builds it, once.
    const second = repo.commit('second', { 'README.md': 'two\n' });
    expect((await notify(`url=${encodeURIComponent(repo.url)}&branches=main&token=${token}`)).status).toBe(200);
    const build = await waitForBuild(server, '/job/app', 2, 20_000);
    expect(build).toMatchObject({ result: 'SUCCESS' });
    expect(await (await server.fetch('/job/app/2/consoleText')).text()).toContain(`GIT_COMMIT=${second} GIT_BRANCH=origin/main`);
    expect(await (await server.fetch('/job/app/scmPollLog/')).text()).toContain('Changes found');
  });

  it('says when no job matches the repository or the branch, also in the audit log', async () => {
    const unknown = await notify(`url=${encodeURIComponent(other.url)}&branches=main&token=${token}`);
    expect(unknown).toMatchObject({ status: 200, text: `No git jobs using repository: ${other.url} and branches: main\n` });
    expect((await notify(`url=${encodeURIComponent(repo.url)}&branches=feature/x&token=${token}`)).text).toBe(`No git jobs using repository: ${repo.url} and branches: feature/x\n`);
    // A release branch matches the other job only.
    expect((await notify(`url=${encodeURIComponent(repo.url)}&branches=release-2.0&token=${token}`)).text).toBe('Scheduled polling of app-release\n');
    const audit = (await (await server.fetch('/steward/api/v1/audit?action=push.notification&limit=10')).json()) as { events: Array<{ detail: Record<string, string> }> };
    expect(audit.events.map((event) => event.detail.result)).toContain(`No git jobs using repository: ${other.url} and branches: main`);
  });

  it('with sha1, builds that commit at once, as the git plugin does, even when the branch moved on since', async () => {
    const third = repo.commit('third', { 'README.md': 'three\n' });
    repo.commit('fourth', { 'README.md': 'four\n' });
    const before = (await lastBuildNumber('app')) ?? 0;
    expect((await notify(`url=${encodeURIComponent(repo.url)}&branches=main&sha1=${third}&token=${token}`)).text).toBe('Scheduled app\n');
    const build = await waitForBuild(server, `/job/app`, before + 1, 20_000);
    expect((build.actions as Array<{ causes?: Array<{ shortDescription: string }> }>).flatMap((action) => action.causes ?? []).map((cause) => cause.shortDescription)).toEqual([`commit notification ${third}`]);
    expect(await (await server.fetch(`/job/app/${before + 1}/consoleText`)).text()).toContain(`GIT_COMMIT=${third} GIT_BRANCH=origin/main`);
  });
});

describe('…/polling and the polling log', () => {
  it('polls a job with a git source now, and shows the poll\'s log', async () => {
    const polled = await server.fetch('/job/app-manual/polling', { method: 'POST', redirect: 'manual' });
    expect(polled.status).toBe(302);
    const text = await waitFor(async () => {
      const log = await (await server.fetch('/job/app-manual/scmPollLog/pollingLog')).text();
      return log.includes('Done.') ? log : undefined;
    }, 10_000, 'the poll of app-manual');
    expect(text).toContain('No earlier poll of this job');
    await waitForBuild(server, '/job/app-manual', 1, 20_000);
  });
});

describe('signed webhooks and git jobs', () => {
  it('trigger only the git jobs whose branch specifiers select the pushed ref, and say why the others were not', async () => {
    const defined = await server.fetch('/steward/api/v1/webhooks/repo-hook', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'github', secret: 'repo-hook-secret-0123456789', jobs: ['app', 'app-release'], events: ['push'] }),
    });
    expect(defined.status).toBe(200);
    const deliver = (ref: string) => {
      const body = JSON.stringify({ ref, after: 'f'.repeat(40), repository: { clone_url: repo.url } });
      const signature = `sha256=${createHmac('sha256', 'repo-hook-secret-0123456789').update(body).digest('hex')}`;
      return server.fetch('/steward/hooks/repo-hook', { method: 'POST', auth: null, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature }, body });
    };
    const release = await deliver('refs/heads/release-3');
    expect(release.status).toBe(201);
    expect(await release.json()).toMatchObject({ triggered: [expect.objectContaining({ job: 'app-release' })], skipped: [{ job: 'app', reason: 'refs/heads/release-3 matches none of its branch specifiers (*/main)' }] });
    const feature = await deliver('refs/heads/feature/x');
    expect(feature.status).toBe(202);
    expect(((await feature.json()) as { reason: string }).reason).toContain('app-release: refs/heads/feature/x matches none of its branch specifiers (*/release-*)');
  });
});

describe('/github-webhook/', () => {
  const push = (secret: string | null, payload: unknown, event = 'push') => {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event };
    if (secret !== null) headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return fetch(`${server.url}/github-webhook/`, { method: 'POST', headers, body });
  };
  const payload = { ref: 'refs/heads/main', after: 'a'.repeat(40), pusher: { name: 'octocat' } };

  it('refuses every delivery until a secret is set, then unsigned and wrongly signed ones', async () => {
    const before = await push('whatever', { ...payload, repository: { clone_url: repo.url } });
    expect(before.status).toBe(403);
    expect(before.headers.get('x-steward-reason')).toBe('webhook_secret_missing');
    const made = await server.fetch('/credentials/store/system/domain/_/createCredentials', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>github-webhook</id><description>signs GitHub deliveries</description><secret>gh-secret-5a1f</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>',
    });
    expect(made.status).toBe(200);
    expect((await push(null, { ...payload, repository: { clone_url: repo.url } })).status).toBe(403);
    const wrong = await push('not-the-secret', { ...payload, repository: { clone_url: repo.url } });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('x-steward-reason')).toBe('webhook_signature_invalid');
    expect(await (await push('gh-secret-5a1f', { zen: 'hi' }, 'ping')).json()).toEqual({ status: 'pong' });
  });

  it('makes the jobs with the push trigger for that repository and branch poll, which build with GitHub\'s cause', async () => {
    const before = (await lastBuildNumber('app-gh')) ?? 0;
    const answer = await push('gh-secret-5a1f', { ...payload, repository: { clone_url: repo.url, html_url: 'https://github.example/team/app' } });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { polling: string[] }).polling).toContain('app-gh');
    const build = await waitForBuild(server, '/job/app-gh', before + 1, 20_000);
    expect((build.actions as Array<{ causes?: Array<{ _class: string; shortDescription: string }> }>).flatMap((action) => action.causes ?? [])).toEqual([
      expect.objectContaining({ _class: 'com.cloudbees.jenkins.GitHubPushCause', shortDescription: 'Started by GitHub push by octocat' }),
    ]);
    const elsewhere = await push('gh-secret-5a1f', { ...payload, ref: 'refs/heads/feature/y', repository: { clone_url: repo.url } });
    expect(elsewhere.status).toBe(202);
    expect(((await elsewhere.json()) as { reason: string }).reason).toBe(`No git jobs using repository: ${repo.url} and branches: refs/heads/feature/y`);
  });
});
