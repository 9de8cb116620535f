import type { Document, Element } from '@xmldom/xmldom';
import { remoteTokenFor } from '../../../auth/secret-box.js';
import { projectNames, type ProjectTrigger, type Threshold } from '../../../core/job-edges.js';
import { defaultJobSettings, type FolderSettings, type JobSettings, type RemoteTokenDigest, type Retention, type ShellStep } from '../../../core/item.js';
import { checkPasswordDefault, type ParameterDefinition } from '../../../core/parameters.js';
import { Refusal } from '../../errors.js';
import { readArchiver } from './archiver.js';
import { readBindings } from './bindings.js';
import { ignoredOfArchive } from '../../../core/archive.js';
import { child, elements, parseXml, serialize, text } from './dom.js';
import { GIT_SCM, ignoredOfGitSource, NULL_SCM, readGitScm } from './git-scm.js';
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
  tokenPlaceholder,
} from './kinds.js';

export interface SecretCodec {
  seal(plaintext: string): string;
  unseal(sealed: string): string | null;
  digest(value: string): string;
}

export interface ParsedConfig {
  readonly settings: JobSettings | FolderSettings;
  /** The document as it will be stored: secrets replaced by their sealed form or placeholder. */
  readonly source: string;
  /** Parts of the configuration Steward keeps but does not act on, for a warning header. */
  readonly ignored: readonly string[];
}

const KNOWN_TYPES: Record<string, string> = {
  'flow-definition': 'Pipeline job',
  'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject': 'Multibranch Pipeline',
  'matrix-project': 'multi-configuration (matrix) project',
  'maven2-moduleset': 'Maven project',
  'hudson.model.ExternalJob': 'external job',
};

/**
 * Reads a Jenkins config.xml into settings. `current` is the item's present settings (null when
 * creating), used to recognise a trigger token or password default sent back in the form we showed.
 */
export function parseConfigXml(xml: string, current: JobSettings | FolderSettings | null, secrets: SecretCodec): ParsedConfig {
  const document = parseXml(xml);
  const root = document.documentElement as Element | null;
  if (!root) throw new Refusal('xml_malformed', 'The XML has no root element.', 'Send a config.xml document.');
  if (root.nodeName === FOLDER_ROOT) {
    return { settings: { kind: 'folder', description: text(root, 'description') ?? '' }, source: sourceOf(document), ignored: [] };
  }
  if (root.nodeName !== FREESTYLE_ROOT) {
    const known = KNOWN_TYPES[root.nodeName];
    throw new Refusal(
      'item_type_unsupported',
      known ? `This config.xml describes a ${known} (<${root.nodeName}>), which Steward does not run.` : `Unknown item type <${root.nodeName}>.`,
      'Steward runs freestyle projects (<project> with shell build steps) and folders (<com.cloudbees.hudson.plugins.folder.Folder>).',
    );
  }
  const previous = current?.kind === 'job' ? current : null;
  const ignored: string[] = [];
  const settings: JobSettings = {
    ...defaultJobSettings(),
    description: text(root, 'description') ?? '',
    disabled: flag(root, 'disabled'),
    concurrentBuild: flag(root, 'concurrentBuild'),
    quietPeriodSeconds: integer(root, 'quietPeriod'),
    parameters: readParameters(root, previous, secrets),
    steps: readSteps(root),
    timeoutMs: readTimeout(root, ignored),
    retention: readRetention(root),
    remoteToken: readToken(root, previous, secrets),
    labelExpression: readAssignedNode(root),
    // Steward's own settings have no place in a Jenkins config.xml: a write keeps them.
    coalesce: previous?.coalesce ?? true,
    maxQueued: previous?.maxQueued ?? null,
    retryOnAgentLoss: previous?.retryOnAgentLoss ?? 0,
    timerSpec: readTimerSpec(root),
    ...readScmTrigger(root),
    githubPushTrigger: child(child(root, 'triggers'), GITHUB_PUSH_TRIGGER) !== null,
    scm: readScm(root, ignored),
    bindings: readBindings(root),
    upstreamTrigger: readProjectTrigger(child(child(root, 'triggers'), REVERSE_BUILD_TRIGGER), 'upstreamProjects'),
    downstreamTrigger: readProjectTrigger(child(child(root, 'publishers'), BUILD_TRIGGER), 'childProjects'),
    archive: readArchiver(root),
  };
  if (settings.archive) ignored.push(...ignoredOfArchive(settings.archive));
  noteIgnored(root, ignored);
  return { settings: { ...settings, ignoredSettings: ignored }, source: sourceOf(document), ignored };
}

/** The document as stored; the readers have already replaced secrets in the DOM. */
function sourceOf(document: Document): string {
  return serialize(document.documentElement as Element);
}

function flag(root: Element, name: string): boolean {
  return (text(root, name) ?? '').trim() === 'true';
}

