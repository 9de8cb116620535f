import type { JobEdge, OwnEdge, Threshold } from '../../core/job-edges.js';

/** A row of `job_edges` (both schemas). */
export interface EdgeRow {
  owner_id: number | string;
  upstream_id: number | string;
  downstream_id: number | string;
  threshold: string;
}

/** The rows a job's own edges are stored as: the job is the downstream end of its upstream edges and the upstream end of its downstream ones. */
export function edgeRows(ownerId: number, edges: readonly OwnEdge[]): Array<{ owner: number; upstream: number; downstream: number; threshold: Threshold }> {
  const rows = new Map<string, { owner: number; upstream: number; downstream: number; threshold: Threshold }>();
  for (const edge of edges) {
    const [upstream, downstream] = edge.direction === 'upstream' ? [edge.other, ownerId] : [ownerId, edge.other];
    // One job declaring the same edge twice keeps the first threshold (the primary key is the pair).
    const key = `${upstream}>${downstream}`;
    if (!rows.has(key)) rows.set(key, { owner: ownerId, upstream, downstream, threshold: edge.threshold });
  }
  return [...rows.values()];
}

export function rowToEdge(row: EdgeRow): JobEdge {
  return { ownerId: Number(row.owner_id), upstreamId: Number(row.upstream_id), downstreamId: Number(row.downstream_id), threshold: row.threshold as Threshold };
}
