import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Cable, createTestDatabase, createTestSchema, genericPlans } from '../../../test/support/postgres.js';
import type { Build } from '../../core/build.js';
import { isDomainError } from '../../core/errors.js';
import { defaultJobSettings, type Job } from '../../core/item.js';
import { describeStoreContract } from '../contract.suite.js';
import { migrationFiles, SchemaTooNewError } from '../sql/schema.js';
import type { Store } from '../types.js';
import { LOCK_IN_ORDER } from './job-lock.js';
import { latestPostgresSchemaVersion } from './migrate.js';
import { openPostgresStore } from './open.js';
import { ENQUEUE, QUEUE_STATEMENTS } from './queue.js';
import { RATE_WINDOW_STATEMENTS } from './rate-windows.js';
import { dueTimers } from './timers.js';

async function waitUntil(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not come true in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describeStoreContract('postgres', async () => openPostgresStore({ url: await createTestSchema() }));

const alice = { kind: 'user', userId: 'alice', userName: 'Alice' } as const;

async function createJob(store: Store, name: string): Promise<Job> {
  return (await store.items.create({ parentId: null, name, fullName: name, settings: defaultJobSettings(), sourceConfig: null })) as Job;
}

function enqueue(store: Store, jobId: number, key = '') {
  return store.queue.enqueue({ jobId, dueAt: 1, parameters: null, parametersKey: key, cause: alice, coalesce: false, now: 1 });
}

describe('postgres store shared by several nodes', () => {
  it('wakes the other servers through LISTEN/NOTIFY, and listens again after its connection was cut', async () => {
    const direct = new URL(await createTestDatabase('signals'));
    const cable = new Cable(Number(direct.port));
    await cable.plug();
    const cut = new URL(direct);
    cut.port = String(cable.port);
    const [sender, listener] = [await openPostgresStore({ url: direct.toString() }), await openPostgresStore({ url: cut.toString() })];
    try {
      expect(listener.signals.pollMs).toBeGreaterThan(0);
      const heard: string[] = [];
      listener.signals.on('queue', () => heard.push('queue'));
      listener.signals.on('stops', () => heard.push('stops'));
      sender.signals.notify('queue');
      await waitUntil(() => heard.includes('queue'));
      expect(heard).toEqual(['queue']);
      // The listening connection breaks: once it is back, the listener looks at every topic (it may
      // have missed signals), and hears new ones again.
      await cable.cut();
      await new Promise((resolve) => setTimeout(resolve, 300));
      heard.length = 0;
      await cable.plug();
      await waitUntil(() => heard.includes('stops'), 15_000);
      heard.length = 0;
      sender.signals.notify('stops');
      await waitUntil(() => heard.includes('stops'));
    } finally {
      await Promise.all([sender.close(), listener.close()]);
      await cable.cut();
    }
  });

  it('gives unique queue ids and dense build numbers when many nodes trigger and start the same job at once, starting no item twice', async () => {
    const url = await createTestSchema();
    // Four "nodes": each store has its own pool of connections and its own write batch.
    const nodes = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ url, maxConnections: 4 })));
    try {
      const [first] = nodes as [Store];
      const job = await createJob(first, 'shared');
      const other = await createJob(first, 'other');
      const triggered = await Promise.all(nodes.flatMap((node) => Array.from({ length: 40 }, (_, index) => enqueue(node, index % 4 === 0 ? other.id : job.id))));
      const ids = triggered.map((result) => result.queueId);
      expect(new Set(ids).size).toBe(160);
      // Every node tries to start every item, in its own order, all at once, while more triggers arrive.
      const starts = nodes.flatMap((node, n) =>
        [...ids].sort((a, b) => ((a * (n + 7)) % 97) - ((b * (n + 7)) % 97)).map((queueId) => node.builds.start({ queueId, node: `node-${n}`, executor: n, startedAt: 10 })),
      );
      const late = nodes.map((node) => enqueue(node, job.id, 'late'));
      const builds = (await Promise.all(starts)).filter((build): build is Build => build !== null);
      await Promise.all(late);
      expect(builds).toHaveLength(160);
      expect(new Set(builds.map((build) => build.queueId)).size).toBe(160);
      for (const [jobId, count] of [
        [job.id, 120],
        [other.id, 40],
      ] as const) {
        const numbers = builds.filter((build) => build.jobId === jobId).map((build) => build.number);
        expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, index) => index + 1));
        expect(await first.builds.count(jobId)).toBe(count);
        expect(((await first.items.get(jobId)) as Job).nextBuildNumber).toBe(count + 1);
      }
      expect(await first.queue.listWaiting(100)).toHaveLength(4);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  it('never deadlocks when two nodes trigger and start builds of the same jobs in opposite orders, batch after batch', async () => {
    const url = await createTestSchema();
    let conflicts = 0;
    const observeConflict = () => {
      conflicts += 1;
    };
    const [a, b] = (await Promise.all([openPostgresStore({ url, observeConflict }), openPostgresStore({ url, observeConflict })])) as [Store, Store];
    try {
      const jobs: Job[] = [];
      for (let index = 0; index < 6; index += 1) jobs.push(await createJob(a, `job-${index}`));
      const backwards = [...jobs].reverse();
      let previous: number[] = [];
      for (let round = 0; round < 25; round += 1) {
        // Each node's requests of one turn share one write batch: a's touches the jobs first to last,
        // b's last to first, and b also starts the builds of a's previous triggers, last job first.
        const forward = jobs.map((job) => enqueue(a, job.id, `a${round}`));
        const backward = backwards.map((job) => enqueue(b, job.id, `b${round}`));
        const starts = [...previous].reverse().map((queueId) => b.builds.start({ queueId, node: 'node-b', executor: 0, startedAt: round }));
        const [created, , started] = await Promise.all([Promise.all(forward), Promise.all(backward), Promise.all(starts)]);
        expect(started.every((build) => build !== null)).toBe(true);
        previous = created.map((result) => result.queueId);
      }
      expect(conflicts).toBe(0);
      expect(await a.queue.listWaiting(1000)).toHaveLength(6 * 26);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('migrates once when several nodes open a new database at the same moment', async () => {
    const url = await createTestDatabase('migrations');
    const nodes = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore({ url, maxConnections: 2 })));
    await Promise.all(nodes.map((node) => node.close()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      // Each migration once (numbers taken by branches not yet merged may be missing).
      expect(rows.map((row) => row.version)).toEqual(migrationFiles(new URL('./migrations/', import.meta.url)).map((migration) => migration.version));
      // A database a newer Steward has migrated is refused before anything changes.
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [latestPostgresSchemaVersion() + 1]);
    } finally {
      await client.end();
    }
    const refused = await openPostgresStore({ url }).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(SchemaTooNewError);
    expect((refused as Error).message).toMatch(/newer Steward/);
  });
});

