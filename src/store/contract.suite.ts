import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/audit.js';
import type { Cause } from '../core/cause.js';
import { type DomainError, isDomainError } from '../core/errors.js';
import type { Build } from '../core/build.js';
import { defaultJobSettings, type Item, type Job } from '../core/item.js';
import { repositoryKey, simpleGitSource } from '../core/git-source.js';
import { Permissions } from '../core/permissions.js';
import { NO_FIRES, type Store } from './types.js';

async function waitUntil(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not come true in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The contract every store backend keeps. Each backend's test file calls this with a function that
 * opens a fresh, empty store.
 */
export function describeStoreContract(backend: string, open: () => Promise<Store>): void {
  describe(`store contract: ${backend}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const alice: Cause = { kind: 'user', userId: 'alice', userName: 'Alice' };
    const bob: Cause = { kind: 'user', userId: 'bob', userName: 'Bob' };

    async function folder(name: string, parent: Item | null = null): Promise<Item> {
      return store.items.create({
        parentId: parent?.id ?? null,
        name,
        fullName: parent ? `${parent.fullName}/${name}` : name,
        settings: { kind: 'folder', description: '' },
        sourceConfig: null,
      });
    }
    async function job(name: string, parent: Item | null = null): Promise<Job> {
      return (await store.items.create({
        parentId: parent?.id ?? null,
        name,
        fullName: parent ? `${parent.fullName}/${name}` : name,
        settings: defaultJobSettings(),
        sourceConfig: '<project/>',
      })) as Job;
    }
    function enqueue(jobId: number, options: { key?: string; cause?: Cause; dueAt?: number; coalesce?: boolean } = {}) {
      return store.queue.enqueue({
        jobId,
        dueAt: options.dueAt ?? 1000,
        parameters: null,
        parametersKey: options.key ?? '',
        cause: options.cause ?? alice,
        coalesce: options.coalesce ?? true,
        now: 1000,
      });
    }
    async function startNext(jobId: number, executor = 0) {
      const { queueId } = await enqueue(jobId, { coalesce: false });
      return store.builds.start({ queueId, node: 'built-in', executor, startedAt: 2000 });
    }

    describe('items', () => {
      it('creates nested items and finds them by full name ignoring case', async () => {
        const team = await folder('Team');
        const app = await folder('app', team);
        const deploy = await job('Deploy', app);
        expect(deploy).toMatchObject({ kind: 'job', name: 'Deploy', fullName: 'Team/app/Deploy', parentId: app.id, nextBuildNumber: 1 });
        expect(deploy.ancestorIds).toEqual([team.id, app.id]);
        expect(team.ancestorIds).toEqual([]);
        expect((await store.items.findByFullName('team/app/deploy'))?.ancestorIds).toEqual([team.id, app.id]);
        expect((await store.items.findByFullName('team/APP/deploy'))?.id).toBe(deploy.id);
        expect(await store.items.findByFullName('team/app/missing')).toBeNull();
        expect((await store.items.get(team.id))?.kind).toBe('folder');
        expect(await store.items.get(9999)).toBeNull();
      });

      it('refuses a name already used in the same folder, ignoring case, and allows it elsewhere', async () => {
        const team = await folder('team');
        await job('build', team);
        const error = await job('BUILD', team).catch((caught: unknown) => caught);
        expect(isDomainError(error, 'name_taken')).toBe(true);
        await expect(job('build')).resolves.toMatchObject({ fullName: 'build' });
      });

      it('lists children by name and jobs below a folder at any depth', async () => {
        const a = await folder('a_%');
        const lookalike = await folder('aX%');
        await job('zeta', a);
        await job('Alpha', a);
        const inner = await folder('inner', a);
        await job('deep', inner);
        await job('other', lookalike);
        expect((await store.items.listChildren(a.id)).map((item) => item.name)).toEqual(['Alpha', 'inner', 'zeta']);
        expect((await store.items.listChildren(null)).map((item) => item.name)).toEqual(['a_%', 'aX%']);
        expect((await store.items.listJobsBelow(a.id)).map((item) => item.fullName)).toEqual(['a_%/Alpha', 'a_%/inner/deep', 'a_%/zeta']);
      });

      it('renames an item, moving the full names below a folder and keeping ids', async () => {
        const team = await folder('team');
        const app = await folder('app', team);
        const deploy = await job('deploy', app);
        await job('deploy', team);
        const lookalike = await folder('team_x');
        await job('keep', lookalike);
        const renamed = await store.items.rename(team.id, 'Crew');
        expect(renamed).toMatchObject({ id: team.id, name: 'Crew', fullName: 'Crew' });
        expect((await store.items.findByFullName('crew/APP/deploy'))?.id).toBe(deploy.id);
        expect((await store.items.get(deploy.id))?.fullName).toBe('Crew/app/deploy');
        expect(await store.items.findByFullName('team/app/deploy')).toBeNull();
        expect((await store.items.listJobsBelow(team.id)).map((item) => item.fullName)).toEqual(['Crew/app/deploy', 'Crew/deploy']);
        expect((await store.items.findByFullName('team_x/keep'))?.fullName).toBe('team_x/keep');
        // A job keeps its counters; a change of case alone is a rename too.
        expect(await store.items.rename(deploy.id, 'Deploy')).toMatchObject({ id: deploy.id, fullName: 'Crew/app/Deploy', nextBuildNumber: 1 });
        const taken = await store.items.rename(lookalike.id, 'CREW').catch((caught: unknown) => caught);
        expect(isDomainError(taken, 'name_taken')).toBe(true);
        expect((await store.items.get(lookalike.id))?.fullName).toBe('team_x');
      });

      it('updates settings and the source document, but never the kind', async () => {
        const demo = await job('demo');
        const updated = await store.items.update(demo.id, { ...defaultJobSettings(), description: 'new', disabled: true }, '<project><x/></project>');
        expect(updated).toMatchObject({ settings: { description: 'new', disabled: true }, sourceConfig: '<project><x/></project>' });
        const error = await store.items.update(demo.id, { kind: 'folder', description: '' }, null).catch((caught: unknown) => caught);
        expect(isDomainError(error, 'item_kind_mismatch')).toBe(true);
      });

      it('deletes an item with everything below it, their queue items and builds', async () => {
        const team = await folder('team');
        const inner = await job('inner', team);
        const build = await startNext(inner.id);
        const { queueId } = await enqueue(inner.id);
        await store.items.delete(team.id);
        expect(await store.items.get(inner.id)).toBeNull();
        expect(await store.queue.get(queueId)).toBeNull();
        expect(await store.builds.get(inner.id, build?.number ?? 0)).toBeNull();
      });
    });

    describe('queue', () => {
      it('gives globally increasing ids across jobs', async () => {
        const one = await job('one');
        const two = await job('two');
        const a = await enqueue(one.id);
        const b = await enqueue(two.id);
        const c = await enqueue(one.id, { key: 'other' });
        expect(a.created && b.created && c.created).toBe(true);
        expect(b.queueId).toBeGreaterThan(a.queueId);
        expect(c.queueId).toBeGreaterThan(b.queueId);
      });

      it('folds an identical request into the waiting item, counting causes and moving the due time earlier only', async () => {
        const demo = await job('demo');
        const first = await enqueue(demo.id, { dueAt: 5000 });
        const second = await enqueue(demo.id, { dueAt: 3000, cause: bob });
        const third = await enqueue(demo.id, { dueAt: 9000 });
        expect(first).toEqual({ queueId: first.queueId, created: true, dueAt: 5000, advanced: true });
        expect(second).toEqual({ queueId: first.queueId, created: false, dueAt: 3000, advanced: true });
        expect(third).toEqual({ queueId: first.queueId, created: false, dueAt: 3000, advanced: false });
        const item = await store.queue.get(first.queueId);
        expect(item?.dueAt).toBe(3000);
        expect(item?.causes).toEqual([
          { cause: alice, count: 2 },
          { cause: bob, count: 1 },
        ]);
      });

      it('keeps requests apart when their parameters differ or coalescing is off', async () => {
        const demo = await job('demo');
        const first = await enqueue(demo.id, { key: 'a' });
        const other = await enqueue(demo.id, { key: 'b' });
        const forced = await enqueue(demo.id, { key: 'a', coalesce: false });
        expect(new Set([first.queueId, other.queueId, forced.queueId]).size).toBe(3);
        expect(other.created && forced.created).toBe(true);
      });

      it('lists waiting items by due time, then id, and cancels them', async () => {
        const demo = await job('demo');
        const late = await enqueue(demo.id, { key: 'late', dueAt: 9000 });
        const early = await enqueue(demo.id, { key: 'early', dueAt: 2000 });
        const same = await enqueue(demo.id, { key: 'same', dueAt: 2000 });
        expect((await store.queue.listWaiting(10)).map((item) => item.id)).toEqual([early.queueId, same.queueId, late.queueId]);
        expect((await store.queue.listWaiting(2)).map((item) => item.id)).toEqual([early.queueId, same.queueId]);
        const cancelled = await store.queue.cancel(early.queueId, 4000);
        expect(cancelled).toMatchObject({ state: 'cancelled', leftAt: 4000 });
        expect(await store.queue.cancel(early.queueId, 4000)).toBeNull();
        expect((await store.queue.cancelForJob(demo.id, 5000)).map((item) => item.id)).toEqual([same.queueId, late.queueId]);
        expect(await store.queue.listWaiting(10)).toEqual([]);
        expect(await store.queue.pruneCancelled(4500)).toBe(1);
        expect(await store.queue.get(early.queueId)).toBeNull();
        expect(await store.queue.get(late.queueId)).toMatchObject({ state: 'cancelled' });
      });

      it('never reuses an id, even after the newest item is gone', async () => {
        const demo = await job('demo');
        const { queueId } = await enqueue(demo.id);
        await store.queue.cancel(queueId, 1);
        await store.queue.pruneCancelled(2);
        const next = await enqueue(demo.id);
        expect(next.queueId).toBeGreaterThan(queueId);
      });

      it('commits concurrent writes without losing any', async () => {
        const jobs = await Promise.all(Array.from({ length: 5 }, (_, index) => job(`job${index}`)));
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, index) => enqueue((jobs[index % 5] as Job).id, { key: String(index % 40) })),
        );
        expect(results.filter((result) => result.created)).toHaveLength(40);
        const waiting = await store.queue.listWaiting(100);
        expect(waiting).toHaveLength(40);
        expect(waiting.reduce((sum, item) => sum + (item.causes[0]?.count ?? 0), 0)).toBe(200);
      });

      it('refuses a new item beyond maxWaiting, but still folds into a waiting one', async () => {
        const demo = await job('demo');
        const request = (key: string) => store.queue.enqueue({ jobId: demo.id, dueAt: 10, parameters: null, parametersKey: key, cause: alice, coalesce: true, maxWaiting: 2, now: 1 });
        await request('a');
        await request('b');
        const error = await request('c').catch((caught: unknown) => caught);
        expect(isDomainError(error, 'queue_full')).toBe(true);
        expect((await request('a')).created).toBe(false);
        expect(await store.queue.listWaiting(10)).toHaveLength(2);
        // Room again once an item leaves the queue, by cancel or by start.
        const [first, second] = await store.queue.listWaiting(10);
        await store.queue.cancel(first?.id ?? 0, 2);
        expect((await request('c')).created).toBe(true);
        expect(isDomainError(await request('d').catch((caught: unknown) => caught), 'queue_full')).toBe(true);
        await store.builds.start({ queueId: second?.id ?? 0, node: 'built-in', executor: 0, startedAt: 3 });
        expect((await request('d')).created).toBe(true);
      });

      it('claims due items through listDue: due order, a limit, a position to read on from, excluded jobs', async () => {
        const [a, b, c] = [await job('a'), await job('b'), await job('c')];
        const a1 = await enqueue(a.id, { key: '1', dueAt: 100 });
        const b1 = await enqueue(b.id, { key: '1', dueAt: 100 });
        const a2 = await enqueue(a.id, { key: '2', dueAt: 200 });
        const c1 = await enqueue(c.id, { key: '1', dueAt: 300 });
        const future = await enqueue(b.id, { key: '2', dueAt: 5000 });
        const ids = (items: readonly { id: number }[]) => items.map((item) => item.id);
        expect(ids(await store.queue.listDue(1000, [], 10))).toEqual([a1.queueId, b1.queueId, a2.queueId, c1.queueId]);
        expect(ids(await store.queue.listDue(1000, [], 2))).toEqual([a1.queueId, b1.queueId]);
        expect(ids(await store.queue.listDue(1000, [], 2, { dueAt: 100, id: b1.queueId }))).toEqual([a2.queueId, c1.queueId]);
        expect(ids(await store.queue.listDue(1000, [a.id], 10))).toEqual([b1.queueId, c1.queueId]);
        expect(ids(await store.queue.listDue(1000, [a.id, b.id, c.id], 10))).toEqual([]);
        expect(ids(await store.queue.listDue(150, [], 10))).toEqual([a1.queueId, b1.queueId]);
        expect(await store.queue.nextDueAfter(150)).toBe(200);
        expect(await store.queue.nextDueAfter(300)).toBe(5000);
        expect(await store.queue.nextDueAfter(5000)).toBeNull();
        await store.builds.start({ queueId: a1.queueId, node: 'built-in', executor: 0, startedAt: 1000 });
        await store.queue.cancel(future.queueId, 1000);
        expect(ids(await store.queue.listDue(1000, [], 10))).toEqual([b1.queueId, a2.queueId, c1.queueId]);
        expect(await store.queue.nextDueAfter(300)).toBeNull();
        expect(ids(await store.queue.listWaitingOfJob(a.id, 10))).toEqual([a2.queueId]);
        expect(ids(await store.queue.listWaitingOfJob(b.id, 1))).toEqual([b1.queueId]);
      });

      it('counts waiting items by why they wait: quiet, blocked by a job that cannot start, buildable', async () => {
        const [a, b] = [await job('a'), await job('b')];
        expect(await store.queue.waitingCounts(1000, [])).toEqual({ quiet: 0, blocked: 0, buildable: 0 });
        await enqueue(a.id, { key: '1', dueAt: 100 });
        await enqueue(a.id, { key: '2', dueAt: 5000 });
        await enqueue(b.id, { key: '1', dueAt: 100 });
        const left = await enqueue(b.id, { key: '2', dueAt: 200 });
        expect(await store.queue.waitingCounts(1000, [])).toEqual({ quiet: 1, blocked: 0, buildable: 3 });
        expect(await store.queue.waitingCounts(1000, [a.id])).toEqual({ quiet: 1, blocked: 1, buildable: 2 });
        expect(await store.queue.waitingCounts(50, [a.id, b.id])).toEqual({ quiet: 4, blocked: 0, buildable: 0 });
        await store.builds.start({ queueId: left.queueId, node: 'built-in', executor: 0, startedAt: 1000 });
        expect(await store.queue.waitingCounts(1000, [b.id])).toEqual({ quiet: 1, blocked: 1, buildable: 1 });
      });

      it('reads the causes of more items than SQL allows parameters', async () => {
        const demo = await job('demo');
        const many = 33_000;
        await Promise.all(Array.from({ length: many }, (_, index) => enqueue(demo.id, { key: String(index), dueAt: index })));
        const waiting = await store.queue.listWaiting(many);
        expect(waiting).toHaveLength(many);
        expect(waiting.every((item) => item.causes[0]?.cause.kind === 'user')).toBe(true);
      });

      it('keeps parameters as given', async () => {
        const demo = await job('demo');
        const parameters = [
          { type: 'string', name: 'A', value: 'x' },
          { type: 'boolean', name: 'B', value: true },
          { type: 'password', name: 'P', sealed: 'sealed-value' },
        ] as const;
        const { queueId } = await store.queue.enqueue({ jobId: demo.id, dueAt: 1, parameters, parametersKey: 'k', cause: alice, coalesce: true, now: 1 });
        expect((await store.queue.get(queueId))?.parameters).toEqual(parameters);
      });
    });

    describe('builds', () => {
      it('numbers builds densely per job as items start, and links item and build', async () => {
        const one = await job('one');
        const two = await job('two');
        const b1 = await startNext(one.id);
        const b2 = await startNext(one.id, 1);
        const c1 = await startNext(two.id);
        expect([b1?.number, b2?.number, c1?.number]).toEqual([1, 2, 1]);
        expect(b2).toMatchObject({ state: 'running', result: null, executor: 1, startedAt: 2000, causes: [{ cause: alice, count: 1 }] });
        expect(await store.queue.get(b2?.queueId ?? 0)).toMatchObject({ state: 'left', buildNumber: 2, leftAt: 2000 });
        expect(((await store.items.get(one.id)) as Job).nextBuildNumber).toBe(3);
      });

      it('starts an item at most once and never a cancelled one', async () => {
        const demo = await job('demo');
        const { queueId } = await enqueue(demo.id);
        const [a, b] = await Promise.all([
          store.builds.start({ queueId, node: 'built-in', executor: 0, startedAt: 1 }),
          store.builds.start({ queueId, node: 'built-in', executor: 1, startedAt: 1 }),
        ]);
        expect([a, b].filter((build) => build !== null)).toHaveLength(1);
        const { queueId: other } = await enqueue(demo.id);
        await store.queue.cancel(other, 2);
        expect(await store.builds.start({ queueId: other, node: 'built-in', executor: 0, startedAt: 3 })).toBeNull();
        expect(((await store.items.get(demo.id)) as Job).nextBuildNumber).toBe(2);
      });

      it('finishes builds and answers permalinks', async () => {
        const demo = await job('demo');
        const results = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'ABORTED'] as const;
        for (const result of results) {
          const build = await startNext(demo.id);
          await store.builds.finish(demo.id, build?.number ?? 0, { result, durationMs: 10, interruption: null });
        }
        const running = await startNext(demo.id);
        const numberOf = async (name: Parameters<Store['builds']['latest']>[1]) => (await store.builds.latest(demo.id, name))?.number ?? null;
        expect(await numberOf('lastBuild')).toBe(running?.number);
        expect(await numberOf('lastCompletedBuild')).toBe(4);
        expect(await numberOf('lastSuccessfulBuild')).toBe(2);
        expect(await numberOf('lastStableBuild')).toBe(1);
        expect(await numberOf('lastFailedBuild')).toBe(3);
        expect(await numberOf('lastUnstableBuild')).toBe(2);
        expect(await numberOf('lastUnsuccessfulBuild')).toBe(4);
        expect((await store.builds.first(demo.id))?.number).toBe(1);
        expect((await store.builds.list(demo.id, { offset: 1, limit: 2 })).map((build) => build.number)).toEqual([4, 3]);
        expect((await store.builds.listFrom(demo.id, 2, 2)).map((build) => build.number)).toEqual([2, 3]);
        expect(await store.builds.count(demo.id)).toBe(5);
        expect(await store.builds.get(demo.id, 3)).toMatchObject({ state: 'completed', result: 'FAILURE', durationMs: 10 });
        await store.builds.delete(demo.id, 3);
        expect(await store.builds.count(demo.id)).toBe(4);
        expect(await numberOf('lastFailedBuild')).toBeNull();
        expect((await store.builds.listFrom(demo.id, 2, 2)).map((build) => build.number)).toEqual([2, 4]);
      });

      it('answers permalinks of many jobs at once, leaving out jobs without one', async () => {
        const [a, b, idle] = [await job('a'), await job('b'), await job('idle')];
        for (const [jobId, result] of [[a.id, 'FAILURE'], [a.id, 'SUCCESS'], [b.id, 'FAILURE']] as const) {
          const build = await startNext(jobId);
          await store.builds.finish(jobId, build?.number ?? 0, { result, durationMs: 1, interruption: null });
        }
        await startNext(b.id);
        const numbers = async (name: Parameters<Store['builds']['permalinks']>[1]) =>
          Object.fromEntries([...(await store.builds.permalinks([a.id, b.id, idle.id], name))].map(([jobId, build]) => [jobId, build.number]));
        expect(await numbers('lastBuild')).toEqual({ [a.id]: 2, [b.id]: 2 });
        expect(await numbers('lastCompletedBuild')).toEqual({ [a.id]: 2, [b.id]: 1 });
        expect(await numbers('lastFailedBuild')).toEqual({ [a.id]: 1, [b.id]: 1 });
        expect(await numbers('lastSuccessfulBuild')).toEqual({ [a.id]: 2 });
        expect(await store.builds.permalinks([], 'lastBuild')).toEqual(new Map());
        const builds = await store.builds.permalinks([a.id], 'lastFailedBuild');
        expect(builds.get(a.id)?.causes).toEqual([{ cause: alice, count: 1 }]);
      });

      it('aborts the running builds of one server for crash recovery, with their process group, leaving other servers and agents', async () => {
        const start = async (name: string, request: { node?: string; server?: string | null }) =>
          store.builds.start({ queueId: (await enqueue((await job(name)).id, { coalesce: false })).queueId, node: request.node ?? 'built-in', executor: 1, startedAt: 2000, server: request.server });
        const mine = await start('mine', { server: 'ci-1' });
        await store.builds.setProcess(mine?.jobId ?? 0, mine?.number ?? 0, 4242);
        const unnamed = await start('unnamed', { server: null });
        const theirs = await start('theirs', { server: 'ci-2' });
        const onAgent = await start('agent', { node: 'linux-1', server: 'ci-1' });
        expect((await store.builds.listRunning()).map((record) => [record.build.jobId, record.server])).toEqual([
          [mine?.jobId, 'ci-1'],
          [unnamed?.jobId, null],
          [theirs?.jobId, 'ci-2'],
          [onAgent?.jobId, 'ci-1'],
        ]);
        const aborted = await store.builds.abortRunningOn('ci-1', { kind: 'restart' }, 5000);
        expect(aborted.map((record) => record.build.jobId)).toEqual([mine?.jobId, unnamed?.jobId]);
        expect(aborted[0]).toMatchObject({ processGroup: 4242, server: 'ci-1', build: { result: 'ABORTED', state: 'completed', durationMs: 3000, interruption: { kind: 'restart' } } });
        // Another server's build runs on; the agent's build too: the server adopts it again.
        expect((await store.builds.listRunning()).map((record) => record.build.jobId)).toEqual([theirs?.jobId, onAgent?.jobId]);
      });

      it('starts no second build of a job whose running build must run alone, and lists none of its items as due', async () => {
        const alone = await job('alone');
        const together = await job('together');
        const first = await store.builds.start({ queueId: (await enqueue(alone.id, { coalesce: false })).queueId, node: 'built-in', executor: 0, startedAt: 2000, exclusive: true });
        const waiting = (await enqueue(alone.id, { coalesce: false })).queueId;
        const other = (await enqueue(together.id, { coalesce: false })).queueId;
        expect((await store.queue.listDue(5000, [], 10)).map((item) => item.id)).toEqual([other]);
        expect(await store.builds.start({ queueId: waiting, node: 'built-in', executor: 1, startedAt: 2000, exclusive: false })).toBeNull();
        expect(await store.queue.get(waiting)).toMatchObject({ state: 'waiting' });
        // Builds of a job that allows concurrent builds run side by side; an exclusive one waits for them.
        await store.builds.start({ queueId: other, node: 'built-in', executor: 1, startedAt: 2000, exclusive: false });
        const second = (await enqueue(together.id, { coalesce: false })).queueId;
        expect(await store.builds.start({ queueId: second, node: 'built-in', executor: 2, startedAt: 2000, exclusive: true })).toBeNull();
        expect(await store.builds.start({ queueId: second, node: 'built-in', executor: 2, startedAt: 2000, exclusive: false })).toMatchObject({ number: 2 });
        await store.builds.finish(alone.id, first?.number ?? 0, { result: 'SUCCESS', durationMs: 1, interruption: null });
        expect((await store.queue.listDue(5000, [], 10)).map((item) => item.id)).toEqual([waiting]);
        expect(await store.builds.start({ queueId: waiting, node: 'built-in', executor: 0, startedAt: 3000, exclusive: true })).toMatchObject({ number: 2 });
      });

      it('renews the leases of a server, reaps the expired builds of other servers naming them, and keeps a reaped result', async () => {
        const start = async (name: string, server: string) =>
          (await store.builds.start({ queueId: (await enqueue((await job(name)).id, { coalesce: false })).queueId, node: 'built-in', executor: 0, startedAt: 2000, server, leaseUntil: 12_000 })) as Build;
        const alive = await start('alive', 'ci-1');
        const dead = await start('dead', 'ci-2');
        const asking = await start('asking', 'ci-3');
        expect(await store.builds.renewLeases('ci-1', 50_000)).toEqual([{ jobId: alive.jobId, number: alive.number }]);
        expect(await store.builds.reapExpired(12_000, 'ci-3', 60_000)).toEqual([]);
        const reaped = await store.builds.reapExpired(20_000, 'ci-3', 60_000);
        expect(reaped).toEqual([
          expect.objectContaining({ server: 'ci-2', build: expect.objectContaining({ jobId: dead.jobId, result: 'ABORTED', durationMs: 18_000, interruption: { kind: 'server_lost', server: 'ci-2', silentMs: 8000 } }) }),
        ]);
        expect((await store.builds.listRunning()).map((record) => record.build.jobId)).toEqual([alive.jobId, asking.jobId]);
        // The dead server comes back and finishes its build: the recorded result stands.
        expect(await store.builds.finish(dead.jobId, dead.number, { result: 'SUCCESS', durationMs: 5, interruption: null })).toMatchObject({ result: 'ABORTED', durationMs: 18_000 });
        expect(await store.builds.renewLeases('ci-2', 60_000)).toEqual([]);
      });

      it("moves an agent's build to another server once its server's lease ran out, and only then; the first server no longer finishes it", async () => {
        const start = async (name: string, node: string) =>
          (await store.builds.start({ queueId: (await enqueue((await job(name)).id, { coalesce: false })).queueId, node, executor: 0, startedAt: 2000, server: 'ci-1', leaseUntil: 12_000 })) as Build;
        const onAgent = await start('on-agent', 'linux-1');
        const builtIn = await start('built-in-job', 'built-in');
        const ask = (build: Build, now: number, server = 'ci-2') => store.builds.takeOver({ jobId: build.jobId, number: build.number, server, leaseUntil: now + 30_000, now });
        // ci-1's lease still runs: the build stays with it.
        expect(await ask(onAgent, 11_000)).toEqual({ heldBy: 'ci-1' });
        // A built-in build dies with its server: it is reaped, never moved.
        expect(await ask(builtIn, 20_000)).toEqual({ heldBy: 'ci-1' });
        expect(await ask(onAgent, 20_000)).toEqual({ taken: expect.objectContaining({ jobId: onAgent.jobId, number: onAgent.number, state: 'running', node: 'linux-1' }) });
        expect(await ask(onAgent, 21_000)).toEqual({ taken: expect.objectContaining({ number: onAgent.number }) });
        expect(await ask(onAgent, 22_000, 'ci-3')).toEqual({ heldBy: 'ci-2' });
        expect((await store.builds.listRunning()).find((record) => record.build.jobId === onAgent.jobId)).toMatchObject({ server: 'ci-2', leaseUntil: 50_000 });
        expect(await store.builds.renewLeases('ci-1', 60_000)).toEqual([{ jobId: builtIn.jobId, number: builtIn.number }]);
        // ci-1 comes back and records a result: refused, the build runs on with ci-2, which finishes it.
        expect(await store.builds.finish(onAgent.jobId, onAgent.number, { result: 'ABORTED', durationMs: 5, interruption: null, server: 'ci-1' })).toMatchObject({ state: 'running', result: null });
        expect(await store.builds.finish(onAgent.jobId, onAgent.number, { result: 'SUCCESS', durationMs: 9, interruption: null, server: 'ci-2' })).toMatchObject({ state: 'completed', result: 'SUCCESS' });
        expect(await ask(onAgent, 90_000)).toBeNull();
      });

      it("reaps an agent's build of a dead server only after the agent's lease more, when no server took it over", async () => {
        const demo = await job('demo');
        const build = (await store.builds.start({ queueId: (await enqueue(demo.id, { coalesce: false })).queueId, node: 'linux-1', executor: 0, startedAt: 2000, server: 'ci-1', leaseUntil: 12_000 })) as Build;
        expect(await store.builds.reapExpired(20_000, 'ci-2', 60_000)).toEqual([]);
        expect(await store.builds.reapExpired(72_001, 'ci-2', 60_000)).toEqual([
          expect.objectContaining({ server: 'ci-1', build: expect.objectContaining({ jobId: demo.id, number: build.number, result: 'ABORTED', interruption: { kind: 'server_lost', server: 'ci-1', silentMs: 60_001 } }) }),
        ]);
      });

      it('keeps each job\'s timers with its settings, finds the due ones earliest first, and moves each forward for one caller only', async () => {
        const timed = async (name: string, build: number | null, poll: number | null = null) =>
          (await store.items.create({ parentId: null, name, fullName: name, settings: { ...defaultJobSettings(), timerSpec: '0 * * * *' }, sourceConfig: null, nextFires: { build, poll } })) as Job;
        const late = await timed('late', 9000);
        const early = await timed('early', 5000);
        const polled = await timed('polled', null, 7000);
        expect(await store.timers.due('build', 4999, 10)).toEqual([]);
        expect(await store.timers.due('build', 9000, 10)).toEqual([
          { jobId: early.id, dueAt: 5000 },
          { jobId: late.id, dueAt: 9000 },
        ]);
        expect(await store.timers.due('build', 9000, 1)).toEqual([{ jobId: early.id, dueAt: 5000 }]);
        // The polling timer is the other purpose's, moved on its own.
        expect(await store.timers.due('poll', 9000, 10)).toEqual([{ jobId: polled.id, dueAt: 7000 }]);
        expect(await store.timers.advance('build', polled.id, 7000, 8000)).toBe(false);
        expect(await store.timers.advance('poll', polled.id, 7000, 8000)).toBe(true);
        expect(await store.timers.due('poll', 7999, 10)).toEqual([]);
        // Two servers read it due at 5000: one moves it.
        const moved = await Promise.all([store.timers.advance('build', early.id, 5000, 65_000), store.timers.advance('build', early.id, 5000, 65_000)]);
        expect(moved.filter(Boolean)).toHaveLength(1);
        expect(await store.timers.due('build', 10_000, 10)).toEqual([{ jobId: late.id, dueAt: 9000 }]);
        // Saving the job sets the timers again; without a schedule they stop.
        await store.items.update(late.id, late.settings, null, { build: 20_000, poll: 30_000 });
        expect(await store.timers.due('build', 10_000, 10)).toEqual([]);
        expect(await store.timers.due('poll', 30_000, 10)).toEqual([
          { jobId: polled.id, dueAt: 8000 },
          { jobId: late.id, dueAt: 30_000 },
        ]);
        await store.items.update(late.id, { ...late.settings, timerSpec: null }, null, { build: null, poll: null });
        expect(await store.timers.due('build', 100_000, 10)).toEqual([{ jobId: early.id, dueAt: 65_000 }]);
        expect(await store.timers.due('poll', 100_000, 10)).toEqual([{ jobId: polled.id, dueAt: 8000 }]);
        expect(await store.timers.advance('build', early.id, 65_000, null)).toBe(true);
        expect(await store.timers.due('build', Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      });

      it('lists the jobs that keep settings Steward does not run, and only those', async () => {
        const create = (name: string, ignoredSettings: string[]) => store.items.create({ parentId: null, name, fullName: name, settings: { ...defaultJobSettings(), ignoredSettings }, sourceConfig: '<project/>' });
        await create('b-kept', ['scm (hudson.plugins.git.GitSCM)']);
        await create('plain', []);
        await create('a-kept', ['publishers/hudson.tasks.Mailer', 'triggers/hudson.triggers.SCMTrigger']);
        expect((await store.items.listJobsWithIgnoredSettings()).map((job) => job.fullName)).toEqual(['a-kept', 'b-kept']);
      });

      it('finds the jobs using a repository through the index kept with their settings, however the URL is written', async () => {
        const source = (url: string) => simpleGitSource(url, '*/main', null);
        const create = async (name: string, url: string | null) =>
          (await store.items.create({ parentId: null, name, fullName: name, settings: { ...defaultJobSettings(), scm: url === null ? null : source(url) }, sourceConfig: null })) as Job;
        const https = await create('b-https', 'https://ci@Git.Example.com/team/app.git');
        const ssh = await create('a-ssh', 'git@git.example.com:team/app');
        const other = await create('other', 'https://git.example.com/team/other.git');
        await create('none', null);
        const key = repositoryKey('ssh://git@git.example.com:22/team/app.git/')!;
        expect((await store.items.listJobsUsingRepository(key, 10)).map((job) => job.fullName)).toEqual(['a-ssh', 'b-https']);
        expect((await store.items.listJobsUsingRepository(key, 1)).map((job) => job.id)).toEqual([ssh.id]);
        // Saving a job again moves it in the index; deleting it takes it out.
        await store.items.update(other.id, { ...other.settings, scm: source('https://git.example.com/team/app') }, null);
        await store.items.update(https.id, { ...https.settings, scm: null }, null);
        expect((await store.items.listJobsUsingRepository(key, 10)).map((job) => job.fullName)).toEqual(['a-ssh', 'other']);
        await store.items.delete(ssh.id);
        expect((await store.items.listJobsUsingRepository(key, 10)).map((job) => job.fullName)).toEqual(['other']);
        expect(await store.items.listJobsUsingRepository(repositoryKey('https://git.example.com/team/other')!, 10)).toEqual([]);
      });

      it('keeps each job\'s last poll, written only over the record the poll started from', async () => {
        const demo = await job('demo');
        expect(await store.polls.last(demo.id)).toBeNull();
        const first = { heads: { 'refs/heads/main': 'a'.repeat(40) }, log: 'Started on …\nChanges found\n', polledAt: 1000 };
        // Two servers poll at once, both from no record: one records.
        const recorded = await Promise.all([store.polls.record(demo.id, null, first), store.polls.record(demo.id, null, { ...first, polledAt: 1001 })]);
        expect(recorded.filter(Boolean)).toHaveLength(1);
        const last = (await store.polls.last(demo.id))!;
        const second = { heads: { 'refs/heads/main': 'b'.repeat(40) }, log: 'No changes\n', polledAt: 2000 };
        expect(await store.polls.record(demo.id, last, second)).toBe(true);
        expect(await store.polls.record(demo.id, last, { ...second, polledAt: 2001 })).toBe(false);
        expect(await store.polls.last(demo.id)).toEqual(second);
        await store.items.delete(demo.id);
        expect(await store.polls.last(demo.id)).toBeNull();
      });

      it('keeps the upstream and downstream edges a job declares with its settings, and reads them from either end', async () => {
        const [a, b, c] = [await job('a'), await job('b'), await job('c')];
        // b: "build after a" (b owns a → b); a: "build c" (a owns a → c).
        const made = await store.items.create({ parentId: null, name: 'd', fullName: 'd', settings: defaultJobSettings(), sourceConfig: null, edges: [{ other: a.id, direction: 'upstream', threshold: 'FAILURE' }] });
        await store.items.update(b.id, b.settings, null, NO_FIRES, [{ other: a.id, direction: 'upstream', threshold: 'UNSTABLE' }]);
        await store.items.update(a.id, a.settings, null, NO_FIRES, [{ other: c.id, direction: 'downstream', threshold: 'SUCCESS' }]);
        expect(await store.items.downstreamOf(a.id)).toEqual([
          { ownerId: b.id, upstreamId: a.id, downstreamId: b.id, threshold: 'UNSTABLE' },
          { ownerId: a.id, upstreamId: a.id, downstreamId: c.id, threshold: 'SUCCESS' },
          { ownerId: made.id, upstreamId: a.id, downstreamId: made.id, threshold: 'FAILURE' },
        ]);
        expect(await store.items.upstreamOf(c.id)).toEqual([{ ownerId: a.id, upstreamId: a.id, downstreamId: c.id, threshold: 'SUCCESS' }]);
        // A save without edges keeps them; a save with edges replaces the job's own, not others'.
        await store.items.update(a.id, a.settings, null, NO_FIRES);
        expect(await store.items.downstreamOf(a.id)).toHaveLength(3);
        await store.items.update(a.id, a.settings, null, NO_FIRES, []);
        expect((await store.items.downstreamOf(a.id)).map((edge) => edge.downstreamId)).toEqual([b.id, made.id]);
        // Deleting a job deletes the edges at either end.
        await store.items.delete(b.id);
        await store.items.delete(made.id);
        expect(await store.items.downstreamOf(a.id)).toEqual([]);
      });

      it('records a stop asked through another server for the server running the build', async () => {
        const demo = await job('demo');
        const build = (await store.builds.start({ queueId: (await enqueue(demo.id, { coalesce: false })).queueId, node: 'built-in', executor: 0, startedAt: 2000, server: 'ci-2' })) as Build;
        const interruption = { kind: 'user', userId: 'alice', userName: 'Alice' } as const;
        expect(await store.builds.requestStop({ jobId: demo.id, number: build.number, interruption, mode: 'term' })).toBe(true);
        expect(await store.builds.stopRequests('ci-1')).toEqual([]);
        expect(await store.builds.stopRequests('ci-2')).toEqual([{ jobId: demo.id, number: build.number, interruption, mode: 'term' }]);
        await store.builds.finish(demo.id, build.number, { result: 'ABORTED', durationMs: 5, interruption });
        expect(await store.builds.stopRequests('ci-2')).toEqual([]);
        expect(await store.builds.requestStop({ jobId: demo.id, number: build.number, interruption, mode: 'kill' })).toBe(false);
      });

      it('records what builds checked out, finds the previous and previous successful revisions, and deletes them with the build', async () => {
        const demo = await job('demo');
        const one = (await startNext(demo.id)) as Build;
        const revision = (sha: string) => ({ sha, branch: 'origin/main', remoteUrl: 'https://git.example.com/app.git' });
        const change = { sha: 'b'.repeat(40), message: 'Fix\n\nbody', authorName: 'Alice', authorEmail: 'alice@example.com', timestamp: 1_700_000_000_000, paths: [{ editType: 'edit' as const, file: 'a.txt' }] };
        expect(await store.sources.previous(demo.id, one.number)).toEqual({ previous: null, previousSuccessful: null });
        await store.sources.record(demo.id, one.number, { revision: revision('a'.repeat(40)), changes: [], changesTruncated: false });
        await store.builds.finish(demo.id, one.number, { result: 'SUCCESS', durationMs: 1, interruption: null });
        const two = (await startNext(demo.id)) as Build;
        await store.sources.record(demo.id, two.number, { revision: revision('c'.repeat(40)), changes: [change], changesTruncated: true });
        // Recorded again (an agent's report sent twice): replaced.
        await store.sources.record(demo.id, two.number, { revision: revision('b'.repeat(40)), changes: [change], changesTruncated: true });
        expect(await store.sources.get(demo.id, two.number)).toEqual({ revision: revision('b'.repeat(40)), changes: [change], changesTruncated: true });
        await store.builds.finish(demo.id, two.number, { result: 'FAILURE', durationMs: 1, interruption: null });
        expect(await store.sources.previous(demo.id, two.number + 1)).toEqual({ previous: revision('b'.repeat(40)), previousSuccessful: revision('a'.repeat(40)) });
        expect(await store.sources.previous(demo.id, two.number)).toEqual({ previous: revision('a'.repeat(40)), previousSuccessful: revision('a'.repeat(40)) });
        // A build that is gone records nothing.
        await store.sources.record(demo.id, 99, { revision: revision('d'.repeat(40)), changes: [], changesTruncated: false });
        expect(await store.sources.get(demo.id, 99)).toBeNull();
        await store.builds.delete(demo.id, two.number);
        expect(await store.sources.get(demo.id, two.number)).toBeNull();
      });

      it('deletes a build together with its queue item, keeping numbers', async () => {
        const demo = await job('demo');
        const build = await startNext(demo.id);
        await store.builds.delete(demo.id, build?.number ?? 0);
        expect(await store.builds.get(demo.id, 1)).toBeNull();
        expect(await store.queue.get(build?.queueId ?? 0)).toBeNull();
        expect((await startNext(demo.id))?.number).toBe(2);
      });
    });

    describe('periodic tasks', () => {
      it('lets one caller run a task once per period, however many ask at once', async () => {
        const claims = await Promise.all(Array.from({ length: 8 }, () => store.periodic.claim('prune', 1000, 60_000)));
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await store.periodic.claim('prune', 60_999, 60_000)).toBe(false);
        expect(await store.periodic.claim('reap', 60_999, 5000)).toBe(true);
        expect(await store.periodic.claim('prune', 61_000, 60_000)).toBe(true);
        expect(await store.periodic.claim('prune', 61_000, 60_000)).toBe(false);
      });
    });

    describe('rate windows', () => {
      const minute = (key: string, below: number | null, reserve = false) => ({ key, windowMs: 60_000, below, reserve });

      it('counts a key\'s events in a window from its first event, refuses past the limit until it ends, then starts a new one', async () => {
        expect(await store.rateWindows.read('a', 1000)).toBeNull();
        expect(await store.rateWindows.count([minute('a', 2)], 1000)).toEqual({ counted: [{ events: 1, reserved: 0, endsAt: 61_000 }], full: null });
        expect((await store.rateWindows.count([minute('a', 2)], 30_000)).counted).toEqual([{ events: 2, reserved: 0, endsAt: 61_000 }]);
        expect(await store.rateWindows.count([minute('a', 2)], 60_999)).toEqual({ counted: [], full: { events: 2, reserved: 0, endsAt: 61_000 } });
        // Without a limit an event always counts; other keys have windows of their own.
        expect((await store.rateWindows.count([minute('a', null)], 60_999)).counted).toEqual([{ events: 3, reserved: 0, endsAt: 61_000 }]);
        expect((await store.rateWindows.count([minute('b', 2)], 60_999)).counted).toEqual([{ events: 1, reserved: 0, endsAt: 120_999 }]);
        expect(await store.rateWindows.read('a', 60_999)).toEqual({ events: 3, reserved: 0, endsAt: 61_000 });
        expect(await store.rateWindows.read('a', 61_000)).toBeNull();
        expect((await store.rateWindows.count([minute('a', 2)], 61_000)).counted).toEqual([{ events: 1, reserved: 0, endsAt: 121_000 }]);
      });

      it('counts several keys in turn and stops at the first whose window is full', async () => {
        await store.rateWindows.count([minute('token', 1)], 1000);
        expect(await store.rateWindows.count([minute('token', 1), minute('address', 5)], 2000)).toEqual({ counted: [], full: { events: 1, reserved: 0, endsAt: 61_000 } });
        expect(await store.rateWindows.read('address', 2000)).toBeNull();
        expect(await store.rateWindows.count([minute('other', 1), minute('address', 5)], 2000)).toEqual({
          counted: [
            { events: 1, reserved: 0, endsAt: 62_000 },
            { events: 1, reserved: 0, endsAt: 62_000 },
          ],
          full: null,
        });
      });

      it('never passes a limit however many count at once', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.rateWindows.count([minute('busy', 5)], 1000)));
        expect(results.filter((result) => result.full === null)).toHaveLength(5);
        expect(await store.rateWindows.read('busy', 1000)).toEqual({ events: 5, reserved: 0, endsAt: 61_000 });
      });

      it('settles reserved events once each, by their window, and forgets a window whose every event was taken back', async () => {
        await store.rateWindows.count([minute('guess', 3, true)], 1000);
        await store.rateWindows.count([minute('guess', 3, true)], 2000);
        expect(await store.rateWindows.read('guess', 2000)).toEqual({ events: 2, reserved: 2, endsAt: 61_000 });
        await store.rateWindows.settle('guess', 61_000, false);
        expect(await store.rateWindows.read('guess', 2000)).toEqual({ events: 2, reserved: 1, endsAt: 61_000 });
        await store.rateWindows.settle('guess', 99_000, true); // another window: nothing
        await store.rateWindows.settle('guess', 61_000, true);
        await store.rateWindows.settle('guess', 61_000, true); // nothing reserved any more
        expect(await store.rateWindows.read('guess', 2000)).toEqual({ events: 1, reserved: 0, endsAt: 61_000 });

        await store.rateWindows.count([minute('right', 3, true)], 1000);
        await store.rateWindows.settle('right', 61_000, true);
        expect(await store.rateWindows.read('right', 2000)).toBeNull();
        expect((await store.rateWindows.count([minute('right', 3)], 5000)).counted).toEqual([{ events: 1, reserved: 0, endsAt: 65_000 }]);
      });

      it('prunes the windows that ended', async () => {
        await store.rateWindows.count([minute('old', null)], 1000);
        await store.rateWindows.count([minute('new', null)], 50_000);
        expect(await store.rateWindows.prune(61_000)).toBe(1);
        expect(await store.rateWindows.read('new', 61_000)).toEqual({ events: 1, reserved: 0, endsAt: 110_000 });
        expect(await store.rateWindows.prune(61_000)).toBe(0);
      });
    });

    describe('signals', () => {
      it('tells every listener of a topic once per burst, and stops telling one that stopped listening', async () => {
        const heard: string[] = [];
        const stopQueue = store.signals.on('queue', () => heard.push('queue'));
        store.signals.on('builds', () => heard.push('builds'));
        for (let i = 0; i < 5; i++) store.signals.notify('queue');
        store.signals.notify('builds');
        await waitUntil(() => heard.includes('queue') && heard.includes('builds'));
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(heard.filter((topic) => topic === 'queue').length).toBeLessThanOrEqual(2);
        stopQueue();
        heard.length = 0;
        store.signals.notify('queue');
        store.signals.notify('builds');
        await waitUntil(() => heard.includes('builds'));
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(heard).toEqual(['builds']);
      });
    });

    describe('users', () => {
      const user = (id: string, fullName = id, groups: string[] = []) => ({ id, fullName, passwordHash: `hash-${id}`, groups, createdAt: 1 });

      it('creates, finds ignoring case, lists and updates users', async () => {
        await store.users.create(user('Alice', 'Alice A', ['devs']));
        await store.users.create(user('bob', 'Bob'));
        expect(await store.users.get('alice')).toMatchObject({ id: 'Alice', fullName: 'Alice A', groups: ['devs'] });
        expect((await store.users.list()).map((one) => one.id)).toEqual(['Alice', 'bob']);
        expect(await store.users.update('ALICE', { passwordHash: 'h3' })).toMatchObject({ fullName: 'Alice A', passwordHash: 'h3', groups: ['devs'] });
        expect(await store.users.update('alice', { groups: ['ops', 'devs'] })).toMatchObject({ groups: ['ops', 'devs'] });
        const error = await store.users.update('carol', { fullName: 'x' }).catch((caught: unknown) => caught);
        expect(isDomainError(error, 'user_not_found')).toBe(true);
        await expect(store.users.create(user('ALICE'))).rejects.toThrow();
      });

      it('deletes a user together with their tokens and sessions', async () => {
        await store.users.create(user('carol'));
        await store.apiTokens.create({ uuid: 'u-1', userId: 'carol', name: 'ci', hash: 'h-1', createdAt: 1, expiresAt: null });
        await store.sessions.create({ hash: 's-1', userId: 'carol', createdAt: 1, lastSeenAt: 1, address: null });
        expect(await store.users.delete('CAROL')).toBe(true);
        expect(await store.users.delete('carol')).toBe(false);
        expect(await store.users.get('carol')).toBeNull();
        expect(await store.apiTokens.findByHash('h-1')).toBeNull();
        expect(await store.sessions.get('s-1')).toBeNull();
      });
    });

    describe('api tokens', () => {
      beforeEach(async () => {
        await store.users.create({ id: 'Dana', fullName: 'Dana', passwordHash: 'x', groups: [], createdAt: 1 });
      });

      it('finds tokens by hash, lists the live ones, revokes, renames and keeps usage', async () => {
        const first = await store.apiTokens.create({ uuid: 'a', userId: 'dana', name: 'ci', hash: 'ha', createdAt: 10, expiresAt: 99 });
        await store.apiTokens.create({ uuid: 'b', userId: 'dana', name: 'laptop', hash: 'hb', createdAt: 20, expiresAt: null });
        expect(first).toEqual({ uuid: 'a', userId: 'Dana', name: 'ci', createdAt: 10, expiresAt: 99, revokedAt: null, lastUsedAt: null, lastUsedAddress: null, useCount: 0 });
        expect((await store.apiTokens.findByHash('ha'))?.uuid).toBe('a');
        expect(await store.apiTokens.findByHash('nope')).toBeNull();
        await store.apiTokens.recordUses([
          { uuid: 'a', at: 50, address: '10.0.0.1', count: 3 },
          { uuid: 'a', at: 40, address: '10.0.0.2', count: 1 },
        ]);
        expect(await store.apiTokens.findByHash('ha')).toMatchObject({ useCount: 4, lastUsedAt: 50, lastUsedAddress: '10.0.0.1' });
        expect(await store.apiTokens.rename('a', 'ci-main')).toMatchObject({ name: 'ci-main' });
        expect(await store.apiTokens.rename('zzz', 'x')).toBeNull();
        expect(await store.apiTokens.revoke('a', 60)).toMatchObject({ revokedAt: 60 });
        expect(await store.apiTokens.revoke('a', 70)).toBeNull();
        expect(await store.apiTokens.findByHash('ha')).toMatchObject({ uuid: 'a', revokedAt: 60 });
        expect((await store.apiTokens.listForUser('DANA')).map((token) => token.uuid)).toEqual(['b']);
        expect(await store.apiTokens.get('b')).toMatchObject({ name: 'laptop' });
        await expect(store.apiTokens.create({ uuid: 'c', userId: 'dana', name: 'dup', hash: 'hb', createdAt: 1, expiresAt: null })).rejects.toThrow();
      });
    });

    describe('sessions', () => {
      it('creates, touches, ends and prunes sessions', async () => {
        await store.users.create({ id: 'Eve', fullName: 'Eve', passwordHash: 'x', groups: [], createdAt: 1 });
        await store.sessions.create({ hash: 's1', userId: 'eve', createdAt: 100, lastSeenAt: 100, address: '::1' });
        await store.sessions.create({ hash: 's2', userId: 'eve', createdAt: 100, lastSeenAt: 100, address: null });
        await store.sessions.create({ hash: 's3', userId: 'eve', createdAt: 100, lastSeenAt: 100, address: null });
        expect(await store.sessions.get('s1')).toEqual({ hash: 's1', userId: 'Eve', createdAt: 100, lastSeenAt: 100, address: '::1' });
        await store.sessions.touch('s1', 500);
        await store.sessions.touch('s1', 400);
        expect((await store.sessions.get('s1'))?.lastSeenAt).toBe(500);
        await store.sessions.delete('s2');
        expect(await store.sessions.get('s2')).toBeNull();
        expect(await store.sessions.pruneIdle(300)).toBe(1);
        expect(await store.sessions.get('s3')).toBeNull();
        expect(await store.sessions.deleteForUser('EVE')).toBe(1);
        expect(await store.sessions.get('s1')).toBeNull();
      });
    });

    describe('security', () => {
      it('has no policy until one is saved, then replaces grants scope by scope', async () => {
        expect(await store.security.load()).toBeNull();
        const team = await folder('team');
        const app = await job('app', team);
        const settings = { strategy: 'matrix', allowAnonymousRead: false, crumbs: true } as const;
        await store.security.save(
          settings,
          [
            { itemId: null, sid: 'authenticated', permission: Permissions.OverallRead },
            { itemId: team.id, sid: 'user:bob', permission: Permissions.ItemBuild },
            { itemId: app.id, sid: 'group:devs', permission: Permissions.ItemRead },
          ],
          [null, team.id, app.id],
        );
        const saved = await store.security.save({ ...settings, crumbs: false }, [{ itemId: team.id, sid: 'user:bob', permission: Permissions.ItemCancel }], [team.id]);
        expect(saved.crumbs).toBe(false);
        const summary = (await store.security.load())?.grants.map((grant) => [grant.itemId, grant.sid, grant.permission.title]);
        expect(summary).toEqual([
          [null, 'authenticated', 'Overall/Read'],
          [team.id, 'user:bob', 'Job/Cancel'],
          [app.id, 'group:devs', 'Job/Read'],
        ]);
        await store.items.delete(app.id);
        expect((await store.security.load())?.grants).toHaveLength(2);
      });
    });

    describe('key check', () => {
      it('keeps the first key check and answers it to every later caller', async () => {
        expect(await store.security.keyCheck('first')).toBe('first');
        expect(await store.security.keyCheck('second')).toBe('first');
        expect(await store.security.load()).toBeNull();
      });

      it('has no digest key until a key rotation carries one', async () => {
        expect(await store.security.sealedDigestKey()).toBeNull();
      });
    });

    describe('audit', () => {
      const event = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
        at: 1000,
        requestId: 'r1',
        action: 'trigger',
        outcome: 'accepted',
        reason: null,
        actor: 'alice',
        credential: 'api_token',
        address: '127.0.0.1',
        item: 'team/app',
        queueId: null,
        detail: {},
        ...overrides,
      });

      it('records events, filters them newest first, and prunes old ones', async () => {
        await store.audit.record(event({ at: 1000 }));
        await store.audit.record(event({ at: 2000, actor: 'bob', outcome: 'refused', reason: 'permission_missing', detail: { token: 'ci' } }));
        await store.audit.record(event({ at: 3000, action: 'login', item: null }));
        const all = await store.audit.query({ limit: 10 });
        expect(all.map((one) => one.at)).toEqual([3000, 2000, 1000]);
        expect(all[1]).toMatchObject({ actor: 'bob', outcome: 'refused', reason: 'permission_missing', detail: { token: 'ci' } });
        expect((await store.audit.query({ limit: 10, actor: 'BOB' })).map((one) => one.at)).toEqual([2000]);
        expect((await store.audit.query({ limit: 10, item: 'TEAM/app', outcome: 'accepted' })).map((one) => one.at)).toEqual([1000]);
        expect((await store.audit.query({ limit: 10, reason: 'permission_missing' })).map((one) => one.at)).toEqual([2000]);
        expect((await store.audit.query({ limit: 10, since: 1500, until: 3000 })).map((one) => one.at)).toEqual([2000]);
        expect((await store.audit.query({ limit: 1, beforeId: all[0]?.id })).map((one) => one.at)).toEqual([2000]);
        expect(await store.audit.prune(2500)).toBe(2);
        expect(await store.audit.query({ limit: 10, action: 'login' })).toHaveLength(1);
      });

      it('prunes a backlog larger than one write in several writes, all of it', async () => {
        await Promise.all(Array.from({ length: 2_500 }, (_, index) => store.audit.record(event({ at: index }))));
        await store.audit.record(event({ at: 10_000 }));
        expect(await store.audit.prune(5_000)).toBe(2_500);
        expect((await store.audit.query({ limit: 10 })).map((one) => one.at)).toEqual([10_000]);
      });

      it('records a trigger together with the queue item it made or joined, identical ones of a commit counted', async () => {
        const demo = await job('demo');
        const enqueue = (audit: AuditEvent) => store.queue.enqueue({ jobId: demo.id, dueAt: 5, parameters: null, parametersKey: '', cause: alice, coalesce: true, now: 1, audit });
        const a = await enqueue(event({ requestId: 'a' }));
        const burst = await Promise.all([
          enqueue(event({ requestId: 'b' })),
          enqueue(event({ requestId: 'c' })),
          enqueue(event({ requestId: 'd', address: '10.0.0.9' })),
        ]);
        expect(burst.map((result) => result.queueId)).toEqual([a.queueId, a.queueId, a.queueId]);
        const recorded = await store.audit.query({ limit: 10 });
        expect(recorded.map((one) => [one.requestId, one.queueId, one.address, one.count])).toEqual([
          ['d', a.queueId, '10.0.0.9', 1],
          ['b', a.queueId, '127.0.0.1', 2],
          ['a', a.queueId, '127.0.0.1', 1],
        ]);
      });
    });

    describe('trigger tokens', () => {
      it('finds tokens by hash, lists the live ones, revokes them and keeps usage', async () => {
        const made = await store.triggerTokens.create({
          uuid: 't1',
          name: 'deploy-bot',
          hash: 'h1',
          itemIds: [3, 4],
          createdBy: 'alice',
          createdAt: 10,
          expiresAt: null,
          allowedNetworks: ['10.0.0.0/8'],
          canCancel: true,
        });
        expect(made).toEqual({
          uuid: 't1',
          name: 'deploy-bot',
          itemIds: [3, 4],
          createdBy: 'alice',
          createdAt: 10,
          expiresAt: null,
          revokedAt: null,
          allowedNetworks: ['10.0.0.0/8'],
          canCancel: true,
          lastUsedAt: null,
          lastUsedAddress: null,
          useCount: 0,
        });
        await store.triggerTokens.create({ uuid: 't2', name: 'other', hash: 'h2', itemIds: [5], createdBy: 'bob', createdAt: 20, expiresAt: 99, allowedNetworks: [], canCancel: false });
        await store.triggerTokens.recordUses([{ uuid: 't1', at: 30, address: '10.1.2.3', count: 2 }]);
        expect(await store.triggerTokens.findByHash('h1')).toMatchObject({ useCount: 2, lastUsedAt: 30, lastUsedAddress: '10.1.2.3' });
        expect(await store.triggerTokens.revoke('t1', 40)).toMatchObject({ revokedAt: 40 });
        expect(await store.triggerTokens.revoke('t1', 50)).toBeNull();
        expect(await store.triggerTokens.findByHash('h1')).toMatchObject({ revokedAt: 40 });
        expect((await store.triggerTokens.list()).map((token) => token.uuid)).toEqual(['t2']);
        expect(await store.triggerTokens.get('nope')).toBeNull();
      });
    });

    describe('idempotency keys', () => {
      it('queue once per credential and key, answer repeats with the first result, and expire', async () => {
        const demo = await job('demo');
        const request = (credential: string, key: string, fingerprint: string, now = 1000) =>
          store.queue.enqueue({ jobId: demo.id, dueAt: now, parameters: null, parametersKey: '', cause: alice, coalesce: false, now, idempotency: { credential, key, fingerprint, since: now - 500 } });
        const results = await Promise.all(Array.from({ length: 20 }, () => request('user:alice', 'k1', 'f1')));
        const first = results[0] as Awaited<ReturnType<typeof request>>;
        expect(first.replayOf).toBeUndefined();
        expect(first.created).toBe(true);
        expect(new Set(results.map((result) => result.queueId))).toEqual(new Set([first.queueId]));
        expect(results.slice(1).every((result) => result.replayOf?.fingerprint === 'f1' && result.created)).toBe(true);
        expect(await store.queue.listWaiting(10)).toHaveLength(1);

        const otherCredential = await request('user:bob', 'k1', 'f1');
        expect(otherCredential.queueId).not.toBe(first.queueId);
        const differentBody = await request('user:alice', 'k1', 'f2');
        expect(differentBody).toMatchObject({ queueId: first.queueId, replayOf: { fingerprint: 'f1' } });
        const later = await request('user:alice', 'k1', 'f1', 5000);
        expect(later.replayOf).toBeUndefined();
        expect(later.queueId).not.toBe(first.queueId);
        expect(await store.queue.pruneIdempotencyKeys(2000)).toBe(1);
      });
    });

    describe('views', () => {
      const settings = (jobNames: string[], includeRegex: string | null = null) => ({ description: '', jobNames, includeRegex, recurse: false });

      it('keeps views per folder, by name ignoring case, ordered by name', async () => {
        const team = await folder('team');
        await store.views.create({ parentId: null, name: 'Zeta', settings: settings(['a']), sourceConfig: null });
        const alpha = await store.views.create({ parentId: null, name: 'alpha', settings: settings([], 'b.*'), sourceConfig: '<hudson.model.ListView/>' });
        await store.views.create({ parentId: team.id, name: 'alpha', settings: settings(['x']), sourceConfig: null });
        expect((await store.views.list(null)).map((view) => view.name)).toEqual(['alpha', 'Zeta']);
        expect((await store.views.list(team.id)).map((view) => view.settings.jobNames)).toEqual([['x']]);
        expect(await store.views.get(null, 'ALPHA')).toEqual(alpha);
        expect(alpha).toMatchObject({ parentId: null, name: 'alpha', settings: { includeRegex: 'b.*' }, sourceConfig: '<hudson.model.ListView/>' });
        expect(await store.views.get(team.id, 'zeta')).toBeNull();
        expect((await store.views.listAll()).length).toBe(3);
      });

      it('refuses a second view of the same name in a folder as name_taken, for views', async () => {
        await store.views.create({ parentId: null, name: 'ops', settings: settings([]), sourceConfig: null });
        const error = await store.views.create({ parentId: null, name: 'OPS', settings: settings([]), sourceConfig: null }).catch((caught: unknown) => caught);
        expect(isDomainError(error, 'name_taken')).toBe(true);
        expect((error as DomainError).facts).toEqual({ name: 'OPS', kind: 'view' });
      });

      it('updates and deletes a view, and a folder takes its views with it', async () => {
        const team = await folder('team');
        const view = await store.views.create({ parentId: team.id, name: 'v', settings: settings([]), sourceConfig: null });
        expect(await store.views.update(view.id, settings(['one', 'two']), '<x/>')).toMatchObject({ id: view.id, settings: { jobNames: ['one', 'two'] }, sourceConfig: '<x/>' });
        const other = await store.views.create({ parentId: null, name: 'top', settings: settings([]), sourceConfig: null });
        expect(await store.views.delete(other.id)).toBe(true);
        expect(await store.views.delete(other.id)).toBe(false);
        await store.items.delete(team.id);
        expect(await store.views.listAll()).toEqual([]);
      });
    });

    describe('nodes', () => {
      const node = (name: string, labels: string[] = [name]) => ({ name, description: '', labels, executors: 2, offlineMessage: null, createdAt: 1000, lastSeenAt: null });
      const secrets = (current: string) => ({ current, previous: null, previousUntil: null });

      it('keeps agents by name ignoring case, ordered by name, with their sealed secrets', async () => {
        await store.nodes.create(node('linux-2', ['linux-2', 'linux']), secrets('sealed-2'));
        const first = await store.nodes.create(node('Linux-1', ['Linux-1', 'linux', 'docker']), secrets('sealed-1'));
        expect(first).toEqual(node('Linux-1', ['Linux-1', 'linux', 'docker']));
        expect((await store.nodes.list()).map((entry) => entry.name)).toEqual(['Linux-1', 'linux-2']);
        expect((await store.nodes.get('LINUX-1'))?.labels).toEqual(['Linux-1', 'linux', 'docker']);
        expect(await store.nodes.get('mac')).toBeNull();
        expect(await store.nodes.secrets('linux-1')).toEqual(secrets('sealed-1'));
        const taken = await store.nodes.create(node('LINUX-2'), secrets('x')).catch((caught: unknown) => caught);
        expect(isDomainError(taken, 'name_taken')).toBe(true);
        expect((taken as DomainError).facts).toEqual({ name: 'LINUX-2', kind: 'node' });
      });

      it('updates settings, rotates secrets with an overlap, records contact, and deletes', async () => {
        await store.nodes.create(node('agent'), secrets('old'));
        expect(await store.nodes.update('AGENT', { executors: 4, offlineMessage: 'disk swap' })).toMatchObject({ name: 'agent', executors: 4, offlineMessage: 'disk swap', labels: ['agent'] });
        await store.nodes.setSecrets('agent', { current: 'new', previous: 'old', previousUntil: 5000 });
        expect(await store.nodes.secrets('agent')).toEqual({ current: 'new', previous: 'old', previousUntil: 5000 });
        await store.nodes.touch('agent', 4242);
        expect((await store.nodes.get('agent'))?.lastSeenAt).toBe(4242);
        expect(await store.nodes.delete('Agent')).toBe(true);
        expect(await store.nodes.delete('agent')).toBe(false);
        expect(await store.nodes.secrets('agent')).toBeNull();
        const missing = await store.nodes.update('agent', { executors: 1 }).catch((caught: unknown) => caught);
        expect(isDomainError(missing, 'item_not_found')).toBe(true);
      });
    });

    describe('webhooks', () => {
      it('puts, finds ignoring case, lists, replaces and deletes webhooks', async () => {
        const hook = {
          name: 'GitHub-main',
          kind: 'github' as const,
          storedSecret: 'sealed',
          signature: null,
          jobs: ['team/deploy'],
          events: ['push'],
          refs: ['refs/heads/main'],
          refField: 'ref',
          parameters: { SHA: 'after' },
          eventHeader: null,
          deliveryHeader: null,
          createdBy: 'alice',
          createdAt: 5,
        };
        expect(await store.webhooks.put(hook)).toEqual(hook);
        expect(await store.webhooks.get('github-MAIN')).toEqual(hook);
        await store.webhooks.put({ ...hook, name: 'github-main', events: ['push', 'ping'] });
        expect(await store.webhooks.list()).toEqual([{ ...hook, name: 'github-main', events: ['push', 'ping'] }]);
        expect(await store.webhooks.delete('GITHUB-main')).toBe(true);
        expect(await store.webhooks.delete('github-main')).toBe(false);
        expect(await store.webhooks.get('github-main')).toBeNull();
      });
    });

    describe('credentials', () => {
      const token = { id: 'token', kind: 'secretText' as const, description: 'API', folderId: null, username: null, fileName: null, sealedSecret: 'sealed-1', createdAt: 5, updatedAt: 5 };

      it('creates once per store and id (case matters), reads, lists by id, updates and deletes', async () => {
        const team = await folder('team');
        expect(await store.credentials.create(token)).toBe(true);
        expect(await store.credentials.create({ ...token, description: 'again' })).toBe(false);
        // The same id in a folder's store is another credential; another case is another id.
        expect(await store.credentials.create({ ...token, folderId: team.id })).toBe(true);
        expect(await store.credentials.create({ ...token, id: 'Token' })).toBe(true);
        expect(await store.credentials.get(null, 'token')).toEqual(token);
        expect(await store.credentials.get(team.id, 'TOKEN')).toBeNull();
        expect((await store.credentials.list(null)).map((c) => c.id)).toEqual(['Token', 'token']);
        expect(await store.credentials.list(team.id)).toEqual([{ ...token, folderId: team.id }]);
        const changed = { ...token, kind: 'usernamePassword' as const, username: 'ci', description: 'login', sealedSecret: 'sealed-2', updatedAt: 9 };
        expect(await store.credentials.update(changed)).toBe(true);
        expect(await store.credentials.get(null, 'token')).toEqual(changed);
        expect(await store.credentials.update({ ...changed, id: 'missing' })).toBe(false);
        expect(await store.credentials.delete(null, 'token')).toBe(true);
        expect(await store.credentials.delete(null, 'token')).toBe(false);
        expect(await store.credentials.get(team.id, 'token')).not.toBeNull();
      });

      it("finds what a job below some folders may use in one read, and a folder's credentials go with it", async () => {
        const team = await folder('team');
        const app = await folder('app', team);
        const other = await folder('other');
        await store.credentials.create(token);
        await store.credentials.create({ ...token, folderId: app.id });
        await store.credentials.create({ ...token, id: 'key', kind: 'sshPrivateKey', username: 'git', folderId: other.id });
        await store.credentials.create({ ...token, id: 'file', kind: 'secretFile', fileName: 'a.txt' });
        const usable = await store.credentials.findUsable(['token', 'key', 'file'], [team.id, app.id]);
        expect(usable.map((c) => [c.id, c.folderId])).toEqual(
          expect.arrayContaining([
            ['file', null],
            ['token', null],
            ['token', app.id],
          ]),
        );
        expect(usable).toHaveLength(3);
        expect(await store.credentials.findUsable([], [team.id])).toEqual([]);
        await store.items.delete(team.id);
        expect(await store.credentials.list(app.id)).toEqual([]);
        expect(await store.credentials.get(null, 'token')).toEqual(token);
      });
    });
  });
}
