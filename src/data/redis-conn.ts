import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { parseClusterUrl, reconnectOnFailoverError, redact, sentinelOptions } from '../model/redis-target.js';

// ioredis is CommonJS: `require` skips the lexing an ESM import does first (half its load time).
const { Cluster, Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof IORedis;

/**
 * A connection to bb's Redis, whichever form the target takes (src/model/redis-target.ts): one
 * server by URL, the primary that Sentinel names, or a Cluster. Every connection reconnects and
 * resends a command that a demoted primary refused (READONLY, NOREPLICAS), so a failover needs no
 * restart. A Cluster connection is typed as a Redis: bb uses the commands both have, on keys of
 * one hash slot (the prefix is a hash tag, checked with the config).
 */
export function newRedis(url: string, opts: RedisOptions = {}): Redis {
  const cluster = parseClusterUrl(url);
  const sentinel = sentinelOptions(url);
  const common: RedisOptions = { reconnectOnError: reconnectOnFailoverError, ...opts };
  let conn: Redis;
  if (cluster) {
    const { retryStrategy, lazyConnect, enableOfflineQueue, ...perNode } = common;
    const node: RedisOptions = {
      ...perNode,
      ...(cluster.username !== undefined ? { username: cluster.username } : {}),
      ...(cluster.password !== undefined ? { password: cluster.password } : {}),
      ...(cluster.tls ? { tls: {} } : {}),
    };
    conn = new Cluster(cluster.nodes, {
      redisOptions: node,
      ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
      ...(lazyConnect !== undefined ? { lazyConnect } : {}),
      ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    }) as unknown as Redis;
  } else conn = sentinel ? new RedisClient({ ...(sentinel as RedisOptions), ...common }) : new RedisClient(url, common);
  // Without a listener ioredis prints every failed reconnect with its stack; one line per message
  // every 30 s says the same. (Commands still fail to their callers, who log what they lost.)
  conn.on('error', (err: Error) => {
    if (shouldSay(err.message)) process.stderr.write(`bb: redis: ${redact(err.message)} (retrying)\n`);
  });
  return conn;
}

/**
 * Coalesces the commands a connection sends within one turn of the event loop into one write
 * system call: the socket is corked at the first write of a turn and uncorked once the turn's
 * promise continuations have run (setImmediate), so Node sends what was queued with one writev.
 * Each command is still sent as it is, in the order it was issued (nothing is pipelined or
 * batched by ioredis): only the number of syscalls changes. A Cluster is left as it is.
 */
export function coalesceWrites(conn: Redis): void {
  if ((conn as unknown as { isCluster?: boolean }).isCluster) return;
  const patched = new WeakSet<object>();
  conn.on('connect', () => {
    const stream = (conn as unknown as { stream?: import('node:net').Socket }).stream;
    if (!stream || patched.has(stream)) return;
    patched.add(stream);
    const write = stream.write;
    let corked = false;
    const uncork = (): void => {
      corked = false;
      stream.uncork();
    };
    stream.write = function (this: typeof stream, ...args: unknown[]): boolean {
      if (!corked) {
        corked = true;
        stream.cork();
        setImmediate(uncork);
      }
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof stream.write;
  });
}

/** The nodes to SCAN for a key pattern: the Cluster's primaries, or the one connection. */
export function scanTargets(redis: Redis): Redis[] {
  const c = redis as unknown as { isCluster?: boolean; nodes?: (role: 'master') => Redis[] };
  return c.isCluster && c.nodes ? c.nodes('master') : [redis];
}

const said = new Map<string, number>();
function shouldSay(message: string): boolean {
  const now = Date.now();
  if ((said.get(message) ?? -Infinity) + 30_000 > now) return false;
  if (said.size > 100) said.clear();
  said.set(message, now);
  return true;
}
