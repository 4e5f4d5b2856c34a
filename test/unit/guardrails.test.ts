import { describe, expect, it } from 'vitest';
import { judgeRedis, MIN_REDIS_VERSION, type RedisFacts } from '../../src/data/guardrails.js';

const good: RedisFacts = { version: '7.0.15', aof: true, save: '', maxmemoryPolicy: 'noeviction', maxmemory: 0 };

describe('judgeRedis', () => {
  it('finds nothing wrong with AOF on and noeviction', () => {
    expect(judgeRedis(good, false)).toEqual([]);
    expect(judgeRedis({ ...good, aof: false, save: '3600 1 300 100' }, false)).toEqual([]);
  });

  it('refuses a Redis older than bb needs', () => {
    expect(MIN_REDIS_VERSION).toBe('6.2.0');
    const [g] = judgeRedis({ ...good, version: '6.0.16' }, false);
    expect(g).toMatchObject({ check: 'version', level: 'refuse' });
    expect(g!.message).toContain('Redis 6.0.16 is older than bb needs (6.2.0 or later');
    expect(judgeRedis({ ...good, version: '6.2.0' }, false)).toEqual([]);
    expect(judgeRedis({ ...good, version: '10.0.0' }, false)).toEqual([]);
  });

  it('treats every policy but noeviction as evicting (volatile-* drops the lease and idempotency keys)', () => {
    expect(judgeRedis({ ...good, maxmemoryPolicy: 'volatile-lru' }, false)[0]).toMatchObject({ check: 'eviction', level: 'refuse' });
    expect(judgeRedis({ ...good, maxmemoryPolicy: 'allkeys-lfu' }, true)[0]).toMatchObject({ check: 'eviction', level: 'warn' });
  });

  it('warns without persistence, and when the save points cannot be read', () => {
    expect(judgeRedis({ ...good, aof: false, save: '' }, false)).toEqual([expect.objectContaining({ check: 'persistence', level: 'warn' })]);
    expect(judgeRedis({ ...good, aof: false, save: null }, false)[0]!.message).toContain('could not be read');
  });
});
