import type { Element } from '@xmldom/xmldom';
import { DEFAULT_REMOTE_NAME, defaultGitExtensions, type GitExtensions, type GitSource } from '../../../core/git-source.js';
import { Refusal } from '../../errors.js';
import { child, elements, escapeXml, text } from './dom.js';

export const GIT_SCM = 'hudson.plugins.git.GitSCM';
export const NULL_SCM = 'hudson.scm.NullSCM';
const REMOTE = 'hudson.plugins.git.UserRemoteConfig';
const BRANCH = 'hudson.plugins.git.BranchSpec';
const IMPL = 'hudson.plugins.git.extensions.impl.';

/**
 * A `<scm class="hudson.plugins.git.GitSCM">` read as a source, in both of its forms: the current one
 * (`configVersion` 2, behaviours as `<extensions>`) and the older one, whose behaviours are flat flags
 * (`<relativeTargetDir>`, `<wipeOutWorkspace>`, `<localBranch>`, `<recursiveSubmodules>`, …), read as
 * the plugin reads them back (`GitSCM.readBackExtensionsFromLegacy`). Extensions Steward does not run
 * are kept by class name (`extensions.unknown`), to be named as not run.
 */
export function readGitScm(scm: Element): GitSource {
  const remotes = elements(child(scm, 'userRemoteConfigs'), REMOTE).map((remote) => ({
    url: (text(remote, 'url') ?? '').trim(),
    name: blankAsNull(text(remote, 'name')) ?? DEFAULT_REMOTE_NAME,
    refspec: blankAsNull(text(remote, 'refspec')),
    credentialsId: blankAsNull(text(remote, 'credentialsId')),
  }));
  if (remotes.length === 0 || remotes.some((remote) => remote.url === '')) {
    throw new Refusal('xml_malformed', 'A git SCM needs a repository URL in each <hudson.plugins.git.UserRemoteConfig>.', 'Add <userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>…</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>.');
  }
  const branches = elements(child(scm, 'branches'), BRANCH)
    .map((branch) => (text(branch, 'name') ?? '').trim())
    .filter((name) => name !== '');
  // Both may be there (Jenkins Job Builder writes flags and extensions): the plugin adds each flag's
  // extension unless one of its kind is already listed.
  const listed = child(scm, 'extensions');
  const extensions = listed ? withLegacy(readExtensions(listed), readLegacyFlags(scm)) : readLegacyFlags(scm);
  return { remotes, branches: branches.length > 0 ? branches : ['**'], extensions };
}

function readExtensions(parent: Element): GitExtensions {
  let extensions: GitExtensions = defaultGitExtensions();
  const unknown: string[] = [];
  for (const element of elements(parent)) {
    const name = element.nodeName.startsWith(IMPL) ? element.nodeName.slice(IMPL.length) : null;
    switch (name) {
      case 'CleanBeforeCheckout':
        extensions = { ...extensions, cleanBeforeCheckout: true };
        break;
      case 'CleanCheckout':
        extensions = { ...extensions, cleanAfterCheckout: true };
        break;
      case 'WipeWorkspace':
        extensions = { ...extensions, wipeWorkspace: true };
        break;
      case 'CloneOption':
        extensions = { ...extensions, clone: { shallow: flag(element, 'shallow'), depth: positive(element, 'depth'), noTags: flag(element, 'noTags'), timeoutMinutes: positive(element, 'timeout') } };
        break;
      case 'RelativeTargetDirectory':
        extensions = { ...extensions, relativeTargetDir: blankAsNull(text(element, 'relativeTargetDir')) };
        break;
      case 'SubmoduleOption':
        if (flag(element, 'trackingSubmodules')) unknown.push(`${element.nodeName}/trackingSubmodules`);
        if (!flag(element, 'disableSubmodules')) {
          extensions = { ...extensions, submodules: { recursive: flag(element, 'recursiveSubmodules'), shallow: flag(element, 'shallow'), depth: positive(element, 'depth'), parentCredentials: flag(element, 'parentCredentials') } };
        }
        break;
      case 'LocalBranch':
        extensions = { ...extensions, localBranch: blankAsNull(text(element, 'localBranch')) ?? '**' };
        break;
      case 'UserIdentity':
        extensions = { ...extensions, userIdentity: { name: blankAsNull(text(element, 'name')), email: blankAsNull(text(element, 'email')) } };
        break;
      default:
        unknown.push(element.nodeName);
    }
  }
  return { ...extensions, unknown };
}

function withLegacy(listed: GitExtensions, legacy: GitExtensions): GitExtensions {
  return {
    cleanBeforeCheckout: listed.cleanBeforeCheckout || legacy.cleanBeforeCheckout,
    cleanAfterCheckout: listed.cleanAfterCheckout || legacy.cleanAfterCheckout,
    wipeWorkspace: listed.wipeWorkspace || legacy.wipeWorkspace,
    clone: listed.clone ?? legacy.clone,
    relativeTargetDir: listed.relativeTargetDir ?? legacy.relativeTargetDir,
    submodules: listed.submodules ?? legacy.submodules,
    localBranch: listed.localBranch ?? legacy.localBranch,
    userIdentity: listed.userIdentity ?? legacy.userIdentity,
    unknown: [...new Set([...listed.unknown, ...legacy.unknown])],
  };
}

