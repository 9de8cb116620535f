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
