import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../support/agent.js';
import { TestRepository } from '../support/git-repos.js';
import { jobXml, startTestServer, type TestServer, waitForBuild } from '../support/server.js';

/**
 * Issue 17, "Git": a job's GitSCM is checked out before its steps, on the built-in node and on an
 * agent, from a real bare repository over file://; the build's environment, console, api/json
 * (changeSet, BuildData) and page say what it built and what changed since the previous build.
 */
let server: TestServer;
let agent: AgentProcess;
let repo: TestRepository;
let first: string;

beforeAll(async () => {
  repo = new TestRepository();
  first = repo.commit('First commit', { 'README.md': 'one\n' });
  repo.tag('v1');
  // Tests run as root, so built-in builds run as a build user, for whom the test's bare repository
  // is another account's: git refuses it unless told it is safe (as an operator would, for file:// repositories).
  writeFileSync(join(repo.root, 'gitconfig'), '[safe]\n\tdirectory = *\n');
  const safe = `settings:\n  buildEnvironment:\n    GIT_CONFIG_GLOBAL: ${join(repo.root, 'gitconfig')}\n`;
  server = await startTestServer({ executors: 1, config: safe });
  const created = await server.fetch('/steward/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'git-agent', labels: 'git', executors: 1 }) });
  expect(created.status).toBe(201);
  agent = startAgent(server.url, 'git-agent', ((await created.json()) as { secret: string }).secret);
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await server?.stop();
  repo?.remove();
});

const STEPS = ['set +x', 'for name in GIT_COMMIT GIT_BRANCH GIT_URL GIT_PREVIOUS_COMMIT GIT_PREVIOUS_SUCCESSFUL_COMMIT; do eval "echo $name=\\${$name-unset}"; done', 'echo "README=$(cat README.md)"'].join('\n');

function gitJob(branch: string, node: string): string {
  const scm = `<scm class="hudson.plugins.git.GitSCM" plugin="git@5.2.1"><configVersion>2</configVersion><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>${repo.url}</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs><branches><hudson.plugins.git.BranchSpec><name>${branch}</name></hudson.plugins.git.BranchSpec></branches><doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations><submoduleCfg class="empty-list"/><extensions/></scm>`;
  return jobXml({ steps: [STEPS], extra: `${scm}<assignedNode>${node}</assignedNode><canRoam>false</canRoam>` });
}

async function build(job: string, number: number): Promise<{ result: unknown; log: string; vars: Record<string, string>; api: BuildApi }> {
  expect((await server.fetch(`/job/${job}/build`, { method: 'POST' })).status).toBe(201);
  const { result } = await waitForBuild(server, `/job/${job}`, number, 30_000);
  const log = await (await server.fetch(`/job/${job}/${number}/consoleText`)).text();
  const vars = Object.fromEntries([...log.matchAll(/^(GIT_\w+|README)=(.*)$/gm)].map((match) => [match[1]!, match[2]!]));
  const api = (await (await server.fetch(`/job/${job}/${number}/api/json`)).json()) as BuildApi;
  return { result, log, vars, api };
}

interface BuildApi {
  actions: Array<{ _class?: string; lastBuiltRevision?: { SHA1: string; branch: Array<{ SHA1: string; name: string }> }; remoteUrls?: string[] }>;
  changeSet: { _class: string; kind: string | null; items: Array<Record<string, unknown>> };
  changeSets: Array<{ kind: string }>;
}

describe('git checkout', () => {
  it('checks out */main on the built-in node, then fetches again: the change set has the new commits and GIT_PREVIOUS_COMMIT the last one built', async () => {
    await server.createJob('app', gitJob('*/main', 'built-in'));
    const one = await build('app', 1);
    expect(one.result).toBe('SUCCESS');
    expect(one.log).toContain(`Checking out Revision ${first} (origin/main)`);
    expect(one.vars).toEqual({ GIT_COMMIT: first, GIT_BRANCH: 'origin/main', GIT_URL: repo.url, GIT_PREVIOUS_COMMIT: 'unset', GIT_PREVIOUS_SUCCESSFUL_COMMIT: 'unset', README: 'one' });
    expect(one.api.changeSet).toEqual({ _class: 'hudson.plugins.git.GitChangeSetList', kind: 'git', items: [] });
    const data = one.api.actions.find((action) => action._class === 'hudson.plugins.git.util.BuildData');
    expect(data).toEqual({ _class: 'hudson.plugins.git.util.BuildData', lastBuiltRevision: { SHA1: first, branch: [{ SHA1: first, name: 'origin/main' }] }, remoteUrls: [repo.url], scmName: '' });

    const second = repo.commit('Second commit', { 'src/a.txt': 'a\n' });
    const third = repo.commit('Third commit\n\nWith a body.', { 'README.md': 'two\n' });
    const two = await build('app', 2);
    expect(two.log).toContain('Fetching changes from the remote Git repository');
    expect(two.vars).toMatchObject({ GIT_COMMIT: third, GIT_PREVIOUS_COMMIT: first, GIT_PREVIOUS_SUCCESSFUL_COMMIT: first, README: 'two' });
    expect(two.api.changeSet.items.map((item) => item.commitId)).toEqual([third, second]);
    expect(two.api.changeSet.items[0]).toMatchObject({
      _class: 'hudson.plugins.git.GitChangeSet',
      commitId: third,
      msg: 'Third commit',
      comment: 'Third commit\n\nWith a body.\n',
      author: { fullName: 'Alice Example', absoluteUrl: `${server.url}user/alice%20example` },
      authorEmail: 'alice@example.com',
      affectedPaths: ['README.md'],
      paths: [{ editType: 'edit', file: 'README.md' }],
    });
    expect(two.api.changeSets).toHaveLength(1);
    const page = await (await server.fetch('/job/app/2/')).text();
    expect(page).toContain(third);
    expect(page).toContain('Changes');
    expect(page).toContain('Second commit');
  });

  it('checks out a tag and a commit on an agent, which reports the revision and is given the previous one', async () => {
    await server.createJob('tagged', gitJob('refs/tags/v1', 'git-agent'));
    const tagged = await build('tagged', 1);
    expect(tagged.result).toBe('SUCCESS');
    expect(tagged.log).toContain('Building remotely on git-agent');
    expect(tagged.vars).toMatchObject({ GIT_COMMIT: first, GIT_BRANCH: 'refs/tags/v1', README: 'one' });
    expect(tagged.api.actions.find((action) => action._class === 'hudson.plugins.git.util.BuildData')?.lastBuiltRevision?.SHA1).toBe(first);
    // The previous revision travels to the agent in its assignment.
    const again = await build('tagged', 2);
    expect(again.vars).toMatchObject({ GIT_COMMIT: first, GIT_PREVIOUS_COMMIT: first, GIT_PREVIOUS_SUCCESSFUL_COMMIT: first });
    expect(again.log).toContain('Fetching changes from the remote Git repository');

    await server.createJob('pinned', gitJob(first, 'git-agent'));
    const pinned = await build('pinned', 1);
    expect(pinned.vars).toMatchObject({ GIT_COMMIT: first, README: 'one' });
  });

  it('fails the build with the branch specifier and the branches seen when none matches', async () => {
    await server.createJob('missing', gitJob('*/nope', 'built-in'));
    const failed = await build('missing', 1);
    expect(failed.result).toBe('FAILURE');
    expect(failed.log).toContain("ERROR: Couldn't find any revision to build.");
    expect(failed.log).toMatch(/Hint: No branch specifier \(\*\/nope\) matched .* Branches seen: origin\/main/);
    expect(failed.log).not.toContain('README=');
  });
});