/** The older form's flags, as the plugin turns them into extensions; those Steward does not run are named. */
function readLegacyFlags(scm: Element): GitExtensions {
  const unknown: string[] = [];
  const recursive = flag(scm, 'recursiveSubmodules');
  const disabled = flag(scm, 'disableSubmodules');
  const name = blankAsNull(text(scm, 'gitConfigName'));
  const email = blankAsNull(text(scm, 'gitConfigEmail'));
  if (flag(scm, 'remotePoll')) unknown.push(`${IMPL}RemotePoll`);
  if (flag(scm, 'pruneBranches')) unknown.push(`${IMPL}PruneStaleBranch`);
  if (flag(scm, 'authorOrCommitter')) unknown.push(`${IMPL}AuthorInChangelog`);
  if (text(scm, 'skipTag')?.trim() === 'false') unknown.push(`${IMPL}PerBuildTag`);
  if (blankAsNull(text(scm, 'excludedUsers'))) unknown.push(`${IMPL}UserExclusion`);
  if (blankAsNull(text(scm, 'excludedRegions')) || blankAsNull(text(scm, 'includedRegions'))) unknown.push(`${IMPL}PathRestriction`);
  if (blankAsNull(text(scm, 'scmName'))) unknown.push(`${IMPL}ScmName`);
  return {
    ...defaultGitExtensions(),
    cleanAfterCheckout: flag(scm, 'clean'),
    wipeWorkspace: flag(scm, 'wipeOutWorkspace'),
    relativeTargetDir: blankAsNull(text(scm, 'relativeTargetDir')),
    localBranch: blankAsNull(text(scm, 'localBranch')),
    submodules: recursive && !disabled ? { recursive: true, shallow: false, depth: null, parentCredentials: false } : null,
    userIdentity: name !== null || email !== null ? { name, email } : null,
    unknown,
  };
}

/** What of a git source is named as not run (`scm/extensions/CLASS`). */
export function ignoredOfGitSource(source: GitSource): string[] {
  return source.extensions.unknown.map((name) => `scm/extensions/${name}`);
}

/**
 * A source as a GitSCM element in the current form, as the plugin writes it. `unknownExtensions` are
 * the XML of extensions kept from the job's document, written back as they were.
 */
export function gitScmXml(source: GitSource, unknownExtensions: readonly string[]): string {
  const remotes = source.remotes
    .map((remote) => {
      const name = remote.name === DEFAULT_REMOTE_NAME ? '' : `<name>${escapeXml(remote.name)}</name>`;
      const refspec = remote.refspec === null ? '' : `<refspec>${escapeXml(remote.refspec)}</refspec>`;
      const credentials = remote.credentialsId === null ? '' : `<credentialsId>${escapeXml(remote.credentialsId)}</credentialsId>`;
      return `<${REMOTE}>${name}${refspec}<url>${escapeXml(remote.url)}</url>${credentials}</${REMOTE}>`;
    })
    .join('');
  const branches = source.branches.map((branch) => `<${BRANCH}><name>${escapeXml(branch)}</name></${BRANCH}>`).join('');
  const e = source.extensions;
  const extensions: string[] = [];
  if (e.cleanBeforeCheckout) extensions.push(`<${IMPL}CleanBeforeCheckout/>`);
  if (e.cleanAfterCheckout) extensions.push(`<${IMPL}CleanCheckout/>`);
  if (e.wipeWorkspace) extensions.push(`<${IMPL}WipeWorkspace/>`);
  if (e.clone) {
    const timeout = e.clone.timeoutMinutes === null ? '' : `<timeout>${e.clone.timeoutMinutes}</timeout>`;
    extensions.push(`<${IMPL}CloneOption><shallow>${e.clone.shallow}</shallow><noTags>${e.clone.noTags}</noTags><reference></reference>${e.clone.depth === null ? '' : `<depth>${e.clone.depth}</depth>`}${timeout}<honorRefspec>false</honorRefspec></${IMPL}CloneOption>`);
  }
  if (e.relativeTargetDir !== null) extensions.push(`<${IMPL}RelativeTargetDirectory><relativeTargetDir>${escapeXml(e.relativeTargetDir)}</relativeTargetDir></${IMPL}RelativeTargetDirectory>`);
  if (e.submodules) {
    const s = e.submodules;
    extensions.push(`<${IMPL}SubmoduleOption><disableSubmodules>false</disableSubmodules><recursiveSubmodules>${s.recursive}</recursiveSubmodules><trackingSubmodules>false</trackingSubmodules><reference></reference><parentCredentials>${s.parentCredentials}</parentCredentials><shallow>${s.shallow}</shallow>${s.depth === null ? '' : `<depth>${s.depth}</depth>`}</${IMPL}SubmoduleOption>`);
  }
  if (e.localBranch !== null) extensions.push(`<${IMPL}LocalBranch><localBranch>${escapeXml(e.localBranch)}</localBranch></${IMPL}LocalBranch>`);
  if (e.userIdentity) extensions.push(`<${IMPL}UserIdentity>${e.userIdentity.name === null ? '' : `<name>${escapeXml(e.userIdentity.name)}</name>`}${e.userIdentity.email === null ? '' : `<email>${escapeXml(e.userIdentity.email)}</email>`}</${IMPL}UserIdentity>`);
  extensions.push(...unknownExtensions);
  return `<scm class="${GIT_SCM}" plugin="git"><configVersion>2</configVersion><userRemoteConfigs>${remotes}</userRemoteConfigs><branches>${branches}</branches><doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations><submoduleCfg class="empty-list"/><extensions>${extensions.join('')}</extensions></scm>`;
}

function flag(parent: Element, name: string): boolean {
  return (text(parent, name) ?? '').trim() === 'true';
}

function positive(parent: Element, name: string): number | null {
  const raw = blankAsNull(text(parent, name));
  if (raw === null) return null;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Refusal('xml_malformed', `<${name}> must be a whole number (got "${raw}").`);
  return value === 0 ? null : value;
}

function blankAsNull(value: string | null): string | null {
  return value === null || value.trim() === '' ? null : value.trim();
}
