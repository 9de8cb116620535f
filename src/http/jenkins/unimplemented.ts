import { Refusal } from '../errors.js';
import type { Target } from './traverse.js';

/**
 * Jenkins URLs Steward knows and does not answer, by what they follow (the root, a job or folder, a
 * build) and their first segment, with what they are in Jenkins. A request for one is told exactly
 * that (`not_implemented`), not that nothing is there (`not_found`), so a client or a person can tell
 * a missing feature from a typo or a missing job.
 */
const ROOT: Record<string, string> = {
  scriptText: "Jenkins' Groovy script console",
  script: "Jenkins' Groovy script console",
  cli: "Jenkins' remoting CLI",
  jnlpJars: "Jenkins' remoting CLI",
  tcpSlaveAgentListener: "Jenkins' inbound agent listener",
  configure: "Jenkins' system configuration page",
  configureSecurity: "Jenkins' security configuration page",
  configureTools: "Jenkins' tool configuration",
  updateCenter: "Jenkins' plugin update center",
  systemInfo: "Jenkins' system information page",
  log: "Jenkins' log recorders",
  restart: 'restarting from the web',
  safeRestart: 'restarting from the web',
  exit: 'stopping from the web',
  safeExit: 'stopping from the web',
  quietDown: "Jenkins' quiet-down mode",
  cancelQuietDown: "Jenkins' quiet-down mode",
  reload: 'reloading configuration from disk',
  label: "Jenkins' label pages",
  people: "Jenkins' people directory",
  asynchPeople: "Jenkins' people directory",
  fingerprint: 'fingerprints',
  userContent: 'the userContent directory',
  descriptorByName: "Jenkins' descriptors",
  securityRealm: "Jenkins' security realm pages",
  pluginManager: "Jenkins' plugin manager (Steward has no plugins; /pluginManager/api/json lists none)",
  'cc.xml': 'the CCTray feed',
  rssAll: 'RSS feeds',
  rssFailed: 'RSS feeds',
  rssLatest: 'RSS feeds',
  blue: 'Blue Ocean',
};

const ITEM: Record<string, string> = {
  ws: 'browsing the workspace',
  workspace: 'browsing the workspace',
  doWipeOutWorkspace: 'wiping the workspace from the web',
  changes: 'SCM change logs',
  descriptorByName: "Jenkins' descriptors",
  description: 'job descriptions over this URL',
  submitDescription: 'job descriptions over this URL',
  move: 'moving items between folders',
  rssAll: 'RSS feeds',
  rssFailed: 'RSS feeds',
  buildHistory: "Jenkins' build history widget",
  wfapi: "Pipeline's REST API",
};

const BUILD: Record<string, string> = {
  testReport: 'test reports',
  changes: 'SCM change logs',
  input: "Pipeline's input step",
  replay: "Pipeline's replay (POST …/replay/rebuild rebuilds with the same parameters)",
  toggleLogKeep: 'keeping a build forever',
  submitDescription: 'build descriptions',
  configure: 'editing a build',
  timestamps: 'the Timestamper plugin',
  flowGraphTable: "Pipeline's step table",
  wfapi: "Pipeline's REST API",
  execution: "Pipeline's execution graph",
  injectedEnvVars: 'the EnvInject plugin',
  parameters: "the build's parameters page (they are in the build's api/json)",
};

/** A node's (`/computer/NAME/…`, the built-in node's aliases too). */
const COMPUTER: Record<string, string> = {
  scriptText: "Jenkins' Groovy script console",
  script: "Jenkins' Groovy script console",
  launchSlaveAgent: 'launching an agent from the server',
  doDisconnect: 'disconnecting an agent from the server',
  log: "an agent's connection log",
  configure: "a node's configuration form",
  systemInfo: "a node's system information page",
  builds: "a node's build history",
  'load-statistics': "a node's load statistics",
};

/** What Steward offers instead, where it has something for the usual uses. */
const INSTEAD: Record<string, string> = {
  "Jenkins' Groovy script console":
    'Steward runs no code inside the server. For the usual uses: create and configure jobs with POST /createItem and …/config.xml or the configuration file, users and tokens with the native API (/steward/api/v1, described at /steward/api/v1/openapi.json), and builds, logs and the queue with the steward command line (steward --help).',
  "Jenkins' remoting CLI": 'Use the steward command line (npm package steward: steward build, logs, job, token …), which speaks HTTP.',
  'launching an agent from the server': 'Steward agents connect themselves: run `steward agent --url URL --name NAME --secret-file FILE` on the agent machine (docs/agents.md).',
  'disconnecting an agent from the server': 'Take it offline with POST /computer/NAME/toggleOffline?offlineMessage=REASON (its running builds go on), or stop its steward agent process.',
  "an agent's connection log": "Read the agent's own output (journalctl -u steward-agent under systemd); the server's log says when an agent's lease ran out.",
  "a node's configuration form": 'Change its labels, executors and description with POST /computer/NAME/config.xml, PATCH /steward/api/v1/nodes/NAME, or the configuration file (docs/agents.md).',
};

/** Throws `not_implemented` when the action is a Jenkins URL Steward does not answer; else returns. */
export function refuseUnimplemented(target: Target | { readonly kind: 'computer' }, rest: readonly string[]): void {
  const head = rest[0];
  if (head === undefined) return;
  const table = target.kind === 'root' ? ROOT : target.kind === 'build' ? BUILD : target.kind === 'computer' ? COMPUTER : ITEM;
  const what = Object.hasOwn(table, head) ? table[head] : undefined;
  if (what === undefined) return;
  throw new Refusal(
    'not_implemented',
    `Steward does not implement ${what} (/${rest.join('/')}).`,
    INSTEAD[what] ?? 'docs/jenkins-compat.md lists every Jenkins URL Steward answers and what it does instead.',
  );
}
