import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { probe, waitFor } from '../harness/bb.js';
import { allBuildSets, startMasterWith } from '../harness/master-with.js';

const config = (period: number, branch = '') => `{
  redis: { prefix: 'PREFIX' },
  basedir: 'BASEDIR',
  executors: [{ name: 'a', secret: '${SECRET_A}' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] }],
  repositories: [{ name: 'widget', url: 'https://example.org/widget.git', project: 'widget', branches: ['trunk', 'stable'], pollInterval: 0 }],
  schedulers: [{ type: 'periodic', name: 'every', builders: ['linux'], periodicBuildTimer: ${period}${branch ? `, branch: '${branch}'` : ''}, properties: { flavour: 'full' } }],
}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sets = (fx: PipelineFixture, n: number) =>
  waitFor(`${n} buildsets`, async () => {
    const all = await allBuildSets(fx);
    return all.length >= n ? all : null;
  });

describe('periodic scheduler', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('builds at once, then every period, the tip of the first repository’s first branch', async () => {
    fx = await PipelineFixture.create('periodic', config(1));
    await startMasterWith(fx);
    await fx.startExecutor('a', SECRET_A);
    await sets(fx, 1);
    // The first fire's due time: the stored clock's last fire, less a period for every fire that
    // came after it before the BuildSets were counted (state first, then the count, so a fire in
    // between only makes the bound looser, never wrong).
    const firstState = await fx.store.timed.read('every');
    const firstDue = firstState.lastFire! - ((await allBuildSets(fx)).length - 1) * 1000;
    const all = await sets(fx, 3);
    // Fires are due a period apart, counted from when each was due (no drift), and none comes early.
    all.slice(1).forEach((b, i) => expect(b.submittedAt).toBeGreaterThanOrEqual(firstDue + (i + 1) * 1000));
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
    const clock = await fx.store.timed.read('every');
    expect(clock.spec).toBe('every 1s');
    expect(clock.next! - clock.lastFire!).toBe(1000);
  });

  it('a master restarted mid-period fires at last + period, not at the restart', async () => {
    fx = await PipelineFixture.create('periodic-restart', config(2, 'stable'));
    await startMasterWith(fx);
    const [first] = await sets(fx, 1);
    const t0 = (await fx.store.timed.read('every')).lastFire!;
    expect(first!.sourcestamp.branch).toBe('stable');
    await fx.master!.stop();
    await sleep(t0 + 1000 - Date.now());
    await startMasterWith(fx);
    await sleep(t0 + 1800 - Date.now());
    expect(await allBuildSets(fx)).toHaveLength(1);
    const [, second] = await sets(fx, 2);
    expect(second!.submittedAt - t0).toBeGreaterThanOrEqual(2000);
    expect((await fx.store.timed.read('every')).lastFire).toBe(t0 + 2000);
  });

  it('a master that was down past the deadline fires once at start, then a period later', async () => {
    fx = await PipelineFixture.create('periodic-overdue', config(1));
    await startMasterWith(fx);
    await sets(fx, 1);
    await fx.master!.stop();
    // A busy machine may let the stopping master fire once more: count from what it left.
    const p = probe(fx.redisUrl, fx.prefix);
    const last = (await p.store.timed.read('every')).lastFire!;
    const before = (await p.store.lastBuildSetId());
    p.close();
    await sleep(last + 2300 - Date.now()); // missed the fires due a period and two periods later
    const restart = Date.now();
    await startMasterWith(fx);
    const catchUp = (await sets(fx, before + 1))[before]!;
    // One catch-up fire for the missed times, and the next one is due after the restart: the
    // missed periods are not fired one by one.
    const state = await fx.store.timed.read('every');
    expect(state.next).toBeGreaterThan(restart);
    const next = (await sets(fx, before + 2))[before + 1]!;
    expect(next.submittedAt).toBeGreaterThanOrEqual(restart);
    // (a period apart by due time; the catch-up itself may be stored a few ms after its due time)
    expect(next.submittedAt - catchUp.submittedAt).toBeGreaterThanOrEqual(900);
  });
});
