import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/util/net.js';
import { waitFor } from './bb.js';
import { redisAnswers } from './redis.js';

/**
 * A Sentinel-managed Redis on loopback, as production runs one: a primary and a replica (AOF on,
 * `min-replicas-to-write 1`) and three sentinels (`redis-server --sentinel`, quorum 2) watching
 * them under the name `mymaster`. Everything it starts is killed by `stop()` (and on exit).
 */
export interface SentinelSetup {
  /** The target every bb process takes: redis+sentinel://127.0.0.1:S1,…/mymaster */
  url: string;
  name: string;
  dir: string;
  /** Ports of the two data servers: [first primary, first replica]. */
  dataPorts: [number, number];
  sentinelPorts: number[];
  /** The port the sentinels now name as primary. */
  primaryPort(): Promise<number>;
  /** Ask a sentinel to fail over now (SENTINEL FAILOVER); resolves once the sentinels name the new primary and it takes writes. */
  failover(): Promise<number>;
  /** A direct connection to one data server (for role and INFO). */
  direct(port: number): Redis;
  stop(): Promise<void>;
}

const NAME = 'mymaster';
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function start(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export async function startSentinelSetup(): Promise<SentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'bb-sentinel-'));
  const children: ChildProcess[] = [];
  const primary = await freePort();
  const replica = await freePort();
  const data = (port: number, extra: string[]) => {
    return start([
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`,
      '--appendonly', 'yes', '--appendfilename', `aof-${port}.aof`, '--appenddirname', `aof-${port}`, '--save', '',
      '--maxmemory-policy', 'noeviction', '--min-replicas-to-write', '1', '--min-replicas-max-lag', '2', '--repl-diskless-sync-delay', '0',
      '--logfile', join(dir, `redis-${port}.log`), ...extra,
    ]);
  };
  children.push(data(primary, []));
  await waitFor('the primary to answer', () => redisAnswers(`redis://127.0.0.1:${primary}`), 10_000);
  children.push(data(replica, ['--replicaof', '127.0.0.1', String(primary)]));
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  for (const port of sentinelPorts) {
    const conf = join(dir, `sentinel-${port}.conf`);
    // The sentinel rewrites its own file (what it learns of the replica and the other sentinels).
    writeFileSync(
      conf,
      [
        `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `logfile ${join(dir, `sentinel-${port}.log`)}`,
        `sentinel monitor ${NAME} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 10000`,
        `sentinel parallel-syncs ${NAME} 1`,
        '',
      ].join('\n'),
    );
    children.push(start([conf, '--sentinel']));
  }
  const quiet = (c: Redis) => c.on('error', () => undefined);
  const sentinel = (port: number) => quiet(new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 }));
  const s = sentinelPorts.map(sentinel);
  // Ready when every sentinel knows the replica (in sync) and the two other sentinels.
  await waitFor('the sentinels to know the replica and each other', async () => {
    for (const c of s) {
      const replicas = (await c.call('SENTINEL', 'REPLICAS', NAME)) as string[][];
      const others = (await c.call('SENTINEL', 'SENTINELS', NAME)) as string[][];
      const ok = replicas.some((r) => fieldOf(r, 'flags') === 'slave' && fieldOf(r, 'master-link-status') === 'ok');
      if (!ok || others.length < 2) return false;
    }
    return true;
  }, 60_000, 200);
  const primaryPort = async () => Number(((await s[0]!.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as string[])[1]);
  const direct = (port: number) => quiet(new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 }));
  return {
    url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${NAME}`,
    name: NAME,
    dir,
    dataPorts: [primary, replica],
    sentinelPorts,
    primaryPort,
    direct,
    async failover() {
      const before = await primaryPort();
      // A graceful switch, as an operator does it (and as Redis's own FAILOVER command does):
      // writes pause on the primary so the replica has everything it acknowledged, then the
      // sentinels promote the replica. When the pause ends the old primary has no replica left and
      // refuses writes (min-replicas-to-write), so clients go to the new one. Without the pause,
      // writes the primary acknowledged in the last milliseconds before the promotion are lost
      // (seen here: 2.6-4.4 KB of them, in 3 of 6 runs; README "Redis Sentinel").
      const old = direct(before);
      await old.call('CLIENT', 'PAUSE', '3000', 'WRITE');
      old.disconnect();
      await s[0]!.call('SENTINEL', 'FAILOVER', NAME);
      const after = await waitFor('the sentinels to name a new primary', async () => {
        const ports = await Promise.all(s.map(async (c) => Number(((await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as string[])[1])));
        return ports.every((p) => p !== before && p === ports[0]) ? ports[0]! : false;
      }, 60_000, 100);
      // The old primary is a replica of the new one again (so min-replicas-to-write lets writes in).
      const demoted = direct(before);
      try {
        await waitFor('the old primary to follow the new one', async () => {
          const info = await demoted.info('replication');
          return /role:slave/.test(info) && /master_link_status:up/.test(info);
        }, 60_000, 100);
      } finally {
        demoted.disconnect();
      }
      return after;
    },
    async stop() {
      for (const c of s) c.disconnect();
      await Promise.all(
        children.map((c) =>
          c.exitCode !== null || c.signalCode !== null
            ? undefined
            : new Promise<void>((r) => {
                c.once('exit', () => r());
                c.kill('SIGKILL');
              }),
        ),
      );
    },
  };
}

function fieldOf(flat: string[], key: string): string | undefined {
  const i = flat.indexOf(key);
  return i === -1 ? undefined : flat[i + 1];
}
