import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { LeaderLease, currentLeader } from '../../src/data/lease.js';
import { NotLeaderError } from '../../src/data/fence.js';
import { Keys } from '../../src/data/keys.js';
import { freshPrefix, testRedis } from '../harness/redis.js';
import { waitFor } from '../harness/bb.js';

const conns: Redis[] = [];
afterEach(() => {
  for (const c of conns.splice(0)) c.disconnect();
});

async function store(prefix: string): Promise<Store> {
  const redis = new Redis((await testRedis()).url);
  conns.push(redis);
  return new Store(redis, prefix);
}

const FAST = { ttlMs: 400, renewMs: 100, pollMs: 50 };
const bs = (scheduler: string) => ({ reason: 'test', scheduler, sourcestamp: { repository: 'r', project: 'p', branch: 'main', revision: 'abc', changeIds: [] }, builders: ['linux'], properties: {}, priority: 100 });

describe('leader lease and fencing (real Redis)', () => {
  it('one master takes the lease with token 1; another stands by; tokens rise on every acquisition', async () => {
    const prefix = freshPrefix('lease');
    const [a, b] = [await store(prefix), await store(prefix)];
    const la = new LeaderLease(a, FAST);
    const lb = new LeaderLease(b, FAST);
    expect(await la.tryAcquire()).toEqual({ acquired: true, token: '1' });
    expect(await lb.tryAcquire()).toEqual({ acquired: false, holder: '1' });
    expect(await la.renew()).toBe(true);
    // A stall past the TTL with nobody waiting: the lease lapsed, no one took it; the leader keeps its token.
    const raw = conns[0]!;
    await raw.del(new Keys(prefix).leader);
    expect(await la.renew()).toBe(true);
    expect(await raw.get(new Keys(prefix).leader)).toBe('1');
    const shown = await currentLeader(b);
    expect(shown).toMatchObject({ token: '1', pid: process.pid, prefix });
    await la.release();
    expect(await currentLeader(b)).toBeNull();
    expect(await lb.tryAcquire()).toEqual({ acquired: true, token: '2' });
    expect(await la.tryAcquire()).toEqual({ acquired: false, holder: '2' });
  });

  it('fenced writes: the leader writes; a standby writes nothing; an old leader whose lease lapsed and was taken writes nothing', async () => {
    const prefix = freshPrefix('fence');
    const [a, b] = [await store(prefix), await store(prefix)];
    const la = new LeaderLease(a, FAST);
    const lb = new LeaderLease(b, FAST);
    await la.tryAcquire();
    const first = await a.createBuildSet(bs('a'));
    expect(first.buildset.id).toBe(1);
    // b stands by: refused in this process, before Redis is asked.
    await expect(b.createBuildSet(bs('b'))).rejects.toBeInstanceOf(NotLeaderError);
    // a is "paused": it stops renewing; its lease lapses and b takes it (token 2).
    const taken = await waitFor('b to take the lapsed lease', async () => {
      const r = await lb.tryAcquire();
      return r.acquired ? r : null;
    }, 10_000, 20);
    expect(taken.token).toBe('2');
    // a wakes up still believing it leads (token 1): Redis refuses its write, and nothing of it is stored.
    expect(la.token).toBe('1');
    const err = await a.createBuildSet(bs('stale')).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).holder).toBe('2');
    const keys = new Keys(prefix);
    const raw = conns[0]!;
    const ids = (await raw.zrange(keys.buildsets, 0, -1)).map(Number);
    expect(ids).toEqual([1]);
    expect(await raw.zcard(keys.builderPending('linux'))).toBe(1);
    // Its renewal fails too, and the lease drops its token.
    expect(await la.renew()).toBe(false);
    expect(la.token).toBeNull();
    const made = await b.createBuildSet(bs('b'));
    expect((await raw.zrange(keys.buildsets, 0, -1)).map(Number)).toEqual([1, made.buildset.id]);
  });

  it('a fenced transaction answers as a MULTI does (replies in order, transformed)', async () => {
    const prefix = freshPrefix('fmulti');
    const s = await store(prefix);
    const lease = new LeaderLease(s, FAST);
    await lease.tryAcquire();
    const halt = { revision: 'abc', at: 1, why: 'test' } as never;
    expect(await s.tiers.haltPackages(halt, false)).toBe(true); // SET NX: 'OK'
    expect(await s.tiers.haltPackages(halt, false)).toBe(false); // SET NX on a held key: nil
    expect(await s.tiers.packagesHalt()).toEqual(halt);
    expect(await s.tiers.resumePackages()).toBe(true); // DEL: 1
  });

  it('an old leader whose lease was taken takes no waiting changes, sets no timer state and gives out no ids; the new leader takes them', async () => {
    const prefix = freshPrefix('fencetake');
    const [a, b] = [await store(prefix), await store(prefix)];
    const la = new LeaderLease(a, FAST);
    const lb = new LeaderLease(b, FAST);
    await la.tryAcquire();
    await a.schedulers.classified(2, [
      { scheduler: 'trunk', branch: 'main', changeId: 1, important: true },
      { scheduler: 'trunk', branch: 'main', changeId: 2, important: false },
    ]);
    await waitFor('b to take the lapsed lease', async () => (await lb.tryAcquire()).acquired, 10_000, 20);
    // a wakes up still believing it leads, and its fire comes: every write of it is refused.
    await expect(a.schedulers.take('trunk', 'main', 'fire-1')).rejects.toBeInstanceOf(NotLeaderError);
    await expect(a.timed.setNext('nightly', 'spec', 123)).rejects.toBeInstanceOf(NotLeaderError);
    await expect(a.problems.setCursor(7)).rejects.toBeInstanceOf(NotLeaderError);
    await expect(a.subscriptions.update('irc:#dev', 'add', [], ['failure'])).rejects.toBeInstanceOf(NotLeaderError);
    await expect(a.createBuildSet(bs('stale'))).rejects.toBeInstanceOf(NotLeaderError);
    const keys = new Keys(prefix);
    const raw = conns[0]!;
    expect(await raw.exists(keys.seq('buildset'), keys.seq('request'), keys.problem.cursor, keys.timed('nightly'), keys.chatSub('irc:#dev'))).toBe(0);
    // The changes still wait, for the new leader's fire.
    expect(await b.schedulers.take('trunk', 'main', 'fire-2')).toMatchObject({ entries: ['1:i', '2:u'] });
    expect(await b.subscriptions.update('irc:#dev', 'add', [], ['failure'])).toEqual(['failure']);
    expect((await b.createBuildSet(bs('b'))).buildset.id).toBe(1);
  });
});
