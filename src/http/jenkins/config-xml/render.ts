import type { Document, Element } from '@xmldom/xmldom';
import type { Item, JobSettings } from '../../../core/item.js';
import type { ProjectTrigger } from '../../../core/job-edges.js';
import type { ParameterDefinition } from '../../../core/parameters.js';
import { isDeepStrictEqual } from 'node:util';
import { archiverXml } from './archiver.js';
import { bindingsXml } from './bindings.js';
import { appendIndented, child, elements, escapeXml, fragment, insertIndentedBefore, parseXml, removeChildren, replaceOrAppend, serialize, setText } from './dom.js';
import {
  DISCARDER_PROPERTY,
  FOLDER_ROOT,
  FREESTYLE_ROOT,
  PARAMETER_ELEMENTS,
  PARAMETERS_PROPERTY,
  SECRET_BUILD_WRAPPER,
  SHELL_BUILDER,
  TIMEOUT_WRAPPER,
  SCM_TRIGGER,
  GITHUB_PUSH_TRIGGER,
  TIMER_TRIGGER,
  REVERSE_BUILD_TRIGGER,
  BUILD_TRIGGER,
  ARTIFACT_ARCHIVER,
  THRESHOLD_FIELDS,
  tokenPlaceholder,
} from './kinds.js';
import { GIT_SCM, gitScmXml, NULL_SCM, readGitScm } from './git-scm.js';

const DECLARATION = "<?xml version='1.1' encoding='UTF-8'?>\n";

/**
 * Renders an item's config.xml: the document it was last written from (so unknown settings
 * round-trip), with every setting Steward knows overwritten by its current value. Items that were
 * never written as XML get a document in the shape Jenkins writes.
 */
export function renderConfigXml(item: Item): string {
  const source = item.sourceConfig ?? (item.kind === 'folder' ? FOLDER_SKELETON : JOB_SKELETON);
  const document = parseXml(source);
  const root = document.documentElement as Element;
  setText(document, root, 'description', item.settings.description);
  if (item.kind === 'job') overlayJob(document, root, item.settings);
  return DECLARATION + serialize(root) + '\n';
}

