import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A, SECRET_B } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { ManualClock } from '../../src/util/clock.js';
import { testConfig, type TestConfig } from '../harness/config.js';
import type { Master } from '../../src/master.js';

const T0 = Date.parse('2026-12-02T10:00:00Z');

/** Waits until the master has classified `n` changes and reacted to them. */
async function classified(fx: PipelineFixture, n: number): Promise<void> {
  await waitFor(`${n} changes classified`, async () => (await fx.store.schedulerCursor()) >= n || null);
  await fx.master!.settled();
}

/** The tree-stable timers waiting, as `key at` (ms after T0). */
const timers = async (m: Master) => (await m.queues.timers.armed()).map((t) => `${t.key} +${t.at! - T0}`).sort();

const config = (timer: number, more: Partial<TestConfig> = {}) =>
  testConfig({
    executorTimeout: 3,
    executors: [{ name: 'a', secret: SECRET_A }, { name: 'b', secret: SECRET_B }],
    builders: [
      { name: 'linux', executors: ['a', 'b'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] },
      { name: 'mac', executors: ['a', 'b'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] },
    ],
    schedulers: [
      { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: timer, builders: ['linux'], fileIsImportant: ['src/**'] },
      { type: 'force', name: 'force', builders: ['linux', 'mac'] },
    ],
    ...more,
  });

const change = (author: string, files: string[], revision: string) => ({
  author,
  files,
  comments: `work by ${author}`,
  branch: 'main',
  revision,
  repository: 'https://example.org/sample.git',
});

describe('tree-stable scheduling', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('three changes within the timer become one build blaming all three authors', async () => {
    fx = await PipelineFixture.create('three', config(1));
    // The clock moves only when the test moves it, so "within the timer" does not depend on the machine's speed.
    const clock = new ManualClock(T0);
    const master = await fx.startMaster({ clock });
    await fx.startExecutor('a', SECRET_A);
    await fx.client.sendChange(change('Brian Warner <warner@example.org>', ['src/a.c'], 'aaaa1111'));
    await classified(fx, 1);
    expect(await timers(master)).toEqual(['trunk~main +1000']);
    // Each important change restarts the timer.
    clock.advance(300);
    await fx.client.sendChange(change('Zooko <zooko@example.org>', ['src/b.c'], 'bbbb2222'));
    await classified(fx, 2);
    expect(await timers(master)).toEqual(['trunk~main +1300']);
    clock.advance(300);
    await fx.client.sendChange(change('Daira <daira@example.org>', ['src/c.c'], 'cccc3333'));
    await classified(fx, 3);
    expect(await timers(master)).toEqual(['trunk~main +1600']);
    clock.set(T0 + 1599);
    await master.settled();
    expect(await fx.store.lastBuildSetId()).toBe(0);
    clock.set(T0 + 1600);

    const [build] = await waitFor('the build to finish', async () => {
      const b = await fx.builds('linux');
      return b.length && b.every((x) => x.state === 'finished') ? b : null;
    });
    expect(build!.result).toBe('SUCCESS');
    expect(build!.sourcestamp.changeIds).toHaveLength(3);
    expect(build!.sourcestamp.revision).toBe('cccc3333');
    expect(build!.blamelist).toEqual(['Brian Warner <warner@example.org>', 'Zooko <zooko@example.org>', 'Daira <daira@example.org>']);
    // Nothing else is built later from the same changes: no timer is left.
    await master.settled();
    expect(await timers(master)).toEqual([]);
    expect(await fx.builds('linux')).toHaveLength(1);
  });

  it('an unimportant change alone builds nothing, and rides along with the next important one', async () => {
    fx = await PipelineFixture.create('unimportant', config(0.5));
    const clock = new ManualClock(T0);
    const master = await fx.startMaster({ clock });
    await fx.startExecutor('a', SECRET_A);
    await fx.client.sendChange(change('Zooko <zooko@example.org>', ['docs/guide.md'], 'dddd0001'));
    await classified(fx, 1);
    // It waits, but starts no timer, so nothing will build it alone.
    expect(await timers(master)).toEqual([]);
    expect(await fx.redis.lrange(fx.keys.schedPending('trunk', 'main'), 0, -1)).toEqual(['1:u']);

    await fx.client.sendChange(change('Brian Warner <warner@example.org>', ['src/main.c'], 'eeee0002'));
    await classified(fx, 2);
    clock.advance(500);
    const [build] = await waitFor('a build', async () => {
      const b = await fx.builds('linux');
      return b.length && b[0]!.state === 'finished' ? b : null;
    });
    expect(build!.sourcestamp.changeIds).toEqual([1, 2]);
    expect(build!.blamelist).toEqual(['Zooko <zooko@example.org>', 'Brian Warner <warner@example.org>']);
  });

  it('changes on a branch the scheduler does not watch build nothing', async () => {
    fx = await PipelineFixture.create('otherbranch', config(0.3));
    const master = await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    await fx.client.sendChange({ ...change('Zooko <zooko@example.org>', ['src/x.c'], 'ffff0001'), branch: 'feature/x' });
    await classified(fx, 1);
    // No timer and nothing waiting: nothing will ever build it.
    expect(await timers(master)).toEqual([]);
    expect(await fx.store.schedulers.waiting('trunk')).toEqual([]);
    expect(await fx.builds('linux')).toHaveLength(0);
  });
});

