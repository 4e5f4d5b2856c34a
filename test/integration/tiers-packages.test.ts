import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { PipelineFixture, SECRET_A, SECRET_B } from '../harness/pipeline.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { waitFor } from '../harness/bb.js';
import { RecordingOutbox } from '../harness/recording-outbox.js';
import { ShellTransport } from '../../src/chat/shell.js';
import { CommandRouter } from '../../src/chat/router.js';
import { MasterBotApi } from '../../src/chat/master-api.js';
import { attachRouter } from '../../src/chat/bot.js';
import { ChatAuthorizer } from '../../src/chat/authz.js';
import { allCommands } from '../../bot-commands/index.js';
import { TierService } from '../../src/tiers/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { testConfig, type TestConfig } from '../harness/config.js';

const PLATFORMS = ['linux', 'mac', 'windows', 'freebsd'];

/** Each platform fails when the property `fail_<name>` is `yes`; the package builder always passes. */
const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [
    ...PLATFORMS.map((p) => ({ name: p, executors: ['a'], ...(p === 'freebsd' ? { tier: 'unsupported' as const } : {}), steps: [{ type: 'shell' as const, name: 'test', command: `test "%(prop:fail_${p}:-no)" = no` }] })),
    { name: 'package', tier: 'unsupported', executors: ['a'], steps: [{ type: 'shell', name: 'dists', command: 'echo packaging %(prop:packaged_revision)' }] },
  ],
  schedulers: [{ type: 'force', name: 'force', builders: ['linux', 'mac', 'windows', 'freebsd', 'package'] }],
  packages: { builder: 'package' },
  tiers: { owners: { mac: ['warner'] } },
  // Builds here fail by a build property, which a Problem's confirming rerun would not carry.
  problems: { confirm: false },
});
async function setup(label: string, body: TestConfig = config, clock?: ManualClock) {
  const fx = await PipelineFixture.create(label, body);
  const master = await fx.startMaster(clock ? { clock } : {});
  await fx.startExecutor('a', SECRET_A, 5);
  const outbox = new RecordingOutbox();
  master.tiers.announceVia(outbox, ['shell:#dev']);
  /** Builds every platform at `revision`, failing those in `fail`, and waits until the gate has decided. */
  const round = async (revision: string, fail: string[] = []) => {
    const before = await Promise.all(PLATFORMS.map(async (p) => (await fx.builds(p)).length));
    const properties = Object.fromEntries(fail.map((p) => [`fail_${p}`, 'yes']));
    await fx.client.control({ v: 1, type: 'force', builders: PLATFORMS, revision, owner: 'test', properties });
    await waitFor(`round ${revision}`, async () => {
      const all = await Promise.all(PLATFORMS.map((p) => fx.builds(p)));
      return all.every((b, i) => b.length > before[i]! && b.every((x) => x.state === 'finished'));
    });
    await master.settled();
  };
  const packagedRevisions = async () => (await master.tiers.packages(50)).map((p) => p.revision);
  const channel = () => outbox.to('shell:#dev');
  return { fx, master, outbox, round, packagedRevisions, channel };
}

