import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { masterConfigSchema } from '../../src/config/schema.js';
import { PackageGate } from '../../src/tiers/packages.js';
import type { Build } from '../../src/model/build.js';
import type { Tier } from '../../src/model/tier.js';
import { stepSpecSchema } from '../../src/model/steps.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { RecordingOutbox } from '../harness/recording-outbox.js';
import { TierService } from '../../src/tiers/index.js';
import type { Result } from '../../src/model/results.js';

/**
 * The packages of a revision are claimed (one per revision) and their BuildSet made in two
 * writes. A leader killed between them leaves a claim without a BuildSet, which used to mean no
 * package for that revision, ever: the next leader makes that BuildSet as it starts, once.
 */

const STEPS = [stepSpecSchema.parse({ type: 'shell', name: 'test', command: 'true' })];
const TIERS = new Map<string, Tier>([['linux', 'supported'], ['mac', 'supported'], ['package', 'unsupported']]);

describe('a package claimed by a leader that died before making its BuildSet', () => {
  let url: string;
  let prefix: string;
  const redises: Redis[] = [];
  beforeEach(async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('tiers-failover');
  });
  afterEach(async () => {
    for (const r of redises.splice(0)) r.disconnect();
    await deletePrefix(url, prefix);
  });

  const store = () => {
    const r = new Redis(url);
    redises.push(r);
    return new Store(r, prefix);
  };
  const config = masterConfigSchema.parse({
    redis: { prefix: 'x' },
    executors: [{ name: 'a', secret: 'x'.repeat(16) }],
    builders: [
      { name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
      { name: 'mac', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
      { name: 'package', tier: 'unsupported', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
    ],
    packages: { builder: 'package' },
  });

  /** linux and mac built `revision` and passed; returns the last build. */
  async function passed(s: Store, revision: string, mac: Result = 'SUCCESS'): Promise<Build> {
    const { requests } = await s.createBuildSet({
      reason: 'test', scheduler: 'force', builders: ['linux', 'mac'], properties: {}, priority: 0,
      sourcestamp: { repository: 'https://example.org/repo.git', branch: 'main', revision, project: '', changeIds: [] },
    });
    let last!: Build;
    for (const r of requests) {
      const b = (await s.claimRequest(r.id, 'a', STEPS, {}))!;
      last = (await s.applyBuildEvents(b.id, b.token, [{ type: 'build-started' }, { type: 'build-finished', result: r.builder === 'mac' ? mac : 'SUCCESS' }]))!;
    }
    return last;
  }

  const packageSets = async (s: Store) => (await s.getBuildSets(await s.buildSetIdsAfter(0, 100))).filter((b) => b.scheduler === 'packages');

  it('the next leader makes its BuildSet as it starts, once; a third makes none', async () => {
    const a = store();
    const trigger = await passed(a, 'cafe0001');
    // A's gate claims the package and dies (kill -9) before its BuildSet is written.
    let reached!: () => void;
    const claimed = new Promise<void>((r) => (reached = r));
    const dying = Object.assign(Object.create(a) as Store, {
      createBuildSet: () => {
        reached();
        return new Promise<never>(() => undefined);
      },
    });
    void new PackageGate(dying, () => config).evaluate(TIERS, trigger);
    await claimed;
    expect(await a.tiers.unstartedPackages()).toMatchObject([{ revision: 'cafe0001', buildsetId: 0 }]);
    expect(await packageSets(a)).toEqual([]);
    // Every later look at the revision finds it packaged already: without the next step, no package ever.
    expect(await new PackageGate(store(), () => config).evaluate(TIERS, trigger)).toEqual({ kind: 'none' });

    const b = store();
    const started = await new PackageGate(b, () => config).startUnstarted();
    expect(started.map((r) => r.revision)).toEqual(['cafe0001']);
    const sets = await packageSets(b);
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ builders: ['package'], sourcestamp: { revision: 'cafe0001' }, properties: { packaged_revision: 'cafe0001' } });
    expect(await b.tiers.getPackage('cafe0001')).toMatchObject({ buildsetId: sets[0]!.id, vouchers: ['linux#1', 'mac#1'] });
    expect((await b.tiers.recentPackages(5)).map((r) => r.revision)).toEqual(['cafe0001']);

    expect(await new PackageGate(store(), () => config).startUnstarted()).toEqual([]);
    expect(await packageSets(b)).toHaveLength(1);
  });

  it('a package started normally: its BuildSet and its record are one write, and nothing is left to start', async () => {
    const a = store();
    const trigger = await passed(a, 'cafe0002');
    const out = await new PackageGate(a, () => config).evaluate(TIERS, trigger);
    expect(out).toMatchObject({ kind: 'packaged', record: { revision: 'cafe0002' } });
    const sets = await packageSets(a);
    expect(sets).toHaveLength(1);
    expect(await a.tiers.getPackage('cafe0002')).toMatchObject({ buildsetId: sets[0]!.id });
    expect(await a.tiers.unstartedPackages()).toEqual([]);
  });

  /** A leader's tiers service, saying its lines into `out` in #dev. */
  async function leader(s: Store, out: RecordingOutbox): Promise<TierService> {
    const t = new TierService({ store: s, config });
    t.announceVia(out, ['shell:#dev']);
    services.push(t);
    t.start();
    await t.idle();
    return t;
  }
  const services: TierService[] = [];
  afterEach(async () => {
    for (const t of services.splice(0)) await t.stop();
  });

  it('packages halted, stored but not said (the leader died): the next leader says it once, with the id the first gave it', async () => {
    const a = store();
    const trigger = await passed(a, 'cafe0003', 'FAILURE');
    // A's gate halts packages (the halt and its line are one write); A dies before saying it.
    const out = await new PackageGate(a, () => config).evaluate(TIERS, trigger);
    expect(out).toMatchObject({ kind: 'halted', announce: true, line: { text: 'packages halted: supported builder mac' } });
    const [stored] = await a.tiers.lines();
    expect(stored).toMatchObject({ id: expect.stringMatching(/^halted:mac:/), text: 'packages halted: supported builder mac' });

    const outB = new RecordingOutbox();
    await leader(store(), outB);
    expect(outB.to('shell:#dev')).toEqual(['packages halted: supported builder mac']);
    expect(outB.ids).toEqual([`tiers:${stored!.id}|shell:#dev`]);
    expect(await a.tiers.lines()).toEqual([]);
    // A third leader: nothing left to say, and the halt is not said again.
    const outC = new RecordingOutbox();
    await leader(store(), outC);
    expect(outC.sent).toEqual([]);
  });

  it('a demotion that expired, its end stored by a reader but not said: the leader says it once', async () => {
    const a = store();
    await a.tiers.setOverride({ builder: 'mac', tier: 'unsupported', by: 'warner', reason: 'flaky disk', at: Date.now() - 2000, until: Date.now() - 1000 });
    // Something reads the tiers (a status page) and ends the demotion; its line is stored with that.
    const read = await new TierService({ store: store(), config }).overrides.tiers();
    expect(read.expired.map((o) => o.builder)).toEqual(['mac']);
    expect((await a.tiers.lines()).map((l) => l.text)).toEqual(['mac promoted back to supported: its demotion by warner expired.']);
    const outB = new RecordingOutbox();
    await leader(store(), outB);
    expect(outB.to('shell:#dev')).toEqual(['mac promoted back to supported: its demotion by warner expired.']);
    expect(await a.tiers.lines()).toEqual([]);
  });

  it('demote, promote and tree close/open: a leader dying between the write and the broadcast leaves the lines to the next leader, said once, not in the command\'s channel', async () => {
    const a = store();
    // A's outbox takes nothing: A is killed after each command's write, before any channel hears it.
    const hung: string[] = [];
    const dead = Object.assign(new RecordingOutbox(), { send: (_t: string, text: string) => (hung.push(text), new Promise<never>(() => undefined)) });
    const problem = { id: 7, tests: ['test_upload'], guilty: ['alice'], firstBadRevision: 'cafe0009' };
    const tA = new TierService({ store: a, config, problems: { openOn: async (b) => (b === 'linux' ? [problem] : []) } });
    tA.announceVia(dead, ['shell:#dev', 'shell:#ops']);
    const ops = 'shell:#ops';
    expect(await tA.demote({ builder: 'mac', by: 'warner', reason: 'flaky disk', heardIn: ops })).toMatchObject({ builder: 'mac', tier: 'unsupported' });
    await tA.promote({ builder: 'mac', by: 'zooko', heardIn: ops });
    await tA.closeTree('warner', 'release freeze', ops);
    // The opening's text depends on the tree after it (Problem 7 keeps it closed): A decided it.
    expect(await tA.openTree('warner', ops)).toBe(true);
    // Opening a tree nobody closed by hand says nothing and stores nothing.
    expect(await tA.openTree('warner', ops)).toBe(false);
    const texts = [
      'mac demoted to unsupported by warner: flaky disk. It no longer holds packages back.',
      'mac promoted to supported by zooko. It gates packages again.',
      'The tree is closed by warner: release freeze',
      'warner lifted the hand closure, but the tree stays closed: problem #7 on linux since cafe0009 (test_upload).',
    ];
    const stored = await a.tiers.lines();
    expect(stored.map((l) => l.text).sort()).toEqual([...texts].sort());
    expect(stored.every((l) => l.skip === ops)).toBe(true);
    // A got as far as handing the first line to its outbox, which never answered.
    expect(hung).toEqual([texts[0]]);

    // B leads (with no Problems source: the text is the one A stored) and says each once, in #dev only.
    const outB = new RecordingOutbox();
    const tB = new TierService({ store: store(), config });
    tB.announceVia(outB, ['shell:#dev', 'shell:#ops']);
    services.push(tB);
    tB.start();
    await tB.idle();
    expect(outB.to('shell:#ops')).toEqual([]);
    expect([...outB.to('shell:#dev')].sort()).toEqual([...texts].sort());
    expect([...outB.ids].sort()).toEqual(stored.map((l) => `tiers:${l.id}|shell:#dev`).sort());
    expect(await a.tiers.lines()).toEqual([]);
    // The state A wrote stands: mac supported again (its override gone), the tree not closed by hand.
    expect(await a.tiers.overrides()).toEqual(new Map());
    expect(await a.tiers.treeClosed()).toBeNull();
    // A third leader says nothing again.
    const outC = new RecordingOutbox();
    await leader(store(), outC);
    expect(outC.sent).toEqual([]);
  });

  it('a command on a live leader: its line is said at once, skips the command\'s channel, and leaves nothing stored', async () => {
    const a = store();
    const out = new RecordingOutbox();
    const t = await leader(a, out);
    await t.closeTree('warner', 'freeze', 'shell:#dev');
    await t.openTree('warner');
    await t.idle();
    expect(out.to('shell:#dev')).toEqual(['The tree is opened by warner.']);
    expect(await a.tiers.lines()).toEqual([]);
  });
});
