import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { spawnBb, waitFor } from '../harness/bb.js';
import { testConfig, type TestConfig } from '../harness/config.js';
import { RecordingOutbox } from '../harness/recording-outbox.js';

/**
 * A reload (`bb reconfig`, SIGHUP: `Master.reload`, which reads the config file again) reaches the
 * tiers service: builder tiers, `tiers.owners`, `tiers.suggestDemotionAfter` and the packages
 * builder are the new ones at once, and the package gate is checked again, as at master start:
 * the newest revision that now qualifies is packaged. Real Redis, a real executor, an in-process
 * master; the second reload comes from a spawned `bb reconfig`.
 */

const PLATFORMS = ['linux', 'mac', 'windows'];

function config(o: { mac?: 'supported' | 'unsupported'; packages: string; tiers: TestConfig['tiers'] }): TestConfig {
  const steps = (p: string) => [{ type: 'shell' as const, name: 'test', command: `test "%(prop:fail_${p}:-no)" = no` }];
  return testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [
      { name: 'linux', executors: ['a'], steps: steps('linux') },
      { name: 'mac', executors: ['a'], tier: o.mac ?? 'supported', steps: steps('mac') },
      { name: 'windows', executors: ['a'], steps: steps('windows') },
      { name: 'package', tier: 'unsupported', executors: ['a'], steps: [{ type: 'shell', name: 'dists', command: 'echo package %(prop:packaged_revision)' }] },
      { name: 'dist', tier: 'unsupported', executors: ['a'], steps: [{ type: 'shell', name: 'dists', command: 'echo dist %(prop:packaged_revision)' }] },
    ],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux', 'mac', 'windows', 'package', 'dist'] }],
    packages: { builder: o.packages },
    tiers: o.tiers,
    problems: { confirm: false },
  });
}

let fx: PipelineFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('reconfig reaches the tiers service', () => {
  it('new tiers, owners, suggestion setting and packages builder apply at once, and the gate is checked again', async () => {
    fx = await PipelineFixture.create('reconftiers', config({ packages: 'package', tiers: { owners: { mac: ['warner'] } } }));
    const f = fx;
    const master = await f.startMaster({ configFile: f.configPath });
    await f.startExecutor('a', SECRET_A, 5);
    const outbox = new RecordingOutbox();
    master.tiers.announceVia(outbox, ['shell:#dev']);
    const channel = () => outbox.to('shell:#dev');
    const rewrite = (c: TestConfig) => f.writeConfig(c);
    const packaged = async () => (await master.tiers.packages(20)).map((p) => [p.revision, p.vouchers.map((v) => v.replace(/#\d+$/, '')).sort().join(',')]);
    const round = async (revision: string, fail: string[] = []) => {
      const before = await Promise.all(PLATFORMS.map(async (p) => (await f.builds(p)).length));
      const properties = Object.fromEntries(fail.map((p) => [`fail_${p}`, 'yes']));
      await f.client.control({ v: 1, type: 'force', builders: PLATFORMS, revision, owner: 'test', properties });
      await waitFor(`round ${revision}`, async () => {
        const all = await Promise.all(PLATFORMS.map((p) => f.builds(p)));
        return all.every((b, i) => b.length > before[i]! && b.every((x) => x.state === 'finished'));
      }, 60_000);
      await master.settled();
      await master.tiers.idle();
    };
    await waitFor('executor a', async () => (await f.store.getExecutor('a'))?.state === 'connected');

    await round('101');
    expect(await packaged()).toEqual([['101', 'linux,mac,windows']]);
    // mac turns red: packages halt, and r102 waits for it.
    await round('102', ['mac']);
    expect(await packaged()).toEqual([['101', 'linux,mac,windows']]);
    expect(channel()).toEqual(['packages halted: supported builder mac red since r102']);

    // The config now makes mac unsupported and gives windows an owner: the reload checks the gate
    // again, so r102 (green on every builder still supported) is packaged at once.
    rewrite(config({ mac: 'unsupported', packages: 'package', tiers: { owners: { windows: ['zooko'] }, suggestDemotionAfter: '1s' } }));
    const outcome = await master.reload();
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.ok && outcome.changes).toEqual(expect.arrayContaining(['builders: changed mac', 'tiers: changed']));
    await master.tiers.idle();
    expect(await packaged()).toEqual([['102', 'linux,windows'], ['101', 'linux,mac,windows']]);
    expect(channel().at(-1)).toBe('packages resumed at r102');
    expect((await master.tiers.list()).find((h) => h.builder === 'mac')).toMatchObject({ tier: 'unsupported' });

    // The new owners are named and the new suggestion setting applies: windows red for over 1 s
    // is suggested for demotion (no timer ran for it before the reload).
    await round('103', ['windows']);
    await waitFor('the suggestion', () => channel().some((l) => l.startsWith('windows has been red')), 10_000);
    expect(channel().find((l) => l.startsWith('windows has been red'))).toMatch(/^windows has been red for \d+s \(since r103\); if it cannot be fixed soon: demote windows because <reason> \(owners: zooko\)$/);
    await master.tiers.demote({ builder: 'windows', by: 'warner', reason: 'vm down' });
    await master.tiers.idle();
    expect(channel()).toContain('windows demoted to unsupported by warner: vm down. It no longer holds packages back. (owners: zooko)');
    expect(await packaged()).toEqual([['103', 'linux'], ['102', 'linux,windows'], ['101', 'linux,mac,windows']]);

    // The packages builder changes to dist: it is the one marked and refused, its builds make the
    // packages, and the old one is an ordinary unsupported builder.
    await master.tiers.promote({ builder: 'windows', by: 'warner' });
    // This time through `bb reconfig` (a request every master, this in-process one too, reads).
    rewrite(config({ mac: 'unsupported', packages: 'dist', tiers: { owners: { windows: ['zooko'] } } }));
    const cli = spawnBb(['reconfig', '--redis', f.redisUrl, '--prefix', f.prefix], { logDir: f.dir, label: 'cli-reconfig' });
    expect(await cli.exited).toBe(0);
    expect(cli.log()).toContain('packages: changed');
    await master.tiers.idle();
    const list = await master.tiers.list();
    expect(list.find((h) => h.builder === 'dist')).toMatchObject({ packages: true });
    expect(list.find((h) => h.builder === 'package')?.packages).toBeUndefined();
    await expect(master.tiers.demote({ builder: 'dist', by: 'warner', reason: 'x' })).rejects.toThrow(/dist is the packages builder/);
    await round('104');
    const made = await waitFor('the dist build of r104', async () => {
      const p = (await master.tiers.packages(1))[0];
      return p?.revision === '104' && p.build ? p : null;
    }, 60_000);
    expect(made.vouchers.map((v) => v.replace(/#\d+$/, '')).sort()).toEqual(['linux', 'windows']);
    const dist = await f.builds('dist');
    expect(dist.map((b) => b.properties.packaged_revision)).toEqual(['104']);
    expect((await f.builds('package')).map((b) => b.properties.packaged_revision).sort()).toEqual(['101', '102', '103']);
  });
});
