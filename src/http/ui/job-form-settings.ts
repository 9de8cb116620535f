import { requireDuration } from '../../core/duration.js';
import { remoteTokenFor } from '../../auth/secret-box.js';
import { DomainError } from '../../core/errors.js';
import { type GitSource, simpleGitSource } from '../../core/git-source.js';
import type { Job, JobSettings, RemoteTokenDigest, Retention } from '../../core/item.js';
import { projectNames, type ProjectTrigger, type Threshold } from '../../core/job-edges.js';
import { checkPasswordDefault, type ParameterDefinition } from '../../core/parameters.js';
import type { SecretCodec } from '../jenkins/config-xml/parse.js';
import type { JobDraft, ParameterDraft } from './job-form-draft.js';
import { type FormErrors, sentence } from './item-form-errors.js';

/**
 * Turns a submitted draft into job settings. Only what the form itself must read is checked here (is
 * it a number, is it a duration); whether the settings are acceptable is for the domain to say when
 * they are saved (`checkJobSettings`), and `inputOf` places its verdict beside the input at fault.
 */
export function settingsOf(draft: JobDraft, job: Job, secrets: SecretCodec): { ok: true; settings: JobSettings } | { ok: false; errors: FormErrors } {
  const errors = new Map<string, string>();
  const number = (input: string, text: string, hint: string): number | null => {
    const trimmed = text.trim();
    if (trimmed === '') return null;
    if (/^[-+]?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
    errors.set(input, `"${trimmed}" is not a number. ${hint}`);
    return null;
  };
  const quietPeriodSeconds = number('quietPeriodSeconds', draft.quietPeriodSeconds, "Give a whole number of seconds, or leave it empty for the server's default.");
  const maxBuilds = number('retention.maxBuilds', draft.maxBuilds, 'Give a whole number, or leave it empty to keep any number.');
  const maxDays = number('retention.maxDays', draft.maxDays, 'Give a whole number of days, or leave it empty to keep builds of any age.');
  const maxQueued = number('maxQueued', draft.maxQueued, "Give a whole number, or leave it empty for the server's default.");
  const retryOnAgentLoss = number('retryOnAgentLoss', draft.retryOnAgentLoss, 'Give a whole number of retries, or leave it empty for none.');
  const steps = draft.steps.map((step, index) => ({
    command: step.command.replace(/\r\n/g, '\n'),
    unstableReturn: number(`steps[${index}].unstableReturn`, step.unstableReturn, 'Give an exit code from 1 to 255, or leave it empty.'),
  }));
  const timeoutMs = timeout(draft.timeout, errors);
  if (errors.size > 0) return { ok: false, errors: { fields: errors, general: [] } };
  const retention: Retention | null = maxBuilds === null && maxDays === null ? null : { maxBuilds, maxDays };
  return {
    ok: true,
    settings: {
      kind: 'job',
      description: draft.description.replace(/\r\n/g, '\n'),
      disabled: draft.disabled,
      concurrentBuild: draft.concurrentBuild,
      quietPeriodSeconds,
      parameters: draft.parameters.map((row) => definitionOf(row, job, secrets)),
      steps,
      timeoutMs,
      retention,
      remoteToken: remoteToken(draft, job.settings.remoteToken, secrets),
      coalesce: draft.coalesce,
      maxQueued,
      // As typed: Items trims it, stores blank as null (any node), and refuses one that does not parse.
      labelExpression: draft.labelExpression,
      retryOnAgentLoss: retryOnAgentLoss ?? 0,
      // As typed: Items checks it, and stores blank as null.
      timerSpec: draft.timerSpec.replace(/\r\n/g, '\n'),
      // Blank is no polling here; a config.xml's empty SCMTrigger (notifications only) is kept while the field stays blank.
      pollSpec: draft.pollSpec.trim() === '' ? (job.settings.pollSpec === '' ? '' : null) : draft.pollSpec.replace(/\r\n/g, '\n'),
      ignorePostCommitHooks: job.settings.ignorePostCommitHooks,
      githubPushTrigger: job.settings.githubPushTrigger,
      scm: scmOf(draft, job.settings.scm),
      // The form does not edit bindings yet: those set through config.xml stay.
      bindings: job.settings.bindings,
      // As typed: Items resolves the names, and refuses unknown ones, cycles and thresholds it does not know.
      upstreamTrigger: projectTrigger(draft.upstreamProjects, draft.upstreamThreshold),
      downstreamTrigger: projectTrigger(draft.downstreamProjects, draft.downstreamThreshold),
      // Set through config.xml or the configuration file; the form keeps it.
      archive: job.settings.archive,
      // The form keeps the rest of the config.xml the job was last written as, and so what of it is not run.
      ignoredSettings: job.settings.ignoredSettings,
    },
  };
}

/** The timeout as a duration with a unit (`10min`); empty means none. */
function timeout(text: string, errors: Map<string, string>): number | null {
  if (text.trim() === '') return null;
  try {
    return requireDuration(text.trim(), 'Timeout');
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    errors.set('timeout', sentence(error));
    return null;
  }
}

function definitionOf(row: ParameterDraft, job: Job, secrets: SecretCodec): ParameterDefinition {
  const name = row.name.trim();
  const description = row.description.replace(/\r\n/g, '\n');
  switch (row.type) {
    case 'string':
    case 'text':
      return { type: row.type, name, description, defaultValue: row.defaultValue.replace(/\r\n/g, '\n'), trim: row.trim };
    case 'boolean':
      return { type: 'boolean', name, description, defaultValue: row.defaultChecked };
    case 'choice':
      return { type: 'choice', name, description, choices: row.choices.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '') };
    case 'password':
      return { type: 'password', name, description, sealedDefault: passwordDefault(row, job, secrets) };
  }
}

