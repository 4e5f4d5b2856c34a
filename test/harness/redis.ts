import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from '../../src/util/net.js';

export { freePort };
import { inject } from 'vitest';

/**
 * A real Redis for tests. test/global-setup.ts starts one private `redis-server` for the whole run
 * (or passes on REDIS_URL) and every test file reaches it here. Each test takes a fresh key prefix
 * from `freshPrefix()`. Tests that stop and restart a server start their own with `startRedisServer`.
 */
export interface TestRedis {
  url: string;
  /** Start a new private server (for restart tests); REDIS_URL is ignored. */
  port: number;
}

let shared: Promise<TestRedis> | undefined;
const children = new Set<ChildProcess>();


/** The run's shared server. */
export function testRedis(): Promise<TestRedis> {
  if (!shared) {
    const url = inject('redisUrl');
    shared = Promise.resolve({ url, port: Number(new URL(url).port || 6379) });
  }
  return shared;
}

export interface RedisServerHandle {
  redis: TestRedis;
  dir: string;
  /** SIGKILL (crash) or SIGTERM (clean stop) the server; the data dir stays for a restart. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same port and data dir (append-only file on, so data survives). */
  restart(): Promise<void>;
}

/**
 * Start a private redis-server with AOF on, as production runs it. `settings` override that
 * (the guardrail tests: `{ appendonly: 'no' }`, `{ 'maxmemory-policy': 'allkeys-lru' }`).
 */
export async function startRedisServer(settings: Record<string, string> = {}): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bb-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      Object.entries({ port: String(port), bind: '127.0.0.1', dir, save: '', appendonly: 'yes', appendfsync: 'always', 'maxmemory-policy': 'noeviction', logfile: join(dir, 'redis.log'), ...settings })
        .flatMap(([k, v]) => [`--${k}`, v]),
      { stdio: 'ignore' },
    );
    children.add(child);
    child.on('exit', () => child && children.delete(child));
    await waitForRedis(`redis://127.0.0.1:${port}`);
  };
  await start();
  return {
    redis: { url: `redis://127.0.0.1:${port}`, port },
    dir,
    async stop(signal = 'SIGTERM') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill(signal);
      });
    },
    restart: start,
  };
}

async function waitForRedis(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch (err) {
      client.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server did not start at ${url}: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Whether a Redis answers PING at `url` now (one try, no retries; for waitFor). */
export async function redisAnswers(url: string): Promise<boolean> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

/** A key prefix no other test uses. */
export function freshPrefix(label = 't'): string {
  return `bbtest-${label}-${randomBytes(5).toString('hex')}`;
}

/** Remove every key under a prefix (BullMQ's keys included). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

function killAll() {
  for (const c of children) c.kill('SIGKILL');
}
process.once('exit', killAll);

export function cleanupDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}
