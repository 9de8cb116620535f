import { describe, expect, it } from 'vitest';
import type { Build, Interruption } from '../core/build.js';
import type { Cause } from '../core/cause.js';
import { defaultJobSettings, type Job } from '../core/item.js';
import { agentLossRetry } from './agent-loss-retry.js';

const job = (retries: number): Job => ({ kind: 'job', id: 7, parentId: null, name: 'app', fullName: 'app', settings: { ...defaultJobSettings(), retryOnAgentLoss: retries }, sourceConfig: null }) as unknown as Job;

function build(interruption: Interruption | null, cause: Cause = { kind: 'user', userId: 'alice', userName: 'alice' }): Build {
  return { jobId: 7, number: 12, queueId: 40, state: 'completed', result: 'ABORTED', startedAt: 0, durationMs: 5, causes: [{ cause, count: 1 }], parameters: null, node: 'linux-1', executor: 0, interruption };
}

describe('retries after a lost agent', () => {
  it('retries a build whose agent went offline or restarted, naming the lost build and counting from 1', () => {
    expect(agentLossRetry(job(2), build({ kind: 'agent_lost', node: 'linux-1', silentMs: 60_000 }))).toEqual({ kind: 'agent_loss_retry', build: 12, node: 'linux-1', attempt: 1 });
    expect(agentLossRetry(job(1), build({ kind: 'agent_restarted', node: 'linux-2' }))).toEqual({ kind: 'agent_loss_retry', build: 12, node: 'linux-2', attempt: 1 });
  });

  it('stops after the number of retries the job allows', () => {
    const second = build({ kind: 'agent_lost', node: 'linux-1', silentMs: 1 }, { kind: 'agent_loss_retry', build: 11, node: 'linux-1', attempt: 1 });
    expect(agentLossRetry(job(2), second)).toMatchObject({ attempt: 2 });
    expect(agentLossRetry(job(1), second)).toBeNull();
  });

  it('never re-runs a build that was not lost with its agent, nor one of a job without retries', () => {
    expect(agentLossRetry(job(0), build({ kind: 'agent_lost', node: 'linux-1', silentMs: 1 }))).toBeNull();
    for (const interruption of [null, { kind: 'user', userId: 'bob', userName: 'bob' }, { kind: 'timeout', timeoutMs: 5 }, { kind: 'restart' }] as const) {
      expect(agentLossRetry(job(3), build(interruption))).toBeNull();
    }
  });
});