function integer(root: Element, name: string): number | null {
  const raw = text(root, name);
  if (raw === null || raw.trim() === '') return null;
  const value = Number(raw.trim());
  if (!Number.isInteger(value)) {
    throw new Refusal('xml_malformed', `<${name}> must be a whole number (got "${raw.trim()}").`);
  }
  return value;
}

function readParameters(root: Element, previous: JobSettings | null, secrets: SecretCodec): ParameterDefinition[] {
  const property = child(child(root, 'properties'), PARAMETERS_PROPERTY);
  const definitions = elements(child(property, 'parameterDefinitions'));
  return definitions.map((element) => {
    const name = (text(element, 'name') ?? '').trim();
    const description = text(element, 'description') ?? '';
    const defaultValue = text(element, 'defaultValue') ?? '';
    switch (element.nodeName) {
      case PARAMETER_ELEMENTS.string:
      case PARAMETER_ELEMENTS.text:
        return {
          type: element.nodeName === PARAMETER_ELEMENTS.string ? 'string' : 'text',
          name,
          description,
          defaultValue,
          trim: (text(element, 'trim') ?? '').trim() === 'true',
        };
      case PARAMETER_ELEMENTS.boolean:
        return { type: 'boolean', name, description, defaultValue: defaultValue.trim() === 'true' };
      case PARAMETER_ELEMENTS.choice:
        return { type: 'choice', name, description, choices: readChoices(element) };
      case PARAMETER_ELEMENTS.password: {
        const sealedDefault = sealPasswordDefault(defaultValue, name, previous, secrets);
        const target = child(element, 'defaultValue');
        if (target) target.textContent = sealedDefault;
        return { type: 'password', name, description, sealedDefault };
      }
      default:
        throw new Refusal(
          'item_type_unsupported',
          `Parameter type <${element.nodeName}> (parameter "${name}") is not supported.`,
          'Steward supports string, text, boolean, choice and password parameters.',
        );
    }
  });
}

function readChoices(element: Element): string[] {
  const choices = child(element, 'choices');
  if (!choices) return [];
  const strings = choices.getElementsByTagName('string');
  if (strings.length > 0) return Array.from({ length: strings.length }, (_, index) => strings.item(index)?.textContent ?? '');
  return (choices.textContent ?? '').split('\n').map((line) => line.trim()).filter((line) => line !== '');
}

/**
 * A password default is stored sealed. Sent back in the sealed form we showed, it is kept; sent in
 * Jenkins' own encrypted form (which only that Jenkins can read), it cannot be used and is refused;
 * anything else is a new plaintext value.
 */
function sealPasswordDefault(value: string, name: string, previous: JobSettings | null, secrets: SecretCodec): string {
  if (secrets.unseal(value) !== null) return value;
  if (/^\{[A-Za-z0-9+/=]{20,}\}$/.test(value)) {
    throw new Refusal(
      'xml_malformed',
      `The default of password parameter "${name}" is encrypted with another Jenkins' key, so Steward cannot read it.`,
      'Send the default in plain text (it is stored encrypted), or leave <defaultValue> empty.',
    );
  }
  const existing = previous?.parameters.find((definition) => definition.name === name && definition.type === 'password');
  if (existing && existing.type === 'password' && secrets.unseal(existing.sealedDefault) === value) return existing.sealedDefault;
  return secrets.seal(checkPasswordDefault(name, value));
}

function readSteps(root: Element): ShellStep[] {
  return elements(child(root, 'builders')).map((builder) => {
    if (builder.nodeName !== SHELL_BUILDER) {
      throw new Refusal(
        'item_type_unsupported',
        `Build step <${builder.nodeName}> is not supported.`,
        'Steward runs shell build steps (<hudson.tasks.Shell>); call the tool from a shell step instead.',
      );
    }
    const unstable = (text(builder, 'unstableReturn') ?? '').trim();
    return { command: text(builder, 'command') ?? '', unstableReturn: unstable === '' ? null : Number(unstable) };
  });
}

function readRetention(root: Element): Retention | null {
  const discarder = child(child(child(root, 'properties'), DISCARDER_PROPERTY), 'strategy') ?? child(root, 'logRotator');
  if (!discarder) return null;
  const positive = (name: string) => {
    const value = Number((text(discarder, name) ?? '').trim());
    return Number.isInteger(value) && value > 0 ? value : null;
  };
  const retention = { maxBuilds: positive('numToKeep'), maxDays: positive('daysToKeep') };
  return retention.maxBuilds === null && retention.maxDays === null ? null : retention;
}

function readTimeout(root: Element, ignored: string[]): number | null {
  const wrapper = child(child(root, 'buildWrappers'), TIMEOUT_WRAPPER);
  if (!wrapper) return null;
  const strategy = child(wrapper, 'strategy');
  const minutes = Number((text(strategy, 'timeoutMinutes') ?? '').trim());
  if (!strategy || !(strategy.getAttribute('class') ?? '').endsWith('AbsoluteTimeOutStrategy') || !(minutes > 0)) {
    ignored.push(`buildWrappers/${TIMEOUT_WRAPPER} (only an absolute timeout in minutes is supported)`);
    return null;
  }
  return minutes * 60_000;
}

