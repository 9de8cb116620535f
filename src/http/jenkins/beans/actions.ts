import { type Interruption, describeInterruption } from '../../../core/build.js';
import { type Cause, type CauseCount, describeCause } from '../../../core/cause.js';
import type { ParameterDefinition, ParameterValue } from '../../../core/parameters.js';
import { ignoredSettingsLine } from '../../../core/item.js';
import { itemPath } from '../../../core/item-url.js';
import { type Bean, bean, type Exported } from '../export/bean.js';

const VALUE_CLASS: Record<ParameterValue['type'], string> = {
  string: 'hudson.model.StringParameterValue',
  choice: 'hudson.model.StringParameterValue',
  text: 'hudson.model.TextParameterValue',
  boolean: 'hudson.model.BooleanParameterValue',
  password: 'hudson.model.PasswordParameterValue',
};

const DEFINITION_CLASS: Record<ParameterDefinition['type'], string> = {
  string: 'hudson.model.StringParameterDefinition',
  text: 'hudson.model.TextParameterDefinition',
  boolean: 'hudson.model.BooleanParameterDefinition',
  choice: 'hudson.model.ChoiceParameterDefinition',
  password: 'hudson.model.PasswordParameterDefinition',
};

/**
 * A cause as Jenkins exports it. A rebuild is two causes there (the Rebuild plugin's own, then the
 * user's), so clients that look for the `UserIdCause` find who started it.
 */
function causeBeans(cause: Cause): Bean[] {
  if (cause.kind !== 'rebuild') return [causeBean(cause)];
  return [
    bean('com.sonyericsson.rebuild.RebuildCause', [
      ['shortDescription', 3, () => `Rebuilds build #${cause.build}`],
      ['upstreamBuild', 3, () => cause.build],
      ['upstreamProject', 3, () => cause.job],
      ['upstreamUrl', 3, () => `${itemPath(cause.job)}`],
    ]),
    causeBean({ kind: 'user', userId: cause.userId, userName: cause.userName }),
  ];
}

function causeBean(cause: Exclude<Cause, { kind: 'rebuild' }>): Bean {
  switch (cause.kind) {
    case 'user':
      return bean('hudson.model.Cause$UserIdCause', [
        ['shortDescription', 3, () => describeCause(cause)],
        ['userId', 3, () => cause.userId],
        ['userName', 3, () => cause.userName],
      ]);
    case 'remote':
      return bean('hudson.model.Cause$RemoteCause', [
        ['addr', 3, () => cause.address],
        ['note', 3, () => cause.note],
        ['shortDescription', 3, () => describeCause(cause)],
      ]);
    case 'webhook':
      return bean('hudson.model.Cause$RemoteCause', [
        ['addr', 3, () => cause.address],
        ['delivery', 3, () => cause.delivery],
        ['event', 3, () => cause.event],
        ['note', 3, () => null],
        ['shortDescription', 3, () => describeCause(cause)],
        ['webhook', 3, () => cause.webhook],
      ]);
    case 'token':
      // A RemoteCause to Jenkins clients, which also names the token (never its value).
      return bean('hudson.model.Cause$RemoteCause', [
        ['addr', 3, () => cause.address],
        ['note', 3, () => cause.note],
        ['shortDescription', 3, () => describeCause(cause)],
        ['token', 3, () => cause.tokenName],
        ['tokenCreatedBy', 3, () => cause.createdBy],
      ]);
    case 'timer':
      return bean('hudson.triggers.TimerTrigger$TimerTriggerCause', [['shortDescription', 3, () => describeCause(cause)]]);
    case 'scm_change':
      return bean('hudson.triggers.SCMTrigger$SCMTriggerCause', [['shortDescription', 3, () => describeCause(cause)]]);
    case 'commit_hook':
      return bean('hudson.plugins.git.GitStatus$CommitHookCause', [
        ['sha1', 3, () => cause.sha1],
        ['shortDescription', 3, () => describeCause(cause)],
      ]);
    case 'github_push':
      return bean('com.cloudbees.jenkins.GitHubPushCause', [['shortDescription', 3, () => describeCause(cause)]]);
    case 'upstream':
      return bean('hudson.model.Cause$UpstreamCause', [
        ['shortDescription', 3, () => describeCause(cause)],
        ['upstreamBuild', 3, () => cause.build],
        ['upstreamProject', 3, () => cause.job],
        ['upstreamUrl', 3, () => itemPath(cause.job)],
      ]);
    case 'agent_loss_retry':
      // Jenkins has no freestyle equivalent (Pipeline's `retry(conditions: [agent()])` comes closest).
      return bean('io.steward.model.Cause$AgentLossRetryCause', [
        ['attempt', 3, () => cause.attempt],
        ['lostBuild', 3, () => cause.build],
        ['node', 3, () => cause.node],
        ['shortDescription', 3, () => describeCause(cause)],
      ]);
  }
}

