import { describe, expect, it } from 'vitest';
import type { OfflineNode } from '../../../core/queue-item.js';
import { why } from './why.js';

const SEEN = Date.UTC(2025, 0, 2, 3, 4, 5);
const lost = (name: string): OfflineNode => ({ name, lastSeenAt: SEEN, offlineMessage: null });
const never = (name: string): OfflineNode => ({ name, lastSeenAt: null, offlineMessage: null });

describe("a queue item's why", () => {
  it("keeps Jenkins' sentences for the quiet period, a blocking build, and a job that may run anywhere", () => {
    expect(why({ kind: 'quiet', remainingMs: 4200 }, -1)).toBe('In the quiet period. Expires in 4.2 sec');
    expect(why({ kind: 'blocked', runningBuildNumber: 3 }, -1)).toBe('Build #3 is already in progress (ETA: N/A)');
    expect(why({ kind: 'executor', labelExpression: null, online: ['built-in'], executors: 2, busy: 2, offline: [] }, -1)).toBe('Waiting for next available executor');
  });

  it('names the label no node has, or says that no node has executors', () => {
    expect(why({ kind: 'no-node', labelExpression: 'gpu && cuda12' }, -1)).toBe('There are no nodes with the label ‘gpu && cuda12’');
    expect(why({ kind: 'no-node', labelExpression: null }, -1)).toBe('There are no nodes with executors (the built-in node has none, and no agent is registered)');
  });

  it('names an offline node and since when it was not heard from, or why it was taken offline', () => {
    expect(why({ kind: 'offline', labelExpression: 'arm', nodes: [lost('arm-1')] }, -1)).toBe('arm-1 is offline (no contact since 2025-01-02T03:04:05.000Z)');
    expect(why({ kind: 'offline', labelExpression: 'arm', nodes: [never('arm-1')] }, -1)).toBe('arm-1 is offline (never connected)');
    expect(why({ kind: 'offline', labelExpression: 'arm', nodes: [{ name: 'arm-1', lastSeenAt: SEEN, offlineMessage: 'disk swap' }] }, -1)).toBe('arm-1 is offline (taken offline: disk swap)');
    expect(why({ kind: 'offline', labelExpression: 'arm', nodes: [{ name: 'arm-1', lastSeenAt: SEEN, offlineMessage: '' }] }, -1)).toBe('arm-1 is offline (taken offline)');
  });

  it("says every node of the label is offline, naming five of them and counting the rest", () => {
    expect(why({ kind: 'offline', labelExpression: 'ppc', nodes: [lost('ppc-1'), never('ppc-2')] }, -1)).toBe('All nodes of label ‘ppc’ are offline (ppc-1: no contact since 2025-01-02T03:04:05.000Z; ppc-2: never connected)');
    const seven = Array.from({ length: 7 }, (_, index) => never(`n${index + 1}`));
    expect(why({ kind: 'offline', labelExpression: null, nodes: seven }, -1)).toBe('All nodes are offline (n1: never connected; n2: never connected; n3: never connected; n4: never connected; n5: never connected; and 2 more)');
  });

  it("waits for an executor on the one matching node, or on the label, saying when all are busy and which matching nodes are offline", () => {
    expect(why({ kind: 'executor', labelExpression: 'linux', online: ['linux-1'], executors: 4, busy: 4, offline: [] }, -1)).toBe('Waiting for next available executor on ‘linux-1’ (all 4 executors are busy)');
    expect(why({ kind: 'executor', labelExpression: 'linux', online: ['linux-1'], executors: 1, busy: 1, offline: [] }, -1)).toBe('Waiting for next available executor on ‘linux-1’ (its one executor is busy)');
    expect(why({ kind: 'executor', labelExpression: 'linux', online: ['linux-1', 'linux-2'], executors: 4, busy: 3, offline: [] }, -1)).toBe('Waiting for next available executor on ‘linux’');
    expect(why({ kind: 'executor', labelExpression: 'linux', online: ['linux-1'], executors: 2, busy: 2, offline: [never('linux-2')] }, -1)).toBe('Waiting for next available executor on ‘linux’ (all 2 executors are busy; linux-2 is offline)');
    expect(why({ kind: 'executor', labelExpression: 'linux', online: ['linux-1'], executors: 2, busy: 1, offline: [never('linux-2'), never('linux-3')] }, -1)).toBe('Waiting for next available executor on ‘linux’ (linux-2 and linux-3 are offline)');
  });
});
