import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { Master } from '../../src/master.js';
import { createLogger } from '../../src/log.js';
import { intakeKeys } from '../../src/queue/intake.js';
import { spawnBb, tempDir, waitFor } from '../harness/bb.js';
import { writeTestConfig } from '../harness/config.js';
import { cleanupDir, deletePrefix, freshPrefix, startRedisServer, testRedis } from '../harness/redis.js';

/**
 * `bb sendchange` appends to a plain Redis list that the master drains (src/queue/intake.ts): an
 * acknowledged change is kept until a master has stored it, whether a master runs or not, and is
 * stored exactly once even when a master dies halfway through taking it.
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function masterOn(redisUrl: string, prefix: string, dir: string): Promise<Master> {
  const config = writeTestConfig(dir, {
    redis: { prefix },
    basedir: join(dir, 'master'),
    executors: [{ name: 'a', secret: 'secret-for-exec-a-0123456789' }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
  });
  const loaded = await loadConfig(config);
  const master = new Master({ config: loaded.config, secrets: loaded.secrets, redisUrl, logger: createLogger('test', { level: 'silent' }), baseDir: dir });
  await master.start();
  cleanups.push(() => master.stop());
  return master;
}

/** Runs `bb sendchange` as its own process to its end. */
async function sendchange(redisUrl: string, prefix: string, dir: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const p = spawnBb(['sendchange', '--redis', redisUrl, '--prefix', prefix, ...args], { logDir: dir, label: `sendchange-${Math.random().toString(36).slice(2)}` });
  const code = await p.exited;
  // The log file may lag the exit by a moment: wait for the (one-line) output, never for a time.
  const out = await waitFor('sendchange output', () => (p.log().includes('\n') ? p.log() : null));
  return { code, out };
}

