import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';
import { parseClusterUrl, reconnectOnFailoverError, sentinelOptions } from '../model/redis-target.js';
import { sessionKey } from './session.js';

/** The executor process's Redis connections (executor/ imports no ioredis itself). */

/**
 * A connection that never gives up: ioredis reconnects with backoff forever, commands wait while
 * it is down (offline queue, no per-request retry limit, as BullMQ workers require), and errors
 * are logged at most once per message every 30 s instead of crashing the process.
 */
export function executorRedis(url: string, log: Logger, role: string): Redis {
  const opts: RedisOptions = {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(200 * times, 5000),
    // A demoted primary refuses writes: reconnect (asking the sentinels again) and resend.
    reconnectOnError: reconnectOnFailoverError,
  };
  const sentinel = sentinelOptions(url);
  const cluster = parseClusterUrl(url);
  const conn = cluster
    ? (new Cluster(cluster.nodes, {
        clusterRetryStrategy: opts.retryStrategy!,
        enableOfflineQueue: true,
        redisOptions: {
          maxRetriesPerRequest: null,
          reconnectOnError: reconnectOnFailoverError,
          ...(cluster.username !== undefined ? { username: cluster.username } : {}),
          ...(cluster.password !== undefined ? { password: cluster.password } : {}),
          ...(cluster.tls ? { tls: {} } : {}),
        },
      }) as unknown as Redis)
    : sentinel
      ? new Redis({ ...(sentinel as RedisOptions), ...opts })
      : new Redis(url, opts);
  const warn = throttled();
  let failing = false;
  conn.on('error', (err: Error) => {
    failing = true;
    if (warn(err.message)) log.warn({ role, err: err.message }, 'redis connection error; retrying');
  });
  conn.on('ready', () => {
    if (failing) log.info({ role }, 'redis connection restored');
    failing = false;
  });
  return conn;
}

/** Reads this executor's session record as the master wrote it (raw, to be verified by the caller). */
export function sessionRecordReader(conn: Redis, prefix: string, executor: string): () => Promise<string | null> {
  const key = sessionKey(prefix, executor);
  return () => conn.get(key);
}

/** A gate that lets each distinct message through once per `everyMs`. */
export function throttled(everyMs = 30_000): (key: string) => boolean {
  const last = new Map<string, number>();
  return (key) => {
    const now = Date.now();
    if ((last.get(key) ?? -Infinity) + everyMs > now) return false;
    if (last.size > 100) last.clear();
    last.set(key, now);
    return true;
  };
}
