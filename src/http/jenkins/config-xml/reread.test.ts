import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDomain, type TestDomain } from '../../../../test/support/real-store.js';
import { defaultJobSettings, type Job } from '../../../core/item.js';
import { rereadKeptConfigs } from './reread.js';

const secrets = { seal: (text: string) => text, unseal: () => null, digest: (text: string) => text };
const GIT = '<scm class="hudson.plugins.git.GitSCM"><configVersion>2</configVersion><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>https://git.example.com/app.git</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs><branches><hudson.plugins.git.BranchSpec><name>*/main</name></hudson.plugins.git.BranchSpec></branches><extensions/></scm>';
let domain: TestDomain;

beforeEach(() => {
  domain = openTestDomain('reread');
});
afterEach(() => domain.close());

/** A job as an older Steward saved it: its config.xml kept, what it did not run named as ignored. */
function oldJob(name: string, inner: string, ignoredSettings: string[]): Promise<Job> {
  return domain.store.items.create({ parentId: null, name, fullName: name, settings: { ...defaultJobSettings(), ignoredSettings }, sourceConfig: `<project>${inner}<builders/></project>` }) as Promise<Job>;
}

describe('config.xml kept by an older Steward', () => {
  it('is read again at start: the git SCM and polling it kept are run now, what is still not run stays named', async () => {
    const job = await oldJob('app', `${GIT}<triggers><hudson.triggers.SCMTrigger><spec>H/5 * * * *</spec></hudson.triggers.SCMTrigger></triggers><publishers><hudson.tasks.Mailer/><hudson.tasks.ArtifactArchiver><artifacts>dist/*</artifacts><fingerprint>true</fingerprint></hudson.tasks.ArtifactArchiver></publishers>`, ['scm (hudson.plugins.git.GitSCM)', 'triggers/hudson.triggers.SCMTrigger', 'publishers/hudson.tasks.Mailer', 'publishers/hudson.tasks.ArtifactArchiver']);
    await oldJob('mail-only', '<publishers><hudson.tasks.Mailer/></publishers>', ['publishers/hudson.tasks.Mailer']);
    expect(await rereadKeptConfigs({ ...domain, secrets, log: pino({ level: 'silent' }) })).toBe(1);
    const now = (await domain.store.items.get(job.id)) as Job;
    expect(now.settings).toMatchObject({ pollSpec: 'H/5 * * * *', ignoredSettings: ['publishers/hudson.tasks.ArtifactArchiver/fingerprint', 'publishers/hudson.tasks.Mailer'] });
    expect(now.settings.archive).toMatchObject({ include: ['dist/*'] });
    expect(now.settings.scm?.remotes[0]?.url).toBe('https://git.example.com/app.git');
    // Its repository is in the index push notifications read, and its polling timer is set.
    expect((await domain.store.items.listJobsUsingRepository('git.example.com/app', 10)).map((each) => each.fullName)).toEqual(['app']);
    expect(await domain.store.timers.due('poll', Number.MAX_SAFE_INTEGER, 10)).toEqual([{ jobId: job.id, dueAt: expect.any(Number) }]);
    // Read again, nothing more changes.
    expect(await rereadKeptConfigs({ ...domain, secrets, log: pino({ level: 'silent' }) })).toBe(0);
  });

  it('leaves a job whose document this version refuses as it was', async () => {
    const bound = '<buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings><org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>gone</credentialsId><variable>T</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding></bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers>';
    const job = await oldJob('bound', bound, ['buildWrappers/org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper']);
    expect(await rereadKeptConfigs({ ...domain, secrets, log: pino({ level: 'silent' }) })).toBe(0);
    expect(((await domain.store.items.get(job.id)) as Job).settings).toMatchObject({ bindings: [], ignoredSettings: ['buildWrappers/org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper'] });
  });
});