describe('postgres store when the database is out of reach', () => {
  it('refuses reads and writes with storage_unavailable and a Retry-After, and recovers by itself when the database is back', async () => {
    const direct = new URL(await createTestSchema());
    const cable = new Cable(Number(direct.port));
    await cable.plug();
    const url = new URL(direct);
    url.port = String(cable.port);
    const store = await openPostgresStore({ url: url.toString(), maxConnections: 2 });
    try {
      const job = await createJob(store, 'demo');
      await cable.cut();
      const write = await enqueue(store, job.id).catch((caught: unknown) => caught);
      expect(isDomainError(write, 'storage_unavailable')).toBe(true);
      expect(write).toMatchObject({ retryAfterSeconds: 5, message: expect.stringMatching(/could not reach its database/) });
      const read = await store.items.get(job.id).catch((caught: unknown) => caught);
      expect(isDomainError(read, 'storage_unavailable')).toBe(true);
      await expect(store.ping()).rejects.toSatisfy((error: unknown) => isDomainError(error, 'storage_unavailable'));
      // A rate limit's check or count too: the caller answers 503, as for any other read.
      await expect(store.rateWindows.read('failures from 10.0.0.1', 1)).rejects.toSatisfy((error: unknown) => isDomainError(error, 'storage_unavailable'));
      await expect(store.rateWindows.count([{ key: 'triggers of token t', windowMs: 60_000, below: 10 }], 1)).rejects.toSatisfy((error: unknown) => isDomainError(error, 'storage_unavailable'));
      await cable.plug();
      const queued = await enqueue(store, job.id);
      expect(queued.created).toBe(true);
      expect((await store.queue.listWaiting(10)).map((item) => item.id)).toEqual([queued.queueId]);
    } finally {
      await store.close();
      await cable.cut();
    }
  });
});

