import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../auth/secret-box.js';
import { simpleGitSource } from '../../../core/git-source.js';
import { defaultJobSettings, type Item, type JobSettings } from '../../../core/item.js';
import { parseConfigXml } from './parse.js';
import { renderConfigXml } from './render.js';

const secrets = new SecretBox(randomBytes(32));
const IMPL = 'hudson.plugins.git.extensions.impl';

function asJob(settings: JobSettings, sourceConfig: string | null): Item {
  return { id: 1, kind: 'job', name: 'j', fullName: 'j', parentId: null, ancestorIds: [], settings, sourceConfig, createdAt: 0, updatedAt: 0, nextBuildNumber: 1 };
}

function read(xml: string): JobSettings {
  return parseConfigXml(xml, null, secrets).settings as JobSettings;
}

/** The current form, as the git plugin 5.x writes it, with one extension Steward does not run. */
const NEW_FORM = `<project>
  <scm class="hudson.plugins.git.GitSCM" plugin="git@5.2.1">
    <configVersion>2</configVersion>
    <userRemoteConfigs>
      <hudson.plugins.git.UserRemoteConfig><url>https://git.example.com/org/app.git</url><credentialsId>git-http</credentialsId></hudson.plugins.git.UserRemoteConfig>
      <hudson.plugins.git.UserRemoteConfig><name>upstream</name><refspec>+refs/heads/main:refs/remotes/upstream/main</refspec><url>git@example.com:up/app.git</url></hudson.plugins.git.UserRemoteConfig>
    </userRemoteConfigs>
    <branches><hudson.plugins.git.BranchSpec><name>*/main</name></hudson.plugins.git.BranchSpec></branches>
    <doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations>
    <submoduleCfg class="empty-list"/>
    <extensions>
      <${IMPL}.CleanBeforeCheckout><deleteUntrackedNestedRepositories>true</deleteUntrackedNestedRepositories></${IMPL}.CleanBeforeCheckout>
      <${IMPL}.CloneOption><shallow>true</shallow><noTags>true</noTags><reference/><depth>1</depth><timeout>20</timeout><honorRefspec>false</honorRefspec></${IMPL}.CloneOption>
      <${IMPL}.RelativeTargetDirectory><relativeTargetDir>src/app</relativeTargetDir></${IMPL}.RelativeTargetDirectory>
      <${IMPL}.SubmoduleOption><disableSubmodules>false</disableSubmodules><recursiveSubmodules>true</recursiveSubmodules><trackingSubmodules>false</trackingSubmodules><parentCredentials>true</parentCredentials><shallow>true</shallow><depth>2</depth></${IMPL}.SubmoduleOption>
      <${IMPL}.WipeWorkspace/>
      <${IMPL}.LocalBranch><localBranch>**</localBranch></${IMPL}.LocalBranch>
      <${IMPL}.PruneStaleBranch/>
    </extensions>
  </scm>
  <builders/>
</project>`;

/** The git plugin's own test file for the older form (src/test/resources/hudson/plugins/git/GitSCMTest/old1.xml), as it is. */
const OLD_FORM = `<project>
  <scm class="hudson.plugins.git.GitSCM" plugin="git@1.1.15">
    <configVersion>2</configVersion>
    <userRemoteConfigs>
      <hudson.plugins.git.UserRemoteConfig>
        <name>origin</name>
        <refspec>+refs/heads/*:refs/remotes/origin/*</refspec>
        <url>https://github.com/jenkinsci/model-ant-project.git</url>
      </hudson.plugins.git.UserRemoteConfig>
    </userRemoteConfigs>
    <branches><hudson.plugins.git.BranchSpec><name>origin/master</name></hudson.plugins.git.BranchSpec></branches>
    <disableSubmodules>false</disableSubmodules>
    <recursiveSubmodules>false</recursiveSubmodules>
    <doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations>
    <authorOrCommitter>false</authorOrCommitter>
    <clean>false</clean>
    <wipeOutWorkspace>false</wipeOutWorkspace>
    <pruneBranches>false</pruneBranches>
    <remotePoll>false</remotePoll>
    <buildChooser class="hudson.plugins.git.util.DefaultBuildChooser"/>
    <gitTool>Default</gitTool>
    <submoduleCfg class="list"/>
    <relativeTargetDir></relativeTargetDir>
    <reference></reference>
    <excludedRegions></excludedRegions>
    <excludedUsers></excludedUsers>
    <gitConfigName></gitConfigName>
    <gitConfigEmail></gitConfigEmail>
    <skipTag>true</skipTag>
    <scmName></scmName>
  </scm>
  <builders />
</project>`;

