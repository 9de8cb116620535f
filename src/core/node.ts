/** The node builds run on. Until agents exist there is one: this server, named as Jenkins names its own. */
export const BUILT_IN_NODE = 'built-in';

/** Free space on the file system of a node's home, as last measured. */
export interface DiskSpace {
  readonly path: string;
  readonly freeBytes: number;
  readonly totalBytes: number;
  /** When it was measured (epoch ms). */
  readonly checkedAt: number;
}

/** Below this much free space a node's disk is shown as low (Jenkins' DiskSpaceMonitor default). */
export const LOW_DISK_BYTES = 1024 ** 3;

/** What the nodes page and the computer API say about the built-in node beyond its executors. */
export interface BuiltInNodeStatus {
  /** The account build steps run as. */
  readonly buildUser: string;
  /** Set while builds run with the server's own rights: said on the nodes page as at start. */
  readonly warning: string | null;
  /** Null until first measured, or where the platform cannot tell. */
  readonly diskSpace: DiskSpace | null;
}

/**
 * An agent: a machine registered by name that claims builds over HTTP (`steward agent`), as opposed
 * to the built-in node. Its labels (its name is always one of them, as in Jenkins) decide which jobs'
 * label expressions it may run; its executors how many builds at once.
 */
export interface AgentNode {
  readonly name: string;
  readonly description: string;
  readonly labels: readonly string[];
  readonly executors: number;
  /** Set while an administrator keeps it offline on purpose (Jenkins: temporarily offline), with the reason. */
  readonly offlineMessage: string | null;
  readonly createdAt: number;
  /** When the agent was last heard from (a claim, a lease renewal); null before it ever connected. */
  readonly lastSeenAt: number | null;
}

/** An agent's secret as the store keeps it: sealed (so an administrator can be shown it again), and the one before a rotation while it is still honoured. */
export interface AgentSecrets {
  readonly current: string;
  readonly previous: string | null;
  /** Until when (epoch ms) `previous` is still accepted. */
  readonly previousUntil: number | null;
}

/**
 * The names under which Jenkins and its clients reach the built-in node (`Jenkins.getComputer` maps
 * `(built-in)` and `(master)`; python-jenkins 1.4 asks for its display name): no agent may take them.
 */
export const BUILT_IN_NODE_NAMES: readonly string[] = [BUILT_IN_NODE, '(built-in)', 'master', '(master)', 'Built-In Node'];

export function isBuiltInNodeName(name: string): boolean {
  const key = name.trim().toLowerCase();
  return BUILT_IN_NODE_NAMES.some((one) => one.toLowerCase() === key);
}

/**
 * The labels a node is matched by, the one rule for every place that matches label expressions: the
 * built-in node's is its name; an agent's are its labels, its name always among them.
 */
export const BUILT_IN_LABELS: ReadonlySet<string> = new Set([BUILT_IN_NODE]);

export function agentLabels(node: AgentNode): ReadonlySet<string> {
  return new Set([node.name, ...node.labels]);
}

/** How long after its last contact an agent still counts as online (three missed lease renewals). */
export const NODE_ONLINE_WINDOW_MS = 60_000;

/** Online: heard from within the window, and not taken offline by an administrator. */
export function isNodeOnline(node: AgentNode, now: number): boolean {
  return node.offlineMessage === null && node.lastSeenAt !== null && now - node.lastSeenAt <= NODE_ONLINE_WINDOW_MS;
}
