import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { allBuildSets, startMasterWith } from '../harness/master-with.js';
import { specOf, type NightlyConfig } from '../../src/schedulers/timed-plan.js';
import { ManualClock } from '../../src/util/clock.js';
import { testConfig } from '../harness/config.js';

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [
    { name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'test', command: 'echo testing' }] },
    { name: 'mac', executors: ['a'], steps: [{ type: 'shell', name: 'test', command: 'echo testing' }] },
  ],
  repositories: [{ name: 'widget', url: 'https://example.org/widget.git', branches: ['main'], pollInterval: 0 }],
  schedulers: [
    { type: 'nightly', name: 'nightly', builders: ['linux'], branch: 'main', hour: 3, minute: 0, timezone: 'Europe/Berlin',
      onlyIfChanged: true, fileIsImportant: ['src/**'], properties: { suite: 'full' } },
    { type: 'nightly', name: 'always', builders: ['mac'], branch: 'main', hour: 3, timezone: 'Europe/Berlin' },
  ],
});
const change = (author: string, files: string[], revision: string, branch = 'main') => ({
  author,
  files,
  comments: `work by ${author}`,
  branch,
  revision,
  repository: 'https://example.org/widget.git',
});
const WARNER = 'Brian Warner <warner@example.org>';
const ZOOKO = 'Zooko Wilcox <zooko@example.org>';
const DAIRA = 'Daira Hopwood <daira@example.org>';

describe('nightly scheduler', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('fires at 03:00 Berlin time by its clock; onlyIfChanged skips quiet nights; builds carry the changes since the last nightly', async () => {
    fx = await PipelineFixture.create('nightly', config);
    // A clock moved by the test: what becomes due fires when it moves, and settled() waits for it.
    const clock = new ManualClock(Date.parse('2026-01-15T01:59:00Z'));
    const fired = (name: string, iso: string) => waitFor(`${name} to fire at ${iso}`, async () => (await fx.store.timed.read(name)).lastFire === Date.parse(iso) || null);
    const setsOf = async (name: string) => (await allBuildSets(fx)).filter((b) => b.scheduler === name);

    // Night 1 (03:00 in Berlin, UTC+1): nothing changed. The master starts a minute before; then the clock moves on.
    const master = await startMasterWith(fx, { clock });
    expect((await fx.store.timed.read('nightly')).next).toBe(Date.parse('2026-01-15T02:00:00Z'));
    clock.set('2026-01-15T02:00:00Z');
    await master.settled();
    await fired('nightly', '2026-01-15T02:00:00Z');
    await fired('always', '2026-01-15T02:00:00Z');
    await waitFor('the unconditional nightly', async () => (await setsOf('always')).length === 1 || null);
    expect(await setsOf('nightly')).toEqual([]);
    expect((await setsOf('always'))[0]).toMatchObject({
      sourcestamp: { repository: 'https://example.org/widget.git', branch: 'main', changeIds: [] },
      properties: { scheduler: 'always', is_nightly: true },
    });
    expect((await fx.store.timed.read('nightly')).next).toBe(Date.parse('2026-01-16T02:00:00Z'));

    // During the day: an unimportant and an important change on main, one on another branch.
    await fx.client.sendChange(change(ZOOKO, ['docs/guide.md'], 'aaaa0001'));
    await fx.client.sendChange(change(WARNER, ['src/retry.c'], 'aaaa0002'));
    await fx.client.sendChange(change(DAIRA, ['src/other.c'], 'aaaa0003', 'feature'));
    await waitFor('the changes to be classified', async () => (await fx.store.schedulerCursor()) >= 3 || null);

    // Night 2: the master was down over 03:00 and comes back just after; it fires at once.
    await master.stop();
    clock.set('2026-01-16T02:00:00.300Z');
    await startMasterWith(fx, { clock });
    await fired('nightly', '2026-01-16T02:00:00Z');
    const [built] = await waitFor('the nightly buildset', async () => {
      const s = await setsOf('nightly');
      return s.length ? s : null;
    });
    expect(built).toMatchObject({
      builders: ['linux'],
      sourcestamp: { branch: 'main', revision: 'aaaa0002', changeIds: [1, 2] },
      properties: { suite: 'full', scheduler: 'nightly', is_nightly: true },
    });
    await waitFor('the second unconditional nightly', async () => (await setsOf('always')).length === 2 || null);
    expect((await setsOf('always'))[1]!.sourcestamp.changeIds).toEqual([1, 2]);

    await fx.startExecutor('a', SECRET_A);
    const [build] = await waitFor('the nightly build', async () => {
      const b = await fx.builds('linux');
      return b.length && b[0]!.state === 'finished' ? b : null;
    });
    expect(build!.blamelist).toEqual([ZOOKO, WARNER]);
    expect(build!.properties).toMatchObject({ is_nightly: true, scheduler: 'nightly', suite: 'full' });

    // Night 3: only a docs change. The nightly skips; the change waits for the next build.
    await fx.client.sendChange(change(ZOOKO, ['docs/faq.md'], 'aaaa0004'));
    await waitFor('the change to be classified', async () => (await fx.store.schedulerCursor()) >= 4 || null);
    clock.set('2026-01-17T02:00:00Z');
    await fx.master!.settled();
    await fired('nightly', '2026-01-17T02:00:00Z');
    await waitFor('the third unconditional nightly', async () => (await setsOf('always')).length === 3 || null);
    expect(await setsOf('nightly')).toHaveLength(1);
    expect(await fx.redis.lrange(fx.keys.schedPending('nightly', 'main'), 0, -1)).toEqual(['4:u']);

    // Night 4: an important change; the docs change from night 3 rides along.
    await fx.client.sendChange(change(DAIRA, ['src/cap.c'], 'aaaa0005'));
    await waitFor('the change to be classified', async () => (await fx.store.schedulerCursor()) >= 5 || null);
    clock.set('2026-01-18T02:00:00Z');
    await fx.master!.settled();
    const sets = await waitFor('the second nightly buildset', async () => {
      const s = await setsOf('nightly');
      return s.length === 2 ? s : null;
    });
    expect(sets[1]!.sourcestamp).toMatchObject({ revision: 'aaaa0005', changeIds: [4, 5] });
    expect(await fx.redis.exists(fx.keys.schedPending('nightly', 'main'))).toBe(0);
  });
});

