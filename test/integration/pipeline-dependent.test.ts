import { afterEach, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { probe, tempDir, waitFor } from '../harness/bb.js';
import { testConfig, type TestConfig } from '../harness/config.js';
import type { BuildSet } from '../../src/model/build.js';

/** `build` fails while the file FAIL exists in `flags`; `package` follows trunk's successes. */
const config = (flags: string, buildStep = `test ! -e ${join(flags, 'FAIL')}`): TestConfig =>
  testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [
      { name: 'build', executors: ['a'], steps: [{ type: 'shell', name: 'test', command: buildStep }] },
      { name: 'package', executors: ['a'], steps: [{ type: 'shell', name: 'pack', command: 'echo packing' }] },
    ],
    schedulers: [
      { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['build'] },
      { type: 'dependent', name: 'packages', upstream: 'trunk', builders: ['package'], properties: { stage: 'pack' } },
    ],
  });

const change = (author: string, revision: string) => ({
  author,
  files: ['src/a.c'],
  branch: 'main',
  revision,
  repository: 'https://example.org/sample.git',
});

async function setsOf(fx: PipelineFixture, scheduler: string): Promise<BuildSet[]> {
  const ids = await fx.store.buildSetIdsAfter(0, 1000);
  return (await fx.store.getBuildSets(ids)).filter((s) => s.scheduler === scheduler);
}

async function completed(fx: PipelineFixture, id: number): Promise<BuildSet> {
  return waitFor(`buildset ${id} to complete`, async () => {
    const bs = await fx.store.getBuildSet(id);
    return bs?.completeAt ? bs : null;
  });
}

describe('dependent scheduler', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('builds the same source stamp downstream after an upstream SUCCESS, and nothing after a FAILURE', async () => {
    const flags = tempDir('dependent-flags');
    fx = await PipelineFixture.create('dependent', config(flags));
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);

    await fx.client.sendChange(change('Brian Warner <warner@example.org>', 'abab0001'));
    const upstream = await completed(fx, 1);
    expect(upstream.result).toBe('SUCCESS');
    const [down] = await waitFor('the dependent buildset', async () => {
      const s = await setsOf(fx, 'packages');
      return s.length ? s : null;
    });
    expect(down!.upstreamBuildsetId).toBe(1);
    expect(down!.sourcestamp).toEqual(upstream.sourcestamp);
    expect(down!.properties).toMatchObject({ stage: 'pack' });
    expect((await completed(fx, down!.id)).result).toBe('SUCCESS');
    const [pack] = await fx.builds('package');
    expect(pack).toMatchObject({ result: 'SUCCESS', blamelist: ['Brian Warner <warner@example.org>'] });
    expect(pack!.sourcestamp.revision).toBe('abab0001');

    // A failing upstream build starts nothing downstream.
    writeFileSync(join(flags, 'FAIL'), '');
    await fx.client.sendChange(change('Zooko <zooko@example.org>', 'abab0002'));
    const failed = await waitFor('the failing upstream buildset', async () => {
      const [, second] = await setsOf(fx, 'trunk');
      return second?.completeAt ? second : null;
    });
    expect(failed.result).toBe('FAILURE');
    await fx.master!.settled(); // nothing more comes of it: the master has handled every event
    expect(await setsOf(fx, 'packages')).toHaveLength(1);
    expect(await fx.builds('package')).toHaveLength(1);

    // Switched off, it passes over a successful upstream set, for good.
    rmSync(join(flags, 'FAIL'));
    await fx.store.schedulers.switch({ scheduler: 'packages', enabled: false, by: 'test', at: Date.now() });
    await fx.client.sendChange(change('Daira <daira@example.org>', 'abab0003'));
    const third = await waitFor('the third upstream buildset', async () => {
      const [, , t] = await setsOf(fx, 'trunk');
      return t?.completeAt ? t : null;
    });
    expect(third.result).toBe('SUCCESS');
    await fx.master!.settled(); // nothing more comes of it: the master has handled every event
    expect(await setsOf(fx, 'packages')).toHaveLength(1);
    // Switched on again, the next upstream success builds downstream, and only that one.
    await fx.store.schedulers.switch({ scheduler: 'packages', enabled: true, by: 'test', at: Date.now() });
    await fx.client.sendChange(change('Daira <daira@example.org>', 'abab0004'));
    const sets = await waitFor('a second dependent buildset', async () => {
      const p = await setsOf(fx, 'packages');
      return p.length === 2 ? p : null;
    });
    expect(sets[1]!.sourcestamp.revision).toBe('abab0004');
    await fx.master!.settled(); // nothing more comes of it: the master has handled every event
    expect(await setsOf(fx, 'packages')).toHaveLength(2);
  });

  it('catches up after a restart on an upstream set that completed while it could not act, exactly once', async () => {
    fx = await PipelineFixture.create('dependentrestart', config('', 'sleep 1'));
    const first = await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    // The master dies the moment the upstream set is stored complete, before the dependent
    // scheduler can act (its Redis connection goes, as in a crash).
    let crashed = false;
    first.store.bus.on('buildset.complete', (bs) => {
      if (bs.scheduler !== 'trunk') return;
      first.store.abort();
      crashed = true;
    });
    await fx.client.sendChange(change('Brian Warner <warner@example.org>', 'cdcd0001'));
    await waitFor('the upstream set to complete (and the master to crash)', () => crashed);
    await first.stop();
    const p = probe(fx.redisUrl, fx.prefix);
    try {
      // A crashed master's process is gone, so the next one on this host takes its lease at once
      // (src/data/lease.ts); this crash happened inside the test's process, so its lease goes by hand.
      await fx.redis.del(fx.keys.master, fx.keys.leader);
      expect((await p.store.getBuildSet(1))!.result).toBe('SUCCESS');
      expect(await p.store.lastBuildSetId()).toBe(1); // nothing downstream yet
    } finally {
      p.close();
    }

    const second = await fx.startMaster();
    const [down] = await waitFor('the dependent buildset made on start', async () => {
      const s = await setsOf(fx, 'packages');
      return s.length ? s : null;
    });
    expect(down).toMatchObject({ id: 2, upstreamBuildsetId: 1 });
    expect((await completed(fx, 2)).result).toBe('SUCCESS');

    // Another restart does not act on it again.
    await second.stop();
    const third = await fx.startMaster();
    await third.settled();
    expect(await setsOf(fx, 'packages')).toHaveLength(1);
  });
});
