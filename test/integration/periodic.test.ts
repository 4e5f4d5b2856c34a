import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
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
    const all = await sets(fx, 3);
    // Fires are due a period apart (counted from when each was due, so they do not drift); each
    // BuildSet follows its due time within BullMQ's delayed-job latency, so one late fire makes
    // the next gap shorter by as much: check against due times from the first, not pairwise.
    const start = all[0]!.submittedAt;
    all.slice(1).forEach((b, i) => {
      const sinceFirst = b.submittedAt - start;
      expect(sinceFirst).toBeGreaterThanOrEqual((i + 1) * 1000 - 400);
      expect(sinceFirst).toBeLessThan((i + 1) * 1000 + 600);
    });
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
    expect(second!.submittedAt - t0).toBeLessThan(2400);
    expect((await fx.store.timed.read('every')).lastFire).toBe(t0 + 2000);
  });

  it('a master that was down past the deadline fires once at start, then a period later', async () => {
    fx = await PipelineFixture.create('periodic-overdue', config(1));
    await startMasterWith(fx);
    await sets(fx, 1);
    const t0 = (await fx.store.timed.read('every')).lastFire!;
    await fx.master!.stop();
    await sleep(t0 + 2300 - Date.now()); // missed the fires due at +1 s and +2 s
    const restart = Date.now();
    await startMasterWith(fx);
    const [, second] = await sets(fx, 2);
    expect(second!.submittedAt - restart).toBeLessThan(400);
    await sleep(500);
    expect(await allBuildSets(fx)).toHaveLength(2); // one catch-up build, not two
    const [, , third] = await sets(fx, 3);
    expect(third!.submittedAt - second!.submittedAt).toBeGreaterThanOrEqual(990);
    expect(third!.submittedAt - second!.submittedAt).toBeLessThan(1400);
  });
});
