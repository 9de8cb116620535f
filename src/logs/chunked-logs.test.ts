import { describe, expect, it } from 'vitest';
import { MemoryLogChunks } from '../../test/support/memory-log-chunks.js';
import { ChunkedLogs } from './chunked-logs.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the chunked logs’ writer', () => {
  it('stores what a slow build prints about every 100 ms, without anyone asking, and compacts the log once closed', async () => {
    const chunks = new MemoryLogChunks(1024);
    const logs = new ChunkedLogs(chunks);
    const writer = logs.open(1, 1);
    writer.write('Started\n');
    await Promise.resolve();
    expect(chunks.bytes(1, 1).toString()).toBe('');
    await sleep(250);
    expect(chunks.bytes(1, 1).toString()).toBe('Started\n');
    writer.write('a line\n');
    writer.write('another\n');
    await sleep(250);
    expect(chunks.bytes(1, 1).toString()).toBe('Started\na line\nanother\n');
    // Two lines written in one period were stored together.
    expect(chunks.appends).toEqual([[8], [15]]);
    expect(chunks.compactions).toBe(0);
    await writer.close();
    await logs.close();
    expect(chunks.compactions).toBe(1);
  });

  it('stores whole chunks at once, keeps the rest for its due time, and cuts nothing larger than a chunk', async () => {
    const chunks = new MemoryLogChunks(1000);
    const logs = new ChunkedLogs(chunks, { flushEveryMs: 10_000 });
    const writer = logs.open(1, 1);
    writer.write(Buffer.alloc(2500, 'x'));
    await sleep(50);
    expect(chunks.appends).toEqual([[1000, 1000]]);
    expect(writer.buffered).toBe(500);
    await writer.flush();
    expect(chunks.appends).toEqual([[1000, 1000], [500]]);
    writer.write(Buffer.alloc(10, 'y'));
    await writer.close();
    expect(chunks.appends.at(-1)).toEqual([10]);
    expect(chunks.bytes(1, 1).length).toBe(2510);
    await logs.close();
  });

  it('says it is full past its high-water mark while the storage is slow, and drained once it caught up', async () => {
    const chunks = new MemoryLogChunks(1000);
    const logs = new ChunkedLogs(chunks, { highWaterBytes: 4000 });
    const writer = logs.open(1, 1);
    await writer.flush();
    chunks.hold();
    for (let piece = 0; piece < 5; piece += 1) writer.write(Buffer.alloc(1000, 'z'));
    expect(writer.full).toBe(true);
    let drained = false;
    void writer.drained().then(() => (drained = true));
    // Writes are still taken (a producer that cannot wait loses nothing).
    writer.write(Buffer.alloc(3000, 'w'));
    expect(writer.buffered).toBe(8000);
    await sleep(30);
    expect(drained).toBe(false);
    chunks.release();
    await sleep(30);
    expect(drained).toBe(true);
    await writer.close();
    expect(chunks.bytes(1, 1).toString()).toBe(`${'z'.repeat(5000)}${'w'.repeat(3000)}`);
    await logs.close();
  });

  it('keeps the first storage error as its failure, tells it once, drops what it holds, and closes', async () => {
    const chunks = new MemoryLogChunks(1000);
    const logs = new ChunkedLogs(chunks);
    const failures: Error[] = [];
    const writer = logs.open(1, 1, (error) => failures.push(error));
    writer.write('stored\n');
    await writer.flush();
    chunks.failNext(new Error('the database is out of reach'));
    writer.write('lost\n');
    await writer.flush();
    expect(writer.failure?.message).toBe('the database is out of reach');
    writer.write('ignored\n');
    await writer.close();
    expect(failures).toHaveLength(1);
    expect(writer.buffered).toBe(0);
    expect(chunks.bytes(1, 1).toString()).toBe('stored\n');
    // A failed log is not compacted.
    await logs.close();
    expect(chunks.compactions).toBe(0);
  });

  it('rides out an outage of the storage, full meanwhile, and stores a flush whose answer was lost only once', async () => {
    const chunks = new MemoryLogChunks(1000);
    const logs = new ChunkedLogs(chunks, { highWaterBytes: 2000, outageMs: 10_000 });
    const failures: Error[] = [];
    const writer = logs.open(1, 1, (error) => failures.push(error));
    await writer.flush();
    chunks.failNext(new Error('outage: the database restarts'), { times: 3 });
    writer.write(Buffer.alloc(2500, 'a'));
    expect(writer.full).toBe(true);
    await writer.drained();
    // Stored, but the answer lost: the next attempt finds it there.
    chunks.failNext(new Error('outage: connection lost during COMMIT'), { afterStoring: true });
    writer.write('after\n');
    await writer.close();
    expect(failures).toEqual([]);
    expect(chunks.bytes(1, 1).toString()).toBe(`${'a'.repeat(2500)}after\n`);
    await logs.close();
  });

  it('fails once an outage outlasts its patience, or at once for an error that is no outage', async () => {
    const chunks = new MemoryLogChunks(1000);
    const logs = new ChunkedLogs(chunks, { outageMs: 1200 });
    const writer = logs.open(1, 1);
    await writer.flush();
    chunks.failNext(new Error('outage: the database is gone'), { times: 1000 });
    writer.write('lost\n');
    const began = Date.now();
    await writer.flush();
    expect(Date.now() - began).toBeGreaterThanOrEqual(500);
    expect(writer.failure?.message).toBe('outage: the database is gone');
    chunks.failNext(new Error('value too long'));
    const other = logs.open(2, 1);
    other.write('refused\n');
    await other.close();
    expect(other.failure?.message).toBe('value too long');
    await logs.close();
  });

  it('stores what open writers hold when the logs close (a shutdown)', async () => {
    const chunks = new MemoryLogChunks(1000);
    const logs = new ChunkedLogs(chunks, { flushEveryMs: 60_000 });
    logs.open(1, 1).write('one\n');
    logs.open(2, 1).write('two\n');
    await logs.close();
    expect(chunks.bytes(1, 1).toString()).toBe('one\n');
    expect(chunks.bytes(2, 1).toString()).toBe('two\n');
  });
});
