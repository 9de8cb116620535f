import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../auth/secret-box.js';
import type { Item, JobSettings } from '../../../core/item.js';
import { Refusal } from '../../errors.js';
import { parseConfigXml } from './parse.js';
import { renderConfigXml } from './render.js';

const secrets = new SecretBox(randomBytes(32));

function asJob(settings: JobSettings, sourceConfig: string | null): Item {
  return { id: 1, kind: 'job', name: 'j', fullName: 'j', parentId: null,
  ancestorIds: [], settings, sourceConfig, createdAt: 0, updatedAt: 0, nextBuildNumber: 1 };
}

function refusalOf(run: () => unknown): Refusal {
  try {
    run();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('config.xml', () => {
  it('reads every supported parameter type and the job settings', () => {
    const { settings } = parseConfigXml(
      `<project>
        <description>d</description>
        <properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>
          <hudson.model.StringParameterDefinition><name>S</name><defaultValue> s </defaultValue><trim>true</trim></hudson.model.StringParameterDefinition>
          <hudson.model.TextParameterDefinition><name>T</name><defaultValue>line1
line2</defaultValue></hudson.model.TextParameterDefinition>
          <hudson.model.BooleanParameterDefinition><name>B</name><defaultValue>true</defaultValue></hudson.model.BooleanParameterDefinition>
          <hudson.model.ChoiceParameterDefinition><name>C</name><choices>one
two</choices></hudson.model.ChoiceParameterDefinition>
          <hudson.model.PasswordParameterDefinition><name>P</name><defaultValue>pw</defaultValue></hudson.model.PasswordParameterDefinition>
        </parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>
        <disabled>true</disabled><concurrentBuild>true</concurrentBuild><quietPeriod>7</quietPeriod>
        <logRotator class="hudson.tasks.LogRotator"><daysToKeep>3</daysToKeep><numToKeep>-1</numToKeep></logRotator>
        <builders><hudson.tasks.Shell><command>make</command><unstableReturn>2</unstableReturn></hudson.tasks.Shell></builders>
      </project>`,
      null,
      secrets,
    );
    expect(settings).toMatchObject({
      kind: 'job',
      description: 'd',
      disabled: true,
      concurrentBuild: true,
      quietPeriodSeconds: 7,
      retention: { maxBuilds: null, maxDays: 3 },
      steps: [{ command: 'make', unstableReturn: 2 }],
      parameters: [
        { type: 'string', name: 'S', defaultValue: ' s ', trim: true },
        { type: 'text', name: 'T', defaultValue: 'line1\nline2' },
        { type: 'boolean', name: 'B', defaultValue: true },
        { type: 'choice', name: 'C', choices: ['one', 'two'] },
        { type: 'password', name: 'P' },
      ],
    });
    const password = (settings as JobSettings).parameters[4];
    expect(password?.type === 'password' && secrets.unseal(password.sealedDefault)).toBe('pw');
  });

  it('stores secrets sealed in the source document and shows them sealed', () => {
    const parsed = parseConfigXml(
      '<project><authToken>trigger-me</authToken><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.PasswordParameterDefinition><name>P</name><defaultValue>pw-value</defaultValue></hudson.model.PasswordParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties></project>',
      null,
      secrets,
    );
    expect(parsed.source).not.toContain('trigger-me');
    expect(parsed.source).not.toContain('pw-value');
    const rendered = renderConfigXml(asJob(parsed.settings as JobSettings, parsed.source));
    expect(rendered).not.toContain('trigger-me');
    expect(rendered).not.toContain('pw-value');
    // Sending the rendered document back keeps both secrets unchanged.
    const again = parseConfigXml(rendered, parsed.settings, secrets).settings as JobSettings;
    expect(again.remoteToken).toEqual((parsed.settings as JobSettings).remoteToken);
    expect(again.parameters).toEqual((parsed.settings as JobSettings).parameters);
    // A new token value replaces the old one.
    const replaced = parseConfigXml(rendered.replace(/\{steward-token:[0-9a-f]+\}/, 'new-token'), parsed.settings, secrets).settings as JobSettings;
    expect(replaced.remoteToken?.digest).toBe(secrets.digest('new-token'));
  });

  it("refuses a password default encrypted by another Jenkins' key", () => {
    const refusal = refusalOf(() =>
      parseConfigXml(
        '<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.PasswordParameterDefinition><name>P</name><defaultValue>{AQAAABAAAAAQ1234567890abcdefghijklmnop=}</defaultValue></hudson.model.PasswordParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties></project>',
        null,
        secrets,
      ),
    );
    expect(refusal.message).toContain("encrypted with another Jenkins' key");
  });

  it('renders a job never written as XML in the shape Jenkins writes, and reads it back to the same settings', () => {
    const settings: JobSettings = {
      kind: 'job',
      description: 'a & b <c>',
      disabled: false,
      concurrentBuild: false,
      quietPeriodSeconds: null,
      parameters: [{ type: 'choice', name: 'ENV', description: '', choices: ['dev', 'prod'] }],
      steps: [{ command: 'echo "<hi>" && exit 0', unstableReturn: null }],
      timeoutMs: 120_000,
      retention: { maxBuilds: 5, maxDays: null },
      remoteToken: null,
      coalesce: true,
      maxQueued: null,
      retryOnAgentLoss: 0,
      labelExpression: null,
      timerSpec: 'TZ=UTC\nH 2 * * 1-5',
      pollSpec: 'H/5 * * * *',
      ignorePostCommitHooks: true,
      githubPushTrigger: true,
      scm: null,
      bindings: [
        { kind: 'string', credentialsId: 'token', variable: 'TOKEN' },
        { kind: 'usernamePassword', credentialsId: 'login', usernameVariable: 'U', passwordVariable: 'P' },
        { kind: 'usernameColonPassword', credentialsId: 'login', variable: 'UP' },
        { kind: 'file', credentialsId: 'kubeconfig', variable: 'KUBECONFIG' },
        { kind: 'sshUserPrivateKey', credentialsId: 'deploy-key', keyFileVariable: 'KEY', usernameVariable: 'KEY_USER', passphraseVariable: null },
      ],
      upstreamTrigger: { projects: ['a', 'folder/b'], threshold: 'UNSTABLE' },
      downstreamTrigger: { projects: ['x'], threshold: 'FAILURE' },
      archive: { include: ['dist/**/*.tar.gz', 'README'], exclude: ['**/*.map'], allowEmpty: true, onlyIfSuccessful: true, defaultExcludes: true, caseSensitive: false, followSymlinks: true, fingerprint: false },
      ignoredSettings: [],
    };
    const xml = renderConfigXml(asJob(settings, null));
    expect(xml).toContain('<jenkins.triggers.ReverseBuildTrigger><spec/><upstreamProjects>a, folder/b</upstreamProjects><threshold><name>UNSTABLE</name><ordinal>1</ordinal><color>YELLOW</color><completeBuild>true</completeBuild></threshold></jenkins.triggers.ReverseBuildTrigger>');
    expect(xml).toContain('<hudson.tasks.BuildTrigger><childProjects>x</childProjects><threshold><name>FAILURE</name>');
    expect(xml).toMatch(/^<\?xml version='1\.1' encoding='UTF-8'\?>\n<project>/);
    expect(xml).toContain('<scm class="hudson.scm.NullSCM"/>');
    expect(parseConfigXml(xml, null, secrets).settings).toEqual(settings);
  });

  it('reads "Poll SCM" (SCMTrigger) as run, an empty schedule as polling on push notifications only', () => {
    const read = (trigger: string) => parseConfigXml(`<project><triggers>${trigger}</triggers></project>`, null, secrets);
    const polled = read('<hudson.triggers.SCMTrigger><spec>H/5 * * * *</spec><ignorePostCommitHooks>false</ignorePostCommitHooks></hudson.triggers.SCMTrigger>');
    expect(polled.settings).toMatchObject({ pollSpec: 'H/5 * * * *', ignorePostCommitHooks: false });
    expect(polled.ignored).toEqual([]);
    expect(read('<hudson.triggers.SCMTrigger><spec></spec><ignorePostCommitHooks>true</ignorePostCommitHooks></hudson.triggers.SCMTrigger>').settings).toMatchObject({ pollSpec: '', ignorePostCommitHooks: true });
    expect(read('<com.cloudbees.jenkins.GitHubPushTrigger><spec></spec></com.cloudbees.jenkins.GitHubPushTrigger>').settings).toMatchObject({ pollSpec: null, githubPushTrigger: true, ignoredSettings: [] });
  });

  it("reads where a job may run from Jenkins' assignedNode and canRoam, and writes them back as Jenkins does", () => {
    const read = (xml: string) => (parseConfigXml(xml, null, secrets).settings as JobSettings).labelExpression;
    expect(read('<project><assignedNode>linux &amp;&amp; !arm</assignedNode><canRoam>false</canRoam></project>')).toBe('linux && !arm');
    expect(read('<project><assignedNode>  "with space" || docker\n</assignedNode><canRoam>false</canRoam></project>')).toBe('"with space" || docker');
    // canRoam true wins over a stale assignedNode; no expression at all is any node.
    expect(read('<project><assignedNode>linux</assignedNode><canRoam>true</canRoam></project>')).toBeNull();
    expect(read('<project><canRoam>false</canRoam></project>')).toBeNull();
    expect(read('<project><assignedNode>  </assignedNode><canRoam>false</canRoam></project>')).toBeNull();
    expect(read('<project/>')).toBeNull();

    const settings: JobSettings = { ...(parseConfigXml('<project/>', null, secrets).settings as JobSettings), labelExpression: 'linux && (docker || "with space")' };
    const restricted = renderConfigXml(asJob(settings, null));
    expect(restricted).toContain('\n  <assignedNode>linux &amp;&amp; (docker || "with space")</assignedNode>\n  <canRoam>false</canRoam>\n  <disabled>false</disabled>');
    expect(parseConfigXml(restricted, null, secrets).settings).toEqual(settings);

    // Back to any node: canRoam true and no assignedNode, also over a document that had one.
    const anyNode = renderConfigXml(asJob({ ...settings, labelExpression: null }, restricted));
    expect(anyNode).toContain('<canRoam>true</canRoam>');
    expect(anyNode).not.toContain('assignedNode');
    expect((parseConfigXml(anyNode, null, secrets).settings as JobSettings).labelExpression).toBeNull();

    // A document that never said where to run gets both elements.
    const minimal = renderConfigXml(asJob(settings, '<project><description/></project>'));
    expect(minimal).toMatch(/<assignedNode>linux &amp;&amp; \(docker \|\| "with space"\)<\/assignedNode>\s*<canRoam>false<\/canRoam>/);
  });

  it('reads and renders folders', () => {
    const parsed = parseConfigXml('<com.cloudbees.hudson.plugins.folder.Folder><description>f</description><healthMetrics/></com.cloudbees.hudson.plugins.folder.Folder>', null, secrets);
    expect(parsed.settings).toEqual({ kind: 'folder', description: 'f' });
  });

  it('refuses unsupported builders and parameter types, naming them', () => {
    expect(refusalOf(() => parseConfigXml('<project><builders><hudson.tasks.BatchFile/></builders></project>', null, secrets)).message).toBe('Build step <hudson.tasks.BatchFile> is not supported.');
    expect(
      refusalOf(() =>
        parseConfigXml(
          '<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.FileParameterDefinition><name>F</name></hudson.model.FileParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties></project>',
          null,
          secrets,
        ),
      ).message,
    ).toBe('Parameter type <hudson.model.FileParameterDefinition> (parameter "F") is not supported.');
  });

  it('reads a "Build periodically" schedule as the job\'s timer, and names other triggers as not run', () => {
    const triggers = (inner: string) => `<project><triggers>${inner}</triggers></project>`;
    const timer = '<hudson.triggers.TimerTrigger><spec>H 2 * * 1-5\nH 12 * * 6</spec></hudson.triggers.TimerTrigger>';
    expect(parseConfigXml(triggers(timer), null, secrets).settings).toMatchObject({ timerSpec: 'H 2 * * 1-5\nH 12 * * 6', ignoredSettings: [] });
    expect(parseConfigXml(triggers(`${timer}<org.jenkinsci.plugins.gwt.GenericTrigger><spec></spec></org.jenkinsci.plugins.gwt.GenericTrigger>`), null, secrets).settings).toMatchObject({ ignoredSettings: ['triggers/org.jenkinsci.plugins.gwt.GenericTrigger'] });
    expect(parseConfigXml(triggers('<hudson.triggers.TimerTrigger><spec>  </spec></hudson.triggers.TimerTrigger>'), null, secrets).settings).toMatchObject({ timerSpec: null });
  });

  it('reads the ArtifactArchiver publisher with Jenkins\' defaults, names fingerprint as not run, and writes it back', () => {
    const xml = '<project><publishers><hudson.tasks.ArtifactArchiver><artifacts>dist/**, *.log</artifacts><excludes>**/*.map</excludes><allowEmptyArchive>true</allowEmptyArchive><fingerprint>true</fingerprint></hudson.tasks.ArtifactArchiver></publishers></project>';
    const { settings } = parseConfigXml(xml, null, secrets);
    expect(settings).toMatchObject({
      archive: { include: ['dist/**', '*.log'], exclude: ['**/*.map'], allowEmpty: true, onlyIfSuccessful: false, fingerprint: true, defaultExcludes: true, caseSensitive: true, followSymlinks: true },
      ignoredSettings: ['publishers/hudson.tasks.ArtifactArchiver/fingerprint'],
    });
    const written = renderConfigXml(asJob(settings as JobSettings, xml));
    expect(written).toContain('<artifacts>dist/**,*.log</artifacts>');
    expect(parseConfigXml(written, null, secrets).settings).toMatchObject({ archive: (settings as JobSettings).archive });
    expect(refusalOf(() => parseConfigXml('<project><publishers><hudson.tasks.ArtifactArchiver><artifacts> </artifacts></hudson.tasks.ArtifactArchiver></publishers></project>', null, secrets)).code).toBe('xml_malformed');
  });

  it('refuses DOCTYPEs and entities before parsing', () => {
    expect(refusalOf(() => parseConfigXml('<!DOCTYPE x><project/>', null, secrets)).code).toBe('xml_doctype_forbidden');
    expect(refusalOf(() => parseConfigXml('<project><description>&amp;&lt;&unknown;</description></project>', null, secrets)).code).toBe('xml_malformed');
  });
});