/** Runs `work` on a client of a new schema that a store has migrated (for the plan checks). */
async function withMigratedSchema(work: (client: pg.Client) => Promise<void>): Promise<void> {
  const url = await createTestSchema();
  await (await openPostgresStore({ url })).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

describe('postgres queue cost', () => {
  it('finds due items, the next due time, a twin and the due timers by one index seek each, and locks a batch\'s jobs in id order through the index, with 20,000 items waiting and 20,000 gone', async () => {
    await withMigratedSchema(async (client) => {
      await client.query(`INSERT INTO items (kind, name, full_name, full_name_key, settings, created_at, updated_at)
        SELECT 'job', 'j' || g, 'j' || g, 'j' || g, '{}', 0, 0 FROM generate_series(1, 2000) AS g`);
      const job = `(SELECT min(id) FROM items) + g % 100`;
      await client.query(`INSERT INTO queue_items (job_id, state, queued_at, due_at, parameters_key) SELECT ${job}, 'waiting', 0, 1000000 + g, g::text FROM generate_series(1, 20000) AS g`);
      await client.query(`INSERT INTO queue_items (job_id, state, queued_at, due_at, parameters_key, left_at) SELECT ${job}, 'left', 0, g, g::text, g FROM generate_series(1, 20000) AS g`);
      await client.query(`INSERT INTO queue_items (job_id, state, queued_at, due_at, parameters_key) SELECT ${job}, 'waiting', 0, g, 'due' || g FROM generate_series(1, 30) AS g`);
      await client.query(`INSERT INTO queue_causes (queue_id, position, cause, count) SELECT id, 1, 'cause', 1 FROM queue_items`);
      await client.query('ANALYZE');
      // Prepared statements run with a generic plan after a few executions: check that plan.
      const { plan, rowsRead } = await genericPlans(client);
      const due = await plan('due', QUEUE_STATEMENTS.due, 'bigint, bigint, bigint, bigint[], integer', "1000, -9007199254740991, 0, '{}', 10");
      expect(due).toMatch(/Index Scan using queue_items_due/);
      expect(rowsRead(due)).toBeLessThanOrEqual(10);
      const next = await plan('next_due', QUEUE_STATEMENTS.nextDue, 'bigint', '1000');
      expect(next).toMatch(/Index Only Scan using queue_items_due/);
      expect(rowsRead(next)).toBe(1);
      const { rows: firstJob } = await client.query<{ id: string }>('SELECT min(id) AS id FROM items');
      const twin = await plan('twin', QUEUE_STATEMENTS.twin, 'bigint, text', `${Number(firstJob[0]?.id) + 5}, '5'`);
      expect(twin).toMatch(/Index Scan using queue_items_twin/);
      expect(twin).not.toMatch(/Seq Scan|Sort/);
      const locks = await plan('lock_jobs', LOCK_IN_ORDER, 'bigint[], bigint[]', `'{${Number(firstJob[0]?.id) + 5}}', '{1, 2}'`);
      expect(locks).toMatch(/Index Scan using queue_items_pkey[\s\S]*Index Scan using items_pkey/);
      expect(locks).not.toMatch(/Seq Scan/);
      expect(rowsRead(locks)).toBe(3);
      // A trigger's one statement: a twin found by its index (and the waiting items then not counted), or
      // the job's waiting items counted through its index.
      const enqueue = (twinKey: string, limit: number) => `${Number(firstJob[0]?.id) + 5}, '${twinKey}', true, 1, 1, NULL, ${limit}, 'cause', 1, '[]'`;
      const types = 'bigint, text, boolean, bigint, bigint, text, integer, text, bigint, text';
      const folded = await plan('enqueue', ENQUEUE, types, enqueue('5', 1000));
      expect(folded).toMatch(/Index Scan using queue_items_twin/);
      expect(folded).not.toMatch(/Seq Scan/);
      expect(rowsRead(folded)).toBe(1);
      const full = await plan('enqueue_full', ENQUEUE, types, enqueue('none', 50));
      expect(full).toMatch(/Index Scan (using|on) queue_items_job_due/);
      expect(full).not.toMatch(/Seq Scan/);
      // The due "Build periodically" timers: only the jobs that have one, through their partial index.
      await client.query('UPDATE items SET timer_next_at = id * 1000 WHERE id % 10 = 0');
      await client.query('ANALYZE items');
      const timers = await plan('due_timers', dueTimers('build'), 'bigint, integer', '50000, 100');
      expect(timers).toMatch(/Index Scan using items_timer_due/);
      expect(timers).not.toMatch(/Seq Scan|Sort/);
    });
  });
});

describe('postgres rate windows cost', () => {
  it('checks, counts and settles a key by an index seek, with 20,000 keys counted, and prunes through the index of window ends', async () => {
    await withMigratedSchema(async (client) => {
      await client.query("INSERT INTO rate_windows (key, ends_at, events, reserved) SELECT 'failures from 10.0.' || g, g * 10, 1, 0 FROM generate_series(1, 20000) AS g");
      await client.query('ANALYZE rate_windows');
      const { plan, rowsRead } = await genericPlans(client);
      const read = await plan('read', RATE_WINDOW_STATEMENTS.read, 'text, bigint', "'failures from 10.0.77', 0");
      expect(read).toMatch(/Index Scan using rate_windows_pkey/);
      expect(rowsRead(read)).toBe(1);
      const settle = await plan('settle', RATE_WINDOW_STATEMENTS.settle, 'text, bigint, integer', "'failures from 10.0.77', 770, 1");
      // By the key, or by the window's end (then the few windows ending at that very millisecond).
      expect(settle).toMatch(/Index Scan using rate_windows_(pkey|ended)/);
      const count = await plan('count', RATE_WINDOW_STATEMENTS.count, 'bigint, text, bigint, integer, integer', "0, 'failures from 10.0.77', 60000, 10, 0");
      expect(count).toMatch(/Conflict Arbiter Indexes: rate_windows_pkey/);
      expect(count).not.toMatch(/Seq Scan/);
      const ended = await plan('ended', 'SELECT ctid FROM rate_windows WHERE ends_at <= $1 LIMIT $2', 'bigint, integer', '50, 1000');
      expect(ended).toMatch(/Index Scan using rate_windows_ended/);
      expect(rowsRead(ended)).toBe(5);
    });
  });
});
