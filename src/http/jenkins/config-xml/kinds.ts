/** The config.xml root elements Steward understands, and what Jenkins calls the item classes. */
export const FREESTYLE_ROOT = 'project';
export const FOLDER_ROOT = 'com.cloudbees.hudson.plugins.folder.Folder';

export const PARAMETER_ELEMENTS = {
  string: 'hudson.model.StringParameterDefinition',
  text: 'hudson.model.TextParameterDefinition',
  boolean: 'hudson.model.BooleanParameterDefinition',
  choice: 'hudson.model.ChoiceParameterDefinition',
  password: 'hudson.model.PasswordParameterDefinition',
} as const;

export const PARAMETERS_PROPERTY = 'hudson.model.ParametersDefinitionProperty';
export const DISCARDER_PROPERTY = 'jenkins.model.BuildDiscarderProperty';
export const SHELL_BUILDER = 'hudson.tasks.Shell';
export const TIMEOUT_WRAPPER = 'hudson.plugins.build__timeout.BuildTimeoutWrapper';
export const TIMER_TRIGGER = 'hudson.triggers.TimerTrigger';
/** "Build after other projects are built", in the downstream job's `<triggers>`. */
export const REVERSE_BUILD_TRIGGER = 'jenkins.triggers.ReverseBuildTrigger';
/** "Build other projects", in the upstream job's `<publishers>`. */
export const BUILD_TRIGGER = 'hudson.tasks.BuildTrigger';

/** Jenkins' `Result` as a threshold is written: its ordinal and ball colour beside the name. */
export const THRESHOLD_FIELDS = {
  SUCCESS: { ordinal: 0, color: 'BLUE' },
  UNSTABLE: { ordinal: 1, color: 'YELLOW' },
  FAILURE: { ordinal: 2, color: 'RED' },
} as const;

/** How a stored trigger token is shown in config.xml: a handle that names it without revealing it. */
export function tokenPlaceholder(handle: string): string {
  return `{steward-token:${handle}}`;
}
