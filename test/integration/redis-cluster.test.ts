import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startCluster, type ClusterSetup } from '../harness/cluster.js';
import { probe, spawnBb, spawnExecutor, tempDir, waitFor, type Proc } from '../harness/bb.js';
import { writeTestConfig } from '../harness/config.js';

const SECRET = 'cluster-test-secret-a-0123456789';

/**
 * bb on a real Redis Cluster (three primaries on loopback): with a hash-tag prefix every key of
 * the installation, BullMQ's and bb's, is in one slot, so the master, an executor and the CLI work
 * as on one server; a prefix that is no hash tag is refused with its path.
 */
describe('Redis Cluster', () => {
  let cluster: ClusterSetup;
  const procs: Proc[] = [];
  let p: ReturnType<typeof probe> | undefined;
  beforeAll(async () => {
    cluster = await startCluster();
  }, 60_000);
  afterAll(async () => {
    for (const x of procs.splice(0)) await x.kill('SIGKILL');
    p?.close();
    await cluster?.stop();
  });

  it('a change sent through the CLI is built, and every key lands on one node', async () => {
    const dir = tempDir('cluster');
    const prefix = '{bbc}';
    const nodes = cluster.ports.slice(0, 1).map((port) => ({ host: '127.0.0.1', port }));
    const cfg = writeTestConfig(dir, {
      redis: { cluster: nodes, prefix },
      basedir: join(dir, 'master'),
      executors: [{ name: 'a', secret: SECRET }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'work', command: 'echo built on a cluster' }] }],
      schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux'] }],
    });
    p = probe(cluster.url, prefix);
    procs.push(spawnBb(['master', '--config', cfg], { logDir: dir, label: 'master', env: { REDIS_URL: '' } }));
    procs.push(spawnExecutor({ name: 'a', secret: SECRET, redisUrl: cluster.url, prefix, basedir: join(dir, 'exec-a') }, dir));
    await waitFor('executor a', async () => (await p!.store.getExecutor('a'))?.state === 'connected', 60_000);
    const send = spawnBb(['sendchange', '--redis', cluster.url, '--prefix', prefix, '--who', 'Brian Warner <warner@example.org>', '-b', 'main', '-r', 'c1a5e7', '-f', 'src/a.c'], { logDir: dir, label: 'sendchange' });
    expect(await send.exited).toBe(0);
    const build = await waitFor('the build', async () => {
      const b = (await p!.store.lastBuilds('linux', 1))[0];
      return b?.state === 'finished' ? b : null;
    }, 60_000);
    expect(build.result).toBe('SUCCESS');
    expect((await p.store.readLog(build.id, 0)).chunks.map((c) => c.text).join('')).toContain('built on a cluster');
    const status = spawnBb(['status', '--redis', cluster.url, '--prefix', prefix], { logDir: dir, label: 'status' });
    expect(await status.exited).toBe(0);
    expect(status.log()).toMatch(/#1 SUCCESS at c1a5e7/);
    // One slot, so one node holds them all: BullMQ's queues and bb's records alike.
    const sizes = await cluster.sizes();
    expect(sizes.filter((n) => n > 0)).toHaveLength(1);
    expect(Math.max(...sizes)).toBeGreaterThan(10);
  }, 180_000);

  it('a prefix that is no hash tag is refused, naming the path', async () => {
    const dir = tempDir('cluster-bad');
    const cfg = writeTestConfig(dir, { redis: { cluster: [{ host: '127.0.0.1', port: cluster.ports[0]! }], prefix: 'bb' }, executors: [{ name: 'a', secret: SECRET }], builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }] });
    const check = spawnBb(['check-config', cfg], { logDir: dir, label: 'check' });
    expect(await check.exited).not.toBe(0);
    expect(check.log()).toContain("redis.prefix: on a Redis Cluster the prefix must be one hash tag such as '{bb}'");
  }, 60_000);
});
