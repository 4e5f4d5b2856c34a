import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServerHandle } from './harness/redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let server: RedisServerHandle | undefined;

/**
 * One private redis-server for the whole run (unless REDIS_URL names one), stopped at the end even
 * when workers are killed. Tests share it and keep apart by key prefix.
 */
export async function setup(project: TestProject): Promise<void> {
  build();
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  server = await startRedisServer();
  project.provide('redisUrl', server.redis.url);
}

/**
 * Tests that spawn `bb` (bin/bb.js) run the compiled JavaScript in dist/: compile the sources as
 * they are now (scripts/test.sh has done so already when it set BB_TEST_BUILT). Type errors are the
 * type check's business; only a build that wrote nothing stops the run.
 */
function build(): void {
  if (process.env.BB_TEST_BUILT === '1') return;
  const root = join(import.meta.dirname, '..');
  const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (!existsSync(join(root, 'dist/src/cli/main.js'))) {
    throw new Error(`tsc -p tsconfig.build.json wrote no dist/src/cli/main.js: ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
  }
}

export async function teardown(): Promise<void> {
  await server?.stop('SIGTERM');
}
