import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { masterConfigSchema, type MasterConfig } from '../../src/config/schema.js';
import { startAnnouncer, type Announcer } from '../../src/notify/announcer.js';
import { StoredSubscriptions } from '../../src/notify/stored-subscriptions.js';
import { parseAudienceKey, type Audience } from '../../src/notify/audience.js';
import { createLogger } from '../../src/log.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { RecordingOutbox } from '../harness/recording-outbox.js';
import { StoreBuilds } from '../harness/store-builds.js';
import type { ExecutorRecord } from '../../src/model/records.js';

const log = createLogger('test', { level: 'silent' });
const DEV = parseAudienceKey('shell:#dev')!;
const ALL = parseAudienceKey('shell:#all')!;
const WARNER: Audience = { kind: 'direct', transport: 'shell', user: 'warner' };

function config(prefix: string, announce: Array<{ target: string; events: string[] }> = []): MasterConfig {
  return masterConfigSchema.parse({
    redis: { prefix },
    titleUrl: 'https://ci.example.org',
    executors: [{ name: 'a', secret: 'x'.repeat(16) }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }, { name: 'docs', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
    chat: { announce },
  });
}

describe('the announcer, on the real store', () => {
  let url: string;
  let prefix: string;
  const redises: Redis[] = [];
  const announcers: Announcer[] = [];
  let outbox: RecordingOutbox;

  /** A store, subscriptions and a started announcer, as one master process would have them. */
  function master(cfg: MasterConfig) {
    const redis = new Redis(url);
    redises.push(redis);
    const store = new Store(redis, prefix);
    const announcer = startAnnouncer({ store, config: cfg, outbox, log });
    announcers.push(announcer);
    return { store, announcer, subs: new StoredSubscriptions(store, cfg), builds: new StoreBuilds(store) };
  }

  beforeEach(async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('announce');
    outbox = new RecordingOutbox();
  });
  afterEach(async () => {
    for (const a of announcers.splice(0)) await a.stop();
    for (const r of redises.splice(0)) r.disconnect();
    await deletePrefix(url, prefix);
  });

  it('announces a failure once while it stays the same, a changed failure, and the recovery', async () => {
    const m = master(config(prefix));
    await m.subs.subscribe(DEV, ['failure', 'recovery']);
    await m.subs.subscribe(ALL, ['finished']);
    const step = async (plan: Parameters<StoreBuilds['run']>[1]) => {
      await m.builds.run('linux', plan);
      await m.announcer.idle();
      return outbox.to('shell:#dev');
    };
    expect(await step({ result: 'SUCCESS', passTests: ['test_a', 'test_b'] })).toEqual([]);
    expect(await step({ result: 'FAILURE', failSteps: ['test'], failTests: ['test_a'] })).toEqual([
      'linux #2: FAILURE (new failure) in test; failed tests: test_a | 00001001 by Brian Warner | https://ci.example.org/builders/linux/builds/2',
    ]);
    expect(await step({ result: 'FAILURE', failSteps: ['test'], failTests: ['test_a'] })).toHaveLength(1);
    // Builds that say nothing about the code neither announce nor break the chain.
    expect(await step({ result: 'RETRY', text: 'executor lost' })).toHaveLength(1);
    expect(await step({ result: 'CANCELLED', text: 'stopped by warner' })).toHaveLength(1);
    expect(await step({ result: 'FAILURE', failSteps: ['test'], failTests: ['test_a'] })).toHaveLength(1);
    const changed = await step({ result: 'FAILURE', failSteps: ['test'], failTests: ['test_a', 'test_b'] });
    expect(changed[1]).toMatch(/^linux #7: FAILURE \(failing differently\) in test; failed tests: test_a, test_b \|/);
    expect(await step({ result: 'FAILURE', failSteps: ['test'], failTests: ['test_a', 'test_b'] })).toHaveLength(2);
    const fixed = await step({ result: 'SUCCESS' });
    expect(fixed[2]).toMatch(/^linux #9: SUCCESS \(fixed\) \| 0000100\w by Brian Warner \| https:\/\/ci.example.org\/builders\/linux\/builds\/9$/);
    expect(await step({ result: 'SUCCESS' })).toHaveLength(3);
    // `finished` hears every build, repeats and retries included.
    expect(outbox.to('shell:#all')).toHaveLength(10);
    expect(outbox.to('shell:#all')[3]).toMatch(/^linux #4: RETRY \(executor lost\)/);
    expect(outbox.to('shell:#all')[2]).toMatch(/^linux #3: FAILURE \(still failing\)/);
  });

  it('decides from stored builds: a restarted master does not announce the same failure again', async () => {
    const m1 = master(config(prefix));
    await m1.subs.subscribe(DEV, ['failure', 'recovery']);
    await m1.builds.run('linux', { result: 'FAILURE', failSteps: ['compile'] });
    await m1.announcer.stop();
    expect(outbox.to('shell:#dev')).toHaveLength(1);

    const m2 = master(config(prefix));
    await m2.builds.run('linux', { result: 'FAILURE', failSteps: ['compile'] });
    await m2.builds.run('docs', { result: 'FAILURE', failSteps: ['compile'] });
    await m2.announcer.idle();
    expect(outbox.to('shell:#dev')).toHaveLength(2);
    expect(outbox.to('shell:#dev')[1]).toMatch(/^docs #1: FAILURE/);
  });

  it('config seeds count until someone says notify; "notify off" is remembered across restarts', async () => {
    const cfg = config(prefix, [{ target: 'shell:#ops', events: ['finished'] }, { target: 'shell:#ops', events: ['started'] }]);
    const m = master(cfg);
    const OPS = parseAudienceKey('shell:#ops')!;
    expect(await m.subs.events(OPS)).toEqual(['started', 'finished']);
    await m.builds.run('linux', { result: 'SUCCESS' });
    await m.announcer.idle();
    expect(outbox.to('shell:#ops')).toEqual([expect.stringMatching(/^linux #1 started on a/), expect.stringMatching(/^linux #1: SUCCESS/)]);

    // The first change copies the seed in and then applies itself.
    expect(await m.subs.unsubscribe(OPS, ['started'])).toEqual(['finished']);
    expect(await m.subs.unsubscribe(OPS, 'all')).toEqual([]);
    await m.announcer.stop();
    const again = master(cfg);
    expect(await again.subs.events(OPS)).toEqual([]);
    await again.builds.run('linux', { result: 'FAILURE', failSteps: ['test'] });
    await again.announcer.idle();
    expect(outbox.to('shell:#ops')).toHaveLength(2);
  });

  it('a muted audience gets nothing, watches included, until unmuted; DMs go to the person', async () => {
    const m = master(config(prefix));
    await m.subs.subscribe(DEV, ['finished']);
    await m.subs.subscribe(WARNER, ['failure']);
    expect(await m.subs.setMuted(DEV, true, 'warner')).toBe(true);
    expect(await m.subs.setMuted(DEV, true, 'warner')).toBe(false);
    await m.subs.watch({ audience: DEV, builder: 'linux', after: 0, by: 'warner', at: 0 });
    await m.builds.run('linux', { result: 'FAILURE', failSteps: ['test'] });
    await m.announcer.idle();
    expect(outbox.to('shell:#dev')).toEqual([]);
    expect(outbox.to('dm:shell:warner')).toEqual([expect.stringMatching(/^linux #1: FAILURE in test \| /)]);
    expect(await m.subs.setMuted(DEV, false, 'warner')).toBe(true);
    await m.builds.run('linux', { result: 'SUCCESS' });
    await m.announcer.idle();
    expect(outbox.to('shell:#dev')).toEqual([expect.stringMatching(/^linux #2: SUCCESS \(fixed\)/)]);
  });

  it('a watch is announced once, survives a RETRY, and is caught up after a restart', async () => {
    const m = master(config(prefix));
    // Watching the running build: told once, though #dev subscribes to nothing.
    const running = await m.builds.start('linux');
    await m.subs.watch({ audience: DEV, builder: 'linux', number: running.build.number, by: 'warner', at: 0 });
    await running.finish({ result: 'SUCCESS' });
    await m.builds.run('linux', { result: 'SUCCESS' });
    await m.announcer.idle();
    expect(outbox.to('shell:#dev')).toEqual([expect.stringMatching(/^linux #1: SUCCESS \|/)]);
    expect(await m.subs.watches(DEV)).toEqual([]);

    // A watched build that is retried hands the watch to the next build.
    const retried = await m.builds.start('linux');
    await m.subs.watch({ audience: DEV, builder: 'linux', number: retried.build.number, by: 'warner', at: 0 });
    await retried.finish({ result: 'RETRY', text: 'executor lost' });
    await m.announcer.idle();
    expect(outbox.to('shell:#dev')).toHaveLength(1);
    expect(await m.subs.watches(DEV)).toMatchObject([{ builder: 'linux', after: 3 }]);
    await m.builds.run('linux', { result: 'FAILURE', failSteps: ['test'], failTests: ['t1'] });
    await m.announcer.idle();
    expect(outbox.to('shell:#dev')[1]).toMatch(/^linux #4: FAILURE \(new failure\) in test; failed tests: t1/);

    // A build that ends while no announcer runs is announced when one starts.
    await m.subs.watch({ audience: WARNER, builder: 'docs', after: 0, by: 'warner', at: 0 });
    await m.announcer.stop();
    await m.builds.run('docs', { result: 'WARNINGS', failSteps: ['test'] });
    const m2 = master(config(prefix));
    await m2.announcer.idle();
    expect(outbox.to('dm:shell:warner')).toEqual([expect.stringMatching(/^docs #1: WARNINGS/)]);
    expect(await m2.subs.watches(WARNER)).toEqual([]);
  });

  it('started and executor events, with HTML for Matrix targets', async () => {
    const m = master(config(prefix));
    const ROOM = parseAudienceKey('matrix:!room:localhost')!;
    await m.subs.subscribe(ROOM, ['started', 'executor']);
    const rec: ExecutorRecord = { name: 'a', state: 'connected', session: 's', seq: 0, slots: 1, hostname: 'box<1>', version: '0.1.0', connectedAt: 0, lastSeen: 0 };
    await m.store.putExecutor(rec);
    await m.store.putExecutor({ ...rec, state: 'lost', reason: 'no heartbeat' }, 'connected');
    await m.store.executors.putRefused({ name: 'a', session: 'bad1', hostname: 'old-box', reason: 'wrong secret', at: 0 });
    await m.builds.start('linux');
    await m.announcer.idle();
    expect(outbox.sent.map((s) => s.text)).toEqual([
      'executor a connected (box<1>, 0.1.0)',
      'executor a lost (no heartbeat)',
      'executor a refused a process (on old-box, session bad1: wrong secret)',
      expect.stringMatching(/^linux #1 started on a \| 00001000 by Brian Warner \| https:\/\/ci.example.org\/builders\/linux\/builds\/1$/),
    ]);
    expect(outbox.sent[0]!.html).toBe('executor <b>a</b> connected (box&lt;1&gt;, 0.1.0)');
    expect(outbox.sent.every((s) => s.to === 'matrix:!room:localhost')).toBe(true);
  });
});
