import type { BuildSource, Change, Revision } from '../../../core/revision.js';
import type { GitSource } from '../../../core/git-source.js';
import { type Bean, bean, type Exported } from '../export/bean.js';

/**
 * A build's source in the git plugin's shapes. Nested fields are always shown (visibility 99), as
 * Jenkins shows a change set's items and a revision whole at depth 0.
 */
const ALWAYS = 99;

/** `changeSet` (`hudson.plugins.git.GitChangeSetList`), or Jenkins' empty change log without a recorded source. */
export function changeSetBean(rootUrl: string, source: BuildSource | null): Bean {
  // Shown whole at a build's depth 0, as Jenkins shows it.
  if (source === null) return bean('hudson.scm.EmptyChangeLogSet', [['items', 2, () => []], ['kind', 2, () => null]]);
  return bean('hudson.plugins.git.GitChangeSetList', [
    ['items', 2, () => source.changes.map((change) => changeBean(rootUrl, change))],
    ['kind', 2, () => 'git'],
  ]);
}

/** One commit as `hudson.plugins.git.GitChangeSet`. */
function changeBean(rootUrl: string, change: Change): Bean {
  return bean('hudson.plugins.git.GitChangeSet', [
    ['affectedPaths', ALWAYS, () => change.paths.map((path) => path.file)],
    ['commitId', ALWAYS, () => change.sha],
    ['timestamp', ALWAYS, () => change.timestamp],
    ['author', ALWAYS, () => bean('hudson.model.User', [['absoluteUrl', ALWAYS, () => `${rootUrl}user/${encodeURIComponent(change.authorName.toLowerCase())}`], ['fullName', ALWAYS, () => change.authorName]])],
    ['authorEmail', ALWAYS, () => change.authorEmail],
    ['comment', ALWAYS, () => `${change.message}\n`],
    ['date', ALWAYS, () => gitDate(change.timestamp)],
    ['id', ALWAYS, () => change.sha],
    ['msg', ALWAYS, () => change.message.split('\n')[0] ?? ''],
    ['paths', ALWAYS, () => change.paths.map((path) => bean('hudson.plugins.git.GitChangeSet$Path', [['editType', ALWAYS, () => path.editType], ['file', ALWAYS, () => path.file]], { showClass: false }))],
  ]);
}

/** The git plugin's date of a change (`2024-05-01 12:00:00 +0000`), in UTC. */
function gitDate(timestamp: number): string {
  return `${new Date(timestamp).toISOString().slice(0, 19).replace('T', ' ')} +0000`;
}

/**
 * `hudson.plugins.git.util.BuildData`, the action clients read the built commit from
 * (`lastBuiltRevision.SHA1`, `lastBuiltRevision.branch[0].name`).
 */
export function buildDataAction(source: BuildSource, job: GitSource | null): Bean {
  return bean('hudson.plugins.git.util.BuildData', [
    ['lastBuiltRevision', 2, () => revisionBean(source.revision)],
    ['remoteUrls', 2, () => (job && job.remotes.some((remote) => remote.url === source.revision.remoteUrl) ? job.remotes.map((remote) => remote.url) : [source.revision.remoteUrl])],
    ['scmName', 2, () => ''],
  ]);
}

function revisionBean(revision: Revision): Exported {
  const branches = revision.branch === null ? [] : [bean('hudson.plugins.git.Branch', [['SHA1', ALWAYS, () => revision.sha], ['name', ALWAYS, () => revision.branch]], { showClass: false })];
  return bean('hudson.plugins.git.Revision', [['SHA1', ALWAYS, () => revision.sha], ['branch', ALWAYS, () => branches]], { showClass: false });
}