describe('the change intake', () => {
  it('keeps an acknowledged sendchange while no master runs, through a Redis crash, until a master stores it', async () => {
    const server = await startRedisServer();
    const dir = tempDir('intake');
    cleanups.push(async () => {
      await server.stop('SIGKILL');
      cleanupDir(server.dir);
      cleanupDir(dir);
    });
    const prefix = freshPrefix('intake');
    const r = await sendchange(server.redis.url, prefix, dir, ['--who', 'Brian Warner <warner@example.org>', '-b', 'main', '-r', 'abcd0001', '-f', 'src/net.c', '-c', 'net: add timeouts']);
    expect(r.code).toBe(0);
    const id = /change queued \(([0-9a-f-]{36})\)/.exec(r.out)?.[1];
    expect(id).toBeDefined();

    // Acknowledged means written: a crash of Redis right after loses nothing (append-only file, as in production).
    await server.stop('SIGKILL');
    await server.restart();
    const conn = new Redis(server.redis.url);
    cleanups.push(() => void conn.disconnect());
    expect((await conn.lrange(intakeKeys(prefix).list, 0, -1)).map((e) => JSON.parse(e).id)).toEqual([id]);

    const master = await masterOn(server.redis.url, prefix, dir);
    const change = await waitFor('the change stored', async () => (await master.store.recentChanges(10))[0]);
    expect(change).toMatchObject({ id: 1, author: 'Brian Warner <warner@example.org>', branch: 'main', revision: 'abcd0001', files: ['src/net.c'], comments: 'net: add timeouts', source: 'sendchange' });
    await waitFor('the intake empty', async () => (await conn.exists(intakeKeys(prefix).list, intakeKeys(prefix).taking)) === 0);

    // With the master running, the next one is stored as well, after the first.
    const again = await sendchange(server.redis.url, prefix, dir, ['--who', 'Zooko <zooko@example.org>', '-b', 'main', '-r', 'abcd0002']);
    expect(again.code).toBe(0);
    expect(await waitFor('the second change stored', async () => (await master.store.recentChanges(10)).find((c) => c.revision === 'abcd0002'))).toMatchObject({ id: 2, author: 'Zooko <zooko@example.org>' });
    await master.settled();
  });

  it('stores what a dead master had taken, once, and sets aside what does not parse', async () => {
    const redis = await testRedis();
    const prefix = freshPrefix('intake-taken');
    const dir = tempDir('intake-taken');
    const conn = new Redis(redis.url);
    cleanups.push(async () => {
      conn.disconnect();
      await deletePrefix(redis.url, prefix);
      cleanupDir(dir);
    });
    const keys = intakeKeys(prefix);
    const entry = (id: string, revision: string) => JSON.stringify({ v: 1, id, change: { author: 'Daira <daira@example.org>', branch: 'main', revision } });
    // A master took three entries and died before letting go; it had stored the first already.
    const first = await masterOn(redis.url, prefix, dir);
    await first.store.addChanges([{ fields: { author: 'Daira <daira@example.org>', branch: 'main', revision: 'eeee0001', files: [], comments: '', repository: '', project: '', properties: {}, source: 'sendchange' }, key: 'intake|t-1' }]);
    await first.settled();
    await first.stop();
    cleanups.pop();
    await conn.rpush(keys.taking, entry('t-1', 'eeee0001'), entry('t-2', 'eeee0002'), '{"v":1,"id":"t-3","change":{"branch":"--upload-pack=x"}}');
    await conn.rpush(keys.list, entry('t-4', 'eeee0004'));

    const master = await masterOn(redis.url, prefix, dir);
    await waitFor('everything taken', async () => (await conn.exists(keys.list, keys.taking)) === 0 && (await master.store.lastChangeId()) >= 3);
    const stored = (await master.store.recentChanges(10)).reverse();
    expect(stored.map((c) => [c.id, c.revision])).toEqual([
      [1, 'eeee0001'],
      [2, 'eeee0002'],
      [3, 'eeee0004'],
    ]);
    expect(await conn.lrange(keys.failed, 0, -1)).toEqual(['{"v":1,"id":"t-3","change":{"branch":"--upload-pack=x"}}']);
  });

  it('sends with the password and database the URL gives, and says when Redis refuses', async () => {
    const server = await startRedisServer();
    const admin = new Redis(server.redis.url);
    await admin.config('SET', 'requirepass', 'sesame');
    admin.disconnect();
    const dir = tempDir('intake-auth');
    cleanups.push(async () => {
      await server.stop('SIGKILL');
      cleanupDir(server.dir);
      cleanupDir(dir);
    });
    const prefix = freshPrefix('intake-auth');
    const url = `redis://:sesame@127.0.0.1:${server.redis.port}/3`;
    const ok = await sendchange(url, prefix, dir, ['--who', 'Brian Warner <warner@example.org>', '-b', 'main', '-r', 'abcd0005']);
    expect(ok.code).toBe(0);
    const conn = new Redis(url);
    cleanups.push(() => void conn.disconnect());
    expect(await conn.llen(intakeKeys(prefix).list)).toBe(1);
    const refused = await sendchange(`redis://:wrong@127.0.0.1:${server.redis.port}/3`, prefix, dir, ['--who', 'Brian Warner <warner@example.org>', '-b', 'main']);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/^bb: Redis at 127\.0\.0\.1:\d+: WRONGPASS .*; nothing was queued/m);
    expect(await conn.llen(intakeKeys(prefix).list)).toBe(1);
  });

  it('refuses a bad change at once and queues nothing', async () => {
    const redis = await testRedis();
    const prefix = freshPrefix('intake-bad');
    const dir = tempDir('intake-bad');
    cleanups.push(async () => {
      await deletePrefix(redis.url, prefix);
      cleanupDir(dir);
    });
    const r = await sendchange(redis.url, prefix, dir, ['--who', 'Mallory <m@example.org>', '--branch=--upload-pack=x', '-r', 'abcd0003']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('bb: branch: not a valid branch name');
    const conn = new Redis(redis.url);
    try {
      expect(await conn.exists(intakeKeys(prefix).list)).toBe(0);
    } finally {
      conn.disconnect();
    }
  });
});
