import type { JobSettings } from '../../core/item.js';
import type { ParameterType } from '../../core/parameters.js';
import type { RequestInput } from '../body.js';
import { single } from '../body.js';

/**
 * A job's configure form as the browser holds it: every value as typed, so that a refused form comes
 * back exactly as it was sent (secrets excepted). `settingsOf` (job-form-settings.ts) turns it into
 * settings; the domain decides whether they are acceptable.
 */
export interface JobDraft {
  readonly description: string;
  readonly disabled: boolean;
  readonly concurrentBuild: boolean;
  readonly quietPeriodSeconds: string;
  readonly timeout: string;
  readonly maxBuilds: string;
  readonly maxDays: string;
  readonly coalesce: boolean;
  readonly maxQueued: string;
  /** Where the job may run, a label expression as typed; empty: any node. */
  readonly labelExpression: string;
  /** How many times a build that lost its agent is queued again, as typed. */
  readonly retryOnAgentLoss: string;
  /** "Build periodically", as typed; empty: none. */
  readonly timerSpec: string;
  readonly pollSpec: string;
  /** Source Code Management: Git, as typed; an empty URL: none. */
  readonly scmUrl: string;
  readonly scmBranch: string;
  readonly scmCredentialsId: string;
  /** "Build after other projects are built": the names as typed (comma-separated; empty: none) and the threshold. */
  readonly upstreamProjects: string;
  readonly upstreamThreshold: string;
  /** "Build other projects": the names as typed and the threshold. */
  readonly downstreamProjects: string;
  readonly downstreamThreshold: string;
  readonly parameters: readonly ParameterDraft[];
  readonly steps: readonly StepDraft[];
  /** A new "Trigger builds remotely" token as typed (never rendered back), and whether to remove the current one. */
  readonly newToken: string;
  readonly removeToken: boolean;
}

export interface ParameterDraft {
  readonly type: ParameterType;
  readonly name: string;
  readonly description: string;
  /** The default of a string or text parameter. */
  readonly defaultValue: string;
  /** The default of a boolean parameter. */
  readonly defaultChecked: boolean;
  readonly trim: boolean;
  /** A choice parameter's choices, one per line, the first being the default. */
  readonly choices: string;
  /**
   * For a password parameter: the stored parameter (by its stored name) whose sealed default this row
   * keeps unless a new one is typed (`newSecret`, never rendered back) or `clear` is ticked.
   */
  readonly keep: string;
  readonly newSecret: string;
  readonly clear: boolean;
}

export interface StepDraft {
  readonly command: string;
  readonly unstableReturn: string;
}

export const PARAMETER_TYPES: readonly (readonly [ParameterType, string])[] = [
  ['string', 'String'],
  ['text', 'Multi-line text'],
  ['boolean', 'Boolean'],
  ['choice', 'Choice'],
  ['password', 'Password'],
];

function isParameterType(value: string | undefined): value is ParameterType {
  return PARAMETER_TYPES.some(([type]) => type === value);
}

export function emptyParameter(type: ParameterType): ParameterDraft {
  return { type, name: '', description: '', defaultValue: '', defaultChecked: false, trim: false, choices: '', keep: '', newSecret: '', clear: false };
}

export const EMPTY_STEP: StepDraft = { command: '', unstableReturn: '' };

/** The draft of stored settings, as the configure page first shows them. */
export function draftOf(settings: JobSettings): JobDraft {
  return {
    description: settings.description,
    disabled: settings.disabled,
    concurrentBuild: settings.concurrentBuild,
    quietPeriodSeconds: settings.quietPeriodSeconds === null ? '' : String(settings.quietPeriodSeconds),
    timeout: settings.timeoutMs === null ? '' : durationText(settings.timeoutMs),
    maxBuilds: settings.retention?.maxBuilds == null ? '' : String(settings.retention.maxBuilds),
    maxDays: settings.retention?.maxDays == null ? '' : String(settings.retention.maxDays),
    coalesce: settings.coalesce,
    maxQueued: settings.maxQueued === null ? '' : String(settings.maxQueued),
    labelExpression: settings.labelExpression ?? '',
    retryOnAgentLoss: settings.retryOnAgentLoss === 0 ? '' : String(settings.retryOnAgentLoss),
    timerSpec: settings.timerSpec ?? '',
    pollSpec: settings.pollSpec ?? '',
    scmUrl: settings.scm?.remotes[0]?.url ?? '',
    scmBranch: settings.scm?.branches[0] ?? '',
    scmCredentialsId: settings.scm?.remotes[0]?.credentialsId ?? '',
    upstreamProjects: settings.upstreamTrigger?.projects.join(', ') ?? '',
    upstreamThreshold: settings.upstreamTrigger?.threshold ?? 'SUCCESS',
    downstreamProjects: settings.downstreamTrigger?.projects.join(', ') ?? '',
    downstreamThreshold: settings.downstreamTrigger?.threshold ?? 'SUCCESS',
    parameters: settings.parameters.map((definition) => {
      const row = { ...emptyParameter(definition.type), name: definition.name, description: definition.description };
      switch (definition.type) {
        case 'string':
        case 'text':
          return { ...row, defaultValue: definition.defaultValue, trim: definition.trim };
        case 'boolean':
          return { ...row, defaultChecked: definition.defaultValue };
        case 'choice':
          return { ...row, choices: definition.choices.join('\n') };
        case 'password':
          return { ...row, keep: definition.name };
      }
    }),
    steps: settings.steps.map((step) => ({ command: step.command, unstableReturn: step.unstableReturn === null ? '' : String(step.unstableReturn) })),
    newToken: '',
    removeToken: false,
  };
}

