import { DomainError, isDomainError } from '../../../core/errors.js';

/** The config.xml element a job setting is read from, where the names differ. */
const ELEMENTS: Readonly<Record<string, string>> = {
  labelExpression: 'assignedNode',
  timerSpec: 'hudson.triggers.TimerTrigger',
  pollSpec: 'hudson.triggers.SCMTrigger',
  upstreamTrigger: 'jenkins.triggers.ReverseBuildTrigger',
  'upstreamTrigger.projects': 'jenkins.triggers.ReverseBuildTrigger',
  'upstreamTrigger.threshold': 'jenkins.triggers.ReverseBuildTrigger',
  downstreamTrigger: 'hudson.tasks.BuildTrigger',
  'downstreamTrigger.projects': 'hudson.tasks.BuildTrigger',
  'downstreamTrigger.threshold': 'hudson.tasks.BuildTrigger',
};

/**
 * Saves settings read from a config.xml. The domain names a setting at fault by its own name; someone
 * who sent a config.xml knows it by its element, so the refusal names that element too.
 */
export async function savingConfigXml<T>(save: () => Promise<T>): Promise<T> {
  try {
    return await save();
  } catch (error) {
    const element = isDomainError(error) && error.field !== undefined ? ELEMENTS[error.field] : undefined;
    if (!isDomainError(error) || element === undefined) throw error;
    throw new DomainError(error.code, `<${element}>: ${error.message}`, error.hint, error.permission, error.retryAfterSeconds).at(error.field as string).with(error.facts);
  }
}
