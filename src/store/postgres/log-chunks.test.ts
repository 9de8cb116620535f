import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Cable, createTestSchema, genericPlans } from '../../../test/support/postgres.js';
import { ChunkedLogs } from '../../logs/chunked-logs.js';
import { LOG_CHUNK_BYTES, LOG_STATEMENTS, PgLogChunks } from './log-chunks.js';
import { openPostgresStore } from './open.js';

/** A fresh schema with the store's tables, and its address. */
async function schema(): Promise<string> {
  const url = await createTestSchema();
  await (await openPostgresStore({ url })).close();
  return url;
}

async function query<Row extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('console logs in PostgreSQL', () => {
  it('reads a log’s size and any byte range with index seeks, touching only the chunks it returns, however many logs there are', async () => {
    const url = await schema();
    // 2,000 logs of 3 chunks, and one of 400 chunks (50 MiB), written directly.
    await query(url, `INSERT INTO log_chunks SELECT j, n, c * 1000, convert_to(repeat('x', 1000), 'UTF8') FROM generate_series(1, 20) j, generate_series(1, 100) n, generate_series(0, 2) c`);
    await query(url, `INSERT INTO log_chunks SELECT 99, 1, c * ${LOG_CHUNK_BYTES}, convert_to(repeat(chr(97 + c % 26), ${LOG_CHUNK_BYTES}), 'UTF8') FROM generate_series(0, 399) c`);
    await query(url, 'ANALYZE log_chunks');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Prepared statements run with a generic plan after a few executions: check that plan.
      const { plan, rowsRead } = await genericPlans(client);
      const size = await plan('size', LOG_STATEMENTS.size, 'bigint, bigint', '99, 1');
      expect(size).toMatch(/Index Scan Backward using log_chunks_pkey/);
      expect(size).not.toMatch(/Seq Scan|Sort/);
      expect(rowsRead(size)).toBe(1);
      // 64 KiB from the middle of the big log, across a chunk boundary: two chunks.
      const middle = 200 * LOG_CHUNK_BYTES - 32 * 1024;
      const read = await plan('read', LOG_STATEMENTS.read, 'bigint, bigint, bigint, bigint', `99, 1, ${middle}, ${middle + 65_536}`);
      expect(read).toMatch(/Index Scan using log_chunks_pkey/);
      expect(read).not.toMatch(/Seq Scan|Sort/);
      expect(rowsRead(read)).toBeLessThanOrEqual(2);
      const { rows } = await client.query<{ bytes: string }>({ text: LOG_STATEMENTS.read, values: [99, 1, middle, middle + 65_536] });
      expect(Buffer.concat(rows.map((row) => Buffer.from(row.bytes, 'base64'))).toString()).toBe(`${'r'.repeat(32 * 1024)}${'s'.repeat(32 * 1024)}`);
    } finally {
      await client.end();
    }
  });

  it('merges a finished log’s small chunks into chunks of at most 128 KiB, keeping every byte where it was', async () => {
    const url = await schema();
    const chunks = new PgLogChunks({ url });
    const logs = new ChunkedLogs(chunks, { flushEveryMs: 1 });
    const writer = logs.open(1, 1);
    const lines: string[] = [];
    for (let line = 0; line < 400; line += 1) {
      lines.push(`line ${line} ${'€'.repeat(line % 50)} ${'y'.repeat(line * 7)}\n`);
      writer.write(lines.at(-1) as string);
      // A slow build: each line its own flush.
      await writer.flush();
    }
    const content = Buffer.from(lines.join(''));
    const before = await query<{ count: string }>(url, 'SELECT count(*) FROM log_chunks WHERE job_id = 1');
    expect(Number(before[0]?.count)).toBe(400);
    await writer.close();
    await logs.close();
    const after = await query<{ byte_offset: string; length: number }>(url, 'SELECT byte_offset, octet_length(bytes) AS length FROM log_chunks WHERE job_id = 1 ORDER BY byte_offset');
    expect(after.length).toBeLessThanOrEqual(Math.ceil(content.length / (LOG_CHUNK_BYTES / 2)));
    expect(after.every((row) => row.length <= LOG_CHUNK_BYTES)).toBe(true);
    expect(after.reduce((sum, row) => sum + row.length, 0)).toBe(content.length);
    const reading = new ChunkedLogs(new PgLogChunks({ url }));
    expect((await reading.readRange(1, 1, 0, content.length)).equals(content)).toBe(true);
    expect((await reading.readRange(1, 1, 70_001, 200_003)).equals(content.subarray(70_001, 200_003))).toBe(true);
    await reading.close();
  });

  it('rides out a short outage, and reports a connection cut for longer than its patience as the writer’s failure, without throwing', async () => {
    const direct = new URL(await schema());
    const cable = new Cable(Number(direct.port));
    await cable.plug();
    const viaCable = new URL(direct);
    viaCable.port = String(cable.port);
    const logs = new ChunkedLogs(new PgLogChunks({ url: viaCable.toString() }), { outageMs: 2000 });
    const failures: Error[] = [];
    // A short outage: the writer tries again, full meanwhile, and loses nothing.
    const patient = logs.open(5, 2, (error) => failures.push(error));
    patient.write('before the outage\n');
    await patient.flush();
    await cable.cut();
    patient.write('during the outage\n');
    await new Promise((resolve) => setTimeout(resolve, 700));
    await cable.plug();
    patient.write('after it\n');
    await patient.close();
    expect(patient.failure).toBeNull();
    // A longer one is the writer's failure.
    const writer = logs.open(5, 1, (error) => failures.push(error));
    writer.write('before the cut\n');
    await writer.flush();
    expect(writer.failure).toBeNull();
    await cable.cut();
    expect(() => writer.write('after the cut\n'.repeat(20_000))).not.toThrow();
    await writer.close();
    expect(failures).toHaveLength(1);
    expect(writer.failure?.message).toMatch(/could not reach its database/);
    await logs.close();
    const stored = async (number: number) =>
      Buffer.concat((await query<{ bytes: Buffer }>(direct.toString(), 'SELECT bytes FROM log_chunks WHERE job_id = 5 AND number = $1 ORDER BY byte_offset', [number])).map((row) => row.bytes)).toString();
    expect(await stored(1)).toBe('before the cut\n');
    expect(await stored(2)).toBe('before the outage\nduring the outage\nafter it\n');
  });

  it('removes a job’s logs in bounded statements, whatever their number of chunks', async () => {
    const url = await schema();
    await query(url, `INSERT INTO log_chunks SELECT 7, n, c, '\\x41'::bytea FROM generate_series(1, 5) n, generate_series(0, 599) c`);
    await query(url, `INSERT INTO log_chunks SELECT 8, 1, c, '\\x42'::bytea FROM generate_series(0, 9) c`);
    const chunks = new PgLogChunks({ url });
    await chunks.remove(7, 1);
    expect(await chunks.size(7, 1)).toBeNull();
    expect(await chunks.size(7, 2)).toBe(600);
    await chunks.removeJob(7);
    expect(await chunks.size(7, 5)).toBeNull();
    expect(await chunks.size(8, 1)).toBe(10);
    await chunks.close();
  });
});
