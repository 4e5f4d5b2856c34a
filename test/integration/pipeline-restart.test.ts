import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { probe, spawnExecutor, spawnMaster, tempDir, waitFor, type Proc } from '../harness/bb.js';
import { writeTestConfig } from '../harness/config.js';
import { BbClient } from '../../src/queue/client.js';
import type { Store } from '../../src/data/store.js';
import { MasterQueues } from '../../src/queue/master-queues.js';
import { createLogger } from '../../src/log.js';

const SECRET = 'restart-test-secret-0123456789';

function config(prefix: string, dir: string, timer: number) {
  return writeTestConfig(dir, {
    redis: { prefix },
    basedir: join(dir, 'master'),
    executorTimeout: 10,
    executors: [{ name: 'a', secret: SECRET }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'work', command: 'sleep 2; echo work done' }] }],
    schedulers: [
      { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: timer, builders: ['linux'] },
      { type: 'force', name: 'force', builders: ['linux'] },
    ],
  });
}

describe('master restarts', () => {
  const procs: Proc[] = [];
  let prefix = '';
  let url = '';
  let p: { store: Store; close(): void } | undefined;
  let client: BbClient | undefined;
  let queues: MasterQueues | undefined;
  afterEach(async () => {
    for (const x of procs.splice(0)) await x.kill('SIGKILL');
    p?.close();
    await client?.close();
    await queues?.close();
    queues = undefined;
    await deletePrefix(url, prefix);
  });

  it('a master killed during the tree-stable timer keeps its deadline, and the next master fires it', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('deadline');
    const dir = tempDir('deadline');
    const timer = 8;
    const cfg = config(prefix, dir, timer);
    p = probe(url, prefix);
    client = new BbClient(url, prefix);
    const m1 = spawnMaster(cfg, url, dir, 'master1');
    procs.push(m1);
    await waitFor('master 1 to start', async () => (await p!.store.configSummary()) !== null, 30_000);
    await client.sendChange({ author: 'Brian Warner <warner@example.org>', files: ['src/a.c'], branch: 'main', revision: 'aaaa0001' });
    await waitFor('the change to be classified', async () => (await p!.store.schedulerCursor()) >= 1);
    // The timer's deadline is in Redis: `timer` s after the change was classified.
    queues = new MasterQueues(url, prefix, createLogger('test', { level: 'silent' }));
    const [armed] = await waitFor('the tree-stable timer', async () => {
      const a = await queues!.timers.armed();
      return a.length ? a : null;
    });
    const change = (await p.store.getChange(1))!;
    expect(armed).toMatchObject({ kind: 'tree-stable', key: 'trunk~main' });
    expect(armed!.at! - change.receivedAt).toBeGreaterThanOrEqual(timer * 1000);
    await m1.kill('SIGKILL');
    const m2 = spawnMaster(cfg, url, dir, 'master2');
    procs.push(m2);
    await waitFor('master 2 to start', () => m2.log().includes('master started'), 30_000);
    // Started before the deadline, the new master found the timer armed and left it: the same
    // deadline, not a restarted one. (Started after it, the due timer simply fires.)
    const still = await queues.timers.armed();
    if (Date.now() < armed!.at!) expect(still).toEqual([armed]);
    const bs = await waitFor('the buildset', async () => p!.store.getBuildSet(1), 60_000);
    // BullMQ never runs a delayed job before its time: the fire came at the deadline or after.
    expect(bs.submittedAt).toBeGreaterThanOrEqual(armed!.at!);
    expect(bs.sourcestamp.changeIds).toEqual([1]);
    expect(await queues.timers.armed()).toEqual([]);
  });

  it('a master killed mid-build loses nothing: the build, its logs and a change sent meanwhile', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('midbuild');
    const dir = tempDir('midbuild');
    const cfg = config(prefix, dir, 0.2);
    p = probe(url, prefix);
    client = new BbClient(url, prefix);
    const m1 = spawnMaster(cfg, url, dir, 'master1');
    procs.push(m1);
    procs.push(spawnExecutor({ name: 'a', secret: SECRET, redisUrl: url, prefix, basedir: join(dir, 'exec-a') }, dir));
    await waitFor('executor a', async () => (await p!.store.getExecutor('a'))?.state === 'connected', 30_000);
    await client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    await waitFor('the build to run', async () => (await p!.store.getBuild(1))?.state === 'running');
    await m1.kill('SIGKILL');
    await client.sendChange({ author: 'Zooko <zooko@example.org>', files: ['src/b.c'], branch: 'main', revision: 'bbbb0002' });
    // The build finishes while no master runs.
    await waitFor('the executor to finish the build', () => procs[1]!.log().includes('build finished'), 30_000);
    procs.push(spawnMaster(cfg, url, dir, 'master2'));
    const first = await waitFor('the first build to be recorded', async () => {
      const b = await p!.store.getBuild(1);
      return b?.state === 'finished' ? b : null;
    }, 30_000);
    expect(first.result).toBe('SUCCESS');
    const log = await p.store.readLog(1, 0);
    expect(log.chunks.map((c) => c.text).join('')).toContain('work done');
    const second = await waitFor('the change sent while the master was down to be built', async () => {
      const b = await p!.store.getBuild(2);
      return b?.state === 'finished' ? b : null;
    }, 30_000);
    expect(second.result).toBe('SUCCESS');
    expect(second.blamelist).toEqual(['Zooko <zooko@example.org>']);
  });
});
