import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { testBuild, testJob } from '../../test/support/domain.js';
import type { Build } from '../core/build.js';
import type { Job } from '../core/item.js';
import { type AgentNode, BUILT_IN_LABELS, BUILT_IN_NODE, NODE_ONLINE_WINDOW_MS } from '../core/node.js';
import { isStuck, type QueueItem } from '../core/queue-item.js';
import { labelsMatch } from '../labels/label-expression.js';
import type { Store } from '../store/types.js';
import type { BuildRunner } from './runner.js';
import { Scheduler } from './scheduler.js';
import { type NodeCapacity, type QueueSituation, waitingReason } from './waiting-reason.js';

const NOW = 1_700_000_000_000;
// The rule main.ts gives the scheduler.
const canRun = (job: Job, labels: ReadonlySet<string>) => labelsMatch(job.settings.labelExpression, labels);

function job(labelExpression: string | null, concurrentBuild = false): Job {
  return testJob(7, 'app', { labelExpression, concurrentBuild }, 1);
}

function item(dueAt = NOW): QueueItem {
  return { id: 1, jobId: 7, state: 'waiting', queuedAt: NOW - 5000, dueAt, parameters: null, causes: [], buildNumber: null, leftAt: null };
}

function node(name: string, labels: string[], options: Partial<Pick<NodeCapacity, 'executors' | 'busy'>> & { offline?: { lastSeenAt: number | null; offlineMessage?: string | null } } = {}): NodeCapacity {
  return {
    name,
    labels: new Set([name, ...labels]),
    executors: options.executors ?? 2,
    busy: options.busy ?? 0,
    offline: options.offline ? { name, lastSeenAt: options.offline.lastSeenAt, offlineMessage: options.offline.offlineMessage ?? null } : null,
  };
}

function situation(nodes: NodeCapacity[], running: number | null = null): QueueSituation {
  return { now: NOW, nodes, runningBuildOf: () => running, canRun };
}

describe('why a waiting item has not started', () => {
  it('is its quiet period first, then a running build of its job, whatever the nodes', () => {
    expect(waitingReason(item(NOW + 3000), job('gpu'), situation([]))).toEqual({ kind: 'quiet', remainingMs: 3000 });
    expect(waitingReason(item(), job('gpu'), situation([], 4))).toEqual({ kind: 'blocked', runningBuildNumber: 4 });
    // A job that allows concurrent builds is not blocked by its own.
    expect(waitingReason(item(), job('gpu', true), situation([], 4)).kind).toBe('no-node');
  });

  it('names the label expression no node matches, and says so when no node has executors at all', () => {
    const nodes = [node('linux-1', ['linux']), node('mac-1', ['mac'])];
    expect(waitingReason(item(), job('gpu'), situation(nodes))).toEqual({ kind: 'no-node', labelExpression: 'gpu' });
    expect(waitingReason(item(), job('linux && mac'), situation(nodes))).toEqual({ kind: 'no-node', labelExpression: 'linux && mac' });
    // The built-in node without executors is not in the situation: a job that may run anywhere has nowhere to run.
    const none = waitingReason(item(), job(null), situation([]));
    expect(none).toEqual({ kind: 'no-node', labelExpression: null });
    expect(isStuck(none)).toBe(true);
  });

  it('matches an agent by its name and the built-in node by its own label', () => {
    expect(waitingReason(item(), job('linux-1'), situation([node('linux-1', ['linux'], { busy: 2 })])).kind).toBe('executor');
    const builtIn: NodeCapacity = { name: BUILT_IN_NODE, labels: BUILT_IN_LABELS, executors: 1, busy: 1, offline: null };
    expect(waitingReason(item(), job('built-in'), situation([builtIn, node('linux-1', ['linux'])]))).toMatchObject({ kind: 'executor', online: ['built-in'], executors: 1, busy: 1 });
    expect(waitingReason(item(), job('!built-in'), situation([builtIn]))).toEqual({ kind: 'no-node', labelExpression: '!built-in' });
  });

  it('lists the matching nodes when every one of them is offline, with their last contact or the reason they were taken offline', () => {
    const seen = NOW - 5 * 60_000;
    const nodes = [node('arm-1', ['arm'], { offline: { lastSeenAt: seen } }), node('arm-2', ['arm'], { offline: { lastSeenAt: null } }), node('arm-3', ['arm'], { offline: { lastSeenAt: NOW, offlineMessage: 'disk swap' } }), node('linux-1', ['linux'])];
    const reason = waitingReason(item(), job('arm'), situation(nodes));
    expect(reason).toEqual({
      kind: 'offline',
      labelExpression: 'arm',
      nodes: [
        { name: 'arm-1', lastSeenAt: seen, offlineMessage: null },
        { name: 'arm-2', lastSeenAt: null, offlineMessage: null },
        { name: 'arm-3', lastSeenAt: NOW, offlineMessage: 'disk swap' },
      ],
    });
    expect(isStuck(reason)).toBe(true);
  });

  it('counts the executors of the online matching nodes and how many are busy, and names the offline ones', () => {
    const nodes = [node('linux-1', ['linux'], { executors: 3, busy: 3 }), node('linux-2', ['linux'], { executors: 1, busy: 1 }), node('linux-3', ['linux'], { offline: { lastSeenAt: null } }), node('mac-1', ['mac'], { busy: 0 })];
    const reason = waitingReason(item(), job('linux'), situation(nodes));
    expect(reason).toEqual({ kind: 'executor', labelExpression: 'linux', online: ['linux-1', 'linux-2'], executors: 4, busy: 4, offline: [{ name: 'linux-3', lastSeenAt: null, offlineMessage: null }] });
    expect(isStuck(reason)).toBe(false);
    // A job that may run anywhere waits for any node's executor.
    expect(waitingReason(item(), job(null), situation(nodes))).toMatchObject({ kind: 'executor', labelExpression: null, online: ['linux-1', 'linux-2', 'mac-1'], executors: 6, busy: 4 });
  });
});

