import type { Redis } from 'ioredis';

/** Deletes every key under `prefix` (a bench round's keys: the shared Redis of `npm test` outlives the bench). */
export async function deleteAll(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
