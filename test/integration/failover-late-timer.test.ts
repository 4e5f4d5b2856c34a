import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Master } from '../../src/master.js';
import { validateConfig } from '../../src/config/validate.js';
import { Keys } from '../../src/data/keys.js';
import { changeInputSchema } from '../../src/model/change.js';
import { recordingLogger } from '../harness/master-with.js';
import { freshPrefix, testRedis } from '../harness/redis.js';
import { probe, tempDir, waitFor } from '../harness/bb.js';
import { smtpSettings, TestSmtp } from '../harness/smtp.js';

/**
 * Arming a timer is BullMQ's own add, which no fence guards: an old leader paused with an add in
 * flight, or woken between deciding and adding, puts a timer on the queue after a standby took the
 * lead. The new leader's timer worker runs it. Each kind re-reads what is stored and must do
 * nothing wrong: no BuildSet twice or early, no periodic deadline lost, no expiry said twice.
 */

const SECRET = 'a-secret-of-enough-length';
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await TestSmtp.start();
});
afterAll(async () => smtp?.close());
const masters: Master[] = [];
const conns: Redis[] = [];
afterEach(async () => {
  for (const m of masters.splice(0)) await m.stop().catch(() => undefined);
  for (const c of conns.splice(0)) c.disconnect();
});

