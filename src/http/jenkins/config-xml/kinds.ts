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
export const SCM_TRIGGER = 'hudson.triggers.SCMTrigger';
export const GITHUB_PUSH_TRIGGER = 'com.cloudbees.jenkins.GitHubPushTrigger';
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

/** The credentials binding plugin's freestyle wrapper ("Use secret text(s) or file(s)") and its bindings. */
export const SECRET_BUILD_WRAPPER = 'org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper';
export const BINDING_ELEMENTS = {
  string: 'org.jenkinsci.plugins.credentialsbinding.impl.StringBinding',
  usernamePassword: 'org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding',
  usernameColonPassword: 'org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordBinding',
  file: 'org.jenkinsci.plugins.credentialsbinding.impl.FileBinding',
  sshUserPrivateKey: 'org.jenkinsci.plugins.credentialsbinding.impl.SSHUserPrivateKeyBinding',
} as const;

/** "Archive the artifacts", in `<publishers>`. */
export const ARTIFACT_ARCHIVER = 'hudson.tasks.ArtifactArchiver';
