import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { processAlive, waitFor } from '../harness/bb.js';
import type { Build } from '../../src/model/build.js';
import { testConfig } from '../harness/config.js';

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [
    { name: 'linux', executors: ['a'], cancelSuperseded: true, steps: [
      { type: 'shell', name: 'long', command: 'sleep 300 & echo $! > child.pid; wait' },
    ] },
  ],
  schedulers: [
    { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux'] },
    { type: 'force', name: 'force', builders: ['linux'] },
  ],
});

const change = (author: string, revision: string) => ({
  author,
  files: ['src/a.c'],
  branch: 'main',
  revision,
  repository: 'https://example.org/sample.git',
});


describe('cancelSuperseded', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('a newer BuildSet on the branch cancels the pending request and stops the running build of older ones, which are not retried', async () => {
    fx = await PipelineFixture.create('supersede', config);
    await fx.startMaster();
    const pidFile = join(fx.dir, 'executor-a', 'linux', 'build', 'child.pid');

    // No executor yet: the second change's BuildSet cancels the first one's pending request.
    await fx.client.sendChange(change('Brian Warner <warner@example.org>', 'aaaa0001'));
    await waitFor('buildset 1', async () => fx.store.getBuildSet(1));
    await fx.client.sendChange(change('Zooko <zooko@example.org>', 'aaaa0002'));
    const first = await waitFor('request 1 to be cancelled', async () => {
      const r = await fx.store.getRequest(1);
      return r?.state === 'complete' ? r : null;
    });
    expect(first).toMatchObject({ result: 'CANCELLED', supersededBy: 2, buildIds: [], text: 'superseded by buildset 2 on main at aaaa0002' });
    // The BuildSet settles in its own write, just after its request's.
    const bs1 = await waitFor('buildset 1 to complete', async () => {
      const bs = await fx.store.getBuildSet(1);
      return bs?.completeAt ? bs : null;
    });
    expect(bs1).toMatchObject({ result: 'CANCELLED', completeAt: expect.any(Number) });

    // The second one runs ...
    await fx.startExecutor('a', SECRET_A);
    await waitFor('linux #1 to start its child', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    rmSync(pidFile);
    const running = await waitFor('linux #1 to be running', async () => {
      const [b] = await fx.builds('linux');
      return b?.state === 'running' ? b : null;
    });
    expect(running).toMatchObject({ number: 1, requestId: 2, state: 'running' });

    // ... until a third change arrives: it is stopped, its processes die, and the newest runs.
    await fx.client.sendChange(change('Daira <daira@example.org>', 'aaaa0003'));
    const [stopped] = await waitFor('linux #1 to end', async () => {
      const b = await fx.builds('linux');
      return b[0]?.state === 'finished' ? b : null;
    });
    expect(stopped!.result).toBe('CANCELLED');
    expect(stopped!.text).toBe('stopped by bb: superseded by buildset 3 on main at aaaa0003');
    await waitFor('the step process tree to be gone', () => !processAlive(pid), 10_000);
    const req2 = await waitFor('request 2 to complete', async () => {
      const r = await fx.store.getRequest(2);
      return r?.state === 'complete' ? r : null;
    });
    expect(req2).toMatchObject({ result: 'CANCELLED', supersededBy: 3, buildIds: [stopped!.id] });

    const next: Build = await waitFor('linux #2 to run', async () => {
      const b = await fx.builds('linux');
      return b[1]?.state === 'running' ? b[1] : null;
    });
    expect(next).toMatchObject({ number: 2, requestId: 3, blamelist: ['Daira <daira@example.org>'] });
    expect(next.sourcestamp.revision).toBe('aaaa0003');
    // Nothing was retried: two builds, the stopped one and the newest.
    await fx.master!.settled();
    expect(await fx.builds('linux')).toHaveLength(2);
    expect((await fx.store.supersededCounts(['linux'])).get('linux')).toEqual({ collapsed: 0, superseded: 2 });
  });

  it('a build of a revision forced by hand is not superseded by newer commits', async () => {
    fx = await PipelineFixture.create('supersedepin', config);
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test', revision: 'ffff0001' });
    await waitFor('the forced build to run', async () => (await fx.builds('linux'))[0]?.state === 'running');
    await fx.client.sendChange(change('Zooko <zooko@example.org>', 'ffff0002'));
    await waitFor('buildset 2', async () => fx.store.getBuildSet(2));
    await fx.master!.settled();
    const [pinned] = await fx.builds('linux');
    expect(pinned!.state).toBe('running');
    expect((await fx.store.getRequest(1))!.supersededBy).toBeUndefined();
  });
});