describe('request order', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('two executors share builders; higher priority first, then the oldest request', async () => {
    fx = await PipelineFixture.create('order', { ...config(0), schedulers: [...config(0).schedulers!, { type: 'force', name: 'urgent', priority: 100, builders: ['mac'] }] });
    await fx.startMaster();
    // Queue requests while no executor is connected. A change build on linux first (priority 0) ...
    await fx.client.sendChange(change('Brian Warner <warner@example.org>', ['src/a.c'], 'abcd0001'));
    await waitFor('the change build to be queued', async () => (await fx.store.pendingCount(fx.master!.config.builders.map((b) => b.name))) === 1);
    // ... then forced builds linux, mac, linux (priority 10, oldest first) ...
    const forced: number[] = [];
    for (const b of ['linux', 'mac', 'linux']) {
      forced.push((await fx.client.control<{ buildsetId: number }>({ v: 1, type: 'force', builders: [b], owner: 'test' })).buildsetId);
    }
    // ... and last an urgent one (priority 110), which must overtake all of them.
    const urgent = (await fx.client.control<{ buildsetId: number }>({ v: 1, type: 'force', builders: ['mac'], owner: 'test', scheduler: 'urgent' })).buildsetId;
    expect(await fx.store.pendingCount(fx.master!.config.builders.map((b) => b.name))).toBe(5);
    const changeBuildset = 1;

    await fx.startExecutor('a', SECRET_A);
    await fx.startExecutor('b', SECRET_B);
    const all = await waitFor('all five builds', async () => {
      const builds = [...(await fx.builds('linux')), ...(await fx.builds('mac'))];
      return builds.length === 5 && builds.every((b) => b.state === 'finished') ? builds : null;
    });
    // Build ids are given at dispatch, so their order is the dispatch order.
    const order = all.sort((x, y) => x.id - y.id).map((b) => b.buildsetId);
    expect(order).toEqual([urgent, ...forced, changeBuildset]);
    expect(all.every((b) => b.result === 'SUCCESS')).toBe(true);
    expect(new Set(all.map((b) => b.executor))).toEqual(new Set(['a', 'b']));
  });
});

describe('build sets', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('fail as soon as one build fails, and finish when every build is done', async () => {
    fx = await PipelineFixture.create('firstfail', testConfig({
      executors: [{ name: 'a', secret: SECRET_A }],
      builders: [
        { name: 'quick', executors: ['a'], steps: [{ type: 'shell', name: 'test', command: 'exit 3' }] },
        { name: 'slow', executors: ['a'], steps: [{ type: 'shell', name: 'test', command: 'sleep 1.5' }] },
      ],
      schedulers: [{ type: 'force', name: 'force', builders: ['quick', 'slow'] }],
    }));
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A, 2);
    const events: string[] = [];
    fx.store.bus.on('buildset.complete', (bs) => events.push(`complete ${bs.id} ${bs.result}`));
    fx.store.bus.on('build.finished', (b) => events.push(`build ${b.builder} ${b.result}`));
    await fx.client.control({ v: 1, type: 'force', builders: ['quick', 'slow'], owner: 'test' });
    await waitFor('the buildset to complete', () => events.some((e) => e.startsWith('complete')), 20_000);
    expect(events).toEqual(['build quick FAILURE', 'build slow SUCCESS', 'complete 1 FAILURE']);
    const [quick] = await fx.builds('quick');
    const [slow] = await fx.builds('slow');
    // The BuildSet failed when quick failed, before slow finished (the master's clock stamps all three).
    const bs = await fx.store.getBuildSet(1);
    expect(bs?.failedAt).toBeGreaterThanOrEqual(quick!.finishedAt!);
    expect(bs?.failedAt).toBeLessThanOrEqual(slow!.finishedAt!);
    expect(quick!.steps[0]).toMatchObject({ name: 'test', result: 'FAILURE', text: 'exit 3' });
  });
});

describe('any-branch scheduler', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('keeps one timer per branch: each branch builds its own changes', async () => {
    fx = await PipelineFixture.create('anybranch', testConfig({
      executors: [{ name: 'a', secret: SECRET_A }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
      schedulers: [{ type: 'any-branch', name: 'branches', treeStableTimer: 0.8, builders: ['linux'], filter: { project: 'sample' } }],
    }));
    const clock = new ManualClock(T0);
    const master = await fx.startMaster({ clock });
    await fx.startExecutor('a', SECRET_A);
    const send = (branch: string, author: string, revision: string, project = 'sample') =>
      fx.client.sendChange({ author, branch, revision, files: ['src/x.c'], project, repository: 'r' });
    await send('main', 'Brian Warner <warner@example.org>', 'aaaa0001');
    await send('feature/tls', 'Zooko <zooko@example.org>', 'bbbb0002');
    await send('main', 'Daira <daira@example.org>', 'cccc0003');
    await send('main', 'Mallory <m@example.org>', 'dddd0004', 'other'); // filtered out by project
    await classified(fx, 4);
    expect(await timers(master)).toEqual(['branches~feature/tls +800', 'branches~main +800']);
    clock.advance(800);
    const builds = await waitFor('two builds', async () => {
      const b = await fx.builds('linux');
      return b.length === 2 && b.every((x) => x.state === 'finished') ? b : null;
    });
    const byBranch = Object.fromEntries(builds.map((b) => [b.sourcestamp.branch, b]));
    expect(byBranch['main']!.sourcestamp).toMatchObject({ revision: 'cccc0003', changeIds: [1, 3] });
    expect(byBranch['main']!.blamelist).toEqual(['Brian Warner <warner@example.org>', 'Daira <daira@example.org>']);
    expect(byBranch['feature/tls']!.sourcestamp).toMatchObject({ revision: 'bbbb0002', changeIds: [2] });
    await master.settled();
    expect(await timers(master)).toEqual([]);
    expect(await fx.builds('linux')).toHaveLength(2);
  });
});
