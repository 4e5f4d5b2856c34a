import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { ManualClock } from '../../src/util/clock.js';
import { testConfig } from '../harness/config.js';
import { allBuildSets, startMasterWith } from '../harness/master-with.js';

const config = (period: number, branch?: string) =>
  testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] }],
    repositories: [{ name: 'widget', url: 'https://example.org/widget.git', project: 'widget', branches: ['trunk', 'stable'], pollInterval: 0 }],
    schedulers: [{ type: 'periodic', name: 'every', builders: ['linux'], periodicBuildTimer: period, ...(branch ? { branch } : {}), properties: { flavour: 'full' } }],
  });
const T0 = Date.parse('2026-12-02T10:00:00Z');
const count = async (fx: PipelineFixture) => (await allBuildSets(fx)).length;

/** The periodic scheduler on a clock the test moves: a fire comes when the clock reaches its deadline, and settled() waits for it. */
describe('periodic scheduler', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('builds at once, then every period, the tip of the first repository’s first branch', async () => {
    fx = await PipelineFixture.create('periodic', config(1));
    const clock = new ManualClock(T0);
    const master = await startMasterWith(fx, { clock });
    await fx.startExecutor('a', SECRET_A);
    await master.settled();
    expect(await count(fx)).toBe(1);
    expect(await fx.store.timed.read('every')).toMatchObject({ spec: 'every 1s', lastFire: T0, next: T0 + 1000 });
    // None comes early; each comes when due, counted from when the last was due (no drift).
    clock.advance(999);
    await master.settled();
    expect(await count(fx)).toBe(1);
    clock.advance(1);
    await master.settled();
    expect(await count(fx)).toBe(2);
    clock.advance(1500);
    await master.settled();
    expect(await count(fx)).toBe(3);
    expect(await fx.store.timed.read('every')).toMatchObject({ lastFire: T0 + 2000, next: T0 + 3000 });
    const all = await allBuildSets(fx);
    expect(all[0]).toMatchObject({
      scheduler: 'every',
      sourcestamp: { repository: 'https://example.org/widget.git', project: 'widget', branch: 'trunk', changeIds: [] },
      properties: { flavour: 'full', scheduler: 'every', is_periodic: true },
    });
    const [build] = await waitFor('a finished build', async () => {
      const b = (await fx.builds('linux')).filter((x) => x.state === 'finished');
      return b.length ? b : null;
    });
    expect(build!.properties).toMatchObject({ is_periodic: true, scheduler: 'every' });
  });

  it('a master restarted mid-period fires at last + period, not at the restart', async () => {
    fx = await PipelineFixture.create('periodic-restart', config(2, 'stable'));
    const clock = new ManualClock(T0);
    await (await startMasterWith(fx, { clock })).settled();
    const [first] = await allBuildSets(fx);
    expect(first!.sourcestamp.branch).toBe('stable');
    await fx.master!.stop();
    clock.set(T0 + 1000);
    const again = await startMasterWith(fx, { clock });
    await again.settled();
    expect(await count(fx)).toBe(1);
    expect((await fx.store.timed.read('every')).next).toBe(T0 + 2000);
    clock.set(T0 + 2000);
    await again.settled();
    expect(await count(fx)).toBe(2);
    expect((await fx.store.timed.read('every')).lastFire).toBe(T0 + 2000);
  });

  it('a master that was down past the deadline fires once at start, then a period later', async () => {
    fx = await PipelineFixture.create('periodic-overdue', config(1));
    const clock = new ManualClock(T0);
    await (await startMasterWith(fx, { clock })).settled();
    await fx.master!.stop();
    // Down over the fires due a period and two periods later.
    clock.set(T0 + 2300);
    const again = await startMasterWith(fx, { clock });
    await again.settled();
    // One catch-up fire for the missed times, and the next is due a period after the restart:
    // the missed periods are not fired one by one.
    expect(await count(fx)).toBe(2);
    expect((await fx.store.timed.read('every')).next).toBe(T0 + 3300);
    clock.set(T0 + 3299);
    await again.settled();
    expect(await count(fx)).toBe(2);
    clock.set(T0 + 3300);
    await again.settled();
    expect(await count(fx)).toBe(3);
  });
});
