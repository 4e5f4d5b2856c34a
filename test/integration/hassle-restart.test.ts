import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { probe, spawnBb, tempDir, waitFor, type Proc } from '../harness/bb.js';
import { testConfig } from '../harness/config.js';
import { seedConfirmedProblem, writeHassleConfig } from '../harness/hassle.js';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { makeRepo } from '../harness/git.js';
import { smtpSettings, TestSmtp } from '../harness/smtp.js';
import type { Store } from '../../src/data/store.js';
import { ManualClock, offsetClock } from '../../src/util/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { Master } from '../../src/master.js';
import { createLogger } from '../../src/log.js';

let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await TestSmtp.start();
});
afterAll(async () => smtp?.close());

const M = 60_000;
const mailsTo = (to: string) => smtp.messages.filter((m) => m.to.includes(to));

describe('the hassler across a master killed between two levels', () => {
  const procs: Proc[] = [];
  let url = '';
  let prefix = '';
  let p: { store: Store; close(): void } | undefined;
  afterEach(async () => {
    for (const x of procs.splice(0)) await x.kill('SIGKILL');
    p?.close();
    await deletePrefix(url, prefix);
  });

  it('level 1 once, SIGKILL, a master 31 minutes later sends level 2 once, and a third master repeats nothing', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('hassle-kill');
    const dir = tempDir('hassle-kill');
    const cfg = writeHassleConfig(dir, prefix, smtp.port);
    p = probe(url, prefix);
    const email = await seedConfirmedProblem(p.store, prefix);
    const master = (label: string, offsetMs: number) => {
      const m = spawnBb(['master', '--config', cfg, '--redis', url], { logDir: dir, label, env: { BB_CLOCK_OFFSET_MS: String(offsetMs) } });
      procs.push(m);
      return m;
    };

    const m1 = master('master1', 0);
    await waitFor('level 1 by email', () => mailsTo(email)[0], 30_000);
    await waitFor('level 1 recorded', async () => (await p!.store.hassle.get(1))?.next === 1);
    expect(mailsTo(email)[0]!.subject).toBe('[bb] problem #1: sample.net.reconnects fails on linux');
    expect(mailsTo(email)[0]!.text).toContain('You get this because not active on chat');
    await m1.kill('SIGKILL');

    const m2 = master('master2', 31 * M);
    const l2 = await waitFor('level 2 by email', () => mailsTo(email)[1], 30_000);
    expect(l2.subject).toMatch(/^\[bb\] still broken after 31m: problem #1, sample\.net\.reconnects fails on linux \(reminder 2\)$/);
    await waitFor('level 2 recorded', async () => (await p!.store.hassle.get(1))?.next === 2);
    await m2.kill('SIGKILL');

    // A third master (in this process, to see when it has done what was due) sends nothing again.
    const loaded = await loadConfig(cfg);
    const m3 = new Master({ config: loaded.config, secrets: loaded.secrets, redisUrl: url, baseDir: dir, logger: createLogger('test', { level: 'silent' }), clock: offsetClock(31 * M) });
    await m3.start();
    await m3.settled();
    await m3.stop();
    expect(mailsTo(email)).toHaveLength(2);
    const log = await p.store.hassle.log(1);
    expect(log.filter((e) => e.outcome === 'sent').map((e) => `${e.step} ${e.via}`)).toEqual(['L1 email', 'L2 email']);
    // Level 2's channel mention has no channel to go to (no chat, so no announce targets).
    expect(log.find((e) => e.via === 'channel')).toBeUndefined();
    expect((await p.store.hassle.get(1))?.next).toBe(2);
  }, 120_000);
});

describe('a flaky test', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('is confirmed flaky by the rerun and never hassled, however long the clock runs', async () => {
    const repo = makeRepo();
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'flaky.sh': 'true\n' }, 'initial');
    fx = await PipelineFixture.create('hassle-flaky', testConfig({
      executors: [{ name: 'a', secret: SECRET_A }],
      repositories: [{ name: 'sample', url: repo.dir, branches: ['main'], pollInterval: 0.3 }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'checkout' }, { type: 'shell', name: 'flaky', command: ['sh', 'flaky.sh'] }] }],
      schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux'] }],
      users: { smtp: smtpSettings(smtp.port) },
      problems: { interested: { linux: ['meejah'] }, sheriff: ['zooko'] },
    }));
    const clock = new ManualClock(Date.parse('2026-12-02T10:00:00Z'));
    const master = await fx.startMaster({ clock });
    await fx.startExecutor('a', SECRET_A);
    const before = smtp.messages.length;
    await waitFor('the first poll', async () => (await fx.store.pollerTips('sample')).main === repo.head(), 20_000);
    repo.commit('Zooko Wilcox <zooko@example.org>', { README: 'hi\n' }, 'readme');
    await waitFor('a green build', async () => (await fx.builds('linux'))[0]?.result === 'SUCCESS', 30_000);
    const marker = `${fx.dir}/flaky-ran`;
    repo.commit('Brian Warner <warner-flaky@example.org>', { 'flaky.sh': `test -f ${marker} || { touch ${marker}; exit 1; }\n` }, 'flaky check');
    await waitFor('problem 1 flaky', async () => (await fx.store.problems.get(1))?.state === 'flaky', 40_000);
    for (const hours of [1, 3, 12]) {
      clock.advance(hours * 60 * M);
      await master.settled();
    }
    expect(await fx.store.hassle.get(1)).toBeNull();
    expect(await fx.store.hassle.log(1)).toEqual([]);
    expect(smtp.messages.slice(before)).toEqual([]);
  }, 90_000);
});
