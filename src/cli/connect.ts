import type { Command } from 'commander';
import type { Store } from '../data/store.js';
import { CliError } from './connect-error.js';

export { CliError };

export interface ConnOptions {
  redis?: string;
  prefix?: string;
}

/** Options every command that talks to a running bb takes. */
export function addConnOptions(cmd: Command): Command {
  return cmd
    .option('--redis <url>', 'Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--prefix <prefix>', 'key prefix of the bb installation (default: $BB_PREFIX or "bb")');
}

export function connUrl(o: ConnOptions): string {
  return o.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export function connPrefix(o: ConnOptions): string {
  return o.prefix ?? process.env.BB_PREFIX ?? 'bb';
}

/** A read-only view of the store for CLI commands. Fails fast when Redis is not there. */
export async function openStore(o: ConnOptions): Promise<{ store: Store; close(): void }> {
  const url = connUrl(o);
  // Loaded here, not at the top: commands that never open the store (sendchange) skip it.
  const [{ Redis }, { Store }] = await Promise.all([import('ioredis'), import('../data/store.js')]);
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
  } catch (err) {
    throw new CliError(`cannot reach Redis at ${url}: ${(err as Error).message} (set --redis or REDIS_URL)`);
  }
  return { store: new Store(redis, connPrefix(o)), close: () => redis.disconnect() };
}
