import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { spawnBb, waitFor } from '../harness/bb.js';
import { allBuildSets, startMasterWith } from '../harness/master-with.js';
import { userInfo } from 'node:os';
import type { SchedulerInfo } from '../../src/process/scheduler-switch.js';
import { ManualClock } from '../../src/util/clock.js';
import { testConfig, type SchedulerInput } from '../harness/config.js';

const trunk = { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.2, builders: ['linux'] } satisfies SchedulerInput;
const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] }],
  schedulers: [trunk, { type: 'periodic', name: 'every', periodicBuildTimer: 1, builders: ['linux'] }, { type: 'force', name: 'force', builders: ['linux'] }],
});

const change = (revision: string) => ({ author: 'Brian Warner <warner@example.org>', files: ['src/a.c'], branch: 'main', revision });
const T0 = Date.parse('2026-12-02T10:00:00Z');

describe('scheduler switch', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('a switched-off scheduler makes no BuildSets, and stays off across a master restart', async () => {
    fx = await PipelineFixture.create('switch', config);
    // The clock moves only when the test moves it: what is due fires then, and settled() waits for it.
    const clock = new ManualClock(T0);
    await (await startMasterWith(fx, { clock })).settled();
    expect(await allBuildSets(fx)).toHaveLength(1); // the periodic one fires at once
    const control = <T>(action: string, name?: string) => fx.client.control<T>({ v: 1, type: 'scheduler', action, ...(name ? { name } : {}), owner: 'test' });

    // Off through the real CLI, with a reason; and through the control queue.
    const cli = spawnBb(['scheduler', 'disable', 'trunk', '--reason', 'tree closed', '--redis', fx.redisUrl, '--prefix', fx.prefix], { logDir: fx.dir, label: 'cli-disable' });
    expect(await cli.exited).toBe(0);
    expect(cli.log()).toContain('scheduler trunk switched off');
    expect(await control('disable', 'every')).toEqual({ scheduler: 'every', enabled: false, changed: true });
    expect(await control('disable', 'every')).toEqual({ scheduler: 'every', enabled: false, changed: false });
    expect(await control('disable', 'nope')).toMatchObject({ error: 'unknown scheduler "nope" (known: trunk, every, force)' });

    await fx.master!.stop();
    const master = await startMasterWith(fx, { clock });
    const { schedulers } = await control<{ schedulers: SchedulerInfo[] }>('list');
    expect(schedulers.map((s) => [s.name, s.enabled, s.disabledBy ?? null, s.reason ?? null])).toEqual([
      ['trunk', false, `cli:${userInfo().username}`, 'tree closed'],
      ['every', false, 'test', null],
      ['force', true, null, null],
    ]);
    expect(schedulers[1]!.next).toBe(T0 + 1000);

    await fx.client.sendChange(change('aaaa0001'));
    await waitFor('the change to be classified', async () => (await fx.store.schedulerCursor()) >= 1 || null);
    clock.advance(1500);
    await master.settled();
    // trunk, off, armed no timer for the change; the periodic one's fire came and was skipped.
    expect(await allBuildSets(fx)).toHaveLength(1);
    expect(await master.queues.timers.armed()).toEqual([{ kind: 'timed', key: 'every', at: T0 + 2000 }]);
    expect((await fx.store.timed.read('every')).lastFire).toBe(T0);

    expect(await control('disable', 'force')).toMatchObject({ changed: true });
    expect(await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' })).toMatchObject({
      error: 'force scheduler "force" is switched off (bb scheduler enable force)',
    });

    // Back on: the change that came while trunk was off is not built (as in Buildbot); new ones are.
    expect(await control('enable', 'trunk')).toEqual({ scheduler: 'trunk', enabled: true, changed: true });
    await fx.client.sendChange(change('aaaa0002'));
    await waitFor('the change to be classified', async () => (await fx.store.schedulerCursor()) >= 2 || null);
    clock.advance(200); // trunk's tree-stable timer
    await master.settled();
    const trunk = (await allBuildSets(fx)).find((b) => b.scheduler === 'trunk');
    expect(trunk!.sourcestamp.changeIds).toEqual([2]);
    await control('enable', 'every');
    clock.set(T0 + 2000);
    await master.settled();
    expect((await allBuildSets(fx)).filter((b) => b.scheduler === 'every')).toHaveLength(2);

    const list = spawnBb(['scheduler', 'list', '--redis', fx.redisUrl, '--prefix', fx.prefix], { logDir: fx.dir, label: 'cli-list' });
    expect(await list.exited).toBe(0);
    expect(list.log()).toMatch(/^trunk\s+single-branch\s+on$/m);
    expect(list.log()).toMatch(/^every\s+periodic\s+on\s+next \d{4}-\d\d-\d\d \d\d:\d\d UTC\s+last buildset \d+ at /m);
    expect(list.log()).toMatch(/^force\s+force\s+off \(by test\)$/m);
  });

  it('a change scheduler switched off keeps what waited from before, and builds it when back on', async () => {
    fx = await PipelineFixture.create('switch-waiting', { ...config, schedulers: [{ ...trunk, treeStableTimer: 1 }, { type: 'force', name: 'force', builders: ['linux'] }] });
    const clock = new ManualClock(T0);
    const master = await startMasterWith(fx, { clock });
    await fx.client.sendChange(change('bbbb0001'));
    await waitFor('the change to be classified', async () => (await fx.store.schedulerCursor()) >= 1 || null);
    await fx.client.control({ v: 1, type: 'scheduler', action: 'disable', name: 'trunk', owner: 'test' });
    clock.advance(1000); // the timer fires while off: nothing is built, the change stays
    await master.settled();
    expect(await master.queues.timers.armed()).toEqual([]);
    expect(await allBuildSets(fx)).toEqual([]);
    await fx.master!.stop();
    const again = await startMasterWith(fx, { clock });
    await fx.client.control({ v: 1, type: 'scheduler', action: 'enable', name: 'trunk', owner: 'test' });
    // Back on: the timer is armed again for what waited, and fires a quiet period later.
    expect(await again.queues.timers.armed()).toEqual([{ kind: 'tree-stable', key: 'trunk~main', at: T0 + 2000 }]);
    clock.advance(1000);
    await again.settled();
    const [bs] = await allBuildSets(fx);
    expect(bs!.sourcestamp.changeIds).toEqual([1]);
  });
});
