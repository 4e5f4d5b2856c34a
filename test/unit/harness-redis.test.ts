import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import {
  cleanupDir,
  deletePrefix,
  freePort,
  freshPrefix,
  startRedisServer,
  testRedis,
  type RedisServerHandle,
} from '../harness/redis.js';

// The test harness's Redis, for real: the worker's own server, fresh prefixes, prefix cleanup and
// a private server that keeps its data through a crash and restart (append-only file).

const clients: Redis[] = [];
function client(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
}

afterAll(() => {
  for (const c of clients) c.disconnect();
});

describe('test harness: redis', () => {
  it('gives a free loopback port and prefixes that do not repeat', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
    const prefixes = new Set(Array.from({ length: 50 }, () => freshPrefix('unit')));
    expect(prefixes.size).toBe(50);
    for (const p of prefixes) expect(p).toMatch(/^bbtest-unit-[0-9a-f]{10}$/);
  });

  it('shares one server for the run and stores under a fresh prefix', async () => {
    const a = await testRedis();
    const b = await testRedis();
    expect(b).toBe(a);
    expect(a.url).toMatch(/^redis:\/\//);
    const r = client(a.url);
    expect(await r.ping()).toBe('PONG');
    const prefix = freshPrefix('setget');
    await r.set(`${prefix}:greeting`, 'hello');
    await r.hset(`${prefix}:hash`, { a: '1', b: '2' });
    expect(await r.get(`${prefix}:greeting`)).toBe('hello');
    expect(await r.hgetall(`${prefix}:hash`)).toEqual({ a: '1', b: '2' });
    await deletePrefix(a.url, prefix);
  });

  it('deletePrefix removes only the keys under that prefix', async () => {
    const { url } = await testRedis();
    const r = client(url);
    const mine = freshPrefix('mine');
    const other = freshPrefix('other');
    // Enough keys that SCAN takes more than one round.
    const pipe = r.pipeline();
    for (let i = 0; i < 2500; i++) pipe.set(`${mine}:k${i}`, String(i));
    pipe.set(`${other}:keep`, 'other');
    // Same leading characters but not under `${mine}:`: must survive.
    pipe.set(`${mine}x:keep`, 'lookalike');
    pipe.set(mine, 'bare prefix key');
    await pipe.exec();

    await deletePrefix(url, mine);

    expect(await r.keys(`${mine}:*`)).toEqual([]);
    expect(await r.get(`${other}:keep`)).toBe('other');
    expect(await r.get(`${mine}x:keep`)).toBe('lookalike');
    expect(await r.get(mine)).toBe('bare prefix key');
    await r.del(`${mine}x:keep`, mine);
    await deletePrefix(url, other);
    expect(await r.exists(`${other}:keep`)).toBe(0);
  });

  describe('a private server with AOF', () => {
    let server: RedisServerHandle | undefined;
    afterAll(async () => {
      if (server) {
        await server.stop('SIGKILL');
        cleanupDir(server.dir);
      }
    });

    it('keeps its data through a crash and a restart on the same port', async () => {
      server = await startRedisServer();
      const { url, port } = server.redis;
      expect(url).toBe(`redis://127.0.0.1:${port}`);
      if (process.env.REDIS_URL) expect(url).not.toBe(process.env.REDIS_URL);

      const prefix = freshPrefix('aof');
      const before = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        const aof = (await before.config('GET', 'appendonly')) as string[];
        expect(aof).toEqual(['appendonly', 'yes']);
        await before.set(`${prefix}:change`, 'abc123');
        await before.rpush(`${prefix}:queue`, 'one', 'two', 'three');
      } finally {
        before.disconnect();
      }

      await server.stop('SIGKILL');
      const down = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      down.on('error', () => {});
      await expect(down.connect()).rejects.toThrow();
      down.disconnect();

      await server.restart();
      const after = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        expect(await after.get(`${prefix}:change`)).toBe('abc123');
        expect(await after.lrange(`${prefix}:queue`, 0, -1)).toEqual(['one', 'two', 'three']);
      } finally {
        after.disconnect();
      }

      // A clean stop (SIGTERM) keeps it too.
      await server.stop('SIGTERM');
      await server.restart();
      const again = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        expect(await again.llen(`${prefix}:queue`)).toBe(3);
      } finally {
        again.disconnect();
      }
    });
  });
});