describe("the scheduler's waiting reasons", () => {
  const agent = (name: string, labels: string[], lastSeenAt: number | null, offlineMessage: string | null = null): AgentNode => ({ name, description: '', labels: [name, ...labels], executors: 2, offlineMessage, createdAt: 0, lastSeenAt });

  function scheduler(executors: number, agents: AgentNode[], reads: { count: number }, running: Build[] = []): Scheduler {
    const store = {
      nodes: { list: async () => (reads.count++, agents) },
      builds: { listRunning: async () => running.map((build) => ({ build, processGroup: null, server: 'other', leaseUntil: NOW + 30_000 })) },
    } as unknown as Store;
    const runner = { run: async () => ({ result: 'SUCCESS', interruption: null }) } as unknown as BuildRunner;
    return new Scheduler({ store, runner, executors, canRun, log: pino({ level: 'silent' }), now: () => NOW });
  }

  it('read the nodes once for any number of items, and count the built-in node only when it has executors', async () => {
    const reads = { count: 0 };
    const agents = [agent('linux-1', ['linux'], NOW - 1000), agent('linux-2', ['linux'], NOW - NODE_ONLINE_WINDOW_MS - 1), agent('mac-1', ['mac'], NOW, 'upgrading')];
    const reasons = await scheduler(0, agents, reads).waitingReasons();
    expect(reasons(item(), job('linux'))).toEqual({ kind: 'executor', labelExpression: 'linux', online: ['linux-1'], executors: 2, busy: 0, offline: [{ name: 'linux-2', lastSeenAt: NOW - NODE_ONLINE_WINDOW_MS - 1, offlineMessage: null }] });
    expect(reasons(item(), job('mac'))).toEqual({ kind: 'offline', labelExpression: 'mac', nodes: [{ name: 'mac-1', lastSeenAt: NOW, offlineMessage: 'upgrading' }] });
    expect(reasons(item(), job('built-in'))).toEqual({ kind: 'no-node', labelExpression: 'built-in' });
    expect(reads.count).toBe(1);

    const withBuiltIn = await scheduler(2, [], reads).waitingReasons();
    expect(withBuiltIn(item(), job('built-in'))).toEqual({ kind: 'executor', labelExpression: 'built-in', online: ['built-in'], executors: 2, busy: 0, offline: [] });
    expect((await scheduler(0, [], reads).waitingReasons())(item(), job(null))).toEqual({ kind: 'no-node', labelExpression: null });
  });

  it('count the builds other servers hold: a running build of the job, an agent busy with another server\'s build', async () => {
    const running = [testBuild(7, { number: 4, node: 'linux-1' }), testBuild(7, { number: 5, node: 'linux-1' })];
    const reasons = await scheduler(0, [agent('linux-1', ['linux'], NOW)], { count: 0 }, running).waitingReasons();
    expect(reasons(item(), job('linux'))).toEqual({ kind: 'blocked', runningBuildNumber: 4 });
    expect(reasons(item(), job('linux', true))).toMatchObject({ kind: 'executor', online: ['linux-1'], executors: 2, busy: 2 });
  });
});
