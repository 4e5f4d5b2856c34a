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
      expect((await p.store.getRequest(1))!.state).toBe('pending');
      expect(await raw.get(keys.leader)).toBe('2');
      expect(JSON.parse((await raw.get(keys.master))!)).toMatchObject({ token: '2', pid: process.pid });
    } finally {
      p.close();
    }
  });
});