/** A password default is write-only: a typed value replaces it, `clear` empties it, else the stored one stays. */
function passwordDefault(row: ParameterDraft, job: Job, secrets: SecretCodec): string {
  if (row.newSecret !== '') return secrets.seal(checkPasswordDefault(row.name, row.newSecret));
  const stored = row.clear ? undefined : storedPassword(job, row.keep);
  return stored ?? secrets.seal('');
}

function storedPassword(job: Job, name: string): string | undefined {
  if (name === '') return undefined;
  const definition = job.settings.parameters.find((one) => one.name === name);
  return definition?.type === 'password' ? definition.sealedDefault : undefined;
}

/** Whether a stored password default is set, i.e. not empty (the value itself never leaves the server). */
export function passwordIsSet(job: Job, name: string, secrets: SecretCodec): boolean {
  const sealed = storedPassword(job, name);
  return sealed !== undefined && (secrets.unseal(sealed) ?? '') !== '';
}

/**
 * The job's own trigger token, kept as a keyed digest under a random handle, as a config.xml write or
 * the configuration file keeps it: a typed value replaces the current one, "remove" drops it.
 */
function remoteToken(draft: JobDraft, current: RemoteTokenDigest | null, secrets: SecretCodec): RemoteTokenDigest | null {
  const typed = draft.newToken.trim();
  if (typed !== '') return remoteTokenFor(secrets.digest(typed), null);
  return draft.removeToken ? null : current;
}

/** A build trigger from its two inputs; none without a name. */
function projectTrigger(names: string, threshold: string): ProjectTrigger | null {
  const projects = projectNames(names);
  return projects.length === 0 ? null : { projects, threshold: threshold as Threshold };
}

/** The input that shows an error about a setting (`DomainError.field`): `parameters.2.name` → `parameters[2].name`. */
export function jobInputOf(field: string): string | null {
  if (field === 'timeoutMs') return 'timeout';
  if (field === 'scm.url' || field === 'scm.name' || field === 'scm.refspec') return 'scmUrl';
  if (field === 'scm.branch') return 'scmBranch';
  if (field === 'scm.credentialsId') return 'scmCredentialsId';
  if (field === 'upstreamTrigger' || field === 'downstreamTrigger') return `${field}.projects`;
  const row = /^(parameters\.\d+\.(?:name|description|default|choices)|steps\.\d+\.(?:command|unstableReturn))$/.exec(field);
  if (row) return field.replace(/^(\w+)\.(\d+)\./, '$1[$2].');
  return ['quietPeriodSeconds', 'retention.maxBuilds', 'retention.maxDays', 'maxQueued', 'description', 'labelExpression', 'retryOnAgentLoss', 'timerSpec', 'pollSpec', 'upstreamTrigger.projects', 'upstreamTrigger.threshold', 'downstreamTrigger.projects', 'downstreamTrigger.threshold'].includes(field) ? field : null;
}

/**
 * The form edits the first remote's URL and credential and the first branch specifier; what else the
 * job's source has (more remotes and specifiers, extensions from its config.xml) is kept.
 */
function scmOf(draft: JobDraft, current: GitSource | null): GitSource | null {
  const url = draft.scmUrl.trim();
  if (url === '') return null;
  const credentialsId = draft.scmCredentialsId.trim() === '' ? null : draft.scmCredentialsId.trim();
  const fresh = simpleGitSource(url, draft.scmBranch, credentialsId);
  if (current === null) return fresh;
  const [first, ...otherRemotes] = current.remotes;
  const [, ...otherBranches] = current.branches;
  return {
    remotes: [{ ...(first ?? fresh.remotes[0]!), url, credentialsId }, ...otherRemotes],
    branches: [fresh.branches[0]!, ...otherBranches],
    extensions: current.extensions,
  };
}