describe('config.xml: a git SCM', () => {
  it('reads the current form: remotes, branch specifiers, the extensions Steward runs, and names the others', () => {
    const settings = read(NEW_FORM);
    expect(settings.scm).toEqual({
      remotes: [
        { url: 'https://git.example.com/org/app.git', name: 'origin', refspec: null, credentialsId: 'git-http' },
        { url: 'git@example.com:up/app.git', name: 'upstream', refspec: '+refs/heads/main:refs/remotes/upstream/main', credentialsId: null },
      ],
      branches: ['*/main'],
      extensions: {
        cleanBeforeCheckout: true,
        cleanAfterCheckout: false,
        wipeWorkspace: true,
        clone: { shallow: true, depth: 1, noTags: true, timeoutMinutes: 20 },
        relativeTargetDir: 'src/app',
        submodules: { recursive: true, shallow: true, depth: 2, parentCredentials: true },
        localBranch: '**',
        userIdentity: null,
        unknown: [`${IMPL}.PruneStaleBranch`],
      },
    });
    expect(settings.ignoredSettings).toEqual([`scm/extensions/${IMPL}.PruneStaleBranch`]);
  });

  it('reads the older form with flat flags, as the plugin reads it back', () => {
    const settings = read(OLD_FORM);
    expect(settings.scm?.remotes).toEqual([{ url: 'https://github.com/jenkinsci/model-ant-project.git', name: 'origin', refspec: '+refs/heads/*:refs/remotes/origin/*', credentialsId: null }]);
    expect(settings.scm?.branches).toEqual(['origin/master']);
    expect(settings.scm?.extensions).toMatchObject({ relativeTargetDir: null, wipeWorkspace: false, localBranch: null, submodules: null, unknown: [] });
    expect(settings.ignoredSettings).toEqual([]);
    const flags = OLD_FORM.replace('<relativeTargetDir></relativeTargetDir>', '<relativeTargetDir>sub</relativeTargetDir>')
      .replace('<wipeOutWorkspace>false', '<wipeOutWorkspace>true')
      .replace('<recursiveSubmodules>false', '<recursiveSubmodules>true')
      .replace('<skipTag>true', '<skipTag>false')
      .replace('<scmName></scmName>', '<scmName></scmName><localBranch>main</localBranch>');
    const old = read(flags);
    expect(old.scm?.extensions).toMatchObject({ relativeTargetDir: 'sub', wipeWorkspace: true, localBranch: 'main', submodules: { recursive: true }, unknown: [`${IMPL}.PerBuildTag`] });
  });

  it('round-trips both forms unchanged, and writes an edited source in the current form keeping the unknown extension', () => {
    for (const xml of [NEW_FORM, OLD_FORM]) {
      const parsed = parseConfigXml(xml, null, secrets);
      const rendered = renderConfigXml(asJob(parsed.settings as JobSettings, parsed.source));
      expect(read(rendered)).toEqual(parsed.settings);
    }
    const parsed = parseConfigXml(NEW_FORM, null, secrets);
    const settings = parsed.settings as JobSettings;
    const edited = { ...settings, scm: { ...settings.scm!, branches: ['refs/tags/v1'] } };
    const rendered = renderConfigXml(asJob(edited, parsed.source));
    expect(rendered).toContain(`<${IMPL}.PruneStaleBranch/>`);
    expect(read(rendered).scm).toEqual(edited.scm);
    expect(read(rendered).ignoredSettings).toEqual([`scm/extensions/${IMPL}.PruneStaleBranch`]);
  });

  it('writes a natively configured source as a GitSCM, and none as a NullSCM; other SCMs stay, named as not run', () => {
    const scm = simpleGitSource('https://h/x.git', '*/main', 'cred');
    const xml = renderConfigXml(asJob({ ...defaultJobSettings(), scm }, null));
    expect(xml).toContain('<scm class="hudson.plugins.git.GitSCM"');
    expect(read(xml).scm).toEqual(scm);
    expect(renderConfigXml(asJob(defaultJobSettings(), xml))).toContain('<scm class="hudson.scm.NullSCM"/>');
    const svn = '<project><scm class="hudson.scm.SubversionSCM"><locations/></scm></project>';
    expect(read(svn)).toMatchObject({ scm: null, ignoredSettings: ['scm (hudson.scm.SubversionSCM)'] });
    expect(renderConfigXml(asJob(read(svn), svn))).toContain('hudson.scm.SubversionSCM');
    expect(read('<project><scm class="hudson.scm.NullSCM"/></project>')).toMatchObject({ scm: null, ignoredSettings: [] });
  });

  it('refuses a git SCM without a URL', () => {
    expect(() => read('<project><scm class="hudson.plugins.git.GitSCM"><userRemoteConfigs/></scm></project>')).toThrow(/repository URL/);
  });
});
