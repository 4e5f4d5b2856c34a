import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { JobListProducer, JobTaker, jobListTakenKey, jobListWaitKey } from '../../src/queue/job-list.js';
import { createLogger } from '../../src/log.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { spawnExecutor, waitFor, type Proc } from '../harness/bb.js';
import { fakeMaster, rig, SECRET, type FakeMaster, type Rig } from './executor-fixture.js';
import { PipelineFixture, SECRET_A, SECRET_B } from '../harness/pipeline.js';
import { testConfig } from '../harness/config.js';

/**
 * Build jobs on the executor's job list (src/queue/job-list.ts): withdraw is exact while takes
 * race it, a take whose reply was lost is found and run, a job held by a process killed with -9 is
 * refused by the next process (never run twice), and an executor of the previous protocol (BullMQ
 * queue) is still served by this master.
 */

const log = createLogger('job-list-test', { level: 'silent' });
const conns: Redis[] = [];
const procs: Proc[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  for (const c of conns.splice(0)) c.disconnect();
});

function conn(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: null });
  conns.push(c);
  return c;
}

describe('the job list', () => {
  it('withdraw is exact while an executor takes: each job is withdrawn or run, never both, never neither', async () => {
    const { url } = await testRedis();
    const prefix = freshPrefix('joblist');
    cleanups.push(() => deletePrefix(url, prefix));
    const producer = new JobListProducer(conn(url), prefix);
    const ran: number[] = [];
    const taker = new JobTaker({
      conn: conn(url),
      writer: conn(url),
      prefix,
      executor: 'x',
      session: 'session-x1',
      slots: 2,
      log,
      async run(data) {
        ran.push((data as { payload: { buildId: number } }).payload.buildId);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
      },
    });
    cleanups.push(() => taker.stop());
    const N = 300;
    const ids = Array.from({ length: N }, (_, i) => i + 1);
    taker.open();
    const withdrawn = new Set<number>();
    // Each job is withdrawn as soon as it is on the list: the taker, blocked on an empty list or
    // busy with the job before, gets some first; the master gets the others back.
    await Promise.all(
      [0, 1, 2].map(async (lane) => {
        for (const id of ids.filter((i) => i % 3 === lane)) {
          await producer.push('x', id, { payload: { buildId: id, session: 'session-x1' }, sig: 'x' });
          if (await producer.withdraw('x', id)) withdrawn.add(id);
          await new Promise((r) => setTimeout(r, Math.random() * 2));
        }
      }),
    );
    await waitFor('every job taken or withdrawn', async () => ran.length + withdrawn.size === N && (await conns[0]!.llen(jobListWaitKey(prefix, 'x'))) === 0, 20_000);
    await taker.stop();
    await taker.idle();
    expect(new Set(ran).size).toBe(ran.length);
    for (const id of ids) expect([id, ran.includes(id) !== withdrawn.has(id)]).toEqual([id, true]);
    // Both sides won some: the race was run.
    expect(withdrawn.size).toBeGreaterThan(0);
    expect(ran.length).toBeGreaterThan(0);
    for (const id of ids) {
      expect(await producer.waiting('x', id)).toBe(false);
      expect(await producer.withdraw('x', id)).toBe(false);
    }
    expect(await conns[0]!.llen(jobListTakenKey(prefix, 'x'))).toBe(0);
  });

  it('a job moved into taken whose take this process did not hear of (a reply lost with the connection) is run', async () => {
    const { url } = await testRedis();
    const prefix = freshPrefix('joblist');
    cleanups.push(() => deletePrefix(url, prefix));
    const producer = new JobListProducer(conn(url), prefix);
    const raw = conn(url);
    await producer.push('x', 7, { payload: { buildId: 7, session: 'mine-123' }, sig: 'x' });
    await producer.push('x', 8, { payload: { buildId: 8, session: 'other-456' }, sig: 'x' });
    await raw.lmove(jobListWaitKey(prefix, 'x'), jobListTakenKey(prefix, 'x'), 'RIGHT', 'LEFT');
    await raw.lmove(jobListWaitKey(prefix, 'x'), jobListTakenKey(prefix, 'x'), 'RIGHT', 'LEFT');
    expect(await producer.queued('x', 7)).toBe(true);
    expect(await producer.waiting('x', 7)).toBe(false);
    // The same push again (a client resending after a reconnect) adds no second job, waiting or held.
    await producer.push('x', 7, { payload: { buildId: 7, session: 'mine-123' }, sig: 'x' });
    await producer.push('x', 9, { payload: { buildId: 9, session: 'mine-123' }, sig: 'x' });
    await producer.push('x', 9, { payload: { buildId: 9, session: 'mine-123' }, sig: 'x' });
    expect(await raw.lrange(jobListWaitKey(prefix, 'x'), 0, -1)).toEqual([`9 ${JSON.stringify({ payload: { buildId: 9, session: 'mine-123' }, sig: 'x' })}`]);
    expect(await producer.withdraw('x', 9)).toBe(true);
    const ran: string[] = [];
    const taker = new JobTaker({
      conn: conn(url),
      writer: raw,
      prefix,
      executor: 'x',
      session: 'mine-123',
      slots: 2,
      log,
      async run(data) {
        const p = (data as { payload: { buildId: number; session: string } }).payload;
        // As the job processor does: a job given to another session is refused (and so removed).
        ran.push(p.session === 'mine-123' ? `ran ${p.buildId}` : `refused ${p.buildId}`);
      },
    });
    cleanups.push(() => taker.stop());
    taker.open();
    await waitFor('both handled', async () => ran.length === 2 && (await raw.llen(jobListTakenKey(prefix, 'x'))) === 0);
    expect(ran.sort()).toEqual(['ran 7', 'refused 8']);
    expect(await producer.queued('x', 7)).toBe(false);
  });

  describe('with an executor process', () => {
    let m: FakeMaster | undefined;
    let r: Rig | undefined;
    afterEach(async () => {
      await r?.close();
      r = undefined;
      await m?.close();
      m = undefined;
    });

    it('takes jobs from its list when the master says so, and a job the master withdrew never runs', async () => {
      r = await rig(undefined, {}, { jobList: true });
      const first = await r.master.dispatch({ workdir: 'w', steps: [{ type: 'shell', command: 'echo one' }] });
      expect((await r.master.finished(first.payload.buildId)).result).toBe('SUCCESS');
      const lists = new JobListProducer(conn(r.master.url), r.master.prefix);
      expect(await lists.queued(r.executor.name, first.payload.buildId)).toBe(false);
    });

    it('kill -9 of an executor holding a taken job: the next process refuses it, it never runs twice', async () => {
      const name = `k9-${Math.random().toString(36).slice(2, 7)}`;
      m = await fakeMaster(name, undefined, { jobList: true });
      const dir = mkdtempSync(join(tmpdir(), 'bb-joblist-'));
      const runs = join(dir, 'runs');
      const spawn = () => {
        const p = spawnExecutor({ name, secret: SECRET, redisUrl: m!.url, prefix: m!.prefix, basedir: join(dir, 'base'), slots: 1 }, dir);
        procs.push(p);
        return p;
      };
      const p1 = spawn();
      await waitFor('the first process to be accepted', () => p1.log().includes('the master accepted this executor'), 30_000);
      const { payload, jobId } = await m.dispatch({ workdir: 'w', steps: [{ type: 'shell', command: `echo run >> ${runs}; while [ ! -f ${join(dir, 'go')} ]; do sleep 0.1; done` }] });
      await m.waitFor((e) => e.type === 'build-started' && e.buildId === payload.buildId);
      await waitFor('the step to run', () => existsSync(runs));
      const raw = conn(m.url);
      expect(await raw.llen(jobListTakenKey(m.prefix, name))).toBe(1);
      await p1.kill('SIGKILL');
      writeFileSync(join(dir, 'go'), '');
      // The job stays held in Redis: the master still sees it queued (not an orphan).
      expect(await new JobListProducer(raw, m.prefix).queued(name, payload.buildId)).toBe(true);

      const p2 = spawn();
      const refused = await m.waitFor((e) => e.type === 'job-refused' && e.jobId === jobId, 30_000);
      expect(refused).toMatchObject({ reason: expect.stringContaining('job is for session') });
      await waitFor('the held job gone', async () => (await raw.llen(jobListTakenKey(m!.prefix, name))) === 0);
      expect(p2.log()).not.toContain('build accepted');
      expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual(['run']);
      // The new process takes new jobs.
      const next = await m.dispatch({ workdir: 'w', steps: [{ type: 'shell', command: 'echo two' }] });
      expect((await m.finished(next.payload.buildId, 30_000)).result).toBe('SUCCESS');
      expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual(['run']);
    }, 120_000);
  });

  it('a master of this version serves an executor of the previous protocol (BullMQ queue) and a new one side by side', async () => {
    const fx = await PipelineFixture.create(
      'mixed',
      testConfig({
        executors: [{ name: 'a', secret: SECRET_A }, { name: 'b', secret: SECRET_B }],
        builders: [
          { name: 'old', executors: ['a'], steps: [{ type: 'shell', name: 'work', command: 'echo old' }] },
          { name: 'new', executors: ['b'], steps: [{ type: 'shell', name: 'work', command: 'echo new' }] },
        ],
        schedulers: [{ type: 'force', name: 'force', builders: ['old', 'new'] }],
      }),
    );
    cleanups.push(() => fx.close());
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A, 1, { jobList: false });
    await fx.startExecutor('b', SECRET_B, 1);
    await waitFor('both executors connected', async () => (await fx.store.getExecutor('a'))?.state === 'connected' && (await fx.store.getExecutor('b'))?.state === 'connected');
    expect((await fx.store.getExecutor('a'))!.jobList).toBeUndefined();
    expect((await fx.store.getExecutor('b'))!.jobList).toBe(true);
    for (let i = 0; i < 3; i++) await fx.client.control({ v: 1, type: 'force', builders: ['old', 'new'], owner: 'test' });
    const done = await waitFor('six builds finished', async () => {
      const all = [...(await fx.builds('old')), ...(await fx.builds('new'))];
      return all.length === 6 && all.every((b) => b.state === 'finished') ? all : null;
    }, 60_000);
    expect(done.map((b) => [b.builder, b.executor, b.result]).sort()).toEqual([
      ['new', 'b', 'SUCCESS'],
      ['new', 'b', 'SUCCESS'],
      ['new', 'b', 'SUCCESS'],
      ['old', 'a', 'SUCCESS'],
      ['old', 'a', 'SUCCESS'],
      ['old', 'a', 'SUCCESS'],
    ]);
  }, 120_000);
});
