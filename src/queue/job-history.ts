import { Queue } from './bullmq.js';
import type { Redis } from 'ioredis';
import { newRedis } from '../data/redis-conn.js';
import type { RetentionPolicy } from '../model/retention.js';

/**
 * BullMQ's history of finished jobs (`retention.jobs`): in every queue under `prefix`, completed
 * (and failed) jobs that finished longer ago than the rule's `maxAge` and are not among the
 * queue's newest `keepLast` go, oldest first (Queue.clean). Most jobs are added with
 * removeOnComplete/removeOnFail counts already; this bounds them by age too, and cleans queues
 * whose jobs others add (executors, the command line) and queues of executors no longer
 * configured. Returns how many went (or, dry, would) per `<queue> <completed|failed>`.
 */
export async function cleanJobHistory(redis: Redis, prefix: string, rules: Exclude<RetentionPolicy['jobs'], false>, dryRun: boolean, now = Date.now()): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const type of ['completed', 'failed'] as const) {
    const rule = rules[type];
    if (!rule) continue;
    for (const key of await scan(redis, `${prefix}:*:${type}`)) {
      const name = key.slice(prefix.length + 1, -(type.length + 1));
      if (name.startsWith('db:') || (await redis.type(key)) !== 'zset') continue;
      // Scored by finishedOn: the old ones are those finished before now - maxAge.
      const [count, old] = await Promise.all([redis.zcard(key), redis.zcount(key, '-inf', now - rule.maxAge)]);
      const due = Math.min(old, count - rule.keepLast);
      if (due <= 0) continue;
      let gone = due;
      if (!dryRun) {
        const q = new Queue(name, { connection: redis, prefix });
        try {
          gone = (await q.clean(rule.maxAge, due, type)).length;
        } finally {
          await q.close();
        }
      }
      if (gone) out[`${name} ${type}`] = gone;
    }
  }
  return out;
}

async function scan(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

/** cleanJobHistory over a connection of its own (`bb prune`); close it when done. */
export function jobHistoryCleaner(url: string, prefix: string, rules: Exclude<RetentionPolicy['jobs'], false>): { clean: (dryRun: boolean) => Promise<Record<string, number>>; close(): void } {
  const redis = newRedis(url, { maxRetriesPerRequest: 3, lazyConnect: true });
  return { clean: (dryRun) => cleanJobHistory(redis, prefix, rules, dryRun), close: () => redis.disconnect() };
}
