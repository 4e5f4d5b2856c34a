import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { masterConfigSchema, type MasterConfig } from '../../src/config/schema.js';
import type { ChatOutbox, OutboxOptions } from '../../src/chat/outbox.js';
import { startAnnouncer, type Announcer } from '../../src/notify/announcer.js';
import { StoredSubscriptions } from '../../src/notify/stored-subscriptions.js';
import { parseAudienceKey } from '../../src/notify/audience.js';
import { createLogger } from '../../src/log.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { RecordingOutbox } from '../harness/recording-outbox.js';
import { StoreBuilds } from '../harness/store-builds.js';
import { LeaderLease } from '../../src/data/lease.js';
import { isNotLeader } from '../../src/data/fence.js';
import type { ExecutorRecord } from '../../src/model/records.js';

const log = createLogger('test', { level: 'silent' });
const DEV = parseAudienceKey('shell:#dev')!;
const OPS = parseAudienceKey('shell:#ops')!;
const REC: ExecutorRecord = { name: 'a', state: 'connected', session: 's1', seq: 0, slots: 1, hostname: 'box1', version: '0.1.0', connectedAt: 0, lastSeen: 0 };

function config(prefix: string): MasterConfig {
  return masterConfigSchema.parse({
    redis: { prefix },
    titleUrl: 'https://ci.example.org',
    executors: [{ name: 'a', secret: 'x'.repeat(16) }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
  });
}

/**
 * An outbox of a master that dies between taking a finished build's announcement and storing its
 * line: the send is reached (the take is done) and then never returns, as after a kill -9; or it
 * fails, as when Redis refuses the push.
 */
class DyingOutbox extends RecordingOutbox implements ChatOutbox {
  reached!: Promise<void>;
  private reach!: () => void;
  /** The ids of the lines it was asked to store. */
  readonly asked: Array<string | undefined> = [];
  constructor(private readonly how: 'hang' | 'fail') {
    super();
    this.reached = new Promise((r) => (this.reach = r));
  }
  override async send(_target: string, _text: string, opts: OutboxOptions = {}): Promise<void> {
    this.asked.push(opts.id);
    this.reach();
    if (this.how === 'fail') throw new Error('the push was refused');
    await new Promise<never>(() => undefined);
  }
}

describe('a finished build announced across a leader\'s death', () => {
  let url: string;
  let prefix: string;
  const redises: Redis[] = [];
  const announcers: Announcer[] = [];

  /** A master's store and announcer (each its own Redis connection and bus, as a process has). */
  function master(outbox: ChatOutbox, start = true) {
    const redis = new Redis(url);
    redises.push(redis);
    const store = new Store(redis, prefix);
    const cfg = config(prefix);
    const announcer = start ? startAnnouncer({ store, config: cfg, outbox, log }) : undefined;
    if (announcer) announcers.push(announcer);
    return { store, announcer, redis, subs: new StoredSubscriptions(store, cfg), builds: new StoreBuilds(store) };
  }

  const pending = async (redis: Redis) => ({
    due: await redis.zrange(`${prefix}:db:announce:due`, 0, -1),
    taking: await redis.zrange(`${prefix}:db:announce:taking`, 0, -1),
  });

  beforeEach(async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('announce-failover');
  });
  afterEach(async () => {
    for (const a of announcers.splice(0)) await a.stop();
    for (const r of redises.splice(0)) r.disconnect();
    await deletePrefix(url, prefix);
  });

  for (const how of ['hang', 'fail'] as const) {
    it(`taken but not stored (the send ${how === 'hang' ? 'never returns: killed' : 'is refused'}): the next leader says it, once`, async () => {
      const dying = new DyingOutbox(how);
      const a = master(dying, false);
      await a.subs.subscribe(DEV, ['finished']);
      const announcerA = startAnnouncer({ store: a.store, config: config(prefix), outbox: dying, log });
      const build = await a.builds.run('linux', { result: 'SUCCESS' });
      await dying.reached;
      // A took it: it is no longer due, but it is not forgotten either.
      expect(await pending(a.redis)).toEqual({ due: [], taking: [String(build.id)] });
      if (how === 'fail') {
        await announcerA.stop();
        expect(await pending(a.redis)).toEqual({ due: [], taking: [String(build.id)] });
      }
      // A is gone (its connection dropped; a hung A never gets further). B leads and catches up.
      a.redis.disconnect();
      const outB = new RecordingOutbox();
      const b = master(outB);
      await b.announcer!.idle();
      expect(outB.to('shell:#dev')).toEqual([`linux #${build.number}: SUCCESS | 00001000 by Brian Warner | https://ci.example.org/builders/linux/builds/${build.number}`]);
      // Decided again under the same id (on Matrix, the transaction id: one event).
      expect(outB.ids).toEqual([`finished:${build.id}|shell:#dev`]);
      expect(dying.asked).toEqual(outB.ids);
      expect(await pending(b.redis)).toEqual({ due: [], taking: [] });
      // A third leader finds nothing left to say.
      const outC = new RecordingOutbox();
      const c = master(outC);
      await c.announcer!.idle();
      expect(outC.sent).toEqual([]);
    });
  }

  it('a start taken but not stored (killed): the next leader says it once while the build runs', async () => {
    const dying = new DyingOutbox('hang');
    const a = master(dying, false);
    await a.subs.subscribe(DEV, ['started']);
    startAnnouncer({ store: a.store, config: config(prefix), outbox: dying, log });
    const { build } = await a.builds.start('linux');
    await dying.reached;
    expect(await pending(a.redis)).toEqual({ due: [], taking: [`started:${build.id}`] });
    a.redis.disconnect();
    const outB = new RecordingOutbox();
    const b = master(outB);
    await b.announcer!.idle();
    expect(outB.to('shell:#dev')).toHaveLength(1);
    expect(outB.to('shell:#dev')[0]).toMatch(new RegExp(`^linux #${build.number}\\b.*started`));
    expect(await pending(b.redis)).toEqual({ due: [], taking: [] });
    // B ends it (#dev hears no ends); a third leader repeats nothing.
    await b.store.applyBuildEvents(build.id, build.token, [{ type: 'build-finished', result: 'SUCCESS' }]);
    await b.announcer!.idle();
    expect(await pending(b.redis)).toEqual({ due: [], taking: [] });
    const outC = new RecordingOutbox();
    const c = master(outC);
    await c.announcer!.idle();
    expect(outC.sent).toEqual([]);
  });

  it('a Problem opened, taken but not stored (killed): the next leader says it once', async () => {
    const dying = new DyingOutbox('hang');
    const a = master(dying, false);
    await a.subs.subscribe(DEV, ['problem']);
    startAnnouncer({ store: a.store, config: config(prefix), outbox: dying, log });
    const p = await a.store.problems.create({
      key: 'test|tap|t1@cccc0002', state: 'confirmed', subjects: [{ kind: 'test', suite: 'tap', name: 't1' }],
      builders: [{ builder: 'linux', firstBadBuildId: 1, firstBadNumber: 1 }], firstBadRevision: 'cccc0002',
      openedAt: Date.now(), confirmedAt: Date.now(), guilty: ['warner'], responsible: ['warner'], interested: [], notMe: [], acks: [], watchers: [],
    }, 'problem.opened');
    await dying.reached;
    expect(await pending(a.redis)).toEqual({ due: [], taking: [`problem.opened:${p.id}`] });
    a.redis.disconnect();
    const outB = new RecordingOutbox();
    const b = master(outB);
    await b.announcer!.idle();
    expect(outB.to('shell:#dev')).toHaveLength(1);
    expect(outB.to('shell:#dev')[0]).toContain('t1');
    expect(await pending(b.redis)).toEqual({ due: [], taking: [] });
    const outC = new RecordingOutbox();
    await master(outC).announcer!.idle();
    expect(outC.sent).toEqual([]);
  });

  it('an executor lost, decided and taken but not stored (killed): the next leader says it once', async () => {
    const dying = new DyingOutbox('hang');
    const a = master(dying, false);
    await a.subs.subscribe(DEV, ['executor']);
    startAnnouncer({ store: a.store, config: config(prefix), outbox: dying, log });
    // The record's write and its announcement are one write: nothing lies between deciding and storing.
    await a.store.putExecutor({ ...REC, state: 'lost', reason: 'no heartbeat for 15 s' }, 'connected');
    await dying.reached;
    const { due, taking } = await pending(a.redis);
    expect(due).toEqual([]);
    expect(taking).toHaveLength(1);
    expect(taking[0]).toMatch(/^executor:\{"id":"[0-9a-f]{12}","name":"a","event":"lost",/);
    a.redis.disconnect();
    const outB = new RecordingOutbox();
    const b = master(outB);
    await b.announcer!.idle();
    expect(outB.to('shell:#dev')).toEqual(['executor a lost (no heartbeat for 15 s)']);
    expect(await pending(b.redis)).toEqual({ due: [], taking: [] });
    const outC = new RecordingOutbox();
    await master(outC).announcer!.idle();
    expect(outC.sent).toEqual([]);
  });

  it('executor events while no announcer runs (the leader died before taking them): the next leader says each once, in order', async () => {
    const a = master(new RecordingOutbox(), false);
    await a.subs.subscribe(DEV, ['executor']);
    await a.store.putExecutor(REC);
    await a.store.putExecutor({ ...REC, state: 'lost', reason: 'no heartbeat for 15 s' }, 'connected');
    await a.store.putExecutor({ ...REC, session: 's2', hostname: 'box2' }, 'lost');
    await a.store.executors.putRefused({ name: 'a', session: 's1', hostname: 'box1', reason: 'replaced by a newer process', at: Date.now() });
    // A heartbeat (no change of state) announces nothing.
    await a.store.putExecutor({ ...REC, session: 's2', hostname: 'box2', lastSeen: 5 }, 'connected');
    expect((await pending(a.redis)).due).toHaveLength(4);
    a.redis.disconnect();
    const outB = new RecordingOutbox();
    const b = master(outB);
    await b.announcer!.idle();
    expect(outB.to('shell:#dev').sort()).toEqual(
      [
        'executor a connected (box1, 0.1.0)',
        'executor a lost (no heartbeat for 15 s)',
        'executor a connected (box2, 0.1.0)',
        'executor a refused a process (on box1, session s1: replaced by a newer process)',
      ].sort(),
    );
    expect(await pending(b.redis)).toEqual({ due: [], taking: [] });
  });

  it('a paused old leader that wakes up after another took the lead: its executor news is refused with its record, and nothing is said', async () => {
    const outA = new RecordingOutbox();
    const a = master(outA);
    await a.subs.subscribe(DEV, ['executor']);
    const leaseA = new LeaderLease(a.store);
    expect((await leaseA.tryAcquire()).acquired).toBe(true);
    // B takes the lead (A's lease lapsed while it was paused).
    await a.redis.del(`${prefix}:db:leader`);
    const outB = new RecordingOutbox();
    const b = master(outB, false);
    const leaseB = new LeaderLease(b.store);
    expect(await leaseB.tryAcquire()).toMatchObject({ acquired: true, token: '2' });
    // A wakes up and judges an executor lost: Redis refuses the record and its announcement alike.
    const err = await a.store.putExecutor({ ...REC, state: 'lost', reason: 'no heartbeat for 15 s' }, 'connected').catch((e: unknown) => e);
    expect(isNotLeader(err)).toBe(true);
    await a.announcer!.idle();
    expect(outA.sent).toEqual([]);
    expect(await pending(a.redis)).toEqual({ due: [], taking: [] });
    expect(await a.store.getExecutor('a')).toBeNull();
    const announcerB = startAnnouncer({ store: b.store, config: config(prefix), outbox: outB, log });
    announcers.push(announcerB);
    await announcerB.idle();
    expect(outB.sent).toEqual([]);
  });

  it('a watched build, its end taken but not stored (killed): the watch is kept, and the next leader tells the watcher once', async () => {
    const dying = new DyingOutbox('hang');
    const a = master(dying, false);
    await a.subs.subscribe(DEV, ['finished']);
    await a.subs.watch({ audience: OPS, builder: 'linux', number: 1, by: 'alice', at: Date.now() });
    await a.subs.watch({ audience: DEV, builder: 'linux', after: 0, by: 'bob', at: Date.now() });
    startAnnouncer({ store: a.store, config: config(prefix), outbox: dying, log });
    const build = await a.builds.run('linux', { result: 'FAILURE', failSteps: ['test'] });
    expect(build.number).toBe(1);
    await dying.reached;
    expect(await pending(a.redis)).toEqual({ due: [], taking: [String(build.id)] });
    // Claimed by A, but still stored: A died before its lines were in the outbox.
    expect(await a.subs.watches(OPS)).toHaveLength(1);
    a.redis.disconnect();
    const outB = new RecordingOutbox();
    const b = master(outB);
    await b.announcer!.idle();
    expect(outB.to('shell:#ops')).toHaveLength(1);
    expect(outB.to('shell:#ops')[0]).toMatch(/^linux #1: FAILURE/);
    // #dev is subscribed and watches: one line.
    expect(outB.to('shell:#dev')).toHaveLength(1);
    expect(await b.subs.watches(OPS)).toEqual([]);
    expect(await b.subs.watches(DEV)).toEqual([]);
    expect(await pending(b.redis)).toEqual({ due: [], taking: [] });
    const outC = new RecordingOutbox();
    await master(outC).announcer!.idle();
    expect(outC.sent).toEqual([]);
  });

  it('a watch on the next build told once, even when two builds end before its line is stored', async () => {
    const outA = new RecordingOutbox();
    const a = master(outA);
    await a.subs.watch({ audience: OPS, builder: 'linux', after: 0, by: 'alice', at: Date.now() });
    await a.builds.run('linux', { result: 'SUCCESS' });
    await a.builds.run('linux', { result: 'FAILURE', failSteps: ['test'] });
    await a.announcer!.idle();
    expect(outA.to('shell:#ops')).toHaveLength(1);
    expect(outA.to('shell:#ops')[0]).toMatch(/^linux #1: SUCCESS/);
    expect(await a.subs.watches(OPS)).toEqual([]);
  });

  it('announced and stored: nothing is left due or taken, and the next leader repeats nothing', async () => {
    const outA = new RecordingOutbox();
    const a = master(outA);
    await a.subs.subscribe(DEV, ['finished']);
    await a.builds.run('linux', { result: 'FAILURE', failSteps: ['test'] });
    await a.builds.run('linux', { result: 'SUCCESS' });
    await a.announcer!.idle();
    expect(outA.to('shell:#dev')).toHaveLength(2);
    expect(await pending(a.redis)).toEqual({ due: [], taking: [] });
    const outB = new RecordingOutbox();
    const b = master(outB);
    await b.announcer!.idle();
    expect(outB.sent).toEqual([]);
  });
});