/**
 * Where the job may run. Jenkins writes `<assignedNode>EXPR</assignedNode><canRoam>false</canRoam>`
 * for "Restrict where this project can be run", and `<canRoam>true</canRoam>` (no assignedNode) for
 * any node. canRoam true, or no expression, is any node (null). Whether the expression parses is
 * for Items to say, as for every other way a job is configured.
 */
function readAssignedNode(root: Element): string | null {
  if (flag(root, 'canRoam')) return null;
  const expression = (text(root, 'assignedNode') ?? '').trim();
  return expression === '' ? null : expression;
}

/**
 * The trigger token is never stored as sent: a new value is kept as a keyed digest, and the
 * document keeps a placeholder naming it. The placeholder sent back keeps the current token.
 */
function readToken(root: Element, previous: JobSettings | null, secrets: SecretCodec): RemoteTokenDigest | null {
  const element = child(root, 'authToken');
  const value = (element?.textContent ?? '').trim();
  let token: RemoteTokenDigest | null = null;
  if (value !== '') {
    const kept = previous?.remoteToken;
    token = kept && value === tokenPlaceholder(kept.handle) ? kept : remoteTokenFor(secrets.digest(value), null);
  }
  if (element) element.textContent = token ? tokenPlaceholder(token.handle) : '';
  return token;
}

/**
 * "Build periodically" (`hudson.triggers.TimerTrigger`'s `spec`); null without one, or with a blank
 * spec. Items checks the schedule when the job is saved.
 */
function readTimerSpec(root: Element): string | null {
  const spec = text(child(child(root, 'triggers'), TIMER_TRIGGER), 'spec');
  return spec === null || spec.trim() === '' ? null : spec;
}

/**
 * "Poll SCM" (`hudson.triggers.SCMTrigger`): its schedule, kept as sent (an empty one polls only on
 * push notifications), and whether notifications are ignored; null without the trigger.
 */
function readScmTrigger(root: Element): Pick<JobSettings, 'pollSpec' | 'ignorePostCommitHooks'> {
  const trigger = child(child(root, 'triggers'), SCM_TRIGGER);
  if (!trigger) return { pollSpec: null, ignorePostCommitHooks: false };
  return { pollSpec: text(trigger, 'spec') ?? '', ignorePostCommitHooks: flag(trigger, 'ignorePostCommitHooks') };
}

/**
 * A git SCM as the job's source, with its extensions Steward does not run named in `ignored`; any
 * other SCM class (Subversion, Mercurial…) is kept and named as not run; `hudson.scm.NullSCM`: none.
 */
function readScm(root: Element, ignored: string[]): JobSettings['scm'] {
  const scm = child(root, 'scm');
  const scmClass = scm?.getAttribute('class') ?? '';
  if (!scm || scmClass === '' || scmClass === NULL_SCM) return null;
  if (scmClass !== GIT_SCM) {
    ignored.push(`scm (${scmClass})`);
    return null;
  }
  const source = readGitScm(scm);
  ignored.push(...ignoredOfGitSource(source));
  return source;
}

/**
 * `ReverseBuildTrigger`'s `upstreamProjects` or `BuildTrigger`'s `childProjects` (comma-separated
 * names) with the `threshold`'s name (SUCCESS when absent, as in Jenkins); null without the element or
 * with no name in it. Items resolves the names and checks the threshold when the job is saved.
 */
function readProjectTrigger(element: Element | null, field: string): ProjectTrigger | null {
  if (!element) return null;
  const projects = projectNames(text(element, field) ?? '');
  if (projects.length === 0) return null;
  const threshold = (text(child(element, 'threshold'), 'name') ?? '').trim();
  return { projects, threshold: (threshold === '' ? 'SUCCESS' : threshold) as Threshold };
}

/** The triggers and publishers Steward runs. */
const RUN_TRIGGERS: Readonly<Record<string, readonly string[]>> = { triggers: [TIMER_TRIGGER, SCM_TRIGGER, GITHUB_PUSH_TRIGGER, REVERSE_BUILD_TRIGGER], publishers: [BUILD_TRIGGER, ARTIFACT_ARCHIVER] };

function noteIgnored(root: Element, ignored: string[]): void {
  for (const section of ['triggers', 'publishers']) {
    for (const element of elements(child(root, section))) {
      if (!RUN_TRIGGERS[section]?.includes(element.nodeName)) ignored.push(`${section}/${element.nodeName}`);
    }
  }
  for (const element of elements(child(root, 'buildWrappers'))) {
    if (element.nodeName !== TIMEOUT_WRAPPER && element.nodeName !== SECRET_BUILD_WRAPPER) ignored.push(`buildWrappers/${element.nodeName}`);
  }
  for (const element of elements(child(root, 'properties'))) {
    if (element.nodeName !== PARAMETERS_PROPERTY && element.nodeName !== DISCARDER_PROPERTY) ignored.push(`properties/${element.nodeName}`);
  }
}
