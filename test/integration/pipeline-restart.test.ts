import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { probe, spawnExecutor, spawnMaster, tempDir, waitFor, writeConfig, type Proc } from '../harness/bb.js';
import { BbClient } from '../../src/queue/client.js';
import type { Store } from '../../src/data/store.js';

const SECRET = 'restart-test-secret-0123456789';

function config(prefix: string, dir: string, timer: number) {
  return writeConfig(
    dir,
    `{
  redis: { prefix: '${prefix}' },
  basedir: '${join(dir, 'master')}',
  executorTimeout: 10,
  executors: [{ name: 'a', secret: '${SECRET}' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'work', command: 'sleep 2; echo work done' }] }],
  schedulers: [
    { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: ${timer}, builders: ['linux'] },
    { type: 'force', name: 'force', builders: ['linux'] },
  ],
}`,
  );
}

describe('master restarts', () => {
  const procs: Proc[] = [];
  let prefix = '';
  let url = '';
  let p: { store: Store; close(): void } | undefined;
  let client: BbClient | undefined;
  afterEach(async () => {
    for (const x of procs.splice(0)) await x.kill('SIGKILL');
    p?.close();
    await client?.close();
    await deletePrefix(url, prefix);
  });

  it('a master killed during the tree-stable timer fires it at the original deadline', async () => {
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
    const change = (await p.store.getChange(1))!;
    await new Promise((r) => setTimeout(r, 1500));
    await m1.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const m2SpawnedAfter = Date.now() - change.receivedAt;
    const m2 = spawnMaster(cfg, url, dir, 'master2');
    procs.push(m2);
    const bs = await waitFor('the buildset', async () => p!.store.getBuildSet(1), 60_000);
    const firedAfter = bs.submittedAt - change.receivedAt;
    // The deadline was `timer` s after the change. A timer restarted by the new master would fire
    // `timer` s after that master started, so later than its spawn time + `timer`; the original
    // deadline comes first (or, if the new master took longer than the timer to start, the fire
    // comes at its start, still before spawn + timer).
    expect(firedAfter).toBeGreaterThanOrEqual(timer * 1000 - 100);
    expect(firedAfter).toBeLessThan(m2SpawnedAfter + timer * 1000);
    expect(bs.sourcestamp.changeIds).toEqual([1]);
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
    await new Promise((r) => setTimeout(r, 2500)); // the build finishes while no master runs
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
