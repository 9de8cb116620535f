import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryLogChunks } from '../../test/support/memory-log-chunks.js';
import { testBuild, testJob } from '../../test/support/domain.js';
import { ChunkedLogs } from '../logs/chunked-logs.js';
import { BuildControl, type RunOutcome } from '../queue/runner.js';
import { RemoteRunner } from './remote-runner.js';

const job = testJob(3, 'remote');

const build = testBuild(3, { node: 'agent-1' });

function remoteRunner(chunks: MemoryLogChunks): { runner: RemoteRunner; logs: ChunkedLogs } {
  const logs = new ChunkedLogs(chunks, { flushEveryMs: 60_000 });
  return { logs, runner: new RemoteRunner({ logs, log: pino({ level: 'silent' }), leaseKey: Buffer.alloc(32, 1), unseal: () => null }) };
}

const settled = async (promise: Promise<unknown>) => Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 50))]);

describe('the remote runner with a log stored in a database', () => {
  it('acknowledges an uploaded range only once it is stored, and ends the build once the whole log is', async () => {
    const chunks = new MemoryLogChunks(1024);
    const { runner, logs } = remoteRunner(chunks);
    const running = runner.run(job, build, new BuildControl());
    const lease = runner.leaseOf(3, 1) as string;
    chunks.hold();
    const upload = runner.appendLog(3, 1, lease, 0, Buffer.from('Building remotely on agent-1\n'));
    expect(await settled(upload)).toBe(false);
    chunks.release();
    expect(await upload).toEqual({ size: 29 });
    expect(chunks.bytes(3, 1).toString()).toBe('Building remotely on agent-1\n');
    // A resend of bytes the server has is skipped; a range past them is refused with the server's length.
    expect(await runner.appendLog(3, 1, lease, 21, Buffer.from('agent-1\nFinished: SUCCESS\n'))).toEqual({ size: 47 });
    expect(await runner.appendLog(3, 1, lease, 60, Buffer.from('x'))).toEqual({ gap: 47 });
    expect(await runner.finish(3, 1, lease, { result: 'SUCCESS', interruption: null, size: 40 })).toEqual({ gap: 47 });
    expect(await runner.finish(3, 1, lease, { result: 'SUCCESS', interruption: null, size: 47 })).toEqual({ done: true });
    expect(await running).toEqual({ result: 'SUCCESS', interruption: null });
    expect(chunks.bytes(3, 1).toString()).toBe('Building remotely on agent-1\nFinished: SUCCESS\n');
    expect(await runner.appendLog(3, 1, lease, 47, Buffer.from('late'))).toEqual({ refused: 'unknown' });
    await logs.close();
  });

  it('continues an adopted build’s log from what the database holds (a restart of the server)', async () => {
    const chunks = new MemoryLogChunks(1024);
    const before = remoteRunner(chunks);
    before.runner.run(job, build, new BuildControl());
    const lease = before.runner.leaseOf(3, 1) as string;
    expect(await before.runner.appendLog(3, 1, lease, 0, Buffer.from('first line\n'))).toEqual({ size: 11 });
    before.runner.detach();
    await before.logs.close();
    // Another server (or this one, restarted) adopts the build: the same lease, the log from byte 11.
    const after = remoteRunner(chunks);
    const running = after.runner.run(job, build, new BuildControl());
    expect(await after.runner.appendLog(3, 1, lease, 20, Buffer.from('x'))).toEqual({ gap: 11 });
    expect(await after.runner.appendLog(3, 1, lease, 11, Buffer.from('second line\n'))).toEqual({ size: 23 });
    expect(await after.runner.finish(3, 1, lease, { result: 'SUCCESS', interruption: null, size: 23 })).toEqual({ done: true });
    expect(await running).toEqual({ result: 'SUCCESS', interruption: null });
    expect(chunks.bytes(3, 1).toString()).toBe('first line\nsecond line\n');
    await after.logs.close();
  });

  it('ends the build ABORTED with log_unwritable when the log cannot be stored, and still takes the agent’s report', async () => {
    const chunks = new MemoryLogChunks(1024);
    const { runner, logs } = remoteRunner(chunks);
    const control = new BuildControl();
    const running: Promise<RunOutcome> = runner.run(job, build, control);
    const lease = runner.leaseOf(3, 1) as string;
    chunks.failNext(new Error('the database is out of reach'));
    expect(await runner.appendLog(3, 1, lease, 0, Buffer.from('lost\n'))).toEqual({ size: 5 });
    expect(control.interruption).toEqual({ kind: 'log_unwritable', problem: 'the database is out of reach' });
    expect(await runner.finish(3, 1, lease, { result: 'SUCCESS', interruption: null, size: 5 })).toEqual({ done: true });
    expect(await running).toEqual({ result: 'ABORTED', interruption: { kind: 'log_unwritable', problem: 'the database is out of reach' } });
    await logs.close();
  });
});