describe('nightly scheduler after a crash', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('finishes a fire that was begun but made no BuildSet, exactly once', async () => {
    fx = await PipelineFixture.create('nightly-crash', config);
    const clock = new ManualClock(Date.parse('2026-01-15T10:00:00Z'));
    const master = await startMasterWith(fx, { clock });
    await fx.client.sendChange(change(WARNER, ['src/retry.c'], 'bbbb0001'));
    await waitFor('the change to be classified', async () => (await fx.store.schedulerCursor()) >= 1 || null);
    // The master dies right after a fire's first transaction (the clock moved on, the changes
    // were taken) and before its BuildSet was written.
    const s = master.config.schedulers.find((x) => x.name === 'nightly') as NightlyConfig;
    await fx.store.timed.beginFire('nightly', {
      at: Date.parse('2026-01-16T02:00:00Z'),
      next: Date.parse('2026-01-17T02:00:00Z'),
      spec: specOf(s),
      branch: 'main',
    });
    await master.stop();

    await startMasterWith(fx, { clock });
    const sets = (await allBuildSets(fx)).filter((b) => b.scheduler === 'nightly');
    expect(sets).toHaveLength(1);
    expect(sets[0]!.sourcestamp.changeIds).toEqual([1]);
    expect(await fx.redis.exists(fx.keys.timedFiring('nightly'), fx.keys.schedTaking('nightly', 'at1768528800000'))).toBe(0);
    expect((await fx.store.timed.read('nightly')).next).toBe(Date.parse('2026-01-17T02:00:00Z'));
    await fx.master!.stop();
    await startMasterWith(fx, { clock });
    expect((await allBuildSets(fx)).filter((b) => b.scheduler === 'nightly')).toHaveLength(1);
  });
});
