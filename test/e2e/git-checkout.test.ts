import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../support/agent.js';
import { startGitHttpServer, TestRepository } from '../support/git-repos.js';
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
let agentSecret: string;

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
  agentSecret = ((await created.json()) as { secret: string }).secret;
  agent = startAgent(server.url, 'git-agent', agentSecret);
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await server?.stop();
  repo?.remove();
});

const STEPS = ['set +x', 'for name in GIT_COMMIT GIT_BRANCH GIT_URL GIT_PREVIOUS_COMMIT GIT_PREVIOUS_SUCCESSFUL_COMMIT GIT_LOCAL_BRANCH GIT_CHECKOUT_DIR; do eval "echo $name=\\${$name-unset}"; done', 'echo "README=$(cat "${GIT_CHECKOUT_DIR:-.}/README.md")"'].join('\n');

function gitJob(branch: string, node: string, extensions = ''): string {
  const scm = `<scm class="hudson.plugins.git.GitSCM" plugin="git@5.2.1"><configVersion>2</configVersion><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>${repo.url}</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs><branches><hudson.plugins.git.BranchSpec><name>${branch}</name></hudson.plugins.git.BranchSpec></branches><doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations><submoduleCfg class="empty-list"/><extensions>${extensions}</extensions></scm>`;
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
    expect(one.vars).toEqual({ GIT_COMMIT: first, GIT_BRANCH: 'origin/main', GIT_URL: repo.url, GIT_PREVIOUS_COMMIT: 'unset', GIT_PREVIOUS_SUCCESSFUL_COMMIT: 'unset', GIT_LOCAL_BRANCH: 'unset', GIT_CHECKOUT_DIR: 'unset', README: 'one' });
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

    // The server takes a source report only under the build's lease, like the agent's other reports
    // (the job's id is not in the Jenkins API: the few ids of this server are tried; only one is this build).
    const report = { revision: { sha: 'f'.repeat(40), branch: 'origin/main', remoteUrl: repo.url }, changes: [], changesTruncated: false };
    const reasons = await Promise.all([1, 2, 3, 4].map(async (jobId) => {
      const answer = await server.fetch(`/steward/agent/v1/builds/${jobId}/2/source`, { method: 'POST', auth: null, headers: { 'content-type': 'application/json', authorization: `Bearer ${agentSecret}`, 'x-steward-agent': 'git-agent', 'x-steward-lease': 'bogus' }, body: JSON.stringify(report) });
      return `${answer.status} ${answer.headers.get('x-steward-reason')}`;
    }));
    expect(reasons.filter((reason) => reason === '409 lease_stale')).toHaveLength(1);
    expect(again.api.actions.find((action) => action._class === 'hudson.plugins.git.util.BuildData')?.lastBuiltRevision?.SHA1).toBe(first);

    await server.createJob('pinned', gitJob(first, 'git-agent'));
    const pinned = await build('pinned', 1);
    expect(pinned.vars).toMatchObject({ GIT_COMMIT: first, README: 'one' });
  });

  it('checks out into a relative target directory as a local branch, as the build user of the built-in node', async () => {
    const impl = 'hudson.plugins.git.extensions.impl';
    await server.createJob('sub', gitJob('*/main', 'built-in', `<${impl}.RelativeTargetDirectory><relativeTargetDir>src/app</relativeTargetDir></${impl}.RelativeTargetDirectory><${impl}.LocalBranch><localBranch>**</localBranch></${impl}.LocalBranch>`));
    const sub = await build('sub', 1);
    expect(sub.result).toBe('SUCCESS');
    expect(sub.vars).toMatchObject({ GIT_LOCAL_BRANCH: 'main', GIT_CHECKOUT_DIR: 'src/app', README: 'two' });
  });

  it('fails the build with the branch specifier and the branches seen when none matches', async () => {
    await server.createJob('missing', gitJob('*/nope', 'built-in'));
    const failed = await build('missing', 1);
    expect(failed.result).toBe('FAILURE');
    expect(failed.log).toContain("ERROR: Couldn't find any revision to build.");
    expect(failed.log).toMatch(/Hint: No branch specifier \(\*\/nope\) matched .* Branches seen: origin\/main/);
    expect(failed.log).not.toContain('README=');
  });

  it('fetches over HTTP with a username and password from the credential store, on the built-in node and on an agent, the password never in the log', async () => {
    const http = await startGitHttpServer(repo.root, 'git-user', 'http-pass-7e21');
    try {
      const made = await server.fetch('/credentials/store/system/domain/_/createCredentials', {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: '<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>GLOBAL</scope><id>git-http</id><description/><username>git-user</username><password>http-pass-7e21</password></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>',
      });
      expect(made.status).toBe(200);
      const url = http.url('app.git');
      const scm = `<scm class="hudson.plugins.git.GitSCM"><configVersion>2</configVersion><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>${url}</url><credentialsId>git-http</credentialsId></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs><branches><hudson.plugins.git.BranchSpec><name>*/main</name></hudson.plugins.git.BranchSpec></branches><extensions/></scm>`;
      for (const node of ['built-in', 'git']) {
        await server.createJob(`http-${node}`, jobXml({ steps: [STEPS], extra: `${scm}<assignedNode>${node}</assignedNode><canRoam>false</canRoam>` }));
        const done = await build(`http-${node}`, 1);
        expect(done.result, done.log).toBe('SUCCESS');
        expect(done.vars.GIT_URL).toBe(url);
        expect(done.log).not.toContain('http-pass-7e21');
      }
      // A job naming a credential that does not exist is refused when it is saved, naming the field.
      const refused = await server.fetch('/createItem?name=http-missing', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: jobXml({ extra: scm.replace('git-http', 'no-such-credential') }) });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('no-such-credential');
    } finally {
      await http.close();
    }
  });
});
