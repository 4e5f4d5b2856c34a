import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { MasterQueues } from '../../src/queue/master-queues.js';
import { QUEUES } from '../../src/queue/jobs.js';
import { QueueTimers } from '../../src/queue/timers.js';
import type { TimerData } from '../../src/model/timers.js';
import { ManualClock } from '../../src/util/clock.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { waitFor } from '../harness/bb.js';

const log = createLogger('test', { level: 'silent' });
const T0 = Date.parse('2026-12-02T10:00:00Z');
const H = 3600_000;

/** The master's timers on a real Redis, with a clock the test moves (src/queue/timers.ts). */
describe('timers (one interface, durable deadlines, a clock tests move)', () => {
  const open: MasterQueues[] = [];
  let url = '';
  let prefix = '';
  afterEach(async () => {
    for (const q of open.splice(0)) await q.close();
    if (prefix) await deletePrefix(url, prefix);
  });

  const queues = (clock: ManualClock) => {
    const q = new MasterQueues(url, prefix, log, clock);
    open.push(q);
    return q;
  };

  it('arms one timer per key, keeps it across a restart, and fires it when the clock reaches its deadline', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('timers');
    const clock = new ManualClock(T0);
    const first = queues(clock);
    await first.timers.arm('timed', 'nightly', { scheduler: 'nightly', at: T0 + H }, T0 + H);
    // A newer call replaces the waiting one: still one timer, with the new deadline.
    await first.timers.arm('timed', 'nightly', { scheduler: 'nightly', at: T0 + 2 * H }, T0 + 2 * H);
    await first.timers.arm('hassle', '7', { problem: 7, at: T0 + 3 * H }, T0 + 3 * H);
    expect(await first.timers.armed()).toEqual([
      { kind: 'timed', key: 'nightly', at: T0 + 2 * H },
      { kind: 'hassle', key: '7', at: T0 + 3 * H },
    ]);
    await first.close();
    open.splice(0);

    // Another master on the same Redis (a restart) finds both deadlines.
    const again = queues(clock);
    expect((await again.timers.armed()).map((t) => `${t.kind} ${t.key}`)).toEqual(['timed nightly', 'hassle 7']);
    const fired: string[] = [];
    again.work(
      QUEUES.timers,
      1,
      QueueTimers.dispatch({
        'tree-stable': async () => null,
        timed: async (t: TimerData['timed'], jobId) => {
          fired.push(`timed ${t.scheduler} ${t.at - T0}`);
          return again.timers.release('timed', t.scheduler, jobId);
        },
        hassle: async (t: TimerData['hassle']) => fired.push(`hassle ${t.problem}`),
        'tier-expiry': async () => null,
      }),
    );
    // The clock reaches the first deadline: that one fires, the other still waits.
    clock.set(T0 + 2 * H);
    await again.timers.fireDue();
    await waitFor('the timed timer to fire', () => fired.length === 1);
    await waitFor('no timer due or running', async () => !(await again.timers.busy()));
    expect(fired).toEqual([`timed nightly ${2 * H}`]);
    expect(await again.timers.isArmed('timed', 'nightly')).toBe(false);
    expect(await again.timers.armed()).toEqual([{ kind: 'hassle', key: '7', at: T0 + 3 * H }]);

    // A cancelled timer never fires, and its key is free for the next.
    await again.timers.cancel('hassle', '7');
    expect(await again.timers.armed()).toEqual([]);
    expect(await again.timers.isArmed('hassle', '7')).toBe(false);
    clock.advance(10 * H);
    await again.timers.fireDue();
    expect(await again.timers.busy()).toBe(false);
    expect(fired).toEqual([`timed nightly ${2 * H}`]);
  });

  it('a restarting (tree-stable) timer is pushed back by every call while its deadline is ahead', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('timers-ts');
    const clock = new ManualClock(T0);
    const q = queues(clock);
    const t = (at: number) => ({ scheduler: 'trunk', branch: 'main', at });
    await q.timers.arm('tree-stable', 'trunk~main', t(T0 + 60_000), T0 + 60_000, { restart: true });
    clock.advance(30_000);
    await q.timers.arm('tree-stable', 'trunk~main', t(T0 + 90_000), T0 + 90_000, { restart: true });
    expect(await q.timers.armed()).toEqual([{ kind: 'tree-stable', key: 'trunk~main', at: T0 + 90_000 }]);
    expect(await q.timers.isArmed('tree-stable', 'trunk~main')).toBe(true);
    // Released by the run that fired it (or by nobody): true; a different job's key is left alone.
    expect(await q.timers.release('tree-stable', 'trunk~main', 'some-other-job')).toBe(false);
    expect(await q.timers.isArmed('tree-stable', 'trunk~main')).toBe(true);
  });
});
