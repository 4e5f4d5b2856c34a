import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/util/net.js';
import { waitFor } from './bb.js';

/**
 * A real Redis Cluster on loopback: three primaries (`redis-server --cluster-enabled yes`), joined
 * with `redis-cli --cluster create … --cluster-yes`, no replicas. `stop()` kills them.
 */
export interface ClusterSetup {
  ports: number[];
  /** redis+cluster://127.0.0.1:P1,127.0.0.1:P2 (two seed nodes; the third is found). */
  url: string;
  /** Keys held by each node (DBSIZE), in port order. */
  sizes(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startCluster(): Promise<ClusterSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'bb-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = ports.map((port) => {
    const d = join(dir, String(port));
    mkdirSync(d);
    return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', d, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
      '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--logfile', join(d, 'redis.log')], { stdio: 'ignore' });
  });
  const direct = ports.map((port) => {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    c.on('error', () => undefined);
    return c;
  });
  await waitFor('the cluster nodes to answer', async () => (await Promise.all(direct.map((c) => c.ping().then((r) => r === 'PONG', () => false)))).every(Boolean), 10_000, 100);
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { stdio: 'pipe' });
  await waitFor('the cluster to be ok', async () => (await Promise.all(direct.map((c) => c.cluster('INFO')))).every((i) => /cluster_state:ok/.test(String(i))), 30_000, 100);
  return {
    ports,
    url: `redis+cluster://127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}`,
    sizes: () => Promise.all(direct.map((c) => c.dbsize())),
    async stop() {
      for (const c of direct) c.disconnect();
      await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise<void>((r) => (c.once('exit', () => r()), c.kill('SIGKILL'))))));
    },
  };
}