/** Jenkins lists a cause once per occurrence (the UI shows "(2 times)"). */
export function causeAction(causes: readonly CauseCount[]): Bean {
  return bean('hudson.model.CauseAction', [['causes', 2, () => causes.flatMap(({ cause, count }) => Array.from({ length: count }, () => causeBeans(cause)).flat())]]);
}

/** Password values are never exported, as in Jenkins. */
export function parameterValueBean(value: ParameterValue): Bean {
  const specs: Array<readonly [string, number, () => Exported]> = [['name', 3, () => value.name]];
  if (value.type !== 'password') specs.push(['value', 4, () => value.value]);
  return bean(VALUE_CLASS[value.type], specs);
}

export function parametersAction(values: readonly ParameterValue[]): Bean {
  return bean('hudson.model.ParametersAction', [['parameters', 2, () => values.map(parameterValueBean)]]);
}

export function parameterDefinitionBean(definition: ParameterDefinition): Bean {
  const defaultValue = (): Bean => {
    switch (definition.type) {
      case 'password':
        return parameterValueBean({ type: 'password', name: definition.name, sealed: '' });
      case 'boolean':
        return parameterValueBean({ type: 'boolean', name: definition.name, value: definition.defaultValue });
      case 'choice':
        return parameterValueBean({ type: 'choice', name: definition.name, value: definition.choices[0] ?? '' });
      default:
        return parameterValueBean({ type: definition.type, name: definition.name, value: definition.trim ? definition.defaultValue.trim() : definition.defaultValue });
    }
  };
  const className = DEFINITION_CLASS[definition.type];
  const specs: Array<readonly [string, number, () => Exported]> = [
    ['defaultParameterValue', 3, defaultValue],
    ['description', 3, () => (definition.description === '' ? null : definition.description)],
    ['name', 3, () => definition.name],
    ['type', 3, () => className.slice(className.lastIndexOf('.') + 1)],
  ];
  if (definition.type === 'choice') specs.push(['choices', 3, () => [...definition.choices]]);
  return bean(className, specs);
}

export function parametersDefinitionProperty(definitions: readonly ParameterDefinition[]): Bean {
  return bean('hudson.model.ParametersDefinitionProperty', [['parameterDefinitions', 2, () => definitions.map(parameterDefinitionBean)]]);
}

const INTERRUPTION_CLASS: Record<Interruption['kind'], string> = {
  user: 'jenkins.model.CauseOfInterruption$UserInterruption',
  timeout: 'io.steward.model.CauseOfInterruption$Timeout',
  restart: 'io.steward.model.CauseOfInterruption$ServerRestart',
  shutdown: 'io.steward.model.CauseOfInterruption$ServerShutdown',
  deleted: 'io.steward.model.CauseOfInterruption$JobDeleted',
  log_unwritable: 'io.steward.model.CauseOfInterruption$LogUnwritable',
  agent_lost: 'io.steward.model.CauseOfInterruption$AgentLost',
  agent_restarted: 'io.steward.model.CauseOfInterruption$AgentRestarted',
  agent_stopped: 'io.steward.model.CauseOfInterruption$AgentStopped',
  server_lost: 'io.steward.model.CauseOfInterruption$ServerLost',
};

export function interruptedBuildAction(interruption: Interruption): Bean {
  const cause = bean(INTERRUPTION_CLASS[interruption.kind], [
    ['shortDescription', 3, () => describeInterruption(interruption)],
    ...(interruption.kind === 'user' ? ([['userId', 3, () => interruption.userId]] as const) : []),
  ]);
  return bean('jenkins.model.InterruptedBuildAction', [['causes', 2, () => [cause]]]);
}

/**
 * Steward's own action on a job whose config.xml asks for what Steward does not run (a git SCM, a
 * timer trigger, a publisher): clients that list actions see it; Jenkins clients skip unknown ones.
 */
export function ignoredSettingsAction(ignored: readonly string[]): Bean {
  return bean('io.steward.model.IgnoredSettingsAction', [
    ['ignoredSettings', 3, () => [...ignored]],
    ['shortDescription', 3, () => ignoredSettingsLine(ignored)],
  ]);
}
