import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../auth/secret-box.js';
import { simpleGitSource } from '../../core/git-source.js';
import { defaultJobSettings, type Job, type JobSettings } from '../../core/item.js';
import { draftOf } from './job-form-draft.js';
import { settingsOf } from './job-form-settings.js';

const secrets = new SecretBox(randomBytes(32));

function job(settings: JobSettings): Job {
  return { id: 1, kind: 'job', name: 'app', fullName: 'app', parentId: null, ancestorIds: [], settings, sourceConfig: null, createdAt: 0, updatedAt: 0, nextBuildNumber: 1 };
}

function saved(settings: JobSettings, edit: Partial<ReturnType<typeof draftOf>>): JobSettings {
  const outcome = settingsOf({ ...draftOf(settings), ...edit }, job(settings), secrets);
  if (!outcome.ok) throw new Error('refused');
  return outcome.settings;
}

describe('the job form: Source Code Management: Git', () => {
  it('sets a repository, branch and credential; an empty URL removes the source', () => {
    const withGit = saved(defaultJobSettings(), { scmUrl: ' https://h/app.git ', scmBranch: '*/main', scmCredentialsId: 'git-http' });
    expect(withGit.scm).toEqual(simpleGitSource('https://h/app.git', '*/main', 'git-http'));
    expect(draftOf(withGit)).toMatchObject({ scmUrl: 'https://h/app.git', scmBranch: '*/main', scmCredentialsId: 'git-http' });
    expect(saved(withGit, { scmUrl: '' }).scm).toBeNull();
  });

  it('keeps what the form does not show (another remote, the extensions) when it edits the first remote', () => {
    const base = simpleGitSource('https://h/app.git', '*/main', null);
    const scm = { ...base, remotes: [...base.remotes, { url: 'https://h/up.git', name: 'upstream', refspec: null, credentialsId: null }], extensions: { ...base.extensions, wipeWorkspace: true, unknown: ['x.Y'] } };
    const edited = saved({ ...defaultJobSettings(), scm }, { scmBranch: 'refs/tags/v1' });
    expect(edited.scm).toEqual({ ...scm, branches: ['refs/tags/v1'] });
  });
});
