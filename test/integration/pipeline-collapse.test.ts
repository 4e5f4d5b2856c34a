import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { ROOT, waitFor } from '../harness/bb.js';
import { testConfig, type BuilderInput, type SchedulerInput, type TestConfig } from '../harness/config.js';
import type { Build } from '../../src/model/build.js';

const run = promisify(execFile);

/** One executor, one slot, connected later. */
const config = (more: Partial<TestConfig> = {}): TestConfig =>
  testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] }],
    schedulers: [
      { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux'] },
      { type: 'force', name: 'force', builders: ['linux'] },
    ],
    ...more,
  });

const twoBuilders = (linux: Partial<BuilderInput>, mac: Partial<BuilderInput>): BuilderInput[] => [
  { name: 'linux', executors: ['a'], ...linux, steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] },
  { name: 'mac', executors: ['a'], ...mac, steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] },
];
const trunkOnBoth: SchedulerInput[] = [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux', 'mac'] }];

const AUTHORS = ['Brian Warner <warner@example.org>', 'Zooko <zooko@example.org>', 'Daira <daira@example.org>'];

const change = (author: string, revision: string, branch = 'main', comments = `work by ${author}`) => ({
  author,
  files: ['src/a.c'],
  comments,
  branch,
  revision,
  repository: 'https://example.org/sample.git',
});

/** Send changes one by one, each becoming its own BuildSet (no executor yet, so they all wait). */
async function queueChanges(fx: PipelineFixture, changes: Array<ReturnType<typeof change>>): Promise<void> {
  for (const [i, c] of changes.entries()) {
    await fx.client.sendChange(c);
    await waitFor(`buildset ${i + 1}`, async () => (await fx.store.getBuildSet(i + 1)) !== null);
  }
}

async function finished(fx: PipelineFixture, builder: string, n: number): Promise<Build[]> {
  return waitFor(`${n} finished ${builder} builds`, async () => {
    const b = await fx.builds(builder);
    return b.length === n && b.every((x) => x.state === 'finished') ? b : null;
  });
}

describe('collapsing requests', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('three pending compatible requests: the newest runs, the two older end SKIPPED naming it, and its build blames all three authors', async () => {
    fx = await PipelineFixture.create('collapse', config());
    await fx.startMaster();
    await queueChanges(fx, AUTHORS.map((a, i) => change(a, `aaaa000${i + 1}`)));
    expect(await fx.store.pendingCount(fx.master!.config.builders.map((b) => b.name))).toBe(3);

    await fx.startExecutor('a', SECRET_A);
    const [build] = await finished(fx, 'linux', 1);
    expect(build!.result).toBe('SUCCESS');
    expect(build!.requestId).toBe(3);
    expect(build!.sourcestamp.revision).toBe('aaaa0003');
    expect(build!.sourcestamp.changeIds).toEqual([1, 2, 3]);
    expect(build!.blamelist).toEqual(AUTHORS);
    expect(build!.collapsedRequestIds).toEqual([1, 2]);

    for (const id of [1, 2]) {
      expect(await fx.store.getRequest(id)).toMatchObject({ state: 'complete', result: 'SKIPPED', supersededBy: 3, buildIds: [] });
      // A BuildSet whose only request collapsed completes, SKIPPED.
      expect(await fx.store.getBuildSet(id)).toMatchObject({ result: 'SKIPPED', completeAt: expect.any(Number) });
    }
    const last = await waitFor('buildset 3 to complete', async () => {
      const bs = await fx.store.getBuildSet(3);
      return bs?.completeAt ? bs : null;
    });
    expect(last.result).toBe('SUCCESS');
    expect(await fx.store.pendingCount(fx.master!.config.builders.map((b) => b.name))).toBe(0);

    // Visible from the command line: the count, the superseded requests and the build that took them over.
    const env = { ...process.env, REDIS_URL: fx.redisUrl, BB_PREFIX: fx.prefix };
    const text = (await run(process.execPath, ['bin/bb.js', 'status', 'linux'], { cwd: ROOT, env })).stdout;
    expect(text).toContain('0 pending, 2 collapsed');
    expect(text).toMatch(/#1 SUCCESS at aaaa0003 by Brian Warner, Zooko, Daira \(\+2 collapsed\)/);
    expect(text).toContain('request 2 (buildset 2) SKIPPED: collapsed into request 3');
    const [json] = JSON.parse((await run(process.execPath, ['bin/bb.js', 'status', 'linux', '--json'], { cwd: ROOT, env })).stdout).builders;
    expect(json.collapsed).toBe(2);
    expect(json.supersededRequests.map((r: { id: number; supersededBy: number }) => [r.id, r.supersededBy])).toEqual([[2, 3], [1, 3]]);
    expect(json.last[0].collapsedRequestIds).toEqual([1, 2]);
  });

  it('a builder with collapseRequests: false runs every request while its neighbour collapses (global default on)', async () => {
    fx = await PipelineFixture.create('collapseoff', config({ builders: twoBuilders({ collapseRequests: false }, {}), schedulers: trunkOnBoth }));
    await fx.startMaster();
    await queueChanges(fx, AUTHORS.slice(0, 2).map((a, i) => change(a, `bbbb000${i + 1}`)));
    await fx.startExecutor('a', SECRET_A);
    const linux = await finished(fx, 'linux', 2);
    const [mac] = await finished(fx, 'mac', 1);
    expect(linux.map((b) => b.sourcestamp.revision)).toEqual(['bbbb0001', 'bbbb0002']);
    expect(linux.map((b) => b.blamelist)).toEqual([[AUTHORS[0]], [AUTHORS[1]]]);
    expect(mac!.blamelist).toEqual(AUTHORS.slice(0, 2));
    // BuildSet 1 ran on linux and collapsed on mac: it counts what ran.
    await waitFor('buildset 1 to complete', async () => (await fx.store.getBuildSet(1))?.completeAt);
    expect((await fx.store.getBuildSet(1))!.result).toBe('SUCCESS');
  });

  it('the master-wide collapseRequests: false turns it off, and a builder can turn it back on', async () => {
    fx = await PipelineFixture.create('collapseglobal', config({ builders: twoBuilders({}, { collapseRequests: true }), schedulers: trunkOnBoth, collapseRequests: false }));
    await fx.startMaster();
    await queueChanges(fx, AUTHORS.map((a, i) => change(a, `cccc000${i + 1}`)));
    await fx.startExecutor('a', SECRET_A);
    expect(await finished(fx, 'linux', 3)).toHaveLength(3);
    const [mac] = await finished(fx, 'mac', 1);
    expect(mac!.collapsedRequestIds).toHaveLength(2);
  });

  it('forced builds never collapse unless the force request asks to', async () => {
    fx = await PipelineFixture.create('collapseforce', config());
    await fx.startMaster();
    const force = (collapse?: boolean) => fx.client.control<{ buildsetId: number }>({ v: 1, type: 'force', builders: ['linux'], owner: 'test', ...(collapse ? { collapse } : {}) });
    for (const c of [false, false, true, true]) await force(c);
    // A forced revision never collapses, even when asked.
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test', revision: 'dddd0001', collapse: true });
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test', revision: 'dddd0001', collapse: true });
    expect(await fx.store.pendingCount(fx.master!.config.builders.map((b) => b.name))).toBe(6);
    await fx.startExecutor('a', SECRET_A);
    const builds = await finished(fx, 'linux', 5);
    expect(builds.map((b) => b.requestId)).toEqual([1, 2, 4, 5, 6]);
    expect(await fx.store.getRequest(3)).toMatchObject({ result: 'SKIPPED', supersededBy: 4 });
  });
});

describe('priorities', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('a priority function of the changes lets an urgent change overtake older requests', async () => {
    // Source text: the priority is a function, which a typed config object cannot be written out as.
    fx = await PipelineFixture.create('priofn', `{
  redis: { prefix: 'PREFIX' },
  basedir: 'BASEDIR',
  executors: [{ name: 'a', secret: '${SECRET_A}' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] }],
  schedulers: [{ type: 'any-branch', name: 'branches', treeStableTimer: 0, builders: ['linux'],
    priority: (builder, changes) => (builder === 'linux' && changes.some((c) => c.comments.includes('[urgent]')) ? 200 : 0) }],
}`);
    await fx.startMaster();
    await queueChanges(fx, [
      change(AUTHORS[0]!, 'eeee0001', 'main'),
      change(AUTHORS[1]!, 'eeee0002', 'feature-1'),
      change(AUTHORS[2]!, 'eeee0003', 'feature-2', 'fix the release [urgent]'),
    ]);
    expect((await fx.store.getRequest(3))!.priority).toBe(200);
    expect((await fx.store.getRequest(1))!.priority).toBe(0);
    await fx.startExecutor('a', SECRET_A);
    const builds = await finished(fx, 'linux', 3);
    // Build ids are given at dispatch: the urgent one went first, then the others oldest first.
    expect(builds.sort((x, y) => x.id - y.id).map((b) => b.sourcestamp.revision)).toEqual(['eeee0003', 'eeee0001', 'eeee0002']);
  });
});
