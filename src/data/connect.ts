import { coalesceWrites, newRedis } from './redis-conn.js';
import { redact } from '../model/redis-target.js';
import { Store } from './store.js';

/** The master's store: its own connection, which retries while Redis is briefly away. */
export function connectStore(url: string, prefix: string): Store {
  const redis = newRedis(url, { maxRetriesPerRequest: 20, enableReadyCheck: true });
  coalesceWrites(redis);
  return new Store(redis, prefix);
}

/** Redis could not be reached. */
export class StoreUnreachableError extends Error {}

/** A store for one CLI command: fails fast when Redis is not there. */
export async function openStore(url: string, prefix: string): Promise<Store> {
  const redis = newRedis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new StoreUnreachableError(`cannot reach Redis at ${redact(url)}: ${(err as Error).message}`);
  }
  return new Store(redis, prefix);
}

/** Whether a Redis server answers at `url` now (one try, no retries). */
export async function redisAnswers(url: string): Promise<boolean> {
  const c = newRedis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}
