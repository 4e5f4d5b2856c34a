import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { probe, spawnBb, tempDir, waitFor, type Proc } from '../harness/bb.js';
import { seedConfirmedProblem, writeHassleConfig } from '../harness/hassle.js';
import { TestSmtp } from '../harness/smtp.js';
import { Keys } from '../../src/data/keys.js';
import type { Store } from '../../src/data/store.js';
import { messageIdFor } from '../../src/users/mailer.js';

/**
 * Mail is at least once across a failover: a leader killed after the SMTP server took a reminder
 * and before it recorded it leaves the reminder to the next leader, which mails it again. The two
 * copies carry one Message-ID, derived from the reminder's durable id (its Problem, step and
 * person), so a mail client that collapses duplicates by Message-ID shows it once.
 */

let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await TestSmtp.start();
});
afterAll(async () => smtp?.close());

const mailsTo = (to: string) => smtp.messages.filter((m) => m.to.includes(to));

describe('a reminder mailed again after a failover', () => {
  const procs: Proc[] = [];
  let url = '';
  let prefix = '';
  let p: { store: Store; close(): void } | undefined;
  let raw: Redis | undefined;
  afterEach(async () => {
    smtp.beforeAnswer = undefined;
    for (const x of procs.splice(0)) await x.kill('SIGKILL');
    p?.close();
    raw?.disconnect();
    await deletePrefix(url, prefix);
  });

  it('has the Message-ID of the first copy: the leader was killed between the server taking it and recording it', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('mail-mid');
    const dir = tempDir('mail-mid');
    const cfg = writeHassleConfig(dir, prefix, smtp.port);
    p = probe(url, prefix);
    const email = await seedConfirmedProblem(p.store, prefix);
    raw = new Redis(url);
    const keys = new Keys(prefix);
    const leader = async () => {
      const v = await raw!.get(keys.master);
      return v ? (JSON.parse(v) as { pid: number }).pid : null;
    };
    const master = (label: string) => {
      const m = spawnBb(['master', '--config', cfg, '--redis', url], { logDir: dir, label });
      procs.push(m);
      return m;
    };

    // The first copy of level 1: the server keeps it, and the leader is killed before it hears "250".
    const m1 = master('master1');
    smtp.beforeAnswer = async (mail) => {
      if (!mail.to.includes(email)) return;
      smtp.beforeAnswer = undefined;
      await m1.kill('SIGKILL');
    };
    await waitFor('master 1 to lead', async () => (await leader()) === m1.child.pid, 30_000, 100);
    await waitFor('master 1 killed with level 1 taken by the server', async () => m1.child.signalCode === 'SIGKILL' && mailsTo(email).length === 1, 60_000, 100);
    // Nothing recorded: the reminder is still due.
    expect((await p.store.hassle.log(1)).filter((e) => e.outcome === 'sent')).toEqual([]);

    // The next leader mails it again, and records it this time.
    const m2 = master('master2');
    await waitFor('master 2 to lead', async () => (await leader()) === m2.child.pid, 30_000, 100);
    const [first, second] = await waitFor('level 1 mailed again', () => (mailsTo(email).length >= 2 ? mailsTo(email) : null), 60_000, 100);
    await waitFor('level 1 recorded', async () => (await p!.store.hassle.get(1))?.next === 1, 30_000, 100);
    expect(second!.subject).toBe(first!.subject);
    expect(first!.messageId).toMatch(/^<bb\.[0-9a-f]{40}@example\.org>$/);
    expect(second!.messageId).toBe(first!.messageId);
    // It is the id of that reminder (Problem 1, level 1, warner) in this deployment, for this address.
    expect(first!.messageId).toBe(messageIdFor('hassle:1:L1|warner', email, 'bb <bb@example.org>', prefix));
    const log = await p.store.hassle.log(1);
    expect(log.filter((e) => e.outcome === 'sent').map((e) => `${e.step} ${e.via} ${e.to}`)).toEqual(['L1 email warner']);
  }, 180_000);
});

describe('messageIdFor', () => {
  const from = 'bb <bb@ci.example.org>';
  it('is the same for the same mail, and differs by reminder, person, deployment and sender', () => {
    const id = messageIdFor('hassle:3:L2|warner', 'warner@example.org', from, 'bb');
    expect(id).toMatch(/^<bb\.[0-9a-f]{40}@ci\.example\.org>$/);
    expect(messageIdFor('hassle:3:L2|warner', 'Warner@Example.org', from, 'bb')).toBe(id);
    const others = [
      messageIdFor('hassle:3:L3|warner', 'warner@example.org', from, 'bb'),
      messageIdFor('hassle:4:L2|warner', 'warner@example.org', from, 'bb'),
      messageIdFor('hassle:3:L2|warner', 'brian@work.example', from, 'bb'),
      messageIdFor('hassle:3:L2|warner', 'warner@example.org', from, 'bb2'),
      messageIdFor('hassle:3:L2|warner', 'warner@example.org', 'bb@other.example', 'bb'),
    ];
    expect(new Set([id, ...others]).size).toBe(6);
    expect(messageIdFor('x', 'a@b', 'bb@other.example')).toMatch(/@other\.example>$/);
    expect(messageIdFor('x', 'a@b', 'no address')).toMatch(/@bb\.invalid>$/);
  });
});
