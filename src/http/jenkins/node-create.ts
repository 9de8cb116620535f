import type { NewNode } from '../../nodes/nodes.js';
import { type RequestInput, single } from '../body.js';
import { Refusal } from '../errors.js';

/** The node types Jenkins' form names for a permanent agent; Steward's agents are all of that kind. */
const PERMANENT_AGENT = new Set(['hudson.slaves.DumbSlave', 'hudson.slaves.DumbSlave$DescriptorImpl']);
const INBOUND_LAUNCHER = 'hudson.slaves.JNLPLauncher';

export interface NodeForm {
  readonly node: NewNode;
  /** Said in `X-Steward-Warning` when the form asked for a launcher Steward does not have. */
  readonly warning: string | null;
}

/**
 * `POST /computer/doCreateItem` as python-jenkins' `create_node` sends it: form fields `name`,
 * `type` and `json`, the latter holding `numExecutors`, `labelString`, `nodeDescription`, `remoteFS`,
 * `mode` and `launcher`. Any launcher is accepted: a Steward agent always connects itself, so an
 * SSH or command launcher is recorded as an inbound agent with a warning saying so (python-jenkins'
 * default is the command launcher, and refusing it would break the plain `create_node(name)`).
 */
export function parseNodeForm(input: RequestInput): NodeForm {
  const name = single(input, 'name');
  if (name === undefined || name.trim() === '') throw new Refusal('name_missing', "Form field 'name' is required.", 'Send name=NODE (python-jenkins: create_node(NAME, …)).');
  const type = single(input, 'type') ?? 'hudson.slaves.DumbSlave$DescriptorImpl';
  if (!PERMANENT_AGENT.has(type)) throw new Refusal('item_type_unsupported', `Steward creates permanent agents only, not ${type}.`, 'Send type=hudson.slaves.DumbSlave$DescriptorImpl, or use steward node create.');
  const json = parseJson(single(input, 'json') ?? '{}');
  const executors = json.numExecutors === undefined || json.numExecutors === null || json.numExecutors === '' ? undefined : Number(json.numExecutors);
  const launcher = launcherClass(json.launcher);
  const warning = launcher === null || launcher === INBOUND_LAUNCHER ? null : `The launcher ${launcher} is not used: Steward agents connect themselves (steward agent). Recorded as an inbound agent.`;
  return {
    node: {
      name,
      ...(typeof json.labelString === 'string' ? { labels: json.labelString } : {}),
      ...(executors !== undefined ? { executors } : {}),
      ...(typeof json.nodeDescription === 'string' ? { description: json.nodeDescription } : {}),
    },
    warning,
  };
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new Refusal('body_invalid', "Form field 'json' is not a JSON object.", 'Send json={"numExecutors": 2, "labelString": "linux", …} as python-jenkins does.');
}

function launcherClass(launcher: unknown): string | null {
  if (launcher === null || typeof launcher !== 'object') return null;
  const fields = launcher as Record<string, unknown>;
  const name = fields['stapler-class'] ?? fields.$class;
  return typeof name === 'string' ? name : null;
}