function master(url: string, prefix: string) {
  const { config, secrets } = validateConfig(
    {
      redis: { prefix },
      executors: [{ name: 'a', secret: SECRET }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
      schedulers: [
        { type: 'single-branch', name: 'fast', branch: 'main', treeStableTimer: 0, builders: ['linux'] },
        { type: 'single-branch', name: 'slow', branch: 'slow', treeStableTimer: 3600, builders: ['linux'] },
        { type: 'periodic', name: 'hourly', periodicBuildTimer: 3600, branch: 'main', builders: ['linux'] },
      ],
      users: { smtp: smtpSettings(smtp.port) },
      problems: { hassle: { quietHours: false } },
    },
    { file: 'master.ts', baseDir: '/tmp', env: {} },
  );
  const rec = recordingLogger();
  // Renewals far off: the old leader learns of its loss from the fence.
  const m = new Master({ config, secrets, redisUrl: url, logger: rec.logger, baseDir: tempDir('late-timer'), lease: { ttlMs: 600_000, renewMs: 600_000, pollMs: 50 } });
  masters.push(m);
  return { m, lines: rec.lines };
}

const change = (branch: string, revision: string) => changeInputSchema.parse({ author: 'Brian Warner <warner@example.org>', files: ['a.c'], branch, revision });

describe('a timer armed late by an old leader fires on the new leader', () => {
  it('tree-stable, periodic, reminder and demotion-expiry timers re-read the stored state: no BuildSet or reminder twice or early, no deadline lost', async () => {
    const url = (await testRedis()).url;
    const prefix = freshPrefix('latetimer');
    const keys = new Keys(prefix);
    const email = `warner-${prefix}@example.org`;
    {
      // A confirmed Problem (as the detector leaves it): A's hassler mails level 1 at once, level 2 is 30 minutes on.
      const p0 = probe(url, prefix);
      await p0.store.users.put({ name: 'warner', fullName: 'Brian Warner', emails: [email], authors: [], createdAt: Date.now() });
      await p0.store.problems.create({
        key: 'test|sample.net|reconnects@abcdef0123456789', state: 'confirmed',
        subjects: [{ kind: 'test', suite: 'sample.net', name: 'reconnects' }],
        builders: [{ builder: 'linux', firstBadBuildId: 2, firstBadNumber: 2, lastGoodBuildId: 1 }],
        firstBadRevision: 'abcdef0123456789', lastGoodRevision: '0123456789abcdef', openedAt: Date.now(), confirmedAt: Date.now(),
        guilty: ['warner'], responsible: ['warner'], interested: [], notMe: [], acks: [], watchers: [],
      });
      p0.close();
    }
    const mailsTo = () => smtp.messages.filter((m) => m.to.includes(email));
    const a = master(url, prefix);
    await a.m.start();
    const b = master(url, prefix);
    await b.m.start();
    expect([a.m.role, b.m.role]).toEqual(['leader', 'standby']);
    const p = probe(url, prefix);
    const sets = async () => p.store.getBuildSets(await p.store.buildSetIdsAfter(0, 100));
    try {
      // A's periodic scheduler fires once at start (BuildSet 1); a change on main is built (BuildSet 2).
      await waitFor('the periodic BuildSet', async () => (await sets()).some((s) => s.scheduler === 'hourly'));
      await a.m.store.addChange(change('main', 'aaaa0001'));
      await waitFor('the main BuildSet', async () => (await sets()).some((s) => s.scheduler === 'fast'));
      await waitFor('level 1 mailed and recorded', async () => mailsTo().length === 1 && (await p.store.hassle.get(1))?.next === 1);
      await a.m.settled();
      const hassleAt = (await a.m.queues.timers.armed()).find((t) => t.kind === 'hassle')?.at;
      expect(hassleAt).toBeGreaterThan(Date.now() + 20 * 60_000);
      const hourly = await p.store.timed.read('hourly');
      expect(hourly.next).toBe(hourly.lastFire! + 3600_000);

      // A "sleeps" past its lease: B takes the lead. A wakes, is refused at its first fenced write, and steps down.
      const raw = new Redis(url);
      conns.push(raw);
      await raw.del(keys.leader, keys.master);
      await b.m.leading();
      await a.m.store.assertLeading().catch(() => undefined);
      await waitFor('A to step down', () => a.m.role === 'standby');

      // On B, a change on the slow branch waits for its quiet hour.
      await b.m.store.addChange(change('slow', 'bbbb0001'));
      await waitFor('B to arm the slow timer', () => b.m.queues.timers.isArmed('tree-stable', 'slow~slow'));
      await b.m.settled();
      const before = await sets();
      expect(before.map((s) => s.scheduler).sort()).toEqual(['fast', 'hourly']);

      // The adds A had in flight land now, after the takeover: each for a deadline A had read before its pause.
      const late = a.m.queues.timers;
      const past = Date.now() - 1000;
      await late.arm('tree-stable', 'fast~main', { scheduler: 'fast', branch: 'main', at: past }, past, { restart: true });
      await late.arm('tree-stable', 'slow~slow', { scheduler: 'slow', branch: 'slow', at: past }, past, { restart: true });
      await late.arm('timed', 'hourly', { scheduler: 'hourly', at: hourly.lastFire! }, hourly.lastFire!);
      await late.arm('tier-expiry', 'tiers', { at: past }, past);
      // A reminder wake-up for level 1, which A had mailed and recorded: due now by A's stale view.
      await late.arm('hassle', '1', { problem: 1, at: past }, past);

      // B's worker runs them (A, standing by, runs no timers): each was added due now, so it waits on the queue until run.
      await b.m.settled();
      expect(await b.m.queues.timers.busy()).toBe(false);
      expect(await raw.zcard(`${prefix}:bull:timers:failed`)).toBe(0);

      // No BuildSet: main's change was built already; the slow branch still waits for B's deadline.
      expect((await sets()).map((s) => s.id)).toEqual(before.map((s) => s.id));
      expect(await p.store.schedulers.waiting('slow')).toEqual([expect.objectContaining({ branch: 'slow' })]);
      const armed = await b.m.queues.timers.armed();
      const slow = armed.find((t) => t.kind === 'tree-stable' && t.key === 'slow~slow');
      expect(slow?.at).toBeGreaterThan(Date.now() + 3000_000);
      // The late periodic timer replaced B's (one per key); firing, it found the stored deadline moved on and armed that again.
      expect(armed.filter((t) => t.kind === 'timed')).toEqual([{ kind: 'timed', key: 'hourly', at: hourly.next }]);
      expect(await p.store.timed.read('hourly')).toMatchObject({ next: hourly.next, lastFire: hourly.lastFire });
      // The reminder's wake-up found level 1 recorded and level 2 not due: nothing mailed, level 2's wake-up armed again.
      expect(mailsTo()).toHaveLength(1);
      expect((await p.store.hassle.log(1)).filter((e) => e.outcome === 'sent').map((e) => e.step)).toEqual(['L1']);
      expect(armed.filter((t) => t.kind === 'hassle')).toEqual([{ kind: 'hassle', key: '1', at: hassleAt }]);
      // Nothing was stored by A after it lost the lead.
      expect(await raw.get(keys.leader)).toBe('2');
    } finally {
      p.close();
    }
  });
});
