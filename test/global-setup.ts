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
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  server = await startRedisServer();
  project.provide('redisUrl', server.redis.url);
}

export async function teardown(): Promise<void> {
  await server?.stop('SIGTERM');
}
