import type { AuditEvent } from '../../core/audit.js';

/**
 * Groups identical audit events (equal but for time and request id), in order of first appearance,
 * each with how many there were: a burst of the same trigger committed together is stored as one
 * row, counted, with the first one's time and request id.
 */
export function countIdentical(events: readonly AuditEvent[]): Array<{ event: AuditEvent; count: number }> {
  const groups = new Map<string, { event: AuditEvent; count: number }>();
  for (const event of events) {
    const key = `${event.action}\u0000${event.outcome}\u0000${event.reason}\u0000${event.actor}\u0000${event.credential}\u0000${event.address}\u0000${event.item}\u0000${event.queueId}\u0000${JSON.stringify(event.detail)}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { event, count: 1 });
  }
  return [...groups.values()];
}
