import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { Master } from '../../src/master.js';
import { BbClient } from '../../src/queue/client.js';
import { recordingLogger } from '../harness/master-with.js';
import { probe, spawnBb, tempDir, waitFor } from '../harness/bb.js';
import { writeTestConfig } from '../harness/config.js';
import { cleanupDir, freshPrefix, startRedisServer } from '../harness/redis.js';

/**
 * A lone master whose Redis goes away for longer than the leader lease stands down by its own
 * clock (README "Running several masters"), and must lead again once Redis is back. Its readers
 * were blocked in BLMOVE and XREAD when Redis died; ioredis leaves such a command pending for ever
 * when the connection is closed while it reconnects (redis/ioredis#2197), and the step-down used to
 * wait for it: the master stood by for good and took in changes it never stored (first seen after
 * a Sentinel failover, in 1 of 4 runs of redis-sentinel.test.ts).
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The commands clients of `url` are blocked in (CLIENT LIST, flag `b`). */
async function blockedCommands(url: string): Promise<string[]> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list
      .split('\n')
      .filter((l) => / flags=\S*b/.test(l))
      .map((l) => /\bcmd=(\S+)/.exec(l)?.[1] ?? '?');
  } finally {
    admin.disconnect();
  }
}

/** A private redis-server and a master config on it (one executor, one builder), removed after the test. */
async function scene(label: string) {
  const server = await startRedisServer();
  const dir = tempDir(label);
  const prefix = freshPrefix(label);
  cleanups.push(async () => {
    await server.stop('SIGKILL');
    cleanupDir(server.dir);
    cleanupDir(dir);
  });
  const cfg = writeTestConfig(dir, {
    redis: { prefix },
    basedir: join(dir, 'master'),
    executors: [{ name: 'a', secret: 'outage-secret-for-exec-a-0123456789' }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
  });
  return { server, dir, prefix, url: server.redis.url, cfg };
}

/** Waits until the change intake (BLMOVE) and the executors' event streams (XREAD) wait in Redis. */
async function readersBlocked(url: string): Promise<void> {
  await waitFor('the readers to be blocked in Redis', async () => {
    const cmds = await blockedCommands(url);
    return cmds.includes('blmove') && cmds.includes('xread') ? cmds : false;
  });
}

/** Sends a change as `bb sendchange` does and waits until a master has stored it. */
async function sendAndWaitStored(url: string, prefix: string, author: string, revision: string) {
  const client = new BbClient(url, prefix);
  cleanups.push(() => client.close());
  await client.sendChange({ author, files: ['src/net.c'], branch: 'main', revision });
  const p = probe(url, prefix);
  cleanups.push(() => p.close());
  return waitFor('the change to be stored', async () => (await p.store.recentChanges(10)).find((c) => c.revision === revision) ?? false);
}

describe('a Redis outage longer than the lease', () => {
  it('the lone master stands down, then leads again once Redis is back and stores what was sent meanwhile', async () => {
    const { server, dir, prefix, url, cfg } = await scene('outage');
    const loaded = await loadConfig(cfg);
    const rec = recordingLogger();
    const master = new Master({ config: loaded.config, secrets: loaded.secrets, redisUrl: url, logger: rec.logger, baseDir: dir, lease: { ttlMs: 3000, renewMs: 1000, pollMs: 200 } });
    cleanups.push(() => master.stop());
    await master.start();
    expect(master.role).toBe('leader');
    const said = (msg: string) => rec.lines.filter((l) => l.msg === msg).length;

    await readersBlocked(url);
    await server.stop('SIGKILL');
    // Redis stays away past the lease: the master stands down by its own clock, and its parts
    // stop while its connections reconnect in vain.
    await waitFor('the master to stand down', () => master.role === 'standby');
    await waitFor('the leader parts to stop', () => said('the leader parts have stopped') === 1).catch((err: Error) => {
      // Which part it still waits for (src/util/slow-step.ts says so every 10 s).
      const waiting = new Set(rec.lines.filter((l) => typeof l.step === 'string').map((l) => String(l.step)));
      throw new Error(`${err.message}; still waiting for: ${[...waiting].join('; ') || 'nothing said'}`);
    });

    await server.restart();
    await waitFor('the master to lead again', () => master.role === 'leader');
    expect(said('took the lead')).toBe(2);

    // It works as before: a change sent now is stored.
    const stored = await sendAndWaitStored(url, prefix, 'Brian Warner <warner@example.org>', 'feed0001');
    expect(stored.author).toBe('Brian Warner <warner@example.org>');
  }, 120_000);

  it('a master told to stop while its Redis is away stops, and the next one leads once Redis is back', async () => {
    const { server, dir, prefix, url, cfg } = await scene('outstop');
    const first = spawnBb(['master', '--config', cfg, '--redis', url], { logDir: dir, label: 'master-1' });
    cleanups.push(() => first.kill('SIGKILL'));
    await waitFor('the master to lead', () => /"msg":"master started"/.test(first.log()) && /took the lead/.test(first.log()));
    await readersBlocked(url);
    await server.stop('SIGKILL');
    // Stopped at once, while it still holds the lease: it stops, whatever Redis does.
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    await server.restart();
    const second = spawnBb(['master', '--config', cfg, '--redis', url], { logDir: dir, label: 'master-2' });
    cleanups.push(() => second.kill('SIGKILL'));
    await waitFor('the next master to lead', () => /took the lead/.test(second.log()), 60_000);
    await sendAndWaitStored(url, prefix, 'Zooko <zooko@example.org>', 'feed0002');
  }, 120_000);
});
