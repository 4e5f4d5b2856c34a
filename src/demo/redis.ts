import { freePort } from '../util/net.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from '../data/connect.js';

export class MissingRedisError extends Error {}


/** A private redis-server on a free loopback port, data in a temp dir, AOF on. */
export async function startPrivateRedis(): Promise<{ url: string; dir: string; stop(): void }> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new MissingRedisError(
      'redis-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`) or set REDIS_URL to a Redis 6.2+ server.',
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bb-demo-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await redisAnswers(url)) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, dir, stop: () => child.kill('SIGTERM') };
}
