import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryLogChunks } from '../../test/support/memory-log-chunks.js';
import { testBuild, testJob } from '../../test/support/domain.js';
import { ChunkedLogs } from '../logs/chunked-logs.js';
import type { ConsoleLogs, LogWriter } from '../logs/console-logs.js';
import { BuildControl } from '../queue/runner.js';
import { ShellRunner } from './shell-runner.js';
import { Workspaces } from './workspaces.js';

const root = mkdtempSync(join(tmpdir(), 'steward-shell-runner-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function job(command: string) {
  return testJob(7, 'flood', { steps: [{ command, unstableReturn: null }] });
}

const build = testBuild(7, { startedAt: Date.now(), causes: [{ cause: { kind: 'user', userId: 'alice', userName: 'Alice' }, count: 1 }] });

function runner(logs: ConsoleLogs): ShellRunner {
  return new ShellRunner({
    logs,
    workspaces: new Workspaces(join(root, 'workspace')),
    buildUser: null,
    globalEnvironment: {},
    unseal: () => null,
    rootUrl: () => 'http://localhost/',
    cookiePrefix: 'test',
    killGraceMs: 1000,
    log: pino({ level: 'silent' }),
  });
}

describe('the shell runner and a log slower than the step', () => {
  it('pauses the step’s output while the log is full, so the log holds a bounded amount, and stores all of it', async () => {
    // A database that takes 20 ms per flush: ~8 chunks of 16 KiB each time, far slower than `yes` prints.
    const chunks = new MemoryLogChunks(16 * 1024, 20);
    const logs = new ChunkedLogs(chunks);
    let most = 0;
    // The same logs, watching how much the writer holds after each write.
    const watched = Object.assign(Object.create(logs) as ConsoleLogs, {
      open(jobId: number, number: number, onFailure?: (error: Error) => void): LogWriter {
        const writer = logs.open(jobId, number, onFailure);
        return {
          get failure() {
            return writer.failure;
          },
          get buffered() {
            return writer.buffered;
          },
          get full() {
            return writer.full;
          },
          write(text) {
            writer.write(text);
            most = Math.max(most, writer.buffered);
          },
          drained: () => writer.drained(),
          flush: () => writer.flush(),
          size: () => writer.size(),
          close: () => writer.close(),
        };
      },
    });
    const bytes = 30 * 1024 * 1024;
    const outcome = await runner(watched).run(job(`yes 'a line of build output' | head -c ${bytes}`), build, new BuildControl());
    expect(outcome).toEqual({ result: 'SUCCESS', interruption: null });
    const log = chunks.bytes(7, 1).toString();
    const printed = 'a line of build output\n'.repeat(Math.ceil(bytes / 23)).slice(0, bytes);
    // (The trace lines of the pipeline come in either order, before it.)
    expect(log.slice(-200)).toBe(`${printed}Finished: SUCCESS\n`.slice(-200));
    expect(log.length).toBeGreaterThan(bytes);
    // The high-water mark (8 chunks, 128 KiB) plus a read of the pipe (64 KiB), and another one when
    // the step ends (Node resumes a child's output streams at its exit, once).
    expect(most).toBeLessThanOrEqual(128 * 1024 + 2 * 64 * 1024);
    await logs.close();
  });

  it('ends a build ABORTED with log_unwritable when the log’s last lines cannot be stored', async () => {
    const chunks = new MemoryLogChunks(16 * 1024);
    const logs = new ChunkedLogs(chunks, { flushEveryMs: 60_000 });
    chunks.failNext(new Error('the database is out of reach'));
    const control = new BuildControl();
    const outcome = await runner(logs).run(job('echo quietly'), build, control);
    expect(outcome.result).toBe('ABORTED');
    expect(outcome.interruption).toEqual({ kind: 'log_unwritable', problem: 'the database is out of reach' });
    await logs.close();
  });
});
