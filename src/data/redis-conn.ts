import { Redis, type RedisOptions } from 'ioredis';
import { reconnectOnFailoverError, redact, sentinelOptions } from '../model/redis-target.js';

/**
 * A connection to bb's Redis, whichever form the target takes (src/model/redis-target.ts): one
 * server by URL, or the primary that Sentinel names. Every connection reconnects and resends a
 * command that a demoted primary refused (READONLY, NOREPLICAS), so a failover needs no restart.
 */
export function newRedis(url: string, opts: RedisOptions = {}): Redis {
  const sentinel = sentinelOptions(url);
  const common: RedisOptions = { reconnectOnError: reconnectOnFailoverError, ...opts };
  const conn = sentinel ? new Redis({ ...(sentinel as RedisOptions), ...common }) : new Redis(url, common);
  // Without a listener ioredis prints every failed reconnect with its stack; one line per message
  // every 30 s says the same. (Commands still fail to their callers, who log what they lost.)
  conn.on('error', (err: Error) => {
    if (shouldSay(err.message)) process.stderr.write(`bb: redis: ${redact(err.message)} (retrying)\n`);
  });
  return conn;
}

const said = new Map<string, number>();
function shouldSay(message: string): boolean {
  const now = Date.now();
  if ((said.get(message) ?? -Infinity) + 30_000 > now) return false;
  if (said.size > 100) said.clear();
  said.set(message, now);
  return true;
}