function overlayJob(document: Document, root: Element, settings: JobSettings): void {
  placeAssignedNode(document, root, settings.labelExpression);
  setText(document, root, 'disabled', String(settings.disabled));
  setText(document, root, 'concurrentBuild', String(settings.concurrentBuild));
  if (settings.quietPeriodSeconds === null) removeChildren(root, 'quietPeriod');
  else setText(document, root, 'quietPeriod', String(settings.quietPeriodSeconds));
  if (settings.remoteToken === null) removeChildren(root, 'authToken');
  else setText(document, root, 'authToken', tokenPlaceholder(settings.remoteToken.handle));

  const properties = ensure(document, root, 'properties');
  removeChildren(root, 'logRotator');
  placeOrRemove(properties, PARAMETERS_PROPERTY, settings.parameters.length === 0 ? null : parametersXml(settings.parameters), document);
  placeOrRemove(properties, DISCARDER_PROPERTY, settings.retention === null ? null : discarderXml(settings.retention.maxBuilds, settings.retention.maxDays), document);

  placeScm(document, root, settings.scm);

  const triggers = ensure(document, root, 'triggers');
  placeOrRemove(triggers, TIMER_TRIGGER, settings.timerSpec === null ? null : `<${TIMER_TRIGGER}><spec>${escapeXml(settings.timerSpec)}</spec></${TIMER_TRIGGER}>`, document);
  placeOrRemove(
    triggers,
    SCM_TRIGGER,
    settings.pollSpec === null ? null : `<${SCM_TRIGGER}><spec>${escapeXml(settings.pollSpec)}</spec><ignorePostCommitHooks>${settings.ignorePostCommitHooks}</ignorePostCommitHooks></${SCM_TRIGGER}>`,
    document,
  );
  placeOrRemove(triggers, GITHUB_PUSH_TRIGGER, settings.githubPushTrigger ? `<${GITHUB_PUSH_TRIGGER} plugin="github"><spec></spec></${GITHUB_PUSH_TRIGGER}>` : null, document);

  placeOrRemove(triggers, REVERSE_BUILD_TRIGGER, settings.upstreamTrigger === null ? null : projectTriggerXml(REVERSE_BUILD_TRIGGER, '<spec></spec>', 'upstreamProjects', settings.upstreamTrigger), document);
  if (settings.downstreamTrigger !== null || settings.archive !== null || child(root, 'publishers')) {
    const publishers = ensure(document, root, 'publishers');
    // Jenkins lists the archiver before the build trigger: artifacts are kept before downstream jobs start.
    placeOrRemove(publishers, ARTIFACT_ARCHIVER, settings.archive === null ? null : archiverXml(settings.archive), document);
    placeOrRemove(publishers, BUILD_TRIGGER, settings.downstreamTrigger === null ? null : projectTriggerXml(BUILD_TRIGGER, '', 'childProjects', settings.downstreamTrigger), document);
  }

  const builders = ensure(document, root, 'builders');
  removeChildren(builders, SHELL_BUILDER);
  for (const step of settings.steps) {
    const unstable = step.unstableReturn === null ? '' : `<unstableReturn>${step.unstableReturn}</unstableReturn>`;
    appendIndented(builders, fragment(document, `<${SHELL_BUILDER}><command>${escapeXml(step.command)}</command><configuredLocalRules/>${unstable}</${SHELL_BUILDER}>`));
  }

  const wrappers = ensure(document, root, 'buildWrappers');
  placeOrRemove(
    wrappers,
    TIMEOUT_WRAPPER,
    settings.timeoutMs === null
      ? null
      : `<${TIMEOUT_WRAPPER} plugin="build-timeout"><strategy class="hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy"><timeoutMinutes>${Math.max(1, Math.ceil(settings.timeoutMs / 60_000))}</timeoutMinutes></strategy><operationList/></${TIMEOUT_WRAPPER}>`,
    document,
  );
  placeOrRemove(wrappers, SECRET_BUILD_WRAPPER, bindingsXml(settings.bindings), document);
}

/**
 * Jenkins' two elements for where a job runs: `<assignedNode>` before `<canRoam>false</canRoam>`, or
 * only `<canRoam>true</canRoam>` for any node. Both go where Jenkins writes them, before `<disabled>`.
 */
function placeAssignedNode(document: Document, root: Element, labelExpression: string | null): void {
  removeChildren(root, 'assignedNode');
  if (!child(root, 'canRoam')) insertIndentedBefore(root, document.createElement('canRoam'), child(root, 'disabled'));
  setText(document, root, 'canRoam', String(labelExpression === null));
  if (labelExpression === null) return;
  const assigned = document.createElement('assignedNode');
  assigned.appendChild(document.createTextNode(labelExpression));
  insertIndentedBefore(root, assigned, child(root, 'canRoam'));
}

/**
 * The job's `<scm>`: left as it is while it says what the settings say (so a document written through
 * the Jenkins API comes back as it was sent, old form and all); otherwise a GitSCM in the current
 * form, keeping the extensions Steward does not run, or a NullSCM. Another SCM class (Subversion…),
 * which Steward keeps but does not run, stays while the job has no git source.
 */
function placeScm(document: Document, root: Element, source: JobSettings['scm']): void {
  const scm = child(root, 'scm');
  const scmClass = scm?.getAttribute('class') ?? '';
  if (source === null) {
    if (scm && scmClass !== GIT_SCM) return;
    replaceOrAppend(root, 'scm', fragment(document, `<scm class="${NULL_SCM}"/>`));
    return;
  }
  let kept: string[] = [];
  if (scm && scmClass === GIT_SCM) {
    let current: JobSettings['scm'] = null;
    try {
      current = readGitScm(scm);
    } catch {
      // A stored document Steward reads no longer: written anew below.
    }
    if (current !== null && isDeepStrictEqual(current, source)) return;
    kept = elements(child(scm, 'extensions')).filter((element) => source.extensions.unknown.includes(element.nodeName)).map((element) => serialize(element));
  }
  replaceOrAppend(root, 'scm', fragment(document, gitScmXml(source, kept)));
}