/** A duration in the largest unit that divides it, so that `parseDuration` reads it back unchanged. */
function durationText(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Reads the submitted form. Rows are indexed fields (`parameters[0].name`, `steps[1].command`) and come
 * back in index order; a checkbox that is not ticked is not sent, so its absence means false.
 */
export function draftFromForm(input: RequestInput): JobDraft {
  const text = (name: string) => single(input, name) ?? '';
  const ticked = (name: string) => input.parameters.has(name);
  return {
    description: text('description'),
    disabled: ticked('disabled'),
    concurrentBuild: ticked('concurrentBuild'),
    quietPeriodSeconds: text('quietPeriodSeconds'),
    timeout: text('timeout'),
    maxBuilds: text('retention.maxBuilds'),
    maxDays: text('retention.maxDays'),
    coalesce: ticked('coalesce'),
    maxQueued: text('maxQueued'),
    labelExpression: text('labelExpression'),
    retryOnAgentLoss: text('retryOnAgentLoss'),
    timerSpec: text('timerSpec'),
    pollSpec: text('pollSpec'),
    scmUrl: text('scmUrl'),
    scmBranch: text('scmBranch'),
    scmCredentialsId: text('scmCredentialsId'),
    upstreamProjects: text('upstreamTrigger.projects'),
    upstreamThreshold: text('upstreamTrigger.threshold'),
    downstreamProjects: text('downstreamTrigger.projects'),
    downstreamThreshold: text('downstreamTrigger.threshold'),
    parameters: rowIndexes(input, 'parameters').flatMap((index) => {
      const field = (name: string) => `parameters[${index}].${name}`;
      const type = single(input, field('type'));
      if (!isParameterType(type)) return [];
      return [
        {
          type,
          name: text(field('name')),
          description: text(field('description')),
          defaultValue: type === 'password' ? '' : text(field('default')),
          defaultChecked: type === 'boolean' && ticked(field('default')),
          trim: ticked(field('trim')),
          choices: text(field('choices')),
          keep: text(field('keep')),
          newSecret: type === 'password' ? text(field('default')) : '',
          clear: ticked(field('clear')),
        },
      ];
    }),
    steps: rowIndexes(input, 'steps').map((index) => ({ command: text(`steps[${index}].command`), unstableReturn: text(`steps[${index}].unstableReturn`) })),
    newToken: text('remoteToken.value'),
    removeToken: ticked('remoteToken.remove'),
  };
}

/** The row indexes a form sent for `prefix[N].…`, ascending. */
function rowIndexes(input: RequestInput, prefix: string): number[] {
  const pattern = new RegExp(`^${prefix}\\[(\\d{1,4})\\]\\.`);
  const indexes = new Set<number>();
  for (const name of input.parameters.keys()) {
    const match = pattern.exec(name);
    if (match) indexes.add(Number(match[1]));
  }
  return [...indexes].sort((a, b) => a - b);
}

/**
 * The form's own buttons besides Save: add or remove a parameter or step row, or check which nodes
 * the typed label expression matches. They re-render the form with the change and save nothing, so
 * that the page needs no script.
 */
export function applyEdit(draft: JobDraft, edit: string, newParameterType: string | undefined): JobDraft | null {
  if (edit === 'check-labels') return draft;
  if (edit === 'add-parameter') return { ...draft, parameters: [...draft.parameters, emptyParameter(isParameterType(newParameterType) ? newParameterType : 'string')] };
  if (edit === 'add-step') return { ...draft, steps: [...draft.steps, EMPTY_STEP] };
  const removal = /^remove-(parameter|step)-(\d+)$/.exec(edit);
  if (!removal) return null;
  const index = Number(removal[2]);
  return removal[1] === 'parameter'
    ? { ...draft, parameters: draft.parameters.filter((_, at) => at !== index) }
    : { ...draft, steps: draft.steps.filter((_, at) => at !== index) };
}
