import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { probe, spawnBb, tempDir, waitFor, type Proc } from '../harness/bb.js';
import { seedConfirmedProblem, writeHassleConfig } from '../harness/hassle.js';
import { TestSmtp } from '../harness/smtp.js';
import { Keys } from '../../src/data/keys.js';
import type { Store } from '../../src/data/store.js';

/**
 * Reminders across a failover (README "Running several masters"): the leader mails level 1 and is
 * frozen (SIGSTOP); the standby, whose clock is 31 minutes ahead, takes the lead and mails level 2
 * once; the old leader, resumed, mails nothing and stands by. Each level is mailed exactly once.
 */

let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await TestSmtp.start();
});
afterAll(async () => smtp?.close());

const M = 60_000;
const mailsTo = (to: string) => smtp.messages.filter((m) => m.to.includes(to));

describe('the hassler across a failover', () => {
  const procs: Proc[] = [];
  let url = '';
  let prefix = '';
  let p: { store: Store; close(): void } | undefined;
  let raw: Redis | undefined;
  afterEach(async () => {
    for (const x of procs.splice(0)) {
      x.child.kill('SIGCONT');
      await x.kill('SIGKILL');
    }
    p?.close();
    raw?.disconnect();
    await deletePrefix(url, prefix);
  });

  it('level 1 from the leader, level 2 once from the standby that took over; the resumed old leader sends nothing', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('hassle-fo');
    const dir = tempDir('hassle-fo');
    const cfg = writeHassleConfig(dir, prefix, smtp.port);
    p = probe(url, prefix);
    const email = await seedConfirmedProblem(p.store, prefix);
    raw = new Redis(url);
    const keys = new Keys(prefix);
    const master = (label: string, offsetMs: number) => {
      const m = spawnBb(['master', '--config', cfg, '--redis', url], { logDir: dir, label, env: { BB_CLOCK_OFFSET_MS: String(offsetMs) } });
      procs.push(m);
      return m;
    };
    const leader = async () => {
      const v = await raw!.get(keys.master);
      return v ? (JSON.parse(v) as { pid: number }).pid : null;
    };

    const m1 = master('master1', 0);
    await waitFor('master 1 to lead', async () => (await leader()) === m1.child.pid, 30_000, 100);
    await waitFor('level 1 by email', () => mailsTo(email)[0], 60_000, 100);
    await waitFor('level 1 recorded', async () => (await p!.store.hassle.get(1))?.next === 1, 30_000, 100);
    const m2 = master('master2', 31 * M);
    await waitFor('master 2 to stand by', () => m2.log().includes('"role":"standby"'), 30_000, 100);

    m1.child.kill('SIGSTOP');
    await waitFor('master 2 to lead', async () => (await leader()) === m2.child.pid, 20_000, 50);
    const l2 = await waitFor('level 2 by email', () => mailsTo(email)[1], 60_000, 100);
    expect(l2.subject).toMatch(/^\[bb\] still broken after 31m: problem #1, sample\.net\.reconnects fails on linux \(reminder 2\)$/);
    await waitFor('level 2 recorded', async () => (await p!.store.hassle.get(1))?.next === 2, 30_000, 100);

    m1.child.kill('SIGCONT');
    await waitFor('master 1 to step down', () => m1.log().includes('lost the lead; standing by'), 30_000, 100);
    expect(await leader()).toBe(m2.child.pid);
    expect(mailsTo(email)).toHaveLength(2);
    const log = await p.store.hassle.log(1);
    expect(log.filter((e) => e.outcome === 'sent').map((e) => `${e.step} ${e.via}`)).toEqual(['L1 email', 'L2 email']);
  }, 180_000);
});