function ensure(document: Document, root: Element, name: string): Element {
  const found = child(root, name);
  if (found) return found;
  replaceOrAppend(root, name, document.createElement(name));
  return child(root, name) as Element;
}

/** Jenkins' shape of both build triggers: the names, comma-separated, and the threshold as a `Result`. */
function projectTriggerXml(tag: string, head: string, field: string, trigger: ProjectTrigger): string {
  const { ordinal, color } = THRESHOLD_FIELDS[trigger.threshold];
  const threshold = `<threshold><name>${trigger.threshold}</name><ordinal>${ordinal}</ordinal><color>${color}</color><completeBuild>true</completeBuild></threshold>`;
  return `<${tag}>${head}<${field}>${escapeXml(trigger.projects.join(', '))}</${field}>${threshold}</${tag}>`;
}

/** Replaces the element of that name with `xml`, or removes it when `xml` is null. */
function placeOrRemove(parent: Element, name: string, xml: string | null, document: Document): void {
  if (xml === null) removeChildren(parent, name);
  else replaceOrAppend(parent, name, fragment(document, xml));
}

function parametersXml(parameters: readonly ParameterDefinition[]): string {
  const definitions = parameters.map((definition) => {
    const tag = PARAMETER_ELEMENTS[definition.type];
    const head = `<name>${escapeXml(definition.name)}</name><description>${escapeXml(definition.description)}</description>`;
    switch (definition.type) {
      case 'string':
      case 'text':
        return `<${tag}>${head}<defaultValue>${escapeXml(definition.defaultValue)}</defaultValue><trim>${definition.trim}</trim></${tag}>`;
      case 'boolean':
        return `<${tag}>${head}<defaultValue>${definition.defaultValue}</defaultValue></${tag}>`;
      case 'choice':
        return `<${tag}>${head}<choices class="java.util.Arrays$ArrayList"><a class="string-array">${definition.choices.map((choice) => `<string>${escapeXml(choice)}</string>`).join('')}</a></choices></${tag}>`;
      case 'password':
        return `<${tag}>${head}<defaultValue>${escapeXml(definition.sealedDefault)}</defaultValue></${tag}>`;
    }
  });
  return `<${PARAMETERS_PROPERTY}><parameterDefinitions>${definitions.join('')}</parameterDefinitions></${PARAMETERS_PROPERTY}>`;
}

function discarderXml(maxBuilds: number | null, maxDays: number | null): string {
  return `<${DISCARDER_PROPERTY}><strategy class="hudson.tasks.LogRotator"><daysToKeep>${maxDays ?? -1}</daysToKeep><numToKeep>${maxBuilds ?? -1}</numToKeep><artifactDaysToKeep>-1</artifactDaysToKeep><artifactNumToKeep>-1</artifactNumToKeep></strategy></${DISCARDER_PROPERTY}>`;
}

const JOB_SKELETON = `<${FREESTYLE_ROOT}>
  <description></description>
  <keepDependencies>false</keepDependencies>
  <properties/>
  <scm class="hudson.scm.NullSCM"/>
  <canRoam>true</canRoam>
  <disabled>false</disabled>
  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>
  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>
  <triggers/>
  <concurrentBuild>false</concurrentBuild>
  <builders/>
  <publishers/>
  <buildWrappers/>
</${FREESTYLE_ROOT}>`;

const FOLDER_SKELETON = `<${FOLDER_ROOT}>
  <description></description>
  <properties/>
  <folderViews class="com.cloudbees.hudson.plugins.folder.views.DefaultFolderViewHolder">
    <views>
      <hudson.model.AllView>
        <owner class="${FOLDER_ROOT}" reference="../../../.."/>
        <name>All</name>
        <filterExecutors>false</filterExecutors>
        <filterQueue>false</filterQueue>
        <properties class="hudson.model.View$PropertyList"/>
      </hudson.model.AllView>
    </views>
    <tabBar class="hudson.views.DefaultViewsTabBar"/>
  </folderViews>
  <healthMetrics/>
  <icon class="com.cloudbees.hudson.plugins.folder.icons.StockFolderIcon"/>
</${FOLDER_ROOT}>`;
