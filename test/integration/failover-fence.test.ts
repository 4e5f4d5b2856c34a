import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Master } from '../../src/master.js';
import { validateConfig } from '../../src/config/validate.js';
import { Keys } from '../../src/data/keys.js';
import { changeInputSchema } from '../../src/model/change.js';
import { recordingLogger } from '../harness/master-with.js';
import { freshPrefix, testRedis } from '../harness/redis.js';
import { probe, tempDir, waitFor } from '../harness/bb.js';

/**
 * Two masters in this process on one prefix: the leader's lease is taken from under it (as when
 * it was paused past the TTL), and the next thing it tries to write is refused by Redis: it
 * steps down, and the change it stored is built once, by the new leader.
 */

const SECRET = 'a-secret-of-enough-length';
const masters: Master[] = [];
const conns: Redis[] = [];
afterEach(async () => {
  for (const m of masters.splice(0)) await m.stop().catch(() => undefined);
  for (const c of conns.splice(0)) c.disconnect();
});

function master(url: string, prefix: string, renewMs: number) {
  const { config, secrets } = validateConfig(
    {
      redis: { prefix },
      executors: [{ name: 'a', secret: SECRET }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
      schedulers: [{ type: 'any-branch', name: 'all', treeStableTimer: 0, builders: ['linux'] }],
    },
    { file: 'master.ts', baseDir: '/tmp', env: {} },
  );
  const rec = recordingLogger();
  // A renewal far off: the paused leader learns of its loss from the fence, not from a renewal.
  const m = new Master({ config, secrets, redisUrl: url, logger: rec.logger, baseDir: tempDir('fence'), lease: { ttlMs: 600_000, renewMs, pollMs: 50 } });
  masters.push(m);
  return { m, lines: rec.lines };
}

const change = (branch: string, revision: string) => changeInputSchema.parse({ author: 'Brian Warner <warner@example.org>', files: ['a.c'], branch, revision });

describe('fencing a leader that lost its lease', () => {
  it('the old leader writes nothing and steps down; the new leader builds its change once', async () => {
    const url = (await testRedis()).url;
    const prefix = freshPrefix('fenceproc');
    const keys = new Keys(prefix);
    const a = master(url, prefix, 600_000);
    await a.m.start();
    const b = master(url, prefix, 600_000);
    await b.m.start();
    expect([a.m.role, b.m.role]).toEqual(['leader', 'standby']);
    const p = probe(url, prefix);
    try {
      await a.m.store.addChange(change('one', 'aaaa0001'));
      await waitFor('the first buildset', async () => (await p.store.lastBuildSetId()) === 1);

      // A claims the request for an executor and dies before putting the job on its queue (no executor
      // runs here, so nothing else claims it): the build is `dispatched` with no job anywhere.
      const orphan = (await a.m.store.claimRequest(1, 'a', [{ type: 'shell', command: 'true' }] as never, {}))!;
      expect(orphan.state).toBe('dispatched');

      // A's lease lapses while it "sleeps" (its renewal is far off): B takes the lead with token 2.
      const raw = new Redis(url);
      conns.push(raw);
      await raw.del(keys.leader, keys.master);
      await b.m.leading();
      expect(await raw.get(keys.leader)).toBe('2');
      expect(a.m.role).toBe('leader'); // A has not noticed yet

      // A wakes up: a webhook-like change lands through A. Its schedulers try to record it; Redis refuses.
      await a.m.store.addChange(change('two', 'aaaa0002'));
      await waitFor('A to step down', () => a.m.role === 'standby');
      expect(a.lines.some((l) => l.msg === 'lost the lead; standing by' && String(l.why).includes('a leader-only write was refused'))).toBe(true);
      // B, which did not store that change, finds it (the change watch) and builds it, once.
      const sets = await waitFor('the second buildset', async () => {
        const s = await p.store.getBuildSets(await p.store.buildSetIdsAfter(0, 100));
        return s.length >= 2 ? s : null;
      });
      await b.m.settled();
      const all = await p.store.getBuildSets(await p.store.buildSetIdsAfter(0, 100));
      expect(all.map((s) => [s.sourcestamp.branch, s.sourcestamp.changeIds])).toEqual([
        ['one', [1]],
        ['two', [2]],
      ]);
      expect(sets).toHaveLength(2);
      // B ended the orphaned build at once (not after startTimeout): RETRY, its request back in line.
      const ended = await waitFor('the orphaned build retried', async () => {
        const bl = await p.store.getBuild(orphan.id);
        return bl?.state === 'finished' ? bl : null;
      });
      expect(ended).toMatchObject({ result: 'RETRY', text: 'handed to no executor: the master that dispatched it stopped leading first' });
      // The request goes back in line in the write after the build's end (settleRequest): wait for it.
      await waitFor('request 1 back in line', async () => (await p.store.getRequest(1))?.state === 'pending');
      expect(await raw.get(keys.leader)).toBe('2');
      expect(JSON.parse((await raw.get(keys.master))!)).toMatchObject({ token: '2', pid: process.pid });
    } finally {
      p.close();
    }
  });

  it('a `bb stop` the old leader was answering when it lost the lead leaves the build to the new leader, which cancels it: not retried', async () => {
    const url = (await testRedis()).url;
    const prefix = freshPrefix('fencestop');
    const keys = new Keys(prefix);
    const a = master(url, prefix, 600_000);
    await a.m.start();
    const b = master(url, prefix, 600_000);
    await b.m.start();
    const p = probe(url, prefix);
    const raw = new Redis(url);
    conns.push(raw);
    try {
      await a.m.store.addChange(change('one', 'aaaa0001'));
      await waitFor('the buildset', async () => (await p.store.lastBuildSetId()) === 1);
      // A dispatched build whose job waits on executor a's queue (no executor runs here).
      const steps = [{ type: 'shell', command: 'true' }] as never;
      const built = (await a.m.store.claimRequest(1, 'a', steps, {}))!;
      const now = Date.now();
      await a.m.queues.dispatch(
        { buildId: built.id, token: built.token, executor: 'a', session: 's', builder: 'linux', number: built.number, workdir: 'linux', sourcestamp: { repository: '', project: '' }, steps, properties: {}, issuedAt: now, expiresAt: now + 600_000 },
        SECRET,
      );

      // A is answering `bb stop linux` when its lease lapses (B leads); the stop's write is refused, and nothing is withdrawn.
      await raw.del(keys.leader, keys.master);
      await b.m.leading();
      await expect(a.m.stopBuild({ v: 1, type: 'stop', builder: 'linux', owner: 'warner' })).rejects.toThrow();
      await waitFor('A to step down', () => a.m.role === 'standby');
      expect(await p.store.getBuild(built.id)).toMatchObject({ state: 'dispatched' });
      expect(await b.m.queues.buildJobQueued('a', built.id)).toBe(true);

      // The request comes back to B (the control job's lock lapsed): B cancels the build and takes its job back.
      const res = await b.m.stopBuild({ v: 1, type: 'stop', builder: 'linux', owner: 'warner' });
      expect(res.how).toBe('withdrawn');
      expect(res.build).toMatchObject({ state: 'finished', result: 'CANCELLED', text: 'stopped by warner' });
      expect(await b.m.queues.buildJobQueued('a', built.id)).toBe(false);
      await b.m.settled();
      // Not retried: no other build of the request, and the request is not back in line.
      expect((await p.store.lastBuilds('linux', 10)).map((x) => [x.id, x.result])).toEqual([[built.id, 'CANCELLED']]);
      expect((await p.store.getRequest(1))!.state).not.toBe('pending');
    } finally {
      p.close();
    }
  });
});
