import type { Readable } from 'node:stream';
import type { Artifact } from '../core/artifact.js';

/**
 * The port through which builds' artifacts are stored and read, addressed by job id and build
 * number. Writing is staged: `stage` gives a place to put files in, and only `commit` makes them the
 * build's artifacts, all at once; a staging abandoned (or left by a crash) is never seen. A build has
 * artifacts once, from its one commit. The default is files under the home (`ArtifactFiles`,
 * artifact-files.ts); a store shared by several nodes (PostgreSQL chunks, as the logs) fits the same port.
 * Paths are checked with `isArtifactPath` before they reach an implementation.
 */
export interface ArtifactStore {
  stage(jobId: number, number: number): Promise<ArtifactStaging>;
  /** The build's artifacts, ordered by path; empty when it has none. */
  list(jobId: number, number: number): Promise<Artifact[]>;
  /** One artifact's size, or null when the build has no artifact at that path. */
  stat(jobId: number, number: number, path: string): Promise<Artifact | null>;
  /**
   * Bytes `start` to `end` (exclusive) of one artifact, read as the stream is read (never held
   * whole); null when there is no such artifact. Destroying the stream stops the reading.
   */
  read(jobId: number, number: number, path: string, start: number, end: number): Promise<Readable | null>;
  remove(jobId: number, number: number): Promise<void>;
  removeJob(jobId: number): Promise<void>;
}

/** A build's artifacts being stored: invisible until `commit`. */
export interface ArtifactStaging {
  /** Stores one file from a stream; returns the bytes stored. */
  put(path: string, content: Readable): Promise<number>;
  /** Makes everything put the build's artifacts at once. */
  commit(): Promise<void>;
  /** Forgets everything put; the build keeps no artifacts. */
  abandon(): Promise<void>;
}
