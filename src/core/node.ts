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