describe('tiers and packages, with real executors and Redis', () => {
  let fx: PipelineFixture | undefined;
  afterEach(async () => fx?.close());

  it('packages when every supported builder passed; a red one halts them once; demote and promote move the gate', async () => {
    const t = await setup('tiers');
    fx = t.fx;
    await waitFor('executor a', async () => (await t.fx.store.getExecutor('a'))?.state === 'connected');

    await t.round('1001');
    const [first] = await waitFor('package for r1001', async () => {
      const list = await t.master.tiers.packages(5);
      return list[0]?.build ? list : null;
    });
    expect(first).toMatchObject({ revision: '1001', build: { number: 1, result: 'SUCCESS' } });
    expect(first!.vouchers.sort()).toEqual(['linux#1', 'mac#1', 'windows#1']);

    // An unsupported builder's red never stops packages.
    await t.round('1002', ['freebsd']);
    expect(await t.packagedRevisions()).toEqual(['1002', '1001']);

    // A supported builder red: no package, and "halted" said once.
    await t.round('1003', ['mac']);
    await t.round('1004', ['mac']);
    expect(await t.packagedRevisions()).toEqual(['1002', '1001']);
    expect(t.channel().filter((l) => l.startsWith('packages halted'))).toEqual(['packages halted: supported builder mac red since r1003']);

    // Demoted, mac no longer holds packages back: the revision that waited for it (r1004, green
    // on every builder still supported) is packaged at once, not only the next commit.
    await t.master.tiers.demote({ builder: 'mac', by: 'warner', reason: 'its Python broke' });
    await t.master.tiers.idle();
    expect(await t.packagedRevisions()).toEqual(['1004', '1002', '1001']);
    expect(t.channel().filter((l) => l.startsWith('packages resumed'))).toEqual(['packages resumed at r1004']);
    expect(t.channel()).toContain('mac demoted to unsupported by warner: its Python broke. It no longer holds packages back. (owners: warner)');
    await t.round('1005', ['mac']);
    expect(await t.packagedRevisions()).toEqual(['1005', '1004', '1002', '1001']);
    // Said again, the set of supported builders unchanged: nothing older is packaged.
    await t.master.tiers.demote({ builder: 'windows', by: 'warner', reason: 'x', forMs: 60_000 });
    await t.master.tiers.promote({ builder: 'windows', by: 'warner' });
    await t.master.tiers.idle();
    expect(await t.packagedRevisions()).toEqual(['1005', '1004', '1002', '1001']);

    // Promoted, it gates again: it is still red, so packages halt at once.
    await t.master.tiers.promote({ builder: 'mac', by: 'warner' });
    await t.master.tiers.idle();
    expect(t.channel().filter((l) => l.startsWith('packages halted'))).toHaveLength(2);
    await t.round('1006', ['mac']);
    expect(await t.packagedRevisions()).toEqual(['1005', '1004', '1002', '1001']);
    expect(t.channel().filter((l) => l.startsWith('packages halted'))).toHaveLength(2);

    // The packages builder never gates: demote and promote refuse it, saying why.
    await expect(t.master.tiers.promote({ builder: 'package', by: 'warner' })).rejects.toThrow(/package is the packages builder: it makes the packages and never gates them/);
    await expect(t.master.tiers.demote({ builder: 'package', by: 'warner', reason: 'x' })).rejects.toThrow(/never gates them/);

    // A demotion for one second ends by itself; while it lasts, r1006 (which waited for mac) is packaged.
    await t.master.tiers.demote({ builder: 'mac', by: 'warner', reason: 'flaky disk', forMs: 1000 });
    await waitFor('the demotion to expire', () => t.channel().some((l) => l.startsWith('mac promoted back to supported')), 5000);
    await t.master.tiers.idle();
    expect(await t.packagedRevisions()).toEqual(['1006', '1005', '1004', '1002', '1001']);
    const mac = (await t.master.tiers.list()).find((h) => h.builder === 'mac');
    expect(mac).toMatchObject({ tier: 'supported', state: 'red' });
    expect(mac!.override).toBeUndefined();
    // Green everywhere again: packages resume.
    await t.round('1007');
    await waitFor('package for r1007', async () => ((await t.packagedRevisions())[0] === '1007' ? true : null));
    expect(t.channel().filter((l) => l.startsWith('packages resumed'))).toEqual(['packages resumed at r1004', 'packages resumed at r1006', 'packages resumed at r1007']);

    // Two supported builders red together: the halted line names both.
    await t.round('1008', ['mac', 'windows']);
    const halted = t.channel().filter((l) => l.startsWith('packages halted'));
    expect(halted.at(-1)).toMatch(/^packages halted: supported builders (mac red since r1008, windows red since r1008|windows red since r1008, mac red since r1008)$/);
  });

  it('an expired demotion also ends across a restart (stored in Redis, checked at start)', async () => {
    const clock = new ManualClock(Date.now());
    const t = await setup('tiersrestart', config, clock);
    fx = t.fx;
    await t.master.tiers.demote({ builder: 'windows', by: 'zooko', reason: 'vm rebuilt', forMs: 300 });
    await t.master.settled();
    expect(await t.master.queues.timers.armed()).toEqual([{ kind: 'tier-expiry', key: 'tiers', at: clock.now() + 320 }]);
    await t.master.stop();
    clock.advance(400);
    const again = await t.fx.startMaster({ clock });
    await again.settled();
    const h = (await again.tiers.list()).find((x) => x.builder === 'windows');
    expect(h).toMatchObject({ tier: 'supported' });
    expect(await t.fx.redis.hget(t.fx.keys.tierOverrides, 'windows')).toBeNull();
    expect(await again.queues.timers.armed()).toEqual([]);

    // On a running master the tier-expiry timer ends it when the clock reaches the end.
    again.tiers.announceVia(t.outbox, ['shell:#dev']);
    await again.tiers.demote({ builder: 'mac', by: 'zooko', reason: 'disk full', forMs: 60_000 });
    clock.advance(59_000);
    await again.settled();
    expect((await again.tiers.list()).find((x) => x.builder === 'mac')).toMatchObject({ tier: 'unsupported' });
    clock.advance(1_000);
    await again.settled();
    expect((await again.tiers.list()).find((x) => x.builder === 'mac')).toMatchObject({ tier: 'supported' });
    expect(t.channel().at(-1)).toBe("mac promoted back to supported: its demotion by zooko expired. (owners: warner)");
    expect(await again.queues.timers.armed()).toEqual([]);
  });

  it('chat: tiers, packages and tree for anyone; demote, promote and tree close/open need permission', async () => {
    const t = await setup('tierschat');
    fx = t.fx;
    t.master.tiers.announceVia(t.outbox, ['shell:#dev', 'shell:#release']);
    const api = new MasterBotApi(t.fx.store, t.master.config, 'bb', '0.1.0', undefined, {}, t.master.tiers);
    const input = new PassThrough();
    const output = new PassThrough();
    let seen = '';
    output.on('data', (d: Buffer) => (seen += d.toString()));
    const shell = new ShellTransport({ botName: 'bb', user: 'warner', channel: '#dev', input, output });
    const authz = new ChatAuthorizer({ everyone: false, users: [], ircChannelOps: [] } as never, () => undefined);
    const router = new CommandRouter(allCommands(), api, t.fx.log, authz);
    attachRouter(shell, router, t.fx.log);
    await shell.start();
    const say = async (line: string, expect: RegExp) => {
      const from = seen.length;
      input.write(`${line}\n`);
      return waitFor(`a reply matching ${expect}`, () => (expect.test(seen.slice(from)) ? seen.slice(from) : null), 15_000);
    };

    // Someone on IRC without permission is refused, and nothing changes.
    const irc = { transport: 'irc' as const, channel: '#dev', replyTo: '#dev', sender: 'mallory', account: null, isDirect: false };
    const denied = await router.handle({ ...irc, text: 'bb: demote mac because I said so' });
    expect(denied?.lines[0]).toMatch(/^Sorry, mallory, you may not demote: it needs permission/);
    expect((await router.handle({ ...irc, text: 'bb: tree close lunch' }))?.lines[0]).toMatch(/you may not tree close/);
    // In a channel, tiers is a summary complete in a few lines.
    const summary = (await router.handle({ ...irc, text: 'bb: tiers' }))?.lines;
    expect(summary).toEqual(['3 supported (0 red, 0 green, 3 not built yet), 1 unsupported (0 demoted).', 'Every builder: "bb: tiers" in a DM, or bb tiers.']);

    // The shell operator may.
    expect(await say('bb: demote mac for 2h because its Python broke', /unsupported now/)).toContain('mac is unsupported now for 2h: its Python broke');
    expect(await say('bb: tiers', /Every builder/)).toMatch(/2 supported \(0 red, 0 green, 2 not built yet\), 2 unsupported \(1 demoted\)\.\n.*Demoted: mac demoted by shell:warner: its Python broke \(until (2h|1h59m\d+s) from now\)\./);
    // In a DM: every builder.
    const dm = await router.handle({ ...irc, channel: null, replyTo: 'mallory', isDirect: true, text: 'tiers' });
    expect(dm?.lines.join('\n')).toMatch(/supported:\n[\s\S]*linux: no builds yet[\s\S]*unsupported:[\s\S]*mac: no builds yet — demoted by shell:warner: its Python broke \(until (2h|1h59m\d+s) from now\)/);
    expect(await say('bb: demote mac because again', /Cannot/)).toContain('Cannot demote: mac is unsupported already.');
    expect(await say('bb: demote mac for soon because x', /Usage/)).toMatch(/"soon" is not a duration/);
    expect(await say('bb: promote mac', /supported now/)).toContain('mac is supported now; it gates packages again.');
    expect(await say('bb: promote freebsd', /supported now/)).toContain('freebsd is supported now');
    expect(await say('bb: packages', /packages/)).toContain('No packages made yet.');
    expect(await say('bb: tree', /tree is/)).toContain('The tree is open.');
    expect(await say('bb: tree close "release freeze"', /closed/)).toContain('The tree is closed: release freeze');
    expect(await say('bb: tree', /tree is/)).toMatch(/The tree is closed: closed by shell:warner: release freeze\.[\s\S]*Responsible: shell:warner\./);
    expect(await say('bb: tree open', /open/)).toContain('The tree is open.');
    expect(await say('bb: promote package', /Cannot/)).toContain('Cannot promote: package is the packages builder: it makes the packages and never gates them');
    await t.master.tiers.idle();
    // Said in the announce channel itself: the reply is the one line there; the announcement
    // went to the other channels and to the owners only.
    expect(t.channel()).toEqual([]);
    expect(t.outbox.to('shell:#release')).toEqual([
      'mac demoted to unsupported by shell:warner for 2h: its Python broke. It no longer holds packages back. (owners: warner)',
      'mac promoted to supported by shell:warner. It gates packages again. (owners: warner)',
      'freebsd promoted to supported by shell:warner. It gates packages again.',
      'The tree is closed by shell:warner: release freeze',
      'The tree is opened by shell:warner.',
    ]);
    await shell.stop();
  });

  it('suggests demoting a supported builder red longer than suggestDemotionAfter, once per red streak', async () => {
    const clock = new ManualClock(Date.now());
    const t = await setup('tierssuggest', { ...config, tiers: { suggestDemotionAfter: '1s' } }, clock);
    fx = t.fx;
    await t.round('2001', ['windows']);
    // Red for a second and a half by the master's clock: suggested once; later looks say nothing more.
    clock.set(Date.now() + 1500);
    await t.master.settled();
    expect(t.channel().filter((l) => l.startsWith('windows has been red'))).toHaveLength(1);
    clock.advance(1000);
    await t.master.settled();
    const said = t.channel().filter((l) => l.startsWith('windows has been red'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^windows has been red for \ds \(since r2001\); if it cannot be fixed soon: demote windows because <reason>$/);
  });

  it('the tree is closed while a supported builder has an open Problem (injected Problems source)', async () => {
    const t = await setup('tierstree');
    fx = t.fx;
    const problems = { openOn: async (b: string) => (b === 'linux' ? [{ id: 7, tests: ['test_upload'], guilty: ['alice'], firstBadRevision: '3001' }] : []) };
    const tiers = new TierService({ store: t.fx.store, config: t.master.config, problems });
    expect(await tiers.tree()).toEqual({ open: false, reasons: ['problem #7 on linux since r3001 (test_upload)'], responsible: ['alice'] });
    // The same Problem on an unsupported builder does not close the tree.
    // Opening a tree closed by hand while the Problem keeps it closed says one true thing.
    const outbox = new RecordingOutbox();
    tiers.announceVia(outbox, ['shell:#dev']);
    await tiers.closeTree('warner', 'freeze');
    expect(await tiers.openTree('warner')).toBe(true);
    await tiers.idle();
    expect(outbox.to('shell:#dev')).toEqual([
      'The tree is closed by warner: freeze',
      'warner lifted the hand closure, but the tree stays closed: problem #7 on linux since r3001 (test_upload).',
    ]);
    await tiers.demote({ builder: 'linux', by: 'warner', reason: 'known' });
    expect(await tiers.tree()).toEqual({ open: true, reasons: [], responsible: [] });
    await tiers.stop();
  });

  it('says what packages wait for when a supported builder has not built the revision (its executor offline), in chat and the CLI', async () => {
    const body = testConfig({
      executors: [{ name: 'a', secret: SECRET_A }, { name: 'mac-1', secret: SECRET_B }],
      builders: [
        { name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
        { name: 'mac', executors: ['mac-1'], steps: [{ type: 'shell', command: 'true' }] },
        { name: 'package', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
      ],
      schedulers: [{ type: 'force', name: 'force', builders: ['linux', 'mac', 'package'] }],
      packages: { builder: 'package' },
    });
    fx = await PipelineFixture.create('tierswait', body);
    const master = await fx.startMaster();
    await fx.startExecutor('a', SECRET_A, 2);
    await fx.startExecutor('mac-1', SECRET_B, 1);
    const f = fx;
    await waitFor('mac-1 connected', async () => (await f.store.executors.get('mac-1'))?.state === 'connected');
    // mac-1 goes away; linux builds r5001 and mac cannot.
    await (fx as unknown as { executors: Array<{ stop(o?: { handBack?: boolean }): Promise<void> }> }).executors[1]!.stop({ handBack: true });
    await waitFor('mac-1 offline', async () => ['offline', 'lost'].includes((await f.store.executors.get('mac-1'))?.state ?? ''), 20_000);
    await fx.client.control({ v: 1, type: 'force', builders: ['linux', 'mac'], revision: '5001', owner: 'test' });
    await waitFor('linux built r5001', async () => (await f.builds('linux'))[0]?.result === 'SUCCESS');
    await master.tiers.idle();
    const waits = await master.tiers.waiting();
    expect(waits).toEqual([{ revision: '5001', builder: 'mac', why: expect.stringMatching(/^executor mac-1 (offline|lost) since \d\d:\d\d UTC$/) }]);
    const line = `The package for r5001 is waiting for mac: ${waits[0]!.why}.`;
    expect(await master.tiers.packages(5)).toEqual([]);

    const api = new MasterBotApi(fx.store, master.config, 'bb', '0.1.0', undefined, {}, master.tiers);
    const router = new CommandRouter(allCommands(), api, fx.log, new ChatAuthorizer({ everyone: true, users: [], ircChannelOps: [] } as never, () => undefined));
    const irc = { transport: 'irc' as const, channel: '#dev', replyTo: '#dev', sender: 'zooko', account: null, isDirect: false };
    expect((await router.handle({ ...irc, text: 'bb: packages' }))?.lines).toEqual(['No packages made yet.', line]);
    expect((await router.handle({ ...irc, text: 'bb: tiers' }))?.lines).toEqual([
      '2 supported (0 red, 1 green, 1 not built yet), 0 unsupported (0 demoted).',
      line,
      'Every builder: "bb: tiers" in a DM, or bb tiers.',
    ]);

    // The CLI says the same, and in JSON.
    const cli = (args: string[]) => promisify(execFile)('node', ['bin/bb.js', ...args, '--redis', f.redisUrl, '--prefix', f.prefix]).then((r) => r.stdout);
    expect(await cli(['tiers'])).toContain(line);
    expect(await cli(['tiers'])).toContain('  package: no builds yet — the packages builder: never gates');
    const json = JSON.parse(await cli(['tiers', '--json'])) as { builders: Array<{ builder: string; tier: string }>; waiting: unknown[] };
    expect(json.builders.map((b) => [b.builder, b.tier])).toEqual([['linux', 'supported'], ['mac', 'supported'], ['package', 'supported']]);
    expect(json.waiting).toEqual(waits);
    expect(await cli(['packages'])).toBe(`${line}\nNo packages made yet.\n`);
    expect(JSON.parse(await cli(['packages', '--json']))).toEqual({ packages: [], waiting: waits });
    expect(await cli(['tree'])).toBe('The tree is open.\n');
    expect(JSON.parse(await cli(['tree', '--json']))).toEqual({ open: true, reasons: [], responsible: [] });

    // mac-1 comes back and builds it: the package is made and nothing waits.
    await fx.startExecutor('mac-1', SECRET_B, 1);
    await waitFor('the package for r5001', async () => ((await master.tiers.packages(5))[0]?.revision === '5001' ? true : null), 30_000);
    expect(await master.tiers.waiting()).toEqual([]);
    const made = await waitFor('the package build of r5001', async () => ((await master.tiers.packages(5))[0]?.build ? master.tiers.packages(5) : null), 30_000);

    // Forcing the packages builder: the reply says it is no release, and it never becomes a package.
    const forced = await router.handle({ ...irc, text: 'bb: force build package --revision 4999' });
    expect(forced?.lines).toEqual([
      expect.stringMatching(/^Build forced for package \(buildset \d+\)\.$/),
      'package is the packages builder: r4999 did not pass the gate, so it builds into the unreleased folder (no packaged_revision) and is never listed as a package.',
    ]);
    const again = await router.handle({ ...irc, text: 'bb: force build package --revision 5001' });
    expect(again?.lines[1]).toBe('package is the packages builder: r5001 passed the gate, but this forced build is not its package, so it builds into the unreleased folder (no packaged_revision) and is never listed as a package.');
    await waitFor('both forced package builds', async () => {
      const b = await f.builds('package');
      return b.length === 3 && b.every((x) => x.state === 'finished');
    }, 30_000);
    await master.tiers.idle();
    expect(await master.tiers.packages(5)).toEqual(made);
  });
});
