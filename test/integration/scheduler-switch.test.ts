import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { spawnBb, waitFor } from '../harness/bb.js';
import { allBuildSets, startMasterWith } from '../harness/master-with.js';
import { userInfo } from 'node:os';
import type { SchedulerInfo } from '../../src/process/scheduler-switch.js';

const config = `{
  redis: { prefix: 'PREFIX' },
  basedir: 'BASEDIR',
  executors: [{ name: 'a', secret: '${SECRET_A}' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] }],
  schedulers: [
    { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.2, builders: ['linux'] },
    { type: 'periodic', name: 'every', periodicBuildTimer: 1, builders: ['linux'] },
    { type: 'force', name: 'force', builders: ['linux'] },
  ],
}`;

const change = (revision: string) => ({ author: 'Brian Warner <warner@example.org>', files: ['src/a.c'], branch: 'main', revision });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduler switch', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('a switched-off scheduler makes no BuildSets, and stays off across a master restart', async () => {
    fx = await PipelineFixture.create('switch', config);
    await startMasterWith(fx);
    await waitFor('the first periodic buildset', async () => (await allBuildSets(fx)).length === 1 || null);
    const control = <T>(action: string, name?: string) => fx.client.control<T>({ v: 1, type: 'scheduler', action, ...(name ? { name } : {}), owner: 'test' });

    // Off through the real CLI, with a reason; and through the control queue.
    const cli = spawnBb(['scheduler', 'disable', 'trunk', '--reason', 'tree closed', '--redis', fx.redisUrl, '--prefix', fx.prefix], { logDir: fx.dir, label: 'cli-disable' });
    expect(await cli.exited).toBe(0);
    expect(cli.log()).toContain('scheduler trunk switched off');
    expect(await control('disable', 'every')).toEqual({ scheduler: 'every', enabled: false, changed: true });
    expect(await control('disable', 'every')).toEqual({ scheduler: 'every', enabled: false, changed: false });
    expect(await control('disable', 'nope')).toMatchObject({ error: 'unknown scheduler "nope" (known: trunk, every, force)' });

    await fx.master!.stop();
    await startMasterWith(fx);
    const { schedulers } = await control<{ schedulers: SchedulerInfo[] }>('list');
    expect(schedulers.map((s) => [s.name, s.enabled, s.disabledBy ?? null, s.reason ?? null])).toEqual([
      ['trunk', false, `cli:${userInfo().username}`, 'tree closed'],
      ['every', false, 'test', null],
      ['force', true, null, null],
    ]);
    expect(schedulers[1]!.next).toBeGreaterThan(Date.now() - 2000);

    const before = (await fx.store.timed.read('every')).lastFire!;
    const made = (await allBuildSets(fx)).length; // the periodic one built every second until switched off
    await fx.client.sendChange(change('aaaa0001'));
    await waitFor('the change to be classified', async () => (await fx.store.schedulerCursor()) >= 1 || null);
    await sleep(1500);
    expect(await allBuildSets(fx)).toHaveLength(made);
    // The periodic clock kept running while off; only its builds were skipped.
    expect((await fx.store.timed.read('every')).lastFire).toBe(before);
    expect((await fx.store.timed.read('every')).next!).toBeGreaterThan(before + 1000);

    expect(await control('disable', 'force')).toMatchObject({ changed: true });
    expect(await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' })).toMatchObject({
      error: 'force scheduler "force" is switched off (bb scheduler enable force)',
    });

    // Back on: the change that came while trunk was off is not built (as in Buildbot); new ones are.
    expect(await control('enable', 'trunk')).toEqual({ scheduler: 'trunk', enabled: true, changed: true });
    await fx.client.sendChange(change('aaaa0002'));
    const trunk = await waitFor('a trunk buildset', async () => (await allBuildSets(fx)).find((b) => b.scheduler === 'trunk'));
    expect(trunk.sourcestamp.changeIds).toEqual([2]);
    await control('enable', 'every');
    await waitFor('a periodic buildset again', async () => (await allBuildSets(fx)).filter((b) => b.scheduler === 'every').length > made || null, 5000);

    const list = spawnBb(['scheduler', 'list', '--redis', fx.redisUrl, '--prefix', fx.prefix], { logDir: fx.dir, label: 'cli-list' });
    expect(await list.exited).toBe(0);
    expect(list.log()).toMatch(/^trunk\s+single-branch\s+on$/m);
    expect(list.log()).toMatch(/^every\s+periodic\s+on\s+next \d{4}-\d\d-\d\d \d\d:\d\d UTC\s+last buildset \d+ at /m);
    expect(list.log()).toMatch(/^force\s+force\s+off \(by test\)$/m);
  });

  it('a change scheduler switched off keeps what waited from before, and builds it when back on', async () => {
    fx = await PipelineFixture.create('switch-waiting', config.replace("treeStableTimer: 0.2", 'treeStableTimer: 1').replace(/\{ type: 'periodic'[^\n]*\n/, ''));
    await startMasterWith(fx);
    await fx.client.sendChange(change('bbbb0001'));
    await waitFor('the change to be classified', async () => (await fx.store.schedulerCursor()) >= 1 || null);
    await fx.client.control({ v: 1, type: 'scheduler', action: 'disable', name: 'trunk', owner: 'test' });
    await sleep(1400); // the timer fires while off: nothing is built, the change stays
    expect(await allBuildSets(fx)).toEqual([]);
    await fx.master!.stop();
    await startMasterWith(fx);
    await fx.client.control({ v: 1, type: 'scheduler', action: 'enable', name: 'trunk', owner: 'test' });
    const [bs] = await waitFor('the buildset', async () => {
      const s = await allBuildSets(fx);
      return s.length ? s : null;
    });
    expect(bs!.sourcestamp.changeIds).toEqual([1]);
  });
});
